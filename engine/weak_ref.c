/*
 * weak_ref.c -- WeakRef objects and the KeepDuringJob set.
 *
 * A WeakRef is an object ("WeakRef") whose slot 0 is a weak slot to its
 * target (weak.c clears it when the target dies, in any GC).  As in the
 * JavaScript spec and V8 (JSWeakRef, Heap::KeepDuringJob), creating a
 * WeakRef and every deref that returns the target add the target to the
 * KeepDuringJob set, which holds it strongly until the current job ends
 * (gc_end_job, V8's ClearKeptObjects at the end of a microtask checkpoint).
 * The set is a list of rooted handles plus a set of object ids, so an
 * object is held once however often it is dereferenced.
 */
#include <stdlib.h>

#include "weak.h"

static bool kept_has(const weak_state *ws, uint64_t id) {
  if (!ws->kept_cap) return false;
  size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull >> 32) & (ws->kept_cap - 1);
  while (ws->kept_ids[i]) {
    if (ws->kept_ids[i] == id) return true;
    i = (i + 1) & (ws->kept_cap - 1);
  }
  return false;
}

static void kept_insert(weak_state *ws, uint64_t id) {
  size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull >> 32) & (ws->kept_cap - 1);
  while (ws->kept_ids[i]) i = (i + 1) & (ws->kept_cap - 1);
  ws->kept_ids[i] = id;
}

/* Hold the object at `a` until the job ends. */
static gc_status keep(gc_heap *h, addr_t a) {
  weak_state *ws = weak_state_get(h);
  if (!ws) return heap_fail(h, GC_ENOMEM, "out of process memory for the KeepDuringJob set");
  uint64_t id = obj_at(a)->id;
  if (kept_has(ws, id)) return GC_OK;
  if ((ws->nkept + 1) * 2 > ws->kept_cap) {
    size_t cap = ws->kept_cap ? ws->kept_cap * 2 : 64;
    uint64_t *ids = calloc(cap, sizeof *ids), *old = ws->kept_ids;
    if (!ids) return heap_fail(h, GC_ENOMEM, "out of process memory for the KeepDuringJob set");
    size_t ocap = ws->kept_cap;
    ws->kept_ids = ids;
    ws->kept_cap = cap;
    for (size_t i = 0; i < ocap; i++)
      if (old[i]) kept_insert(ws, old[i]);
    free(old);
  }
  gc_handle *v = array_make_room(ws->kept, &ws->cap_kept, ws->nkept, sizeof *v, 64);
  if (!v) return heap_fail(h, GC_ENOMEM, "out of process memory for the KeepDuringJob set");
  ws->kept = v;
  gc_handle hd = handle_new(h, a);
  if (!hd) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  gc_root(h, hd);
  ws->kept[ws->nkept++] = hd;
  kept_insert(ws, id);
  return GC_OK;
}

gc_status gc_weak_ref_new(gc_heap *h, gc_handle target, gc_handle *out) {
  gc_status st;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "weak_ref: not allowed during a GC");
  if (!handle_lookup(h, target, true, &st)) return heap_fail_arg(h, st, "target");
  gc_handle r;
  st = weak_alloc(h, 1, 0, "WeakRef", &target, 1, &r); /* the target lives through it */
  if (st != GC_OK) return st;
  addr_t ra = handle_lookup(h, r, true, &st)->addr;
  hentry *t = handle_lookup(h, target, true, &st);
  if (!t) {
    gc_handle_release(h, r);
    return heap_fail_arg(h, st, "target");
  }
  if (!weak_add_holder(h, ra, WK_WEAK_REF)) {
    gc_handle_release(h, r);
    return heap_fail(h, GC_ENOMEM, "out of process memory for the weak holder list");
  }
  obj_at(ra)->slots[0] = weak_make(t->addr);
  weak_store_barrier(h, ra, t->addr);
  h->stores++;
  st = keep(h, t->addr);
  if (st != GC_OK) {
    gc_handle_release(h, r);
    return st;
  }
  *out = r;
  return GC_OK;
}

gc_status gc_weak_ref_deref(gc_heap *h, gc_handle ref, gc_handle *out) {
  addr_t r;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = weak_check_kind(h, ref, WK_WEAK_REF, "deref", &r);
  if (st != GC_OK) return st;
  *out = GC_NO_HANDLE;
  tagged t = obj_at(r)->slots[0];
  if (!is_weak(t)) return GC_OK;
  st = keep(h, weak_target(t));
  if (st != GC_OK) return st;
  gc_handle hd = handle_new(h, weak_target(t));
  if (!hd) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  *out = hd;
  return GC_OK;
}

gc_status gc_end_job(gc_heap *h) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "end_job: not allowed during a GC");
  weak_state *ws = h->weak;
  if (!ws) return GC_OK;
  for (size_t i = 0; i < ws->nkept; i++) gc_handle_release(h, ws->kept[i]);
  ws->nkept = 0;
  if (ws->kept_cap) memset(ws->kept_ids, 0, ws->kept_cap * sizeof *ws->kept_ids);
  return GC_OK;
}

size_t gc_kept_count(const gc_heap *h) { return h->weak ? h->weak->nkept : 0; }

void weak_ref_free(weak_state *ws) {
  free(ws->kept);
  free(ws->kept_ids);
}
