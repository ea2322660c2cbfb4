/*
 * weak_ref.c -- WeakRef objects and the KeepDuringJob set.
 *
 * A WeakRef is an object ("WeakRef") whose slot 0 is a weak slot to its
 * target (weak.c clears it when the target dies, in any GC).  As in the
 * JavaScript spec and V8 (JSWeakRef, Heap::KeepDuringJob), creating a
 * WeakRef and every deref that returns the target add the target to the
 * KeepDuringJob set, which holds it strongly until the current job ends
 * (gc_end_job, V8's ClearKeptObjects at the end of a microtask checkpoint).
 * The set is V8's: an OrderedHashSet in the heap, which grows by doubling
 * into a new table (its predecessor garbage) and is dropped whole at the
 * end of the job, so a job that makes many WeakRefs holds their targets
 * and its tables' bytes.  An index of object ids off the heap answers
 * "kept already?", so an object is held once however often it is
 * dereferenced.
 */
#include <stdlib.h>

#include "weak.h"

static bool kept_has(const weak_state *ws, uint64_t id) {
  if (!ws->kept_ids_cap) return false;
  size_t i = weak_id_home(id, ws->kept_ids_cap);
  while (ws->kept_ids[i]) {
    if (ws->kept_ids[i] == id) return true;
    i = (i + 1) & (ws->kept_ids_cap - 1);
  }
  return false;
}

static void kept_insert(weak_state *ws, uint64_t id) {
  size_t i = weak_id_home(id, ws->kept_ids_cap);
  while (ws->kept_ids[i]) i = (i + 1) & (ws->kept_ids_cap - 1);
  ws->kept_ids[i] = id;
}

/* Room in the id index for one more (at most half full). */
static bool kept_ids_reserve(weak_state *ws) {
  if ((ws->nkept + 1) * 2 <= ws->kept_ids_cap) return true;
  size_t cap = ws->kept_ids_cap ? ws->kept_ids_cap * 2 : 64;
  uint64_t *ids = calloc(cap, sizeof *ids), *old = ws->kept_ids;
  if (!ids) return false;
  size_t ocap = ws->kept_ids_cap;
  ws->kept_ids = ids;
  ws->kept_ids_cap = cap;
  for (size_t i = 0; i < ocap; i++)
    if (old[i]) kept_insert(ws, old[i]);
  free(old);
  return true;
}

/* V8's KeepDuringJob table is an OrderedHashSet (Heap::KeepDuringJob):
 * a FixedArray of 3 prefix slots (entries, deleted entries, buckets), then
 * capacity / 2 buckets and capacity entries of two slots (key, chain).
 * gclab fills the prefix and the keys; lookups use kept_ids. */
#define KEPT_PREFIX 3
#define KEPT_INITIAL_CAPACITY 4 /* OrderedHashSet::kInitialCapacity */
static uint32_t kept_slots(size_t cap) { return (uint32_t)(KEPT_PREFIX + cap / 2 + 2 * cap); }
static uint32_t kept_key_slot(size_t cap, size_t i) { return (uint32_t)(KEPT_PREFIX + cap / 2 + 2 * i); }

/* The table full: its entries move to a new one of `cap` entries
 * (OrderedHashTable::EnsureGrowable doubles the capacity; the set never
 * deletes), allocated young while the table it replaces is young, else
 * old (OrderedHashTable::Rehash), as the first one is young
 * (Factory::NewOrderedHashSet).  The old table is garbage. */
