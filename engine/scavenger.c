/*
 * scavenger.c -- Scavenge: Cheney's breadth-first semispace copy, with
 * promotion to old space.
 *
 * Roots are the rooted handles and the OLD_TO_NEW slot sets of old and
 * large pages.  Each young object reached is evacuated once (its header in
 * From-space is overwritten by a forwarding address, so shared references
 * resolve to the one copy): copied to To-space, or promoted to old space
 * when the promotion policy says so, in V8's order of fallbacks (copy ->
 * promote -> copy).  Copies are scanned by the Cheney scan pointer walking
 * To-space; promoted objects and surviving young large objects are scanned
 * from the promotion worklist (a Cheney scan over To-space alone would miss
 * them).  No recursion: a million-long list needs no stack.
 *
 * Invariants after a scavenge: no pointer into From-space remains; every
 * old->new slot is in the slot set, including those of objects promoted by
 * this scavenge; slots whose target was promoted are dropped; handles follow
 * copies and report the dead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"
#include "pretenuring.h"
#include "promotion.h"
#include "weak.h"

static void scavenge_out_of_room(void) {
  /* The reservation keeps slack for every promotion a GC can need, so this
   * means the process could not grow the promotion worklist (malloc) or
   * that accounting is wrong: a half-done scavenge cannot be undone, so
   * stop rather than corrupt. */
  fprintf(stderr, "gclab: fatal: no room to evacuate a young object or to grow the "
                  "scavenger's promotion worklist\n");
  abort();
}

/* Copy an object of `size` bytes (a multiple of 8, at least a header).
 * Most objects are a few words: stores beat a call to memcpy. */
static inline void copy_object(addr_t to, addr_t from, uint64_t size) {
  uint64_t *d = (uint64_t *)to;
  const uint64_t *s = (const uint64_t *)from;
  switch (size >> 3) {
    case 8: d[7] = s[7]; /* fall through */
    case 7: d[6] = s[6]; /* fall through */
    case 6: d[5] = s[5]; /* fall through */
    case 5: d[4] = s[4]; /* fall through */
    case 4: d[3] = s[3]; /* fall through */
    case 3: d[2] = s[2]; d[1] = s[1]; d[0] = s[0]; break;
    default: memcpy((void *)to, (const void *)from, size);
  }
}

/* Move the object at `a` to `to`: copy it, leave a forwarding address,
 * and age the copy (one more scavenge survived; obj_set_age's cap of 255
 * as a test on the old age). */
static inline obj *move_object(addr_t a, addr_t to, uint64_t size) {
  copy_object(to, a, size);
  set_forwarding(obj_at(a), to);
  obj *n = obj_at(to);
  if (LIKELY(obj_age(n) < 255)) n->meta += 1ull << 32;
  return n;
}

/* A copy within new space: To-space's counters.  (The event's copied
 * bytes and objects are To-space's at the end: the flip emptied it.) */
static inline void count_copy(gc_heap *h, uint64_t size) {
  h->new_space.size += size;
  h->new_space.objects++;
}

addr_t scavenge_evacuate(gc_heap *h, addr_t a) {
  obj *o = obj_at(a);
  uint64_t w0 = o->w0;
  if (w0_forwarded(w0)) return forwarding(o);
  page *p = page_of(h, a);
  if (p->flags & PAGE_LARGE) {
    if (!(p->flags & PAGE_SURVIVOR)) {
      p->flags |= PAGE_SURVIVOR;
      if (!addr_vec_push(&h->promoted_to_scan, a)) scavenge_out_of_room();
    }
    return a;
  }
  uint64_t size = gc_w0_size(w0);
  addr_t to = 0;
  bool promoted = false;
  if (!promote_in_scavenge(h, o, size)) to = new_space_copy_alloc(h, size);
  if (!to) {
    to = old_space_alloc(h, size);
    promoted = to != 0;
  }
  if (!to) to = new_space_alloc(h, size); /* the last resort: any room, buffer or not */
  if (!to) scavenge_out_of_room();
  if (UNLIKELY(h->nsites)) pretenuring_note_survivor(h, a, size);
  obj *n = move_object(a, to, size);
  if (promoted) {
    gc_event *ev = h->current_event;
    ev->promoted_bytes += size;
    ev->promoted_objects++;
    /* While marking, the copy keeps the young object's colour, as V8's
     * Scavenger::MigrateObject transfers it (IncrementalMarking::
     * TransferColor; the promotion's target is allocated white, not
     * black): a white one is live only if marking reaches it, as marking
     * covers young objects too.  A black one counts as live on its new
     * page. */
    if (h->marking != GC_MARKING_IDLE && obj_color(n) == GC_BLACK) page_of(h, to)->live_bytes += size;
    if (!addr_vec_push(&h->promoted_to_scan, to)) scavenge_out_of_room();
  } else {
    count_copy(h, size);
  }
  return to;
}

/* scavenge_evacuate's common case, inline in the scan loops: an object in
 * a From-space page (`page_flags`, already looked up by the caller) that
 * was copied already or is copied within new space now.  The rest
 * (promotion, young large objects, a full To-space) goes the general way,
 * which decides again from the same state. */
static inline addr_t evacuate(gc_heap *h, addr_t a, uint32_t page_flags) {
  obj *o = obj_at(a);
  uint64_t w0 = o->w0;
  if (w0_forwarded(w0)) return forwarding(o);
  if (LIKELY(!(page_flags & PAGE_LARGE))) {
    uint64_t size = gc_w0_size(w0);
    addr_t to;
    if (!promote_in_scavenge(h, o, size) && LIKELY((to = new_space_copy_alloc(h, size)) != 0)) {
      if (UNLIKELY(h->nsites)) pretenuring_note_survivor(h, a, size);
      move_object(a, to, size);
      count_copy(h, size);
      return to;
    }
  }
  return scavenge_evacuate(h, a);
}

