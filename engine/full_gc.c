/*
 * full_gc.c -- the stop-the-world old-generation collection: Mark-Sweep or
 * Mark-Compact, over the whole heap.
 *
 * Order: finish marking (or mark from scratch) -> handles of unmarked
 * objects die -> young large objects are promoted (relinked) or released ->
 * then either
 *   sweep/evacuate: choose evacuation candidates (Mark-Compact only), sweep
 *     every other old page, evacuate the young survivors (all promoted by
 *     default, V8's --always-promote-young-mc; a new-space page at least
 *     page_promotion_pct live moves to old space whole; promotion never
 *     takes the old generation's committed pages past its maximum -- what
 *     does not fit stays young), evacuate the candidates, update every
 *     reference, release the candidates;
 *   slide: evacuate the young survivors, then slide old space.
 * Finally the OLD_TO_NEW remembered sets are rebuilt from the surviving
 * old->new slots (there are none when every young survivor was promoted).
 * After a full GC every object is white again and the worklist is empty.
 */
#include "heap_internal.h"
#include "weak.h"

static void promote_young_page(gc_heap *h, page *p, int semi, bool keep_black) {
  gc_event *ev = h->cur;
  page_list_remove(&h->nw.semi[semi], p);
  page *r = page_take(h, 1, GC_SPACE_NEW, PAGE_YOUNG);
  if (r) page_list_append(&h->nw.semi[semi], r);
  p->flags = 0;
  p->space = GC_SPACE_OLD;
  uint64_t used = 0;
  uint32_t objs = 0;
  for (addr_t a = p->start; a < p->top;) {
    uint64_t w0 = O(a)->w0;
    if (!w0_filler(w0) && obj_color(O(a)) == GC_BLACK) {
      obj_set_age(O(a), obj_age(O(a)) + 1);
      used += w0 & 0xfffffff8u;
      objs++;
      if (!addr_vec_push(&h->promo, a)) h->promo_lost = true;
    }
    a += w0 & 0xfffffff8u;
  }
  if (keep_black) {
    /* The slide that follows rebuilds the page; make it iterable. */
    addr_t end = p->start + p->size;
    if (p->top < end) write_filler(p->top, end - p->top);
    p->top = end;
    p->used_bytes = used;
    p->objects = objs;
  } else {
    sweep_page(h, p);
  }
  page_list_insert_sorted(&h->old.pages, p);
  h->old.size += p->used_bytes;
  h->old.objects += p->objects;
  ev->pages_promoted++;
  ev->promoted_bytes += used;
  ev->promoted_objects += objs;
}

/* Evacuate every live young object: promote it (or, when young objects may
 * stay young, copy it within new space if it is not yet due).  keep_black:
 * promoted copies stay black for a slide that follows.  Every object that
 * leaves new space (copy or page) is listed in h->promo, for
 * update_young_references; promo_lost if the list ran out of memory. */
static void evacuate_young(gc_heap *h, bool keep_black) {
  gc_event *ev = h->cur;
  const gc_config *c = &h->cfg;
  h->promo.n = 0;
  h->promo_lost = false;
  new_space_flip(h);
  int from = h->nw.to ^ 1;
  uint64_t page_bytes = c->page_size;
  for (page *p = h->nw.semi[from].head, *next; p; p = next) {
    next = p->next;
    if (p->live_bytes > 0 && p->live_bytes * 100 >= (uint64_t)c->old_space.page_promotion_pct * page_bytes &&
        c->old_space.page_promotion_pct > 0 && old_gen_committed(h) + page_bytes <= h->old_max) {
      promote_young_page(h, p, from, keep_black);
      continue;
    }
    for (addr_t a = p->start; a < p->top;) {
      uint64_t w0 = O(a)->w0;
      uint64_t sz = w0 & 0xfffffff8u;
      if (!w0_filler(w0) && obj_color(O(a)) == GC_BLACK) {
        bool promote = c->old_space.always_promote_young ||
                       obj_age(O(a)) >= c->new_space.promotion_age;
        /* Promotion never grows the old generation past its maximum: what
         * does not fit stays young (V8's fallback to a semi-space copy),
         * so the limit is met within a page.  To-space always has room
         * for From-space's survivors, copied in address order; only if it
         * somehow had not would the GC go over the limit. */
        addr_t to = promote ? old_space_alloc_within(h, sz, h->old_max) : new_space_copy_alloc(h, sz);
        bool in_old = promote && to;
        if (!to && promote) to = new_space_copy_alloc(h, sz);
        if (!to) {
          to = old_space_alloc_within(h, sz, h->old_max);
          if (!to) to = old_space_alloc(h, sz);
          in_old = true;
        }
        if (in_old) {
          ev->promoted_bytes += sz;
          ev->promoted_objects++;
          if (!addr_vec_push(&h->promo, to)) h->promo_lost = true;
        } else {
          ev->copied_bytes += sz;
          ev->copied_objects++;
          h->nw.size += sz;
          h->nw.objects++;
        }
        memcpy((void *)to, (const void *)a, sz);
        set_forwarding(O(a), to);
        obj_set_age(O(to), obj_age(O(to)) + 1);
        obj_set_color(O(to), (keep_black && in_old) ? GC_BLACK : GC_WHITE);
      }
      a += sz;
    }
  }
}

