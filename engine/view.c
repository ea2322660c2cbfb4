/*
 * view.c -- raw views: an object's address for reading without handles,
 * and the GC epoch that says when such addresses go stale.
 *
 * The object layout and the inline accessors are in gclab.h; this file
 * only hands out views and checks them.  A view is the object's current
 * address; no GC updates it, so it is valid while gc_heap_epoch() stays
 * what it was when the view was taken.  The epoch is the GC count: every
 * collection (heap_collect) increments it and nothing else moves or frees
 * an object (allocation only bumps; marking steps only colour).
 */
#include "heap_internal.h"
#include "handles.h"

const gc_obj *gc_view(gc_heap *h, gc_handle hd) {
  if (!h) return NULL;
  gc_status st;
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) {
    char msg[sizeof h->error];
    memcpy(msg, h->error, sizeof msg);
    heap_fail(h, st, "gc_view: %s", msg);
    return NULL;
  }
  return obj_at(e->addr);
}

uint64_t gc_heap_epoch(const gc_heap *h) { return h ? h->gc_count : 0; }

gc_status gc_view_check(gc_heap *h, uint64_t epoch) {
  if (!h) return GC_EINVAL;
  if (epoch == h->gc_count) return GC_OK;
  if (epoch > h->gc_count)
    return heap_fail(h, GC_EINVAL, "epoch: expected at most the heap's epoch (%u), got %llu",
                     (unsigned)h->gc_count, (unsigned long long)epoch);
  /* GC number epoch + 1 ran first; its event is at index epoch. */
  const gc_event *ev = gc_event_get(h, (size_t)epoch);
  return heap_fail(h, GC_ESTATE,
                   "view: taken at epoch %llu, but GC #%llu (%s, %s) has run since (epoch now "
                   "%u): a view is valid only until the next call that may allocate or collect",
                   (unsigned long long)epoch, (unsigned long long)epoch + 1,
                   ev ? gc_kind_name(ev->kind) : "?", ev ? gc_reason_name(ev->reason) : "?",
                   (unsigned)h->gc_count);
}

const char *gc_name_string(const gc_heap *h, gc_name name) {
  if (!h || name >= h->names.n) return NULL;
  return names_get(h, name);
}
