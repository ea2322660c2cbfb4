/*
 * weak.h -- the engine's weak mechanisms: weak slots, WeakRef, ephemeron
 * tables (WeakMap/WeakSet) and FinalizationRegistry.  Shared by weak.c
 * (the holder list and the per-GC processing), ephemeron.c (tables and
 * ephemeron marking), weak_ref.c (WeakRef and KeepDuringJob) and
 * finalization.c (registries, cells and the cleanup queue), and the short
 * hooks the collectors call (listed at the end).
 *
 * Representation
 *  - A weak slot holds its target's address with tag bits 0b10 (V8's weak
 *    HeapObjectReference also lives in the tag bits).  gc_tagged_is_ref()
 *    is false for it, so every strong loop of every collector (Cheney scan,
 *    marker, remembered sets, reference updates, verifier) passes it by:
 *    a weak slot never keeps its target alive.
 *  - Every object that holds a weak slot, and every ephemeron table, WeakRef,
 *    WeakCell and FinalizationRegistry, carries META_F_WEAK_HOLDER and is on
 *    h->weak->holders, in the order it became a holder (dead holders are
 *    dropped in place, so the order is stable: deterministic processing).
 *  - An old holder with a weak slot to a young object carries
 *    META_F_YOUNG_WEAK: only young holders and those are visited by a
 *    Scavenge (the weak counterpart of the OLD_TO_NEW remembered set; V8's
 *    ephemeron remembered set for tables).
 *
 * Invariants (checked by weak_verify)
 *  - holders lists each flagged object exactly once, and only live objects.
 *  - a weak-tagged slot appears only in a flagged object and points to the
 *    start of a live object; an old holder with a young weak target has
 *    META_F_YOUNG_WEAK.
 *  - an ephemeron table's counters match its entries; a deleted entry's key
 *    is HOLE and its value empty.
 *  - while marking: a black table whose key is marked has no white value.
 *  - a registry's active cells have a target; its cleared cells have none;
 *    a registry is scheduled (queued for cleanup, its handle rooted) exactly
 *    when its cleared list is not empty.
 */
#ifndef GCLAB_WEAK_H
#define GCLAB_WEAK_H

#include "gclab_weak.h"
#include "handles.h"
#include "heap_internal.h"

/* meta flag bits (the 16 flag bits of the meta word) */
#define META_F_WEAK_HOLDER (1ull << 48)
#define META_F_EPH_TABLE (1ull << 49)
#define META_F_YOUNG_WEAK (1ull << 50)
#define META_KIND_SHIFT 51
#define META_KIND_MASK (7ull << META_KIND_SHIFT)
#define META_F_EPH_KEY (1ull << 55)   /* has pending ephemeron records while marking */
#define META_F_CELL_DIED (1ull << 54) /* registry: a cell's target died in this GC */

typedef enum weak_kind {
  WK_PLAIN = 0,    /* an ordinary object with weak slots (gc_slot_set_weak) */
  WK_WEAK_REF = 1, /* slot 0: target (weak) */
  WK_TABLE = 2,    /* EphemeronHashTable: see ephemeron.c */
  WK_WEAK_MAP = 3, /* JSWeakMap: slot 0 -> table */
  WK_WEAK_SET = 4, /* JSWeakSet: slot 0 -> table */
  WK_CELL = 5,     /* WeakCell: see finalization.c */
  WK_REGISTRY = 6, /* JSFinalizationRegistry: see finalization.c */
  WK_KEY_MAP = 7   /* a registry's key map (key_map.c): not a holder, no weak slots */
} weak_kind;

static inline weak_kind obj_weak_kind(const obj *o) {
  return (weak_kind)((o->meta & META_KIND_MASK) >> META_KIND_SHIFT);
}
static inline bool obj_is_holder(const obj *o) { return (o->meta & META_F_WEAK_HOLDER) != 0; }
/* A WeakRef, EphemeronHashTable, WeakMap, WeakSet, WeakCell,
 * FinalizationRegistry or a registry's key map: its slots are the
 * engine's, changed only by its own operations (a store through the slot
 * API would break its invariants: a table's count, a cell's list links). */
static inline bool obj_slots_internal(const obj *o) {
  return obj_is_holder(o) ? obj_weak_kind(o) != WK_PLAIN : obj_weak_kind(o) == WK_KEY_MAP;
}
const char *weak_kind_name(weak_kind k); /* "WeakMap", ...; "ordinary object" for WK_PLAIN */
const char *weak_kind_with_article(weak_kind k); /* "a WeakMap", ...; "an ordinary object" */

