/*
 * slot_set.c -- per-page remembered sets (V8's SlotSet): one bit per tagged
 * slot of the page, in buckets of 1024 slots allocated on first use.  Used
 * for OLD_TO_NEW slots: an old or large object's slot that holds a young
 * object.  Iteration is in address order, so it is deterministic.
 */
#include <stdlib.h>

#include "heap_internal.h"

static slot_set *slot_set_new(page *p) {
  uint64_t slots = p->size / 8;
  uint32_t nb = (uint32_t)((slots + SLOTS_PER_BUCKET - 1) / SLOTS_PER_BUCKET);
  slot_set *s = calloc(1, sizeof *s + nb * sizeof s->buckets[0]);
  if (s) s->nbuckets = nb;
  return s;
}

bool slot_set_insert(gc_heap *h, page *p, addr_t slot) {
  (void)h;
  if (!p->old_to_new && !(p->old_to_new = slot_set_new(p))) return false;
  uint64_t i = (slot - p->start) >> 3;
  uint64_t **b = &p->old_to_new->buckets[i / SLOTS_PER_BUCKET];
  if (!*b && !(*b = calloc(SLOTS_PER_BUCKET / 64, sizeof(uint64_t)))) return false;
  uint32_t bit = (uint32_t)(i % SLOTS_PER_BUCKET);
  (*b)[bit >> 6] |= 1ull << (bit & 63);
  return true;
}

bool slot_set_contains(const page *p, addr_t slot) {
  if (!p->old_to_new) return false;
  uint64_t i = (slot - p->start) >> 3;
  const uint64_t *b = p->old_to_new->buckets[i / SLOTS_PER_BUCKET];
  if (!b) return false;
  uint32_t bit = (uint32_t)(i % SLOTS_PER_BUCKET);
  return (b[bit >> 6] >> (bit & 63)) & 1;
}

void slot_set_remove(page *p, addr_t slot) {
  if (!p->old_to_new) return;
  uint64_t i = (slot - p->start) >> 3;
  uint64_t *b = p->old_to_new->buckets[i / SLOTS_PER_BUCKET];
  if (!b) return;
  uint32_t bit = (uint32_t)(i % SLOTS_PER_BUCKET);
  b[bit >> 6] &= ~(1ull << (bit & 63));
}

void slot_set_remove_range(page *p, addr_t from, addr_t to) {
  if (!p->old_to_new) return;
  for (addr_t s = from; s < to; s += 8) {
    uint64_t i = (s - p->start) >> 3;
    uint64_t *b = p->old_to_new->buckets[i / SLOTS_PER_BUCKET];
    if (!b) { /* skip to the next bucket */
      uint64_t next = (i / SLOTS_PER_BUCKET + 1) * SLOTS_PER_BUCKET;
      s = p->start + next * 8 - 8;
      continue;
    }
    uint32_t bit = (uint32_t)(i % SLOTS_PER_BUCKET);
    b[bit >> 6] &= ~(1ull << (bit & 63));
  }
}

void slot_set_free(page *p) {
  slot_set *s = p->old_to_new;
  if (!s) return;
  for (uint32_t i = 0; i < s->nbuckets; i++) free(s->buckets[i]);
  free(s);
  p->old_to_new = NULL;
}

size_t slot_set_count(const page *p) {
  const slot_set *s = p->old_to_new;
  size_t n = 0;
  if (!s) return 0;
  for (uint32_t i = 0; i < s->nbuckets; i++)
    if (s->buckets[i])
      for (uint32_t w = 0; w < SLOTS_PER_BUCKET / 64; w++)
        n += (size_t)__builtin_popcountll(s->buckets[i][w]);
  return n;
}

void slot_set_iterate(gc_heap *h, page *p, slot_fn fn, void *ud) {
  slot_set *s = p->old_to_new;
  if (!s) return;
  for (uint32_t bi = 0; bi < s->nbuckets; bi++) {
    uint64_t *b = s->buckets[bi];
    if (!b) continue;
    bool any = false;
    for (uint32_t w = 0; w < SLOTS_PER_BUCKET / 64; w++) {
      uint64_t bits = b[w];
      while (bits) {
        uint32_t k = (uint32_t)__builtin_ctzll(bits);
        bits &= bits - 1;
        addr_t slot = p->start + ((uint64_t)bi * SLOTS_PER_BUCKET + w * 64 + k) * 8;
        if (!fn(h, p, slot, ud)) b[w] &= ~(1ull << k);
      }
      if (b[w]) any = true;
    }
    if (!any) {
      free(b);
      s->buckets[bi] = NULL;
    }
  }
}
