/*
 * ephemeron.c -- ephemeron tables (the EphemeronHashTable behind WeakMap
 * and WeakSet) and ephemeron marking.
 *
 * A table is an object: slot 0 the number of entries, slot 1 the number of
 * deleted entries (Smis: V8's count, the deletions since the table was
 * made or rehashed -- an add that reuses a deleted entry leaves it), then
 * `capacity` pairs (key, value).  A key is a weak slot (weak.h), a deleted
 * entry's key is EPH_HOLE, an unused one is empty.  Open addressing with
 * linear probing on the key's object id (ids never change, so a table
 * needs no rehash when keys move, as V8's identity hash).  Its capacity
 * follows V8's HashTable (hash_table.h: hash-table-inl.h, objects.cc): a
 * set first rehashes the table in place when more than a
 * third of its entries are deleted ones (ObjectHashTableBase::Put), then,
 * when the table has too little room (HasSufficientCapacityToAdd: half of
 * the entries free after the add, at most half of the free ones deleted),
 * rehashes it into a new one sized for the live entries plus one with 50%
 * slack (EnsureCapacity, ComputeCapacity), which its WeakMap or WeakSet
 * wrapper then points to (V8's JSWeakCollection -> table); a delete that
 * leaves a quarter or less of the capacity used shrinks it (Shrink).  A new
 * table of more than 256 entries replacing an old one is allocated old
 * (kMinCapacityForPretenure), as V8 does.
 *
 * Marking (the fixpoint without a quadratic blow-up).  V8 iterates
 * ProcessEphemeronsUntilFixpoint and, after v8_flags.ephemeron_fixpoint_
 * iterations rounds without convergence, switches to ProcessEphemeronsLinear:
 * pending ephemerons are kept in a key -> values multimap (key_to_values)
 * and every newly marked object is looked up in it.  gclab uses the linear
 * algorithm from the start, in atomic and incremental marking alike: when
 * the marker scans a table, an entry whose key is marked (grey or black)
 * greys its value; an entry whose key is white becomes a pending record
 * (table, key, value) filed under the key, and the key is flagged in its
 * header.  When the marker blackens a flagged object, it looks it up and
 * greys the values filed under it (ephemeron_key_marked): one test of a
 * header word already in cache for every other object.  Every entry is scanned
 * once and every record consumed once: marking stays linear in the heap,
 * however long a chain of keys reachable only through values is.  The
 * records persist across incremental steps; a Scavenge in the middle
 * rewrites them to follow moved objects (ephemeron_after_scavenge).  When
 * the process cannot store a record, the value is greyed (kept alive this
 * cycle): floating garbage, never a freed live object.
 *
 * Barrier: a store into a table goes through the write barrier for the
 * value and weak_store_barrier for the key: while marking both turn grey,
 * as V8's marking barrier treats every store (so an entry written during
 * marking survives this cycle).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hash_table.h"
#include "weak.h"

static inline uint32_t capacity_of(const obj *t) { return (obj_nslots(t) - EPH_PREFIX) / 2; }
static inline uint32_t key_slot(uint32_t e) { return EPH_PREFIX + 2 * e; }

/* The entry of `key` in table t, or -1; *ins gets the first unused or
 * deleted entry on its probe path (-1 if the table is full). */
static int64_t table_find(const obj *t, addr_t key, int64_t *ins) {
  uint32_t cap = capacity_of(t);
  uint32_t i = (uint32_t)weak_id_home(obj_at(key)->id, cap);
  int64_t first = -1;
  for (uint32_t n = 0; n < cap; n++, i = (i + 1) & (cap - 1)) {
    tagged k = t->slots[key_slot(i)];
    if (k == 0) {
      if (first < 0) first = i;
      break;
    }
    if (k == EPH_HOLE) {
      if (first < 0) first = i;
      continue;
    }
    if (weak_target(k) == key) return i;
  }
  if (ins) *ins = first;
  return -1;
}

static void table_put(gc_heap *h, addr_t t, uint32_t e, addr_t key, tagged value) {
  obj *o = obj_at(t);
  o->slots[key_slot(e)] = weak_make(key);
  weak_store_barrier(h, t, key);
  weak_set_strong(h, t, key_slot(e) + 1, value);
}