/* weak-tagged slots */
static inline bool is_weak(tagged t) { return gc_tagged_is_weak(t); }
static inline addr_t weak_target(tagged t) { return (addr_t)(t & ~(tagged)3); }
static inline tagged weak_make(addr_t a) { return (tagged)a | GC_TAG_WEAK; }

/* A deleted ephemeron entry's key (V8's the_hole): a Smi, never a key. */
#define EPH_HOLE ((tagged)gc_smi_tag(-1))

/* Table layout: slot 0 elements (Smi), slot 1 deleted (Smi), then
 * capacity pairs (key, value) from slot 2. */
#define EPH_PREFIX 2u
/* Cell layout */
enum { CELL_TARGET = 0, CELL_HOLDINGS, CELL_TOKEN, CELL_REGISTRY, CELL_PREV, CELL_NEXT, CELL_SLOTS };
/* Registry layout: its internal handle is in the payload after the slots;
 * REG_KEY_MAP is its key map (key_map.c), empty until a token is used. */
enum { REG_ACTIVE = 0, REG_CLEARED, REG_FLAGS, REG_NEXT_DIRTY, REG_KEY_MAP, REG_SLOTS };
#define REG_SCHEDULED 1

/* ephemeron marking: pending (table, key, value) records by key */
typedef struct eph_rec {
  addr_t table, key, value;
  uint32_t next; /* index + 1 of the next record of the same key, or 0 */
} eph_rec;
typedef struct eph_slot {
  addr_t key;    /* 0: unused */
  uint32_t head; /* index + 1 of the first record, 0 once consumed */
} eph_slot;

typedef struct weak_state {
  addr_vec holders;
  /* ephemeron marking (ephemeron.c) */
  eph_rec *recs;
  size_t nrecs, cap_recs;
  eph_slot *map;
  size_t map_cap, map_used; /* map_cap: 0 or a power of two */
  /* KeepDuringJob (weak_ref.c): V8's OrderedHashSet in the heap, held by
   * a rooted handle (GC_NO_HANDLE while empty), its entries and capacity;
   * and the kept objects' ids, an index off the heap for lookups */
  gc_handle kept_table;
  size_t nkept, kept_table_cap;
  uint64_t *kept_ids; /* open addressing, 0 = empty */
  size_t kept_ids_cap;
  /* finalization (finalization.c) */
  addr_t dirty_head, dirty_tail; /* registries queued for cleanup, FIFO */
  gc_handle *reg_handles;        /* every registry's internal handle */
  size_t nreg, cap_reg, reg_sweep_at;
  /* an end-of-marking check that failed (reported by the next verify) */
  char corrupt[256];
} weak_state;

/* Where an object id starts its probe in an open-addressing index of
 * `cap` (a power of two) entries: Fibonacci hashing, the product's upper
 * half.  Ids never change, so the indexes need no rehash when objects
 * move (the ephemeron tables, the KeepDuringJob ids, the key maps). */
static inline size_t weak_id_home(uint64_t id, size_t cap) {
  return (size_t)(id * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
}

/* The address of handle hd's object; 0 unless hd is a live handle. */
static inline addr_t weak_addr(gc_heap *h, gc_handle hd) {
  hentry *e = handle_try(h, hd, true);
  return e ? e->addr : 0;
}

/* weak.c */
weak_state *weak_state_get(gc_heap *h); /* created on first use; NULL on ENOMEM */
bool weak_add_holder(gc_heap *h, addr_t a, weak_kind kind);
/* The barrier of a weak store: remembered flag, and the marking barrier
 * (V8's does not tell weak stores from strong ones). */
void weak_store_barrier(gc_heap *h, addr_t holder, addr_t target);
/* Strong store with the write barrier (links the collectors write). */
static inline void weak_set_strong(gc_heap *h, addr_t holder, uint32_t i, tagged v) {
  obj *o = obj_at(holder);
  o->slots[i] = v;
  write_barrier(h, holder, &o->slots[i], v);
}
/* gc_alloc whose init[] objects (stored in the first slots, strongly, as
 * gc_alloc_into does) stay alive across the GC the allocation may run; the
 * new handle joins the innermost scope, as gc_alloc's. */
gc_status weak_alloc(gc_heap *h, uint32_t nslots, uint64_t bytes, const char *name, const gc_handle *init,
                     uint32_t ninit, gc_handle *out);
/* gc_alloc_old (empty slots) whose keep[] objects (GC_NO_HANDLE entries
 * skipped) stay alive, rooted, across the GC the allocation may run; the
 * new handle joins the innermost scope, as gc_alloc's. */
gc_status weak_alloc_old(gc_heap *h, uint32_t nslots, const char *name, const gc_handle *keep, uint32_t nkeep,
                         gc_handle *out);
gc_status weak_check_kind(gc_heap *h, gc_handle hd, weak_kind want, const char *what, addr_t *out);
void weak_charge(gc_heap *h, uint64_t items); /* virtual time for weak work */

/* ephemeron.c */
void ephemeron_visit_table(gc_heap *h, addr_t table);   /* marker: a table turns black */
void ephemeron_key_marked_slow(gc_heap *h, addr_t key); /* marker: an object turns black */
void ephemeron_marking_reset(gc_heap *h);
void ephemeron_after_scavenge(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t));
void ephemeron_remove_entry(gc_heap *h, addr_t table, uint32_t key_slot);
gc_status ephemeron_verify_marking(gc_heap *h, bool (*is_start)(const void *, addr_t), const void *ctx,
                                   char *msg, size_t len);

