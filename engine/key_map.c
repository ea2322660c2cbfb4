/*
 * key_map.c -- a FinalizationRegistry's key map: V8's
 * JSFinalizationRegistry::key_map, a SimpleNumberDictionary in the heap
 * from an unregister token's identity hash to the registry's cells
 * registered with that token, so that unregister visits only those cells.
 *
 * The map is an object named "SimpleNumberDictionary" (weak kind
 * WK_KEY_MAP: not a weak holder, but its slots are the engine's): slot 0
 * the number of entries, slot 1 the number of deleted ones (Smis), then
 * `capacity` pairs (key, value) -- key the token's hash as a Smi (0
 * unused, EPH_HOLE deleted), value the cell, a strong reference as in V8.
 * 40 + 16 * capacity bytes, V8's size.  The registry's REG_KEY_MAP slot
 * holds it, empty until the first token (V8: undefined, then
 * SimpleNumberDictionary::New(1)).
 *
 * Sizing is V8's HashTable's (hash_table.h), as Dictionary::Add calls
 * EnsureCapacity: an add to a table without room rehashes it into a new
 * one sized for its live entries plus one, young, or old when the table it
 * replaces is old and has more than 256 entries.  Removing an entry only
 * marks it deleted (RemoveUnregisterToken's ClearEntry, ElementRemoved);
 * nothing shrinks the map.  The deleted count is V8's: deletions since the
 * map was made, a deleted entry used again still counted (put).
 *
 * Probing is V8's (HashTable::FirstProbe, NextProbe: steps 1, 2, 3, ...,
 * which visit every entry of a power-of-two table).  The hash is the
 * token's object id through weak_id_home (30 bits), where V8 uses the
 * token's random identity hash.
 *
 * One difference: V8 keeps one entry per hash and links that hash's cells
 * through the cells' key_list_prev and key_list_next fields.  gclab's
 * WeakCell has no room for those links within V8's 72 bytes, so every
 * cell has its own entry (entries with the same key follow each other on
 * the probe path).  The map's bytes are V8's as long as no token is used
 * for two registrations of one registry -- the common use, an object its
 * own token; a token registered k times has k entries where V8 has one.
 *
 * A cell leaves the map when it is unregistered (Unregister), when its
 * cleanup is taken (PopClearedCellHoldings -> RemoveCellFromUnregister-
 * TokenMap) and when a full GC finds its token dead (MarkCompactCollector::
 * ClearJSWeakRefs); so a cell is in its registry's map exactly while its
 * token slot is set (the verifier checks it: finalization_verify asks
 * key_map_holds for each such cell).
 */
#include <stdio.h>

#include "hash_table.h"
#include "weak.h"

static inline tagged S(addr_t a, uint32_t i) { return obj_at(a)->slots[i]; }
static inline uint32_t capacity_of(const obj *m) { return (obj_nslots(m) - EPH_PREFIX) / 2; }
static inline uint32_t key_slot(uint32_t e) { return EPH_PREFIX + 2 * e; }
static inline uint64_t count(const obj *m, uint32_t i) { return (uint64_t)smi_untag(m->slots[i]); }
static inline void add_count(obj *m, uint32_t i, int d) { m->slots[i] = smi_tag(smi_untag(m->slots[i]) + d); }

/* The hash of the token whose object id is `id`: the key of its entries. */
static inline tagged token_key(uint64_t id) { return smi_tag((int32_t)weak_id_home(id, 1u << 30)); }

static addr_t map_of(addr_t reg) {
  tagged t = S(reg, REG_KEY_MAP);
  return is_ptr(t) ? (addr_t)t : 0;
}

/* The token object of a cell that has one (its token slot is weak). */
static inline addr_t cell_token(addr_t c) { return weak_target(S(c, CELL_TOKEN)); }

/* The first unused or deleted entry on the probe path of `key` (the map
 * has room: there is one). */
static uint32_t free_entry(const obj *m, tagged key) {
  uint32_t mask = capacity_of(m) - 1, e = (uint32_t)smi_untag(key) & mask;
  for (uint32_t n = 1;; e = (e + n++) & mask) {
    tagged k = m->slots[key_slot(e)];
    if (k == 0 || k == EPH_HOLE) return e;
  }
}