static inline void add_count(obj *t, uint32_t slot, int d) {
  t->slots[slot] = smi_tag(smi_untag(t->slots[slot]) + d);
}

void ephemeron_remove_entry(gc_heap *h, addr_t table, uint32_t ks) {
  (void)h;
  obj *o = obj_at(table);
  o->slots[ks] = EPH_HOLE;
  o->slots[ks + 1] = 0;
  add_count(o, 0, -1);
  add_count(o, 1, +1);
}

/* A new empty table, young or `old`; init[] (the map, the key and the
 * value being stored) live through the allocation: in a young table's
 * first slots, which are then reset, or rooted for an old one. */
static gc_status table_alloc(gc_heap *h, uint32_t cap, bool old, const gc_handle *init, uint32_t ninit,
                             gc_handle *out) {
  gc_status st = old ? weak_alloc_old(h, EPH_PREFIX + 2 * cap, "EphemeronHashTable", init, ninit, out)
                     : weak_alloc(h, EPH_PREFIX + 2 * cap, 0, "EphemeronHashTable", init, ninit, out);
  if (st != GC_OK) return st;
  gc_status lst;
  addr_t a = handle_lookup(h, *out, true, &lst)->addr;
  /* `init` only kept those objects alive through the allocation: empty
   * the slots it filled (the counts, then entries) */
  for (uint32_t i = 2; i < ninit; i++) obj_at(a)->slots[i] = 0;
  obj_at(a)->slots[0] = smi_tag(0);
  obj_at(a)->slots[1] = smi_tag(0);
  if (!weak_add_holder(h, a, WK_TABLE)) {
    gc_handle_release(h, *out);
    return heap_fail(h, GC_ENOMEM, "out of process memory for the weak holder list");
  }
  return GC_OK;
}

gc_status gc_weak_map_new(gc_heap *h, bool set, gc_handle *out) {
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "weak_map: not allowed during a GC");
  gc_handle t, w;
  gc_status st = table_alloc(h, (uint32_t)hash_table_capacity(0), false, NULL, 0, &t);
  if (st != GC_OK) return st;
  st = weak_alloc(h, 1, 0, set ? "WeakSet" : "WeakMap", &t, 1, &w); /* slot 0: the table */
  if (st == GC_OK) {
    addr_t wa = weak_addr(h, w);
    if (!weak_add_holder(h, wa, set ? WK_WEAK_SET : WK_WEAK_MAP)) {
      gc_handle_release(h, w);
      st = heap_fail(h, GC_ENOMEM, "out of process memory for the weak holder list");
    }
  }
  gc_handle_release(h, t);
  if (st == GC_OK) *out = w;
  return st;
}

/* Rehash the table of `map` into a new one of `cap` entries, allocated
 * `old` or young. */
static gc_status table_rehash_into(gc_heap *h, gc_handle map, uint32_t cap, bool old, const gc_handle *keep,
                                   uint32_t nkeep) {
  gc_handle nt;
  gc_status st = table_alloc(h, cap, old, keep, nkeep, &nt); /* may collect: addresses are read after */
  if (st != GC_OK) return st;
  addr_t w = weak_addr(h, map), n = weak_addr(h, nt);
  addr_t t = (addr_t)obj_at(w)->slots[0];
  obj *o = obj_at(t);
  uint32_t ocap = capacity_of(o), live = 0;
  for (uint32_t e = 0; e < ocap; e++) {
    tagged k = o->slots[key_slot(e)];
    if (!is_weak(k)) continue;
    int64_t ins = -1;
    table_find(obj_at(n), weak_target(k), &ins);
    table_put(h, n, (uint32_t)ins, weak_target(k), o->slots[key_slot(e) + 1]);
    live++;
  }
  obj_at(n)->slots[0] = smi_tag((int32_t)live);
  /* The old table is garbage now; emptied, no GC counts its entries again. */
  for (uint32_t s = 0; s < obj_nslots(o); s++) o->slots[s] = 0;
  o->slots[0] = o->slots[1] = smi_tag(0);
  weak_set_strong(h, w, 0, (tagged)n);
  weak_charge(h, 2ull * ocap);
  gc_handle_release(h, nt);
  return GC_OK;
}