static void record_young_slots(gc_heap *h, addr_t a, void *ud) {
  (void)ud;
  obj *o = O(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++)
    if (is_ptr(o->slots[i]) && is_young_addr(h, (addr_t)o->slots[i]))
      record_old_to_new(h, a, (addr_t)&o->slots[i]);
}

static void rebuild_remembered_sets(gc_heap *h) {
  for (page *p = h->old.pages.head; p; p = p->next) slot_set_free(p);
  for (page *p = h->lo.pages.head; p; p = p->next) slot_set_free(p);
  if (h->nw.objects == 0 && h->nlo.objects == 0) return;
  for (page *p = h->old.pages.head; p; p = p->next) for_each_object_in_page(h, p, record_young_slots, NULL);
  for (page *p = h->lo.pages.head; p; p = p->next) record_young_slots(h, p->start, NULL);
}

void full_gc(gc_heap *h, gc_kind kind, gc_compaction strategy, bool reduce_memory) {
  gc_event *ev = h->cur;
  new_space_seal(h);
  old_space_free_lab(h);

  if (h->marking == GC_MARKING_IDLE) {
    marker_start(h);
  } else {
    /* Finish the incremental cycle: roots may have changed since it began. */
    ev->incremental = true;
    marker_mark_roots(h);
  }
  marker_drain(h, UINT64_MAX);
  h->marking = GC_MARKING_IDLE;
  weak_after_marking(h);
  ev->marked_bytes = h->marked_bytes;
  handles_mark_dead_after_marking(h);

  for (page *p = h->nlo.pages.head, *next; p; p = next) {
    next = p->next;
    if (obj_color(O(p->start)) == GC_BLACK) {
      obj_set_age(O(p->start), obj_age(O(p->start)) + 1);
      ev->promoted_bytes += p->used_bytes;
      ev->promoted_objects++;
      lo_promote_page(h, p);
    } else {
      lo_release(h, &h->nlo, p);
      ev->pages_released++;
    }
  }

  if (kind == GC_KIND_MARK_COMPACT && strategy == GC_COMPACT_SLIDE) {
    evacuate_young(h, true);
    sweep_large_objects(h);
    compact_slide(h);
  } else {
    uint32_t candidates = kind == GC_KIND_MARK_COMPACT ? compact_select_candidates(h, reduce_memory) : 0;
    sweep_old_space(h);
    sweep_large_objects(h);
    evacuate_young(h, false);
    compact_evacuate_candidates(h);
    /* With no old page evacuated only young objects moved, and their
     * referrers are known: no walk of the whole old generation. */
    if (candidates || h->promo_lost) update_all_references(h);
    else update_young_references(h);
    compact_release_candidates(h);
  }
  for (page *p = h->nw.semi[h->nw.to ^ 1].head; p; p = p->next) p->flags &= ~PAGE_FROM;
  new_space_seal(h);
  h->nw.age_mark = h->nw.top;
  h->nw.size_at_age_mark = h->nw.size;
  h->promo.n = 0;
  rebuild_remembered_sets(h);
  h->old.live = h->old.size;

  if (reduce_memory) {
    uint64_t want = 2 * h->nw.size;
    if (want < h->cfg.new_space.semi_space_initial) want = h->cfg.new_space.semi_space_initial;
    want = (want + h->cfg.page_size - 1) & ~(h->cfg.page_size - 1);
    new_space_resize(h, want);
  }
}