/* An entry put where one was deleted leaves the deleted count as it is:
 * V8's HashTable::ElementAdded counts the entries only, so the deleted
 * count is the number of deletions since the table was made, which only a
 * rebuild resets. */
static void put(gc_heap *h, addr_t m, tagged key, addr_t cell) {
  obj *o = obj_at(m);
  uint32_t e = free_entry(o, key);
  o->slots[key_slot(e)] = key;
  weak_set_strong(h, m, key_slot(e) + 1, (tagged)cell);
  add_count(o, 0, +1);
}

static void remove_entry(obj *m, uint32_t e) {
  m->slots[key_slot(e)] = EPH_HOLE;
  m->slots[key_slot(e) + 1] = 0;
  add_count(m, 0, -1);
  add_count(m, 1, +1);
}

/* Replace reg's map (none yet: a first one) by a new one of `cap` entries
 * holding its live entries.  reg, cell and token live through the
 * allocation. */
static gc_status rebuild(gc_heap *h, gc_handle reg, gc_handle cell, gc_handle token, uint32_t cap, bool old) {
  gc_handle keep[3] = {reg, cell, token}, nm;
  gc_status st = old ? weak_alloc_old(h, EPH_PREFIX + 2 * cap, "SimpleNumberDictionary", keep, 3, &nm)
                     : weak_alloc(h, EPH_PREFIX + 2 * cap, 0, "SimpleNumberDictionary", keep, 3, &nm);
  if (st != GC_OK) return st;
  addr_t r = weak_addr(h, reg), n = weak_addr(h, nm), m = map_of(r);
  obj *no = obj_at(n);
  /* `keep` only kept those objects alive through a young allocation */
  for (uint32_t s = 0; s < obj_nslots(no); s++) no->slots[s] = 0;
  no->slots[0] = no->slots[1] = smi_tag(0);
  no->meta |= (uint64_t)WK_KEY_MAP << META_KIND_SHIFT;
  if (m) {
    const obj *mo = obj_at(m);
    uint32_t ocap = capacity_of(mo);
    for (uint32_t e = 0; e < ocap; e++) {
      tagged k = mo->slots[key_slot(e)];
      if (k != 0 && k != EPH_HOLE) put(h, n, k, (addr_t)mo->slots[key_slot(e) + 1]);
    }
    weak_charge(h, 2ull * ocap);
  }
  weak_set_strong(h, r, REG_KEY_MAP, (tagged)n);
  gc_handle_release(h, nm);
  return GC_OK;
}

gc_status key_map_add(gc_heap *h, gc_handle reg, gc_handle cell, gc_handle token) {
  addr_t m = map_of(weak_addr(h, reg));
  if (!m) {
    gc_status st = rebuild(h, reg, cell, token, (uint32_t)hash_table_capacity(1), false);
    if (st != GC_OK) return st;
  } else {
    const obj *o = obj_at(m);
    uint64_t cap = capacity_of(o), elements = count(o, 0);
    if (!hash_table_has_room(cap, elements, count(o, 1), 1)) {
      uint64_t ncap = hash_table_capacity(elements + 1);
      if (ncap > (MAX_SLOTS - EPH_PREFIX) / 2 || ncap > (1u << 29))
        return heap_fail(h, GC_EINVAL, "register: the registry's key map cannot grow past %llu entries",
                         (unsigned long long)elements);
      gc_status st = rebuild(h, reg, cell, token, (uint32_t)ncap, hash_table_pretenured(h, cap, m));
      if (st != GC_OK) return st;
    }
  }
  /* only now the cell gets its token: any GC the room took saw a cell
   * without a token, not one missing from the map */
  addr_t c = weak_addr(h, cell), k = weak_addr(h, token);
  obj_at(c)->slots[CELL_TOKEN] = weak_make(k);
  weak_store_barrier(h, c, k);
  put(h, map_of(weak_addr(h, reg)), token_key(obj_at(k)->id), c);
  return GC_OK;
}