/* Rehash table t in place, dropping its deleted entries (V8's
 * HashTable::Rehash(cage_base), from ObjectHashTableBase::Put): no
 * allocation in the heap; the entries are put back through the barriers,
 * as any store into the table. */
static gc_status table_rehash_in_place(gc_heap *h, addr_t t) {
  obj *o = obj_at(t);
  uint32_t cap = capacity_of(o), live = 0;
  addr_t *pairs = malloc(2ull * (smi_untag(o->slots[0]) + 1) * sizeof *pairs);
  if (!pairs) return heap_fail(h, GC_ENOMEM, "out of process memory to rehash a weak map's table");
  for (uint32_t e = 0; e < cap; e++) {
    tagged k = o->slots[key_slot(e)];
    if (is_weak(k) && live < (uint32_t)smi_untag(o->slots[0])) {
      pairs[2 * live] = weak_target(k);
      pairs[2 * live + 1] = (addr_t)o->slots[key_slot(e) + 1];
      live++;
    }
    o->slots[key_slot(e)] = o->slots[key_slot(e) + 1] = 0;
  }
  for (uint32_t i = 0; i < live; i++) {
    int64_t ins = -1;
    table_find(o, pairs[2 * i], &ins);
    table_put(h, t, (uint32_t)ins, pairs[2 * i], (tagged)pairs[2 * i + 1]);
  }
  free(pairs);
  o->slots[0] = smi_tag((int32_t)live);
  o->slots[1] = smi_tag(0);
  weak_charge(h, 2ull * cap);
  return GC_OK;
}

/* The map's table and the key's address, after the common checks. */
static gc_status map_args(gc_heap *h, gc_handle map, gc_handle key, const char *what, addr_t *w,
                          addr_t *k) {
  gc_status st = weak_check_kind(h, map, WK_WEAK_MAP, what, w);
  if (st != GC_OK) return st;
  hentry *e = handle_lookup(h, key, true, &st);
  if (!e) return heap_fail_arg(h, st, "key");
  *k = e->addr;
  return GC_OK;
}

gc_status gc_weak_map_set(gc_heap *h, gc_handle map, gc_handle key, const gc_value *value) {
  addr_t w = 0, k = 0;
  gc_status st = map_args(h, map, key, "weak_map set", &w, &k);
  if (st != GC_OK) return st;
  gc_value empty = {GC_SLOT_EMPTY, 0, GC_NO_HANDLE};
  if (!value) value = &empty;
  bool is_set = obj_weak_kind(obj_at(w)) == WK_WEAK_SET;
  if (is_set && value->kind != GC_SLOT_EMPTY)
    return heap_fail(h, GC_EINVAL, "value: a WeakSet holds keys only");
  tagged v = 0;
  if (value->kind == GC_SLOT_SMI) {
    if (value->smi < GC_SMI_MIN || value->smi > GC_SMI_MAX)
      return heap_fail(h, GC_EINVAL, "value: expected a small integer (%d..%d), got %lld", GC_SMI_MIN,
                       GC_SMI_MAX, (long long)value->smi);
    v = smi_tag((int32_t)value->smi);
  } else if (value->kind == GC_SLOT_REF) {
    hentry *e = handle_lookup(h, value->ref, true, &st);
    if (!e) return heap_fail_arg(h, st, "value");
    v = (tagged)e->addr;
  } else if (value->kind != GC_SLOT_EMPTY) {
    return heap_fail(h, GC_EINVAL, "value: expected empty, a small integer or an object");
  }
  addr_t t = (addr_t)obj_at(w)->slots[0];
  int64_t ins;
  int64_t e = table_find(obj_at(t), k, &ins);
  h->stores++;
  if (e >= 0) {
    weak_set_strong(h, t, key_slot((uint32_t)e) + 1, v);
    return GC_OK;
  }
  uint32_t cap = capacity_of(obj_at(t));
  uint64_t elements = (uint64_t)smi_untag(obj_at(t)->slots[0]), deleted = (uint64_t)smi_untag(obj_at(t)->slots[1]);
  if (deleted * 2 > elements) { /* more than a third of the used entries deleted */
    if ((st = table_rehash_in_place(h, t)) != GC_OK) return st;
    deleted = 0;
    table_find(obj_at(t), k, &ins);
  }
  if (!hash_table_has_room(cap, elements, deleted, 1) || ins < 0) {
    uint64_t ncap = hash_table_capacity(elements + 1);
    if (ncap > (MAX_SLOTS - EPH_PREFIX) / 2 || ncap > (1u << 29))
      return heap_fail(h, GC_EINVAL, "weak_map set: the table cannot grow past %llu entries",
                       (unsigned long long)elements);
    /* Keep them across the allocation: the value is only an address, and
     * the map itself may have nothing else holding it (its caller's
     * reference, as V8's stack holds the JSWeakMap during Set). */
    gc_handle keep[3] = {key, map, value->ref};
    st = table_rehash_into(h, map, (uint32_t)ncap, hash_table_pretenured(h, cap, t), keep,
                           value->kind == GC_SLOT_REF ? 3 : 2);
    if (st != GC_OK) return st;
    w = weak_addr(h, map);
    k = weak_addr(h, key);
    if (value->kind == GC_SLOT_REF) v = (tagged)weak_addr(h, value->ref);
    t = (addr_t)obj_at(w)->slots[0];
    table_find(obj_at(t), k, &ins);
  }
  /* a deleted entry reused stays counted as deleted: V8's AddEntry and
   * HashTable::ElementAdded count the entries only, so the deleted count
   * is the deletions since the table was made or rehashed */
  table_put(h, t, (uint32_t)ins, k, v);
  add_count(obj_at(t), 0, +1);
  return GC_OK;
}