static gc_status kept_table_grow(gc_heap *h, weak_state *ws, size_t cap) {
  if (kept_slots(cap) > MAX_SLOTS)
    return heap_fail(h, GC_EINVAL, "weak_ref: the KeepDuringJob set cannot grow past %zu objects", ws->nkept);
  bool old = ws->kept_table && !is_young_addr(h, weak_addr(h, ws->kept_table));
  gc_handle scoped;
  gc_status st = old ? gc_alloc_old(h, kept_slots(cap), 0, "OrderedHashSet", &scoped)
                     : gc_alloc(h, kept_slots(cap), 0, "OrderedHashSet", &scoped);
  if (st != GC_OK) return st;
  addr_t n = weak_addr(h, scoped);
  gc_handle own = handle_new(h, n);
  if (!own) {
    gc_handle_release(h, scoped);
    return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  }
  gc_root(h, own);
  gc_handle_release(h, scoped);
  obj *o = obj_at(n);
  o->slots[0] = smi_tag((int32_t)ws->nkept);
  o->slots[1] = smi_tag(0);
  o->slots[2] = smi_tag((int32_t)(cap / 2));
  if (ws->kept_table) {
    addr_t t = weak_addr(h, ws->kept_table);
    for (size_t i = 0; i < ws->nkept; i++)
      weak_set_strong(h, n, kept_key_slot(cap, i), obj_at(t)->slots[kept_key_slot(ws->kept_table_cap, i)]);
    weak_charge(h, 2ull * ws->kept_table_cap);
    gc_handle_release(h, ws->kept_table);
  }
  ws->kept_table = own;
  ws->kept_table_cap = cap;
  return GC_OK;
}

/* Hold the object of `target` until the job ends.  The handle keeps it
 * alive while the table grows, as V8's Handle does. */
static gc_status keep(gc_heap *h, gc_handle target) {
  weak_state *ws = weak_state_get(h);
  if (!ws) return heap_fail(h, GC_ENOMEM, "out of process memory for the KeepDuringJob set");
  uint64_t id = obj_at(weak_addr(h, target))->id;
  if (kept_has(ws, id)) return GC_OK;
  if (!kept_ids_reserve(ws)) return heap_fail(h, GC_ENOMEM, "out of process memory for the KeepDuringJob set");
  if (!ws->kept_table || ws->nkept >= ws->kept_table_cap) {
    size_t cap = ws->kept_table ? ws->kept_table_cap * 2 : KEPT_INITIAL_CAPACITY;
    gc_root(h, target);
    gc_status st = kept_table_grow(h, ws, cap);
    gc_unroot(h, target);
    if (st != GC_OK) return st;
  }
  addr_t t = weak_addr(h, ws->kept_table);
  weak_set_strong(h, t, kept_key_slot(ws->kept_table_cap, ws->nkept), (tagged)weak_addr(h, target));
  ws->nkept++;
  obj_at(t)->slots[0] = smi_tag((int32_t)ws->nkept);
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
  gc_root(h, r); /* the set's growth may collect: the new WeakRef lives through it */
  st = keep(h, target);
  gc_unroot(h, r);
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
  gc_handle hd = handle_new(h, weak_target(t));
  if (!hd) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  st = keep(h, hd);
  if (st != GC_OK) {
    gc_handle_release(h, hd);
    return st;
  }
  *out = hd;
  return GC_OK;
}

gc_status gc_end_job(gc_heap *h) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "end_job: not allowed during a GC");
  weak_state *ws = h->weak;
  if (!ws) return GC_OK;
  if (ws->kept_table) gc_handle_release(h, ws->kept_table); /* the set is garbage */
  ws->kept_table = GC_NO_HANDLE;
  ws->nkept = 0;
  ws->kept_table_cap = 0;
  if (ws->kept_ids_cap) memset(ws->kept_ids, 0, ws->kept_ids_cap * sizeof *ws->kept_ids);
  return GC_OK;
}

size_t gc_kept_count(const gc_heap *h) { return h->weak ? h->weak->nkept : 0; }

/* The KeepDuringJob set is one of V8's strong roots (the heap's
 * weak_refs_keep_during_job), which marking starts from. */
void weak_ref_grey_roots(gc_heap *h) {
  if (h->weak && h->weak->kept_table) marker_push_grey(h, weak_addr(h, h->weak->kept_table));
}

void weak_ref_free(weak_state *ws) { free(ws->kept_ids); }
