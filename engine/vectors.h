/*
 * vectors.h -- the engine's growable arrays: addr_vec and u32_vec (worklists,
 * lists of pages and objects) and array_make_room, the one growth rule
 * (util.c).  Included by heap_internal.h after addr_t and LIKELY.
 * Invariant: n <= cap; v is NULL only while cap is 0.
 */
#ifndef GCLAB_VECTORS_H
#define GCLAB_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct addr_vec {
  addr_t *v;
  size_t n, cap;
} addr_vec;

bool addr_vec_push_slow(addr_vec *s, addr_t a);
static inline bool addr_vec_push(addr_vec *s, addr_t a) {
  if (LIKELY(s->n < s->cap)) {
    s->v[s->n++] = a;
    return true;
  }
  return addr_vec_push_slow(s, a);
}
void addr_vec_free(addr_vec *s);
/* The growable array `v` (*cap elements of elem_size bytes), with room for
 * element n: v itself, or v moved with *cap doubled (from first_cap); NULL
 * on out-of-memory, v and *cap unchanged. */
void *array_make_room(void *v, size_t *cap, size_t n, size_t elem_size, size_t first_cap);

typedef struct u32_vec {
  uint32_t *v;
  size_t n, cap;
} u32_vec;
bool u32_vec_push(u32_vec *s, uint32_t x);

#endif /* GCLAB_VECTORS_H */