gc_status gc_weak_map_get(gc_heap *h, gc_handle map, gc_handle key, bool *found, gc_slot_value *out,
                          gc_handle *ref) {
  addr_t w = 0, k = 0;
  if (!found || !out) return heap_fail(h, GC_EINVAL, "found, out: expected pointers, got NULL");
  gc_status st = map_args(h, map, key, "weak_map get", &w, &k);
  if (st != GC_OK) return st;
  const obj *t = obj_at((addr_t)obj_at(w)->slots[0]);
  int64_t e = table_find(t, k, NULL);
  memset(out, 0, sizeof *out);
  if (ref) *ref = GC_NO_HANDLE;
  *found = e >= 0;
  if (e < 0) return GC_OK;
  tagged v = t->slots[key_slot((uint32_t)e) + 1];
  if (is_smi(v)) {
    out->kind = GC_SLOT_SMI;
    out->smi = smi_untag(v);
  } else if (is_ptr(v)) {
    out->kind = GC_SLOT_REF;
    out->ref_id = obj_at((addr_t)v)->id;
    if (ref && !(*ref = handle_new(h, (addr_t)v)))
      return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  }
  return GC_OK;
}

gc_status gc_weak_map_delete(gc_heap *h, gc_handle map, gc_handle key, bool *deleted) {
  addr_t w = 0, k = 0;
  gc_status st = map_args(h, map, key, "weak_map delete", &w, &k);
  if (st != GC_OK) return st;
  addr_t t = (addr_t)obj_at(w)->slots[0];
  int64_t e = table_find(obj_at(t), k, NULL);
  if (deleted) *deleted = e >= 0;
  if (e < 0) return GC_OK;
  ephemeron_remove_entry(h, t, key_slot((uint32_t)e));
  /* V8's WeakMap.prototype.delete (WeakCollectionsBuiltinsAssembler::
   * ShouldShrink, then HashTable::Shrink): a table with at least 16 entries
   * left that fill at most a quarter of it is rehashed into one sized for
   * them (ComputeCapacity). */
  uint64_t cap = capacity_of(obj_at(t)), elements = (uint64_t)smi_untag(obj_at(t)->slots[0]);
  if (elements < 16 || elements > cap / 4) return GC_OK;
  uint64_t ncap = hash_table_capacity(elements);
  if (ncap >= cap) return GC_OK;
  gc_handle keep[1] = {map};
  return table_rehash_into(h, map, (uint32_t)ncap, hash_table_pretenured(h, ncap, t), keep, 1);
}

gc_status gc_weak_map_size(gc_heap *h, gc_handle map, uint64_t *out) {
  addr_t w;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = weak_check_kind(h, map, WK_WEAK_MAP, "weak_map size", &w);
  if (st != GC_OK) return st;
  *out = (uint64_t)smi_untag(obj_at((addr_t)obj_at(w)->slots[0])->slots[0]);
  return GC_OK;
}

