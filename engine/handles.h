/*
 * handles.h -- the handle table's entries and their inline fast paths,
 * for the files that take handles from the program (allocator.c,
 * objects.c, handles.c, view.c) or walk the entries (compactor.c,
 * verify.c): making a handle, retargeting an entry, and looking one up.
 * The out-of-line halves and the messages are in handles.c.
 *
 * Invariant: a lookup that succeeds inline is exactly one that
 * handle_lookup_slow would accept; everything else goes the slow way.
 */
#ifndef GCLAB_HANDLES_H
#define GCLAB_HANDLES_H

#include "heap_internal.h"

enum hstate { H_FREE = 0, H_LIVE = 1, H_DEAD = 2 };

struct hentry {
  addr_t addr;         /* current address while live */
  uint64_t id;
  union {
    struct {
      uint32_t gen;      /* bumped on release */
      uint8_t state;
      uint8_t released;  /* released by its owner, kept only for a scope */
      uint16_t zero;     /* always 0 */
    };
    /* The three as one word, so that a handle's validity is one load and
     * one compare (handle_key; the word's layout is the compiler's, so it
     * is only compared with another key). */
    uint64_t key;
  };
  uint32_t roots;      /* gc_root count (handle_root_add/_drop/_clear) */
  uint32_t root_pos;   /* its place in heap.root_list while roots > 0 */
  uint32_t scoped;     /* open scopes holding it */
  uint32_t died_in_gc;
  uint32_t name;
  uint32_t next_free;
};

/* The key of an unreleased entry of handle `hd` in `state`. */
static inline uint64_t handle_key(uint64_t hd, uint8_t state) {
  union {
    struct {
      uint32_t gen;
      uint8_t state, released;
      uint16_t zero;
    } f;
    uint64_t key;
  } k = {.f = {(uint32_t)(hd >> 32), state, 0, 0}};
  return k.key;
}

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
/* The entry of a handle the engine made for itself (handle_new), never
 * released by a program; and its release, also during a GC (it holds no
 * scope; its roots are dropped). */
static inline hentry *handle_entry(const gc_heap *h, gc_handle hd) { return &h->handles[(uint32_t)(hd & 0xffffffffu) - 1]; }
void handle_drop(gc_heap *h, gc_handle hd);

/* An entry's root count: one more, one less, or none.  An entry whose
 * count is not 0 is in heap.root_list, the order root visits take (out of
 * process memory for it, the list is dropped: root_list_lost). */
void handle_root_add(gc_heap *h, hentry *e);
void handle_root_drop(gc_heap *h, hentry *e);
void handle_root_clear(gc_heap *h, hentry *e);
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
