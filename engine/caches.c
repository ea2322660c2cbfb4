/*
 * caches.c -- objects the program names as V8's heap caches, which every
 * full GC empties at its start (gc_flush_at_full_gc).
 *
 * V8 11.3's Heap::MarkCompactPrologue runs before a Mark-Compact marks
 * (before the atomic pause's marking, after any incremental marking) and
 * empties the heap's caches: FlushNumberStringCache, the regexp results
 * cache, the descriptor lookup cache.  What a cache held is garbage from
 * then on unless something else keeps it -- or incremental marking has
 * marked it already, in which case it survives this GC and dies at the
 * next (floating garbage).  So an atomic Mark-Compact frees a cache's
 * young strings and an incremental one promotes them.
 *
 * A registered object is one of the runtime's roots, as V8's caches are
 * strong roots: the engine holds it by a rooted handle of its own (which
 * follows it through moves) until it is taken off, and a cycle started
 * by the schedule greys it with the runtime's other roots (caches_grey,
 * marker.c), so an incremental cycle marks what it held then and what
 * the barrier greys later.  At the flush every slot is emptied, without
 * a barrier: the full GC that follows rebuilds the remembered sets, and
 * what the slots held keeps whatever mark it has.
 */
#include "handles.h"
#include <stdlib.h>

/* The registered object at `a`'s place in the list, or h->ncaches. */
static size_t find(const gc_heap *h, addr_t a) {
  for (size_t i = 0; i < h->ncaches; i++)
    if (handle_entry(h, h->caches[i])->addr == a) return i;
  return h->ncaches;
}

gc_status gc_flush_at_full_gc(gc_heap *h, gc_handle hd, bool on) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "flush_at_full_gc: not allowed during a GC");
  gc_status st;
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) return st;
  size_t at = find(h, e->addr);
  if (!on) {
    if (at < h->ncaches) {
      handle_drop(h, h->caches[at]);
      h->caches[at] = h->caches[--h->ncaches];
    }
    return GC_OK;
  }
  if (at < h->ncaches) return GC_OK; /* registered already */
  gc_handle *room = array_make_room(h->caches, &h->caches_cap, h->ncaches, sizeof *h->caches, 4);
  if (!room) return heap_fail(h, GC_ENOMEM, "out of process memory for a cache");
  h->caches = room;
  gc_handle own = handle_new(h, e->addr);
  if (own == GC_NO_HANDLE) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  handle_root_add(h, handle_entry(h, own));
  h->caches[h->ncaches++] = own;
  return GC_OK;
}

void caches_grey(gc_heap *h) {
  for (size_t i = 0; i < h->ncaches; i++) marker_push_grey(h, handle_entry(h, h->caches[i])->addr);
}

void caches_flush(gc_heap *h) {
  for (size_t i = 0; i < h->ncaches; i++) {
    obj *o = obj_at(handle_entry(h, h->caches[i])->addr);
    uint32_t n = obj_nslots(o);
    for (uint32_t s = 0; s < n; s++) o->slots[s] = 0;
  }
}

void caches_free(gc_heap *h) {
  free(h->caches);
  h->caches = NULL;
  h->ncaches = h->caches_cap = 0;
}
