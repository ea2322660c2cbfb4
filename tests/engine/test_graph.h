/*
 * test_graph.h -- a mirror of an object graph kept by the test, and a
 * reachability oracle over it, for the old-generation and incremental
 * marking tests.
 *
 * The mirror records, for every object the test allocated, its handle, its
 * slots (as object indexes, -1 for empty) and how often it is rooted.  The
 * oracle is a plain breadth-first search over the mirror, written
 * independently of the engine's marker, so the two can disagree.
 * Everything random comes from a seeded xorshift generator: a failing seed
 * replays exactly.
 */
#ifndef GCLAB_TEST_GRAPH_H
#define GCLAB_TEST_GRAPH_H

#include <stdbool.h>
#include <stdlib.h>

#include "test_util.h"

/* ------------------------------------------------------------------- PRNG */

typedef struct tg_rng {
  uint64_t s;
} tg_rng;

static inline tg_rng tg_seed(uint64_t seed) {
  tg_rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
  return r;
}

static inline uint64_t tg_next(tg_rng *r) { /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1Dull;
}

static inline uint32_t tg_below(tg_rng *r, uint32_t n) { return (uint32_t)(tg_next(r) % n); }

/* ------------------------------------------------------------------ mirror */

typedef struct tgraph {
  gc_heap *h;
  uint32_t n, cap, k; /* objects, capacity, slots per object */
  gc_handle *hd;      /* one handle per object (weak) */
  int32_t *edge;      /* n * k object indexes, -1 = empty */
  uint32_t *roots;    /* gc_root count */
  bool *dead;         /* collected (its handle reports dead) */
  bool *reach;        /* scratch: result of tg_reach */
  uint32_t *queue;
} tgraph;

static inline void tg_init(tgraph *g, gc_heap *h, uint32_t k) {
  memset(g, 0, sizeof *g);
  g->h = h;
  g->k = k;
}

static inline void tg_free(tgraph *g) {
  free(g->hd);
  free(g->edge);
  free(g->roots);
  free(g->dead);
  free(g->reach);
  free(g->queue);
  memset(g, 0, sizeof *g);
}

static inline void tg_grow(tgraph *g) {
  if (g->n < g->cap) return;
  uint32_t cap = g->cap ? g->cap * 2 : 256;
  g->hd = realloc(g->hd, cap * sizeof *g->hd);
  g->edge = realloc(g->edge, (size_t)cap * g->k * sizeof *g->edge);
  g->roots = realloc(g->roots, cap * sizeof *g->roots);
  g->dead = realloc(g->dead, cap * sizeof *g->dead);
  g->reach = realloc(g->reach, cap * sizeof *g->reach);
  g->queue = realloc(g->queue, cap * sizeof *g->queue);
  assert_non_null(g->hd);
  assert_non_null(g->edge);
  assert_non_null(g->roots);
  assert_non_null(g->dead);
  assert_non_null(g->reach);
  assert_non_null(g->queue);
  g->cap = cap;
}

static inline void tg_refresh_dead(tgraph *g);

/* Allocate one object of the graph.  It is rooted while it is being wired
 * up only if the caller holds a scope open; returns its index.  If the
 * allocation ran a GC, the dead are looked up again. */
static inline uint32_t tg_add(tgraph *g, uint64_t bytes, const char *name) {
  tg_grow(g);
  size_t events = gc_event_count(g->h);
  uint32_t i = g->n;
  OK(g->h, gc_alloc(g->h, g->k, bytes, name, &g->hd[i]));
  for (uint32_t s = 0; s < g->k; s++) g->edge[(size_t)i * g->k + s] = -1;
  g->roots[i] = 0;
  g->dead[i] = false;
  if (gc_event_count(g->h) != events) tg_refresh_dead(g);
  g->n++;
  return i;
}

static inline void tg_set(tgraph *g, uint32_t from, uint32_t slot, int32_t to) {
  if (to < 0) OK(g->h, gc_slot_clear(g->h, g->hd[from], slot));
  else OK(g->h, gc_slot_set_ref(g->h, g->hd[from], slot, g->hd[to]));
  g->edge[(size_t)from * g->k + slot] = to;
}

