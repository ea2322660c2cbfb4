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
 *     page_promotion_pct live moves to old space whole; the others are
 *     copied to fresh old pages, as V8's evacuator does, even past the
 *     maximum: the check after the GC reports that), evacuate the candidates, update every
 *     reference, release the candidates;
 *   slide: evacuate the young survivors, then slide old space.
 * Finally the OLD_TO_NEW remembered sets are rebuilt from the surviving
 * old->new slots (there are none when every young survivor was promoted).
 * After a full GC every object is white again and the worklist is empty.
 */
#include "heap_internal.h"
#include "pretenuring.h"
#include "promotion.h"
#include "weak.h"

static void promote_young_page(gc_heap *h, page *p, int semi, bool keep_black) {
  gc_event *ev = h->current_event;
  page_list_remove(&h->new_space.semi[semi], p);
  page *r = page_take(h, 1, GC_SPACE_NEW, PAGE_YOUNG);
  if (r) page_list_append(&h->new_space.semi[semi], r);
  p->flags = 0;
  p->space = GC_SPACE_OLD;
  uint64_t used = 0;
  uint32_t objs = 0;
  for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
    obj *o = obj_at(c.a);
    if (obj_color(o) != GC_BLACK) continue;
    obj_set_age(o, obj_age(o) + 1);
    used += c.size;
    objs++;
    if (!addr_vec_push(&h->left_new_space, c.a)) h->left_new_space_lost = true;
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
 * leaves new space (copy or page) is listed in h->left_new_space, for
 * update_young_references; left_new_space_lost if the list ran out of
 * memory. */
static void evacuate_young(gc_heap *h, bool keep_black) {
  gc_event *ev = h->current_event;
  h->left_new_space.n = 0;
  h->left_new_space_lost = false;
  old_space_free_lab(h); /* the first promoted survivor opens a fresh page */
  new_space_flip(h);
  int from = h->new_space.to ^ 1;
  for (page *p = h->new_space.semi[from].head, *next; p; p = next) {
    next = p->next;
    if (promote_page_whole(h, p)) {
      promote_young_page(h, p, from, keep_black);
      continue;
    }
    for (page_cursor c = page_walk(h, p); page_next_object(&c);) {
      addr_t a = c.a;
      uint64_t sz = c.size;
      if (obj_color(obj_at(a)) == GC_BLACK) {
        if (UNLIKELY(h->nsites)) pretenuring_note_survivor(h, a, sz);
        bool promote = promote_in_full_gc(h, obj_at(a));
        /* A promoted survivor goes to a fresh old page, never into a free
         * block, and even past the maximum, as in V8 11.3: the full GC
         * empties the old spaces' free lists before it evacuates
         * (PagedSpaceBase::PrepareForMarkCompact: "Clear the free list
         * before a full GC---it will be rebuilt afterward"; the sweeper
         * refills them after evacuation), so the evacuator's compaction
         * space takes new pages, and during a GC it expands past the limit
         * ("Avoid OOM crash in the GC in order to invoke
         * NearHeapLimitCallback after GC", PagedSpaceBase::RawRefillLabMain).
         * The check after the GC (heap_check_after_gc) then finds the old
         * generation over its maximum.  Only when no page can be reserved
         * does a survivor stay young. */
        addr_t to = promote ? old_space_alloc_fresh(h, sz) : new_space_copy_alloc(h, sz);
        bool in_old = promote && to;
        if (!to && promote) to = new_space_alloc(h, sz); /* any room, buffer or not */
        if (!to) {
          to = old_space_alloc(h, sz);
          in_old = true;
        }
        if (in_old) {
          ev->promoted_bytes += sz;
          ev->promoted_objects++;
          if (!addr_vec_push(&h->left_new_space, to)) h->left_new_space_lost = true;
        } else {
          ev->copied_bytes += sz;
          ev->copied_objects++;
          h->new_space.size += sz;
          h->new_space.objects++;
        }
        memcpy((void *)to, (const void *)a, sz);
        set_forwarding(obj_at(a), to);
        obj_set_age(obj_at(to), obj_age(obj_at(to)) + 1);
        obj_set_color(obj_at(to), (keep_black && in_old) ? GC_BLACK : GC_WHITE);
      }
    }
  }
}

static void record_young_slots(gc_heap *h, addr_t a) {
  obj *o = obj_at(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++)
    if (is_ptr(o->slots[i]) && is_young_addr(h, (addr_t)o->slots[i]))
      record_old_to_new(h, a, (addr_t)&o->slots[i]);
}

static void rebuild_remembered_sets(gc_heap *h) {
  for (page *p = h->old.pages.head; p; p = p->next) slot_set_free(p);
  for (page *p = h->lo.pages.head; p; p = p->next) slot_set_free(p);
  if (h->new_space.objects == 0 && h->nlo.objects == 0) return;
  for (page *p = h->old.pages.head; p; p = p->next)
    for (page_cursor c = page_walk(h, p); page_next_object(&c);) record_young_slots(h, c.a);
  for (page *p = h->lo.pages.head; p; p = p->next) record_young_slots(h, p->start);
}

void mark_sweep_or_compact(gc_heap *h, gc_kind kind, gc_compaction strategy, bool reduce_memory) {
  gc_event *ev = h->current_event;
  new_space_seal(h);
  old_space_free_lab(h);
  /* V8's Heap::MarkCompactPrologue: the caches are emptied before the
   * pause marks (caches.c). */
  caches_flush(h);

  /* Every root, scopes too; finishing an incremental cycle, again: roots
   * may have changed since it began, and the concurrent markers' share
   * (incremental.c) is marked here. */
  if (h->marking == GC_MARKING_IDLE) marker_start(h);
  else ev->incremental = true;
  marker_mark_roots(h);
  worklists_merge(h);
  marker_drain(h, UINT64_MAX, NULL);
  h->marking = GC_MARKING_IDLE;
  weak_after_marking(h);
  ev->marked_bytes = h->marked_bytes;
  handles_mark_dead_after_marking(h);

  ev->pages_released += lo_promote_young_survivors(h, true);

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
    if (candidates || h->left_new_space_lost) update_all_references(h);
    else update_young_references(h);
    compact_release_candidates(h);
  }
  for (page *p = h->new_space.semi[h->new_space.to ^ 1].head; p; p = p->next) p->flags &= ~PAGE_FROM;
  new_space_seal(h);
  h->new_space.age_mark = h->new_space.top;
  h->new_space.size_at_age_mark = h->new_space.size;
  /* The young survivors count toward new space's growth as a Scavenge's
   * do: V8 11.3's Evacuator::Finalize adds the bytes it promoted, copied
   * and moved with whole pages (young large objects among them) to
   * survived_since_last_expansion_ (Heap::IncrementYoungSurvivorsCounter). */
  h->new_space.survived_since_growth += ev->promoted_bytes + ev->copied_bytes;
  h->left_new_space.n = 0;
  rebuild_remembered_sets(h);
  h->old.live = h->old.size;

  /* A memory-reducing GC (or one after a time of low allocation) shrinks
   * new space (new_space_resize_at_gc_start decided it), and never grows
   * it. */
  new_space_reduce_size(h);
}
