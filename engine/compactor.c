/*
 * compactor.c -- Mark-Compact's moving half, two strategies.
 *
 * evacuate (V8): pick evacuation candidates among old pages -- free bytes
 *   at least evacuation_free_pct of the page (evacuation_free_pct_reducing
 *   when reducing memory), taken in ascending live bytes up to a live-byte
 *   quota, none at all if evacuating them would not free a page -- copy
 *   their live objects into the rest of old space and release them.
 *   Candidate pages never receive objects: their free space is not on the
 *   free lists.
 * slide (the textbook picture): compute, page by page in address order, a
 *   new address for every live old object so that live data becomes one run
 *   from the start of old space, keeping its order (an object that does not
 *   fit the rest of a page starts the next one: objects never straddle).
 *   References are updated to the new addresses first, then objects move
 *   in address order; a destination is never above its source, so no
 *   object is overwritten before it is read.
 *
 * Either way every reference is updated afterwards: rooted and weak
 * handles, the slots of every live object, and (rebuilt by full_gc.c) the
 * remembered sets.  Forwarding for evacuate is the header word; for slide
 * the id word (size and colour must stay readable until the objects move):
 * the plan keeps the ids and puts them back as the objects move.
 */
#include <stdlib.h>

#include "heap_internal.h"
#include "handles.h"
#include "weak.h"

/* ------------------------------------------------------------- evacuate */

typedef struct cand {
  page *p;
  uint64_t live;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->live != y->live) return x->live < y->live ? -1 : 1;
  return x->p->start < y->p->start ? -1 : (x->p->start > y->p->start);
}

/* V8 11.3's MarkCompactCollector::ComputeEvacuationHeuristics: a page is a
 * candidate when this much of it is free, and candidates are taken,
 * emptiest first, up to this many live bytes.  A memory-reducing GC uses
 * free_threshold_reducing and 12 MB, one near the maximum
 * (ShouldOptimizeForMemoryUsage, heap_optimize_for_memory) the same
 * threshold and 6 MB, any other free_threshold and 4 MB (V8 moves to a
 * threshold from its compaction speed once it has samples; gclab keeps
 * 70%).  The 12 and 6 MB are kept in V8's proportion to the regular quota
 * (old_space.compaction.quota, 4 MiB in node20), so scaled profiles scale
 * them too. */
static void evacuation_heuristics(const gc_heap *h, bool reduce_memory, uint32_t *pct, uint64_t *quota) {
  const gc_config *c = &h->cfg;
  uint64_t q = c->old_space.evacuation_quota;
  if (reduce_memory) {
    *pct = c->old_space.evacuation_free_pct_reducing;
    *quota = q * 3; /* kMaxEvacuatedBytesForReduceMemory: 12 MB to 4 */
  } else if (heap_optimize_for_memory(h)) {
    *pct = c->old_space.evacuation_free_pct_reducing;
    *quota = q * 3 / 2; /* kMaxEvacuatedBytesForOptimizeMemory: 6 MB to 4 */
  } else {
    *pct = c->old_space.evacuation_free_pct;
    *quota = q;
  }
}

/* Mark candidate pages PAGE_EVACUATE; returns how many. */
uint32_t compact_select_candidates(gc_heap *h, bool reduce_memory) {
  uint32_t pct;
  uint64_t quota;
  evacuation_heuristics(h, reduce_memory, &pct, &quota);
  uint32_t n = 0;
  cand *v = malloc((h->old.pages.count + 1) * sizeof *v);
  if (!v) return 0;
  for (page *p = h->old.pages.head; p; p = p->next) {
    if (p->live_bytes == 0) continue; /* the sweeper releases it anyway */
    uint64_t free_bytes = p->size - p->live_bytes;
    if (free_bytes * 100 >= (uint64_t)pct * p->size) v[n++] = (cand){p, p->live_bytes};
  }
  qsort(v, n, sizeof *v, cand_cmp);
  uint64_t live = 0;
  uint32_t take = 0;
  for (; take < n; take++) {
    if (live + v[take].live > quota) break;
    live += v[take].live;
  }
  /* Skip compaction when it would not free a single page. */
  uint64_t pages_needed = (live + page_area(h) - 1) / page_area(h);
  if (pages_needed >= take) take = 0;
  for (uint32_t i = 0; i < take; i++) v[i].p->flags |= PAGE_EVACUATE;
  free(v);
  return take;
}

/* Copy one live (black) object into old space; the copy is white. */
addr_t evacuate_object(gc_heap *h, addr_t a) {
  uint64_t size = obj_size(obj_at(a));
  addr_t to = old_space_alloc(h, size);
  if (!to) return 0;
  memcpy((void *)to, (const void *)a, size);
  obj_set_color(obj_at(to), GC_WHITE);
  set_forwarding(obj_at(a), to);
  return to;
}

