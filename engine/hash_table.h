/*
 * hash_table.h -- V8's HashTable sizing rules (hash-table-inl.h,
 * objects.cc), shared by the engine's two HashTables in the heap: the
 * EphemeronHashTable behind a WeakMap or WeakSet (ephemeron.c) and a
 * FinalizationRegistry's key map, a SimpleNumberDictionary (key_map.c).
 */
#ifndef GCLAB_HASH_TABLE_H
#define GCLAB_HASH_TABLE_H

#include "heap_internal.h"

/* HashTable::ComputeCapacity: room for `at_least` entries with 50% slack,
 * a power of two, at least kMinCapacity (4). */
static inline uint64_t hash_table_capacity(uint64_t at_least) {
  uint64_t raw = at_least + (at_least >> 1), cap = 4;
  while (cap < raw) cap <<= 1;
  return cap;
}

/* HashTable::HasSufficientCapacityToAdd: after adding `n`, half of the
 * capacity is still free and at most half of the free entries are deleted
 * ones. */
static inline bool hash_table_has_room(uint64_t cap, uint64_t elements, uint64_t deleted, uint64_t n) {
  uint64_t nof = elements + n;
  return nof < cap && deleted <= (cap - nof) / 2 && nof + nof / 2 <= cap;
}

/* Is a new table replacing the one at `t` allocated old?  Above
 * kMinCapacityForPretenure (256) entries when the table it replaces is
 * old; `cap` is the replaced table's capacity when it grows
 * (HashTable::EnsureCapacity), the new one's when it shrinks (Shrink). */
static inline bool hash_table_pretenured(const gc_heap *h, uint64_t cap, addr_t t) {
  return cap > 256 && !is_young_addr(h, t);
}

#endif
