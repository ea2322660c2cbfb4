/*
 * stats.c -- looking at a heap without changing it: space samples,
 * gc_stats, gc_pages, gc_each_object (the event records: tracer.c).
 *
 * Invariants: nothing here moves, frees or allocates an object, or changes
 * a policy counter; the only write is new_space_seal (To-space's current
 * page made iterable up to its top), which changes no object.  Counts come
 * from the spaces' counters where they are kept exact (the verifier checks
 * them), from page walks otherwise.
 */
#include <stdlib.h>

#include "heap_internal.h"

void heap_sample(const gc_heap *h, gc_space_sample s[GC_SPACE_COUNT]) {
  s[GC_SPACE_NEW] = (gc_space_sample){h->new_space.size, h->new_space.objects, 2 * h->new_space.capacity};
  s[GC_SPACE_OLD] = (gc_space_sample){h->old.size, h->old.objects,
                                      (uint64_t)h->old.pages.count << h->page_shift};
  s[GC_SPACE_LARGE] = (gc_space_sample){h->lo.size, h->lo.objects, h->lo.committed};
  s[GC_SPACE_NEW_LARGE] = (gc_space_sample){h->nlo.size, h->nlo.objects, h->nlo.committed};
}

void gc_on_gc(gc_heap *h, gc_event_fn fn, void *ud) {
  h->on_gc = fn;
  h->on_gc_ud = ud;
}

void gc_stats(const gc_heap *h, gc_heap_stats *out) {
  memset(out, 0, sizeof *out);
  gc_space_sample s[GC_SPACE_COUNT];
  heap_sample(h, s);
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    gc_space_stats *t = &out->space[i];
    t->size = s[i].size;
    t->objects = s[i].objects;
    t->committed = s[i].committed;
  }
  out->space[GC_SPACE_NEW].capacity = h->new_space.capacity;
  out->space[GC_SPACE_NEW].pages = h->new_space.semi[0].count + h->new_space.semi[1].count;
  out->space[GC_SPACE_NEW].live = h->new_space.size_at_age_mark;
  out->space[GC_SPACE_OLD].capacity = (uint64_t)h->old.pages.count << h->page_shift;
  out->space[GC_SPACE_OLD].pages = h->old.pages.count;
  out->space[GC_SPACE_OLD].free = h->old.free.bytes;
  out->space[GC_SPACE_OLD].live = h->old.live;
  out->space[GC_SPACE_LARGE].capacity = s[GC_SPACE_LARGE].committed;
  out->space[GC_SPACE_LARGE].pages = h->lo.pages.count;
  out->space[GC_SPACE_LARGE].live = h->lo.size;
  out->space[GC_SPACE_NEW_LARGE].capacity = s[GC_SPACE_NEW_LARGE].committed;
  out->space[GC_SPACE_NEW_LARGE].pages = h->nlo.pages.count;
  out->space[GC_SPACE_NEW_LARGE].live = h->nlo.size;
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    gc_space_stats *t = &out->space[i];
    out->total.capacity += t->capacity;
    out->total.committed += t->committed;
    out->total.size += t->size;
    out->total.live += t->live;
    out->total.free += t->free;
    out->total.objects += t->objects;
    out->total.pages += t->pages;
  }
  out->old_limit = h->old_limit;
  out->old_max = h->old_max;
  out->semi_space_capacity = h->new_space.capacity;
  out->age_mark = h->new_space.age_mark ? heap_offset(h, h->new_space.age_mark) : 0;
  out->allocated_bytes = h->allocated_total;
  out->objects_allocated = h->objects_allocated;
  out->gcs = h->gc_count;
  for (const page *p = h->old.pages.head; p; p = p->next) out->old_to_new_slots += slot_set_count(p);
  for (const page *p = h->lo.pages.head; p; p = p->next) out->old_to_new_slots += slot_set_count(p);
  out->handles = h->live_handles;
  out->virtual_time_us = heap_vclock(h) / 1000;
  external_stats(h, &out->external_bytes, &out->external_young_bytes, &out->external_limit);
}

static int page_cmp(const void *a, const void *b) {
  const page *x = *(page *const *)a, *y = *(page *const *)b;
  return x->start < y->start ? -1 : (x->start > y->start);
}

gc_status gc_pages(gc_heap *h, gc_space space, gc_page_info *out, size_t cap, size_t *n) {
  if (!n) return heap_fail(h, GC_EINVAL, "n: expected a pointer, got NULL");
  if ((unsigned)space > GC_SPACE_COUNT)
    return heap_fail(h, GC_EINVAL, "space: expected a space or GC_SPACE_COUNT, got %d", (int)space);
  new_space_seal(h);
  page_list *lists[] = {&h->new_space.semi[h->new_space.to], &h->new_space.semi[h->new_space.to ^ 1], &h->old.pages, &h->lo.pages,
                        &h->nlo.pages};
  size_t total = 0;
  for (size_t i = 0; i < 5; i++) total += lists[i]->count;
  page **all = malloc((total + 1) * sizeof *all);
  if (!all) return heap_fail(h, GC_ENOMEM, "out of process memory");
  size_t k = 0;
  for (size_t i = 0; i < 5; i++)
    for (page *p = lists[i]->head; p; p = p->next)
      if (space == GC_SPACE_COUNT || p->space == space) all[k++] = p;
  qsort(all, k, sizeof *all, page_cmp);
  for (size_t i = 0; i < k && i < cap && out; i++) {
    page *p = all[i];
    gc_page_info *pi = &out[i];
    memset(pi, 0, sizeof *pi);
    pi->index = p->unit;
    pi->space = p->space;
    pi->address = heap_offset(h, p->start);
    pi->size = p->size;
    pi->live = p->live_bytes;
    pi->to_space = (p->flags & PAGE_TO) != 0;
    if (p->space == GC_SPACE_NEW) {
      if (pi->to_space) {
        for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
          pi->used += c.size;
          pi->objects++;
        }
        pi->largest_free = p->start + p->size - page_iteration_end(h, p);
      } else {
        pi->largest_free = p->size;
      }
    } else {
      pi->used = p->used_bytes;
      pi->objects = p->objects;
      pi->largest_free = (p->flags & PAGE_LARGE) ? p->size - p->used_bytes : page_largest_free(h, p);
    }
    pi->free = p->size - pi->used;
  }
  free(all);
  *n = k;
  return GC_OK;
}

gc_status gc_each_object(gc_heap *h, gc_object_fn fn, void *ud) {
  if (!fn) return heap_fail(h, GC_EINVAL, "fn: expected a function, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_each_object: not allowed during a GC");
  new_space_seal(h);
  gc_object_info info;
  const page_list *lists[] = {&h->new_space.semi[h->new_space.to], &h->old.pages};
  for (int i = 0; i < 2; i++)
    for (const page *p = lists[i]->head; p; p = p->next)
      for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
        object_info_fill(h, c.a, &info);
        if (!fn(&info, ud)) return GC_OK;
      }
  lo_space *los[] = {&h->lo, &h->nlo};
  for (int i = 0; i < 2; i++)
    for (page *p = los[i]->pages.head; p; p = p->next) {
      object_info_fill(h, p->start, &info);
      if (!fn(&info, ud)) return GC_OK;
    }
  return GC_OK;
}