/* Move the live objects off every candidate page, then release the pages. */
void compact_evacuate_candidates(gc_heap *h) {
  gc_event *ev = h->current_event;
  for (page *p = h->old.pages.head; p; p = p->next) {
    if (!(p->flags & PAGE_EVACUATE)) continue;
    for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
      if (obj_color(obj_at(c.a)) != GC_BLACK) continue;
      if (!evacuate_object(h, c.a)) {
        /* No room: abort the rest of this page's evacuation.  The page
         * stays (V8's aborted evacuation); its remaining objects are
         * swept in place below. */
        p->flags |= PAGE_ABORTED;
        break;
      }
      ev->moved_bytes += c.size;
      ev->moved_objects++;
    }
  }
}

void compact_release_candidates(gc_heap *h) {
  gc_event *ev = h->current_event;
  for (page *p = h->old.pages.head, *next; p; p = next) {
    next = p->next;
    if (!(p->flags & PAGE_EVACUATE)) continue;
    if (p->flags & PAGE_ABORTED) {
      /* Aborted: keep the page; objects that did move left forwarding
       * headers, which become free space, the rest stay in place. */
      p->flags &= ~(PAGE_EVACUATE | PAGE_ABORTED);
      h->old.size -= p->used_bytes;
      h->old.objects -= p->objects;
      for (page_cursor c = page_walk(h, p); page_next_block(&c);)
        if (w0_forwarded(obj_at(c.a)->w0)) write_filler(c.a, c.size); /* dead copy source */
      sweep_page(h, p);
      h->old.size += p->used_bytes;
      h->old.objects += p->objects;
      continue;
    }
    old_space_release_page(h, p);
    ev->pages_evacuated++;
    ev->pages_released++;
  }
}

/* ----------------------------------------------------------------- slide */

typedef struct fwd {
  addr_t from, to;
  uint64_t id; /* the object's id, while its id word holds `to` */
} fwd;

typedef struct slide_plan {
  fwd *v;
  size_t n, cap;
} slide_plan;

/* The final address of whatever `a` points to: a young object promoted by
 * this GC is followed to its copy, an old object's id word holds its
 * destination (every live old object is in the plan). */
static addr_t resolve_slide(gc_heap *h, addr_t a) {
  if (w0_forwarded(obj_at(a)->w0)) a = forwarding(obj_at(a));
  if (page_of(h, a)->space == GC_SPACE_OLD) a = (addr_t)obj_at(a)->id;
  return a;
}

static void slide_update_object(gc_heap *h, addr_t a) {
  obj *o = obj_at(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++)
    if (is_ptr(o->slots[i])) o->slots[i] = (tagged)resolve_slide(h, (addr_t)o->slots[i]);
}

void compact_slide(gc_heap *h) {
  gc_event *ev = h->current_event;
  slide_plan sp = {0};
  /* 1. Plan: destination addresses in address order. */
  page *dpage = h->old.pages.head;
  addr_t dtop = dpage ? dpage->start : 0;
  size_t npages = h->old.pages.count;
  addr_t *fill_end = calloc(npages + 1, sizeof *fill_end);
  size_t di = 0;
  bool ok = fill_end != NULL;
  for (page *p = h->old.pages.head; p && ok; p = p->next) {
    for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
      addr_t a = c.a;
      uint64_t sz = c.size;
      if (obj_color(obj_at(a)) == GC_BLACK) {
        if (dtop + sz > dpage->start + dpage->size) {
          fill_end[di++] = dtop;
          dpage = dpage->next;
          dtop = dpage->start;
        }
        if (sp.n == sp.cap) {
          size_t cap = sp.cap ? sp.cap * 2 : 1024;
          fwd *nv = realloc(sp.v, cap * sizeof *nv);
          if (!nv) {
            ok = false;
            break;
          }
          sp.v = nv;
          sp.cap = cap;
        }
        sp.v[sp.n++] = (fwd){a, dtop, 0};
        dtop += sz;
      }
    }
  }
  if (!ok) {
    /* Out of process memory for the plan: fall back to sweeping.  Young
     * survivors were already evacuated: their referrers must follow. */
    free(sp.v);
    free(fill_end);
    sweep_old_space(h);
    update_all_references(h);
    return;
  }
  if (dpage) fill_end[di++] = dtop;
  for (size_t i = 0; i < sp.n; i++) {
    obj *o = obj_at(sp.v[i].from);
    sp.v[i].id = o->id;
    o->id = (uint64_t)sp.v[i].to;
  }

  /* 2. Update every reference to its final address. */
  for (uint32_t i = 0; i < h->nhandles; i++) {
    hentry *e = &h->handles[i];
    if (e->state == H_LIVE) e->addr = resolve_slide(h, e->addr);
  }
  weak_update_refs(h, resolve_slide);
  for (page *p = h->old.pages.head; p; p = p->next)
    for (page_cursor c = page_walk(h, p); page_next_object(&c);)
      if (obj_color(obj_at(c.a)) == GC_BLACK) slide_update_object(h, c.a);
  for (page *p = h->lo.pages.head; p; p = p->next) slide_update_object(h, p->start);
  for (page *p = h->new_space.semi[h->new_space.to].head; p; p = p->next)
    for (page_cursor c = page_walk(h, p); page_next_object(&c);) slide_update_object(h, c.a);

  /* 3. Move, in address order (destination <= source). */
  for (size_t i = 0; i < sp.n; i++) {
    uint64_t sz = obj_size(obj_at(sp.v[i].from));
    if (sp.v[i].to != sp.v[i].from) {
      memmove((void *)sp.v[i].to, (const void *)sp.v[i].from, sz);
      ev->moved_bytes += sz;
      ev->moved_objects++;
    }
    obj_at(sp.v[i].to)->id = sp.v[i].id;
    obj_set_color(obj_at(sp.v[i].to), GC_WHITE);
  }

  /* 4. Rebuild pages: live prefix, one free block after it, empty pages go. */
  old_space *o = &h->old;
  free_list_clear(h);
  o->lab_top = o->lab_limit = 0;
  o->lab_page = NULL;
  o->size = o->objects = 0;
  size_t fi = 0, vi = 0;
  for (page *p = o->pages.head, *next; p; p = next) {
    next = p->next;
    slot_set_free(p);
    if (fi >= di) {
      p->used_bytes = p->objects = 0;
      old_space_release_page(h, p);
      ev->pages_released++;
      continue;
    }
    addr_t end = fill_end[fi++];
    uint64_t used = 0;
    uint32_t objs = 0;
    while (vi < sp.n && sp.v[vi].to < p->start + p->size && sp.v[vi].to >= p->start) {
      used += obj_size(obj_at(sp.v[vi].to));
      objs++;
      vi++;
    }
    p->top = p->start + p->size;
    p->used_bytes = used;
    p->objects = objs;
    p->live_bytes = used;
    if (end < p->top) free_list_add(h, end, p->top - end);
    o->size += used;
    o->objects += objs;
  }
  free(sp.v);
  free(fill_end);
}

