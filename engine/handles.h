/*
 * handles.h -- the handle table's inline fast paths, for the files that
 * take handles from the program (allocator.c, objects.c, handles.c,
 * view.c): making a handle, retargeting an entry, and looking one up.
 * The out-of-line halves and the messages are in handles.c.
 *
 * Invariant: a lookup that succeeds inline is exactly one that
 * handle_lookup_slow would accept; everything else goes the slow way.
 */
#ifndef GCLAB_HANDLES_H
#define GCLAB_HANDLES_H

#include "heap_internal.h"

/* A handle is (generation << 32 | index + 1). */
static inline gc_handle make_handle(uint32_t idx, uint32_t gen) {
  return ((uint64_t)gen << 32) | (uint64_t)(idx + 1);
}
/* Make an entry observe the object at `a`, as if it were a fresh handle of
 * it; its roots and scopes stay (gc_alloc_into and gc_slot_load use a
 * handle as a register). */
static inline void handle_retarget(hentry *e, addr_t a) {
  e->addr = a;
  e->id = obj_at(a)->id;
  e->name = META_NAME(obj_at(a)->meta);
  /* Stored only when it changes: the next lookup reads the entry's key
   * (state included) as one word, which a byte store just before would
   * make wait (no store-to-load forwarding from a narrower store). */
  if (e->state != H_LIVE) {
    e->state = H_LIVE;
    e->died_in_gc = 0;
  }
}
static inline void handle_entry_init(hentry *e, addr_t a) {
  handle_retarget(e, a);
  e->roots = e->scoped = 0;
  e->released = 0;
  e->next_free = 0;
}
gc_handle handle_new_slow(gc_heap *h, addr_t a);
/* A new handle observing the object at `a`; GC_NO_HANDLE on out-of-memory.
 * Inline for the common case, a released entry to reuse. */
static inline gc_handle handle_new(gc_heap *h, addr_t a) {
  if (LIKELY(h->free_handle)) {
    uint32_t idx = h->free_handle - 1;
    hentry *e = &h->handles[idx];
    h->free_handle = e->next_free;
    h->live_handles++;
    handle_entry_init(e, a);
    return make_handle(idx, e->gen);
  }
  return handle_new_slow(h, a);
}
hentry *handle_lookup_slow(gc_heap *h, gc_handle hd, bool need_live, gc_status *st);
/* handle_try: the entry of handle `hd` if it is valid (and live, with
 * need_live), else NULL and no message.
 * handle_lookup: the entry of handle `hd`, or NULL with *st set and the
 * heap's message written.  A released handle is refused (its generation no longer
 * matches, or the entry is only kept for a scope); with need_live a dead
 * object is refused too.  Inline for the common cases: a live handle, or
 * a dead one when that will do. */
static inline hentry *handle_try(gc_heap *h, gc_handle hd, bool need_live) {
  uint32_t idx = (uint32_t)hd - 1; /* GC_NO_HANDLE wraps past any table */
  if (LIKELY(idx < h->nhandles)) {
    hentry *e = &h->handles[idx];
    uint64_t k = e->key;
    if (LIKELY(k == handle_key(hd, H_LIVE) || (!need_live && k == handle_key(hd, H_DEAD))))
      return e;
  }
  return NULL;
}
static inline hentry *handle_lookup(gc_heap *h, gc_handle hd, bool need_live, gc_status *st) {
  hentry *e = handle_try(h, hd, need_live);
  if (LIKELY(e)) {
    *st = GC_OK;
    return e;
  }
  return handle_lookup_slow(h, hd, need_live, st);
}
bool handle_scope_add_slow(gc_heap *h, gc_handle hd);
/* Root a freshly allocated object's entry in the innermost open scope. */
static inline bool handle_scope_add(gc_heap *h, gc_handle hd) {
  if (LIKELY(h->scope_marks.n == 0)) return true;
  return handle_scope_add_slow(h, hd);
}

#endif
