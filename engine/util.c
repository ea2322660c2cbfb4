/*
 * util.c -- small shared pieces: growable arrays, error messages (and
 * sizes in them, with units), and the interned object names.  Names are
 * hashed by content (never by address) so that name ids, like everything
 * else, are the same from run to run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"

void *array_make_room(void *v, size_t *cap, size_t n, size_t elem_size, size_t first_cap) {
  if (v && n < *cap) return v;
  size_t c = *cap ? *cap * 2 : first_cap;
  void *nv = realloc(v, c * elem_size);
  if (nv) *cap = c;
  return nv;
}

bool addr_vec_push_slow(addr_vec *s, addr_t a) {
  addr_t *v = array_make_room(s->v, &s->cap, s->n, sizeof *v, 256);
  if (!v) return false;
  s->v = v;
  s->v[s->n++] = a;
  return true;
}

void addr_vec_free(addr_vec *s) {
  free(s->v);
  s->v = NULL;
  s->n = s->cap = 0;
}

bool u32_vec_push(u32_vec *s, uint32_t x) {
  uint32_t *v = array_make_room(s->v, &s->cap, s->n, sizeof *v, 64);
  if (!v) return false;
  s->v = v;
  s->v[s->n++] = x;
  return true;
}

gc_status heap_fail(gc_heap *h, gc_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->error, sizeof h->error, fmt, ap);
  va_end(ap);
  return s;
}

/* ------------------------------------------------------------------ names */

static uint32_t hash_str(const char *s) {
  uint32_t x = 2166136261u; /* FNV-1a */
  for (; *s; s++) x = (x ^ (uint8_t)*s) * 16777619u;
  return x;
}

static bool names_rehash(names *n, uint32_t cap) {
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return false;
  for (uint32_t i = 0; i < n->n; i++) {
    uint32_t j = hash_str(n->v[i]) & (cap - 1);
    while (t[j]) j = (j + 1) & (cap - 1);
    t[j] = i + 1;
  }
  free(n->table);
  n->table = t;
  n->table_cap = cap;
  return true;
}

/* Returns the id of `s`, interning it; 0 ("Object") on out-of-memory. */
uint32_t names_intern_slow(gc_heap *h, const char *s) {
  names *n = &h->names;
  if (!s) s = "Object";
  if (!n->table && !names_rehash(n, 64)) return 0;
  uint32_t j = hash_str(s) & (n->table_cap - 1);
  while (n->table[j]) {
    if (strcmp(n->v[n->table[j] - 1], s) == 0) {
      n->last = (uintptr_t)s;
      n->last_id = n->table[j] - 1;
      return n->last_id;
    }
    j = (j + 1) & (n->table_cap - 1);
  }
  if (n->n == n->cap) {
    uint32_t cap = n->cap ? n->cap * 2 : 64;
    char **v = realloc(n->v, cap * sizeof *v);
    if (!v) return 0;
    n->v = v;
    n->cap = cap;
  }
  size_t len = strlen(s);
  char *copy = malloc(len + 1);
  if (!copy) return 0;
  memcpy(copy, s, len + 1);
  n->v[n->n++] = copy;
  if (n->n * 2 > n->table_cap) {
    if (!names_rehash(n, n->table_cap * 2)) return n->n - 1;
  } else {
    n->table[j] = n->n;
  }
  return n->n - 1;
}

const char *names_get(const gc_heap *h, uint32_t id) {
  return id < h->names.n ? h->names.v[id] : "Object";
}

void names_free(gc_heap *h) {
  for (uint32_t i = 0; i < h->names.n; i++) free(h->names.v[i]);
  free(h->names.v);
  free(h->names.table);
  memset(&h->names, 0, sizeof h->names);
}

/* Prefix the heap's message (a failed handle lookup's) with the argument's
 * name: "dst: handle: expected ...". */
#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
gc_status heap_fail_arg(gc_heap *h, gc_status st, const char *arg) {
  char msg[sizeof h->error];
  memcpy(msg, h->error, sizeof msg);
  return heap_fail(h, st, "%s: %s", arg, msg);
}

/* A size for a message, exact and with its unit: in the largest binary
 * unit that divides it, written as a config would ("256KiB", "4096MiB"),
 * else in bytes ("1000 bytes", "1 byte"). */
size_text size_text_of(uint64_t bytes) {
  static const struct {
    const char *unit;
    unsigned shift;
  } units[] = {{"GiB", 30}, {"MiB", 20}, {"KiB", 10}};
  size_text t;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    uint64_t m = 1ull << units[i].shift;
    if (bytes >= m && bytes % m == 0) {
      snprintf(t.s, sizeof t.s, "%llu%s", (unsigned long long)(bytes >> units[i].shift), units[i].unit);
      return t;
    }
  }
  snprintf(t.s, sizeof t.s, "%llu %s", (unsigned long long)bytes, bytes == 1 ? "byte" : "bytes");
  return t;
}
