/*
 * pretenuring.h -- allocation sites and their mementos (pretenuring.c): the
 * bookkeeping behind V8's allocation-site pretenuring.  What a site's
 * counts decide is promotion.h's; this header only keeps the counts.
 */
#ifndef GCLAB_PRETENURING_H
#define GCLAB_PRETENURING_H

#include "heap_internal.h"

/* One allocation site (pretenuring.c). */
typedef struct site_rec {
  uint32_t name;                   /* interned */
  gc_pretenure_decision decision;
  uint64_t created, found;         /* mementos, since the last GC */
  uint32_t tenured, reset;
  /* The site's code runs unoptimized until this virtual time (ns): young
   * objects with mementos whatever the decision (promotion.h); UINT64_MAX
   * while the program's tiering budget is not yet spent
   * (pretenuring_note_tiering). */
  uint64_t unoptimized_until;
  uint32_t optimize_us; /* the window's length: its code's compile */
  bool compiled_old;    /* the window's compile began with the site tenured */
} site_rec;
/* An allocation memento: 16 bytes right behind a young object allocated at
 * a site, shaped as a filler (page walks skip it) whose second word is
 * MEMENTO_TAG | site.  It is never copied: a GC reads it, then it is gone
 * with From-space. */
#define MEMENTO_SIZE 16u
#define MEMENTO_TAG 0x4d454d0000000000ull /* "MEM" << 40 */
void pretenuring_write_memento(gc_heap *h, addr_t a, gc_site site);
/* Is the program's tiering budget still being spent?  Until
 * allocation_sites.tiering_allocations objects have been allocated at
 * sites. */
static inline bool pretenuring_tiering(const gc_heap *h) {
  return h->site_allocations < h->cfg.allocation_sites.tiering_allocations;
}
/* An object was allocated at a site while pretenuring_tiering(h): count
 * it, and start every site's compile when the budget runs out. */
void pretenuring_note_tiering(gc_heap *h);
/* A GC found the young object at `a` (`size` bytes) alive: count the
 * memento behind it, if any (V8's PretenuringHandler::UpdateAllocationSite). */
void pretenuring_note_survivor(gc_heap *h, addr_t a, uint64_t size);
/* After every GC: digest the counts into decisions (promotion.h);
 * heap_before / heap_after are the object bytes of every space. */
void pretenuring_after_gc(gc_heap *h, gc_event *ev, uint64_t capacity_before, uint64_t heap_before,
                          uint64_t heap_after);
void pretenuring_free(gc_heap *h);

#endif /* GCLAB_PRETENURING_H */