/* Needs evacuation: young and not already in To-space. */
static inline bool from_flags(uint32_t f) { return (f & (PAGE_FROM | PAGE_LARGE)) && (f & PAGE_YOUNG); }
static inline bool in_from(const gc_heap *h, tagged v) {
  return is_ptr(v) && from_flags(page_of(h, (addr_t)v)->flags);
}

/* The page table, copied into locals for the scan loop: it does not change
 * during a scavenge, and as locals the compiler keeps it in registers
 * instead of reloading it from the heap after every copy. */
typedef struct page_map {
  page *const *table;
  addr_t base;
  uint32_t shift;
} page_map;

/* Scan a copy in To-space: the Cheney scan's inner loop.  A young holder
 * needs no remembered-set entry, so this is scan_object without them. */
static inline void scan_copy(gc_heap *h, page_map pm, addr_t a) {
  obj *o = obj_at(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++) {
    tagged v = o->slots[i];
    if (!is_ptr(v)) continue;
    uint32_t f = pm.table[((addr_t)v - pm.base) >> pm.shift]->flags;
    if (from_flags(f)) o->slots[i] = (tagged)evacuate(h, (addr_t)v, f);
  }
}

/* Scan the slots of an object; `old_holder` records surviving old->new slots. */
static void scan_object(gc_heap *h, addr_t a, bool old_holder) {
  obj *o = obj_at(a);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n; i++) {
    tagged v = o->slots[i];
    if (!in_from(h, v)) {
      if (old_holder && is_ptr(v) && (page_of(h, (addr_t)v)->flags & PAGE_TO))
        record_old_to_new(h, a, (addr_t)&o->slots[i]);
      continue;
    }
    addr_t to = scavenge_evacuate(h, (addr_t)v);
    o->slots[i] = (tagged)to;
    if (old_holder && (page_of(h, to)->flags & PAGE_TO)) record_old_to_new(h, a, (addr_t)&o->slots[i]);
  }
}

static void root_visitor(gc_heap *h, addr_t *slot, void *ud) {
  (void)ud;
  if (in_from(h, (tagged)*slot)) *slot = scavenge_evacuate(h, *slot);
}

static bool remembered_slot(gc_heap *h, page *p, addr_t slot, void *ud) {
  (void)p;
  (void)ud;
  tagged v = *(tagged *)slot;
  if (!is_ptr(v) || !(page_of(h, (addr_t)v)->flags & PAGE_YOUNG)) return false;
  if (in_from(h, v)) {
    addr_t to = scavenge_evacuate(h, (addr_t)v);
    *(tagged *)slot = (tagged)to;
    v = (tagged)to;
  }
  /* Keep the slot only while it still points into new space. */
  return (page_of(h, (addr_t)v)->flags & PAGE_TO) != 0;
}

/* Drain the Cheney scan (`scan`, over To-space's pages up to the
 * allocation page) and the promotion worklist until both are empty. */
static void process(gc_heap *h, page_cursor *scan) {
  const page_map pm = {h->page_table, h->base, h->page_shift};
  for (;;) {
    bool progress = false;
    while (scan->p) {
      while (page_next_object(scan)) {
        scan_copy(h, pm, scan->a);
        progress = true;
      }
      if (scan->p == h->new_space.alloc_page) break;
      if (scan->p->next) *scan = page_walk(h, scan->p->next);
      else scan->p = NULL;
    }
    while (h->promoted_to_scan.n) {
      addr_t a = h->promoted_to_scan.v[--h->promoted_to_scan.n];
      scan_object(h, a, true);
      progress = true;
    }
    if (!progress) break;
  }
}

void scavenge(gc_heap *h) {
  gc_event *ev = h->current_event;
  uint64_t young_objects_before = h->new_space.objects + h->nlo.objects;
  new_space_flip(h);
  page_cursor scan = page_walk(h, h->new_space.semi[h->new_space.to].head);
  h->promoted_to_scan.n = 0;

  handles_visit_roots(h, root_visitor, NULL);
  for (page *p = h->old.pages.head; p; p = p->next) slot_set_iterate(h, p, remembered_slot, NULL);
  for (page *p = h->lo.pages.head; p; p = p->next) slot_set_iterate(h, p, remembered_slot, NULL);
  /* Weak references are strong in a Scavenge, as V8's (ephemeron keys
   * excepted): their young targets are evacuated too, until none is left. */
  do process(h, &scan);
  while (weak_scavenge_strong(h));
  weak_after_scavenge(h);
  ev->copied_bytes = h->new_space.size; /* all of To-space is copies (see count_copy) */
  ev->copied_objects = h->new_space.objects;

  handles_update_after_scavenge(h);
  if (h->marking != GC_MARKING_IDLE) incremental_after_scavenge(h);

  lo_promote_young_survivors(h, false);
  for (page *p = h->new_space.semi[h->new_space.to ^ 1].head; p; p = p->next) p->flags &= ~PAGE_FROM;

  uint64_t survivors = ev->copied_objects + ev->promoted_objects;
  ev->died_in_new = young_objects_before > survivors ? young_objects_before - survivors : 0;
  ev->died_objects = ev->died_in_new;
  new_space_after_scavenge(h, ev->copied_bytes + ev->promoted_bytes);
  heap_count_work(h, (ev->copied_bytes + ev->promoted_bytes) * h->cfg.cost.copy_ns_per_kb / 1024);
}