/* The (key, value) pairs of every listed table, sorted by key address,
 * for the snapshot's ephemeron edges (snapshot_take.c).  *out is malloc'd
 * (NULL when there are none); false on out-of-memory. */
typedef struct weak_pair {
  addr_t key, value, table;
} weak_pair;
bool ephemeron_pairs(gc_heap *h, weak_pair **out, size_t *n);

/* weak_ref.c */
void weak_ref_free(weak_state *ws);
void weak_ref_grey_roots(gc_heap *h); /* the KeepDuringJob set, when marking starts */

/* finalization.c */
void finalization_process(gc_heap *h); /* cells whose target was cleared -> cleared lists */
void finalization_update(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t));
gc_status finalization_verify(gc_heap *h, char *msg, size_t len);
void finalization_free(weak_state *ws);

/* key_map.c: a registry's key map, from its cells' tokens to the cells.
 * A cell with a token is in its registry's map from its registration
 * until it is unregistered, its cleanup is taken or its token dies. */
/* Give the cell `cell` of `reg` its unregister token and enter it in
 * reg's map; may allocate (and collect) to make room first. */
gc_status key_map_add(gc_heap *h, gc_handle reg, gc_handle cell, gc_handle token);
/* Each cell of `reg` registered with the token at `token` leaves the map
 * and is passed to drop(); true if there was one. */
bool key_map_remove_token(gc_heap *h, addr_t reg, addr_t token, void (*drop)(gc_heap *, addr_t reg, addr_t cell));
/* The cell `cell` of `reg`, registered with the token whose object id is
 * token_id, leaves the map (no allocation: also inside a GC). */
void key_map_remove_cell(gc_heap *h, addr_t reg, addr_t cell, uint64_t token_id);
/* Is `cell` (which has a token) entered in reg's map? */
bool key_map_holds(addr_t reg, addr_t cell);
/* reg's map is consistent: its kind, capacity and counts, every entry a
 * cell of reg under its token's hash; a message if not. */
gc_status key_map_verify(gc_heap *h, addr_t reg, char *msg, size_t len);

/* ------------------------------------------------- the collectors' hooks */

/* scavenger.c, after the Cheney scan: weak slots to dead young objects are
 * cleared and the rest follow their copies; ephemerons with a dead young key
 * removed (V8's ClearYoungEphemerons); cells queued. */
void weak_after_scavenge(gc_heap *h);
/* scavenger.c, each time its scan is drained: evacuate the young targets of
 * the live holders' weak slots (V8's scavenger treats weak references as
 * strong; ephemeron keys are the exception).  True if it evacuated any:
 * the scan then has new objects to process. */
bool weak_scavenge_strong(gc_heap *h);
/* full_gc.c, once marking reached its fixpoint: the same with colours. */
void weak_after_marking(gc_heap *h);
/* compactor.c, after objects moved: weak slots follow their targets.
 * resolve gives an address's final place. */
void weak_update_refs(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t));
/* verify.c */
gc_status weak_verify(gc_heap *h, bool marking, bool (*is_start)(const void *, addr_t), const void *ctx);
/* heap.c */
void weak_free(gc_heap *h);

/* marker.c: an object turned black; its pending ephemeron values follow. */
static inline void ephemeron_key_marked(gc_heap *h, addr_t a) {
  if (UNLIKELY(obj_at(a)->meta & META_F_EPH_KEY)) ephemeron_key_marked_slow(h, a);
}

#endif