static inline void tg_root(tgraph *g, uint32_t i) {
  OK(g->h, gc_root(g->h, g->hd[i]));
  g->roots[i]++;
}

static inline void tg_unroot(tgraph *g, uint32_t i) {
  OK(g->h, gc_unroot(g->h, g->hd[i]));
  g->roots[i]--;
}

/* The oracle: g->reach[i] = object i is reachable from a root, or from an
 * object marked in `extra` (may be NULL). */
static inline uint32_t tg_reach_from(tgraph *g, const bool *extra) {
  uint32_t head = 0, tail = 0, count = 0;
  for (uint32_t i = 0; i < g->n; i++) {
    g->reach[i] = g->roots[i] > 0 || (extra && extra[i]);
    if (g->reach[i]) g->queue[tail++] = i;
  }
  while (head < tail) {
    uint32_t i = g->queue[head++];
    count++;
    for (uint32_t s = 0; s < g->k; s++) {
      int32_t j = g->edge[(size_t)i * g->k + s];
      if (j >= 0 && !g->reach[j]) {
        g->reach[j] = true;
        g->queue[tail++] = (uint32_t)j;
      }
    }
  }
  return count;
}

static inline uint32_t tg_reach(tgraph *g) { return tg_reach_from(g, NULL); }

/* Random graph: n objects of k slots, each slot set with probability
 * fill_pct%, `nroots` distinct roots.  Self-loops and cycles happen. */
static inline void tg_random(tgraph *g, tg_rng *r, uint32_t n, uint32_t fill_pct, uint32_t nroots) {
  gc_scope sc;
  OK(g->h, gc_scope_open(g->h, &sc));
  uint32_t first = g->n;
  for (uint32_t i = 0; i < n; i++) tg_add(g, 0, "Node");
  for (uint32_t i = first; i < g->n; i++)
    for (uint32_t s = 0; s < g->k; s++)
      if (tg_below(r, 100) < fill_pct) tg_set(g, i, s, (int32_t)(first + tg_below(r, n)));
  for (uint32_t i = 0; i < nroots; i++) {
    uint32_t j = first + tg_below(r, n);
    if (!g->roots[j]) tg_root(g, j);
  }
  OK(g->h, gc_scope_close(g->h, sc));
}

/* After a full GC: every object is alive exactly when the oracle says it is
 * reachable, and every live object's slots hold what the mirror says.
 * Records the dead in g->dead. */
static inline void tg_check_exact(tgraph *g) {
  tg_reach(g);
  for (uint32_t i = 0; i < g->n; i++) {
    gc_object_info in = info_of(g->h, g->hd[i]);
    if (in.alive != g->reach[i])
      fail_msg("object %u (#%llu): engine says %s, the oracle says %s", i, (unsigned long long)in.id,
               in.alive ? "alive" : "dead", g->reach[i] ? "reachable" : "unreachable");
    g->dead[i] = !in.alive;
    if (!in.alive) continue;
    for (uint32_t s = 0; s < g->k; s++) {
      gc_slot_value v;
      OK(g->h, gc_slot_get(g->h, g->hd[i], s, &v));
      int32_t j = g->edge[(size_t)i * g->k + s];
      if (j < 0) {
        assert_int_equal(v.kind, GC_SLOT_EMPTY);
      } else {
        assert_int_equal(v.kind, GC_SLOT_REF);
        assert_int_equal(v.ref_id, info_of(g->h, g->hd[j]).id);
      }
    }
  }
}

/* Ask the engine which objects have been collected (after any GC). */
static inline void tg_refresh_dead(tgraph *g) {
  for (uint32_t i = 0; i < g->n; i++) g->dead[i] = !info_of(g->h, g->hd[i]).alive;
}

/* A random live object of the graph (one the engine has not collected). */
static inline uint32_t tg_pick_live(tgraph *g, tg_rng *r) {
  for (;;) {
    uint32_t i = tg_below(r, g->n);
    if (!g->dead[i]) return i;
  }
}

#endif