/* ------------------------------------------------------------- marking */

/* Fibonacci hashing: the top bits of the product (cap is a power of two). */
static inline size_t map_index(addr_t key, size_t cap) {
  return (size_t)(((uint64_t)(key >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - __builtin_ctzll(cap)));
}

static eph_slot *map_slot(weak_state *ws, addr_t key) {
  size_t i = map_index(key, ws->map_cap);
  while (ws->map[i].key && ws->map[i].key != key) i = (i + 1) & (ws->map_cap - 1);
  return &ws->map[i];
}

static bool map_grow(weak_state *ws) {
  size_t cap = ws->map_cap ? ws->map_cap * 2 : 1024;
  eph_slot *m = calloc(cap, sizeof *m), *old = ws->map;
  if (!m) return false;
  size_t ocap = ws->map_cap;
  ws->map = m;
  ws->map_cap = cap;
  for (size_t i = 0; i < ocap; i++)
    if (old[i].key) *map_slot(ws, old[i].key) = old[i];
  free(old);
  return true;
}

/* File (table, key, value) under key; false on out-of-memory. */
static bool add_record(gc_heap *h, weak_state *ws, addr_t t, addr_t k, addr_t v) {
  eph_rec *r = array_make_room(ws->recs, &ws->cap_recs, ws->nrecs, sizeof *r, 1024);
  if (!r) return false;
  ws->recs = r;
  if ((ws->map_used + 1) * 2 > ws->map_cap && !map_grow(ws)) return false;
  eph_slot *s = map_slot(ws, k);
  if (!s->key) {
    s->key = k;
    s->head = 0;
    ws->map_used++;
  }
  ws->recs[ws->nrecs] = (eph_rec){t, k, v, s->head};
  s->head = (uint32_t)++ws->nrecs;
  obj_at(k)->meta |= META_F_EPH_KEY; /* so that only keys are looked up */
  h->eph_pending++;
  return true;
}

void ephemeron_visit_table(gc_heap *h, addr_t t) {
  weak_state *ws = h->weak;
  obj *o = obj_at(t);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = EPH_PREFIX; i + 1 < n; i += 2) {
    tagged k = o->slots[i], v = o->slots[i + 1];
    if (!is_weak(k) || !is_ptr(v) || obj_color(obj_at((addr_t)v)) != GC_WHITE) continue;
    if (obj_color(obj_at(weak_target(k))) != GC_WHITE || !add_record(h, ws, t, weak_target(k), (addr_t)v))
      marker_push_grey(h, (addr_t)v);
  }
  uint64_t ns = marker_cost_ns(h, n * 8ull, 0); /* each slot a reference's price */
  if (h->current_event) h->current_event->ephemeron_ns += ns;
  heap_count_work(h, ns);
}

void ephemeron_key_marked_slow(gc_heap *h, addr_t key) {
  weak_state *ws = h->weak;
  obj_at(key)->meta &= ~META_F_EPH_KEY;
  if (!ws || !ws->map_cap) return;
  eph_slot *s = map_slot(ws, key);
  if (!s->key) return;
  for (uint32_t r = s->head; r; r = ws->recs[r - 1].next) {
    addr_t v = ws->recs[r - 1].value;
    if (obj_color(obj_at(v)) == GC_WHITE) marker_push_grey(h, v);
    h->eph_pending--;
  }
  s->head = 0;
}

void ephemeron_marking_reset(gc_heap *h) {
  weak_state *ws = h->weak;
  h->eph_pending = 0;
  if (!ws) return;
  ws->nrecs = 0;
  if (ws->map_used) memset(ws->map, 0, ws->map_cap * sizeof *ws->map);
  ws->map_used = 0;
}

/* A Scavenge moved or freed young objects: keep the pending records whose
 * table, key and value all survived, at their new addresses. */