/* ------------------------------------------------- references after moves */

static inline tagged follow(tagged v) {
  if (is_ptr(v) && w0_forwarded(obj_at((addr_t)v)->w0)) return (tagged)forwarding(obj_at((addr_t)v));
  return v;
}

static addr_t resolve_forwarded(gc_heap *h, addr_t a) {
  (void)h;
  return (addr_t)follow((tagged)a);
}

static void update_object(gc_heap *h, addr_t a) {
  (void)h;
  obj *o = obj_at(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++) o->slots[i] = follow(o->slots[i]);
}

static bool update_slot(gc_heap *h, page *p, addr_t slot, void *ud) {
  (void)h;
  (void)p;
  (void)ud;
  *(tagged *)slot = follow(*(tagged *)slot);
  return true; /* full_gc.c rebuilds the remembered sets afterwards */
}

static void update_page(gc_heap *h, page *p) {
  for (page_cursor c = page_walk(h, p); page_next_object(&c);) update_object(h, c.a);
}

/* After a full GC's young evacuation when no old page was evacuated:
 * only young objects moved, so the only slots that can hold a stale
 * address are the handles, the remembered old->new slots of old and large
 * pages, the slots of every large object (a young one relinked by this GC
 * has no remembered set), and the slots of the young survivors themselves
 * -- those still in new space and those listed in h->left_new_space (promoted
 * copies and objects of pages promoted whole). */
void update_young_references(gc_heap *h) {
  for (uint32_t i = 0; i < h->nhandles; i++) {
    hentry *e = &h->handles[i];
    if (e->state == H_LIVE) e->addr = (addr_t)follow((tagged)e->addr);
  }
  for (page *p = h->old.pages.head; p; p = p->next) slot_set_iterate(h, p, update_slot, NULL);
  for (page *p = h->lo.pages.head; p; p = p->next) update_object(h, p->start);
  for (size_t i = 0; i < h->left_new_space.n; i++) update_object(h, h->left_new_space.v[i]);
  for (page *p = h->new_space.semi[h->new_space.to].head; p; p = p->next) update_page(h, p);
  weak_update_refs(h, resolve_forwarded);
}

/* After evacuation (forwarding headers in place): every live object,
 * handle and worklist entry follows its object's copy. */
void update_all_references(gc_heap *h) {
  for (uint32_t i = 0; i < h->nhandles; i++) {
    hentry *e = &h->handles[i];
    if (e->state == H_LIVE) e->addr = (addr_t)follow((tagged)e->addr);
  }
  for (page *p = h->old.pages.head; p; p = p->next)
    if (!(p->flags & PAGE_EVACUATE) || (p->flags & PAGE_ABORTED)) {
      for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
        bool live = !w0_forwarded(obj_at(c.a)->w0) &&
                    (!(p->flags & PAGE_EVACUATE) || obj_color(obj_at(c.a)) == GC_BLACK);
        if (live) update_object(h, c.a);
      }
    }
  for (page *p = h->lo.pages.head; p; p = p->next) update_object(h, p->start);
  for (page *p = h->nlo.pages.head; p; p = p->next) update_object(h, p->start);
  for (page *p = h->new_space.semi[h->new_space.to].head; p; p = p->next) update_page(h, p);
  weak_update_refs(h, resolve_forwarded);
}