bool key_map_remove_token(gc_heap *h, addr_t reg, addr_t token, void (*drop)(gc_heap *, addr_t reg, addr_t cell)) {
  addr_t m = map_of(reg);
  if (!m) return false;
  obj *o = obj_at(m);
  tagged key = token_key(obj_at(token)->id);
  uint32_t mask = capacity_of(o) - 1, e = (uint32_t)smi_untag(key) & mask, n = 1;
  bool any = false;
  for (; o->slots[key_slot(e)] != 0; e = (e + n++) & mask) {
    if (o->slots[key_slot(e)] != key) continue;
    addr_t c = (addr_t)o->slots[key_slot(e) + 1];
    if (cell_token(c) != token) continue; /* another token with the same hash */
    remove_entry(o, e);
    drop(h, reg, c);
    any = true;
  }
  weak_charge(h, 2ull * n);
  return any;
}

/* The entry of `cell` under `key` in map m, or -1. */
static int64_t find_cell(const obj *m, tagged key, addr_t cell) {
  uint32_t mask = capacity_of(m) - 1, e = (uint32_t)smi_untag(key) & mask;
  for (uint32_t n = 1; n <= mask + 1 && m->slots[key_slot(e)] != 0; e = (e + n++) & mask)
    if (m->slots[key_slot(e)] == key && (addr_t)m->slots[key_slot(e) + 1] == cell) return e;
  return -1;
}

void key_map_remove_cell(gc_heap *h, addr_t reg, addr_t cell, uint64_t token_id) {
  (void)h;
  addr_t m = map_of(reg);
  int64_t e = m ? find_cell(obj_at(m), token_key(token_id), cell) : -1;
  if (e >= 0) remove_entry(obj_at(m), (uint32_t)e);
}

/* The map's own consistency: its kind and capacity, every entry a cell of
 * `reg` under its token's hash, its counts. */
static gc_status verify_map(addr_t reg, const obj *o, char *msg, size_t len) {
  unsigned long long rid = (unsigned long long)obj_at(reg)->id;
  uint32_t cap = capacity_of(o);
  uint64_t live = 0, deleted = 0;
  if (obj_is_holder(o) || obj_weak_kind(o) != WK_KEY_MAP || cap < 4 || (cap & (cap - 1))) {
    snprintf(msg, len, "FinalizationRegistry #%llu: its key map #%llu is not a key map of a power-of-two capacity",
             rid, (unsigned long long)o->id);
    return GC_ECORRUPT;
  }
  for (uint32_t e = 0; e < cap; e++) {
    tagged k = o->slots[key_slot(e)], v = o->slots[key_slot(e) + 1];
    if (k == 0 || k == EPH_HOLE) {
      deleted += k == EPH_HOLE;
      if (v == 0) continue;
    } else if (is_smi(k) && is_ptr(v)) {
      addr_t c = (addr_t)v;
      const obj *co = obj_at(c);
      if (obj_is_holder(co) && obj_weak_kind(co) == WK_CELL && is_ptr(S(c, CELL_REGISTRY)) &&
          (addr_t)S(c, CELL_REGISTRY) == reg && is_weak(S(c, CELL_TOKEN)) &&
          token_key(obj_at(cell_token(c))->id) == k) {
        live++;
        continue;
      }
    }
    snprintf(msg, len, "FinalizationRegistry #%llu: key map entry %u is not a cell of the registry under its token's hash",
             rid, e);
    return GC_ECORRUPT;
  }
  if (live != count(o, 0) || deleted > count(o, 1)) { /* put's comment: deleted ones can be reused */
    snprintf(msg, len, "FinalizationRegistry #%llu: key map counts %llu entries and %llu deleted, holds %llu and %llu",
             rid, (unsigned long long)count(o, 0), (unsigned long long)count(o, 1), (unsigned long long)live,
             (unsigned long long)deleted);
    return GC_ECORRUPT;
  }
  return GC_OK;
}

bool key_map_holds(addr_t reg, addr_t cell) {
  addr_t m = map_of(reg);
  return m && find_cell(obj_at(m), token_key(obj_at(cell_token(cell))->id), cell) >= 0;
}

gc_status key_map_verify(gc_heap *h, addr_t reg, char *msg, size_t len) {
  (void)h;
  addr_t m = map_of(reg);
  if (m) return verify_map(reg, obj_at(m), msg, len);
  if (S(reg, REG_KEY_MAP) == 0) return GC_OK;
  snprintf(msg, len, "FinalizationRegistry #%llu has a key map slot that is not an object",
           (unsigned long long)obj_at(reg)->id);
  return GC_ECORRUPT;
}