void ephemeron_after_scavenge(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t)) {
  weak_state *ws = h->weak;
  eph_rec *recs = ws->recs;
  size_t n = ws->nrecs, j = 0;
  /* Records not yet consumed (without the flags: keep all, conservatively). */
  bool *keep = calloc(n ? n : 1, sizeof *keep);
  for (size_t i = 0; i < ws->map_cap && keep; i++)
    for (uint32_t r = ws->map[i].head; r; r = recs[r - 1].next) keep[r - 1] = true;
  ephemeron_marking_reset(h);
  /* Compact in place, in the order records were filed (j <= i). */
  for (size_t i = 0; i < n; i++) {
    if (keep && !keep[i]) continue;
    eph_rec e = recs[i];
    addr_t t = resolve(h, e.table), k = resolve(h, e.key), v = resolve(h, e.value);
    if (!t || !k || !v) continue;
    recs[j++] = (eph_rec){t, k, v, 0};
  }
  free(keep);
  /* File them again (add_record writes at index <= i: already read). */
  for (size_t i = 0; i < j; i++) {
    eph_rec e = recs[i];
    if (obj_color(obj_at(e.key)) == GC_BLACK || !add_record(h, ws, e.table, e.key, e.value))
      if (obj_color(obj_at(e.value)) == GC_WHITE) marker_push_grey(h, e.value);
  }
}

gc_status ephemeron_verify_marking(gc_heap *h, bool (*is_start)(const void *, addr_t), const void *ctx,
                                   char *msg, size_t len) {
  weak_state *ws = h->weak;
  if (!ws) return GC_OK;
  if (is_start)
    for (size_t i = 0; i < ws->map_cap; i++)
      for (uint32_t r = ws->map[i].head; r; r = ws->recs[r - 1].next) {
        const eph_rec *e = &ws->recs[r - 1];
        if (!is_start(ctx, e->table) || !is_start(ctx, e->key) || !is_start(ctx, e->value)) {
          snprintf(msg, len, "a pending ephemeron record points to a freed object");
          return GC_ECORRUPT;
        }
      }
  for (size_t i = 0; i < ws->holders.n; i++) {
    const obj *t = obj_at(ws->holders.v[i]);
    if (obj_weak_kind(t) != WK_TABLE || obj_color(t) != GC_BLACK) continue;
    uint32_t n = obj_nslots(t);
    for (uint32_t s = EPH_PREFIX; s + 1 < n; s += 2) {
      tagged k = t->slots[s], v = t->slots[s + 1];
      if (is_weak(k) && is_ptr(v) && obj_color(obj_at(weak_target(k))) == GC_BLACK &&
          obj_color(obj_at((addr_t)v)) == GC_WHITE) {
        snprintf(msg, len,
                 "ephemeron invariant broken%s: black table #%llu, black key #%llu, white value #%llu",
                 h->marking_barrier_on ? "" : " (marking barrier off)", (unsigned long long)t->id,
                 (unsigned long long)obj_at(weak_target(k))->id, (unsigned long long)obj_at((addr_t)v)->id);
        return GC_ECORRUPT;
      }
    }
  }
  return GC_OK;
}

/* ------------------------------------------------------------ snapshots */

static int pair_cmp(const void *a, const void *b) {
  const weak_pair *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->table < y->table ? -1 : x->table > y->table; /* then by table, then slot order (stable below) */
}

bool ephemeron_pairs(gc_heap *h, weak_pair **out, size_t *n) {
  weak_state *ws = h->weak;
  size_t cnt = 0;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; ws && i < ws->holders.n; i++) {
    const obj *t = obj_at(ws->holders.v[i]);
    if (obj_weak_kind(t) == WK_TABLE) cnt += (uint64_t)smi_untag(t->slots[0]);
  }
  if (!cnt) return true;
  weak_pair *v = malloc(cnt * sizeof *v);
  if (!v) return false;
  size_t k = 0;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t ta = ws->holders.v[i];
    const obj *t = obj_at(ta);
    if (obj_weak_kind(t) != WK_TABLE) continue;
    for (uint32_t s = EPH_PREFIX; s + 1 < obj_nslots(t) && k < cnt; s += 2)
      if (is_weak(t->slots[s]) && is_ptr(t->slots[s + 1]))
        v[k++] = (weak_pair){weak_target(t->slots[s]), (addr_t)t->slots[s + 1], ta};
  }
  qsort(v, k, sizeof *v, pair_cmp);
  *out = v;
  *n = k;
  return true;
}
