/*
 * test_dominators.c -- the dominator tree, retained sizes, distances and
 * paths of gc_snapshot_analyze on textbook graphs whose answers are known
 * by hand (the Lengauer-Tarjan paper's example, cycles, diamonds,
 * unreachable nodes), on the edge rules (weak, shortcut, page-owned), and
 * against a brute-force definition of dominance on random graphs.
 */
#include <stdlib.h>

#include "snap_graph.h"

#define W GC_SEDGE_WEAK
#define S GC_SEDGE_SHORTCUT

static void expect_idom(gc_snapshot *s, const uint32_t *idom, uint32_t n) {
  for (uint32_t v = 0; v < n; v++)
    if (gc_snapshot_dominator(s, v) != idom[v])
      fail_msg("idom(%u) = %u, expected %u", v, gc_snapshot_dominator(s, v), idom[v]);
}

/* The flowgraph of Lengauer and Tarjan (1979), figure 1, with its
 * dominator tree from the paper: R=0 A B C D E F G H I J K L = 1..12. */
static void test_lengauer_tarjan_paper(void **state) {
  (void)state;
  enum { R, A, B, C, D, E, F, G, H, I, J, K, L, NN };
  const g_edge edges[] = {{R, A, 0}, {R, B, 0}, {R, C, 0}, {A, D, 0}, {B, A, 0}, {B, D, 0},
                          {B, E, 0}, {C, F, 0}, {C, G, 0}, {D, L, 0}, {E, H, 0}, {F, I, 0},
                          {G, I, 0}, {G, J, 0}, {H, E, 0}, {H, K, 0}, {I, K, 0}, {J, I, 0},
                          {K, I, 0}, {K, R, 0}, {L, H, 0}};
  gc_snapshot *s = g_build(NN, edges, sizeof edges / sizeof edges[0], NULL, NULL, NULL, NULL);
  const uint32_t idom[NN] = {R, R, R, R, R, R, C, C, R, R, G, R, D};
  expect_idom(s, idom, NN);
  /* Retained sizes (every self size 1): the dominator subtrees. */
  const uint64_t retained[NN] = {13, 1, 1, 4, 2, 1, 1, 2, 1, 1, 1, 1, 1};
  for (uint32_t v = 0; v < NN; v++) assert_int_equal(gc_snapshot_retained(s, v), retained[v]);
  for (uint32_t v = 0; v < NN; v++) assert_true(gc_snapshot_reachable(s, v));
  gc_snapshot_free(s);
}

/* A diamond under a cycle: R -> A; A -> B, C; B, C -> D; D -> A. */
static void test_diamond_and_cycle(void **state) {
  (void)state;
  const g_edge edges[] = {{0, 1, 0}, {1, 2, 0}, {1, 3, 0}, {2, 4, 0}, {3, 4, 0}, {4, 1, 0},
                          {4, 5, 0}, {5, 6, 0}, {6, 5, 0}};
  const uint64_t sizes[] = {0, 10, 20, 30, 40, 50, 60};
  /* A is synthetic, as gclab's "(GC roots)": no user roots, distances
   * count from the root. */
  const uint8_t types[] = {GC_SNODE_SYNTHETIC, GC_SNODE_SYNTHETIC, 3, 3, 3, 3, 3};
  gc_snapshot *s = g_build(7, edges, 9, sizes, types, NULL, NULL);
  const uint32_t idom[] = {0, 0, 1, 1, 1, 4, 5};
  expect_idom(s, idom, 7);
  assert_int_equal(gc_snapshot_retained(s, 1), 210);
  assert_int_equal(gc_snapshot_retained(s, 2), 20);
  assert_int_equal(gc_snapshot_retained(s, 4), 150);
  assert_int_equal(gc_snapshot_retained(s, 5), 110);
  assert_int_equal(gc_snapshot_retained(s, 0), gc_snapshot_total_size(s));
  /* Distances and the shortest path: R -> A -> B -> D -> N5 -> N6. */
  assert_int_equal(gc_snapshot_distance(s, 0), 0);
  assert_int_equal(gc_snapshot_distance(s, 4), 3);
  assert_int_equal(gc_snapshot_distance(s, 6), 5);
  uint32_t path[8];
  assert_int_equal(gc_snapshot_path(s, 6, path, 8), 5);
  const gc_snap_edge *e = gc_snapshot_edges(s);
  const uint32_t via[] = {1, 2, 4, 5, 6};
  for (int k = 0; k < 5; k++) {
    assert_int_equal(e[path[k]].to, via[k]);
    assert_int_equal(gc_snapshot_edge_from(s, path[k]), k == 0 ? 0 : via[k - 1]);
  }
  /* A short buffer still gets the length; the root's path is empty. */
  assert_int_equal(gc_snapshot_path(s, 6, path, 2), 5);
  assert_int_equal(gc_snapshot_path(s, 0, path, 8), 0);
  /* Retainers of D: B's and C's edges, in source order. */
  const uint32_t *r;
  assert_int_equal(gc_snapshot_retainers(s, 4, &r), 2);
  assert_int_equal(gc_snapshot_edge_from(s, r[0]), 2);
  assert_int_equal(gc_snapshot_edge_from(s, r[1]), 3);
  assert_int_equal(gc_snapshot_retainers(s, 0, &r), 0);
  gc_snapshot_free(s);
}

/* Weak edges never retain; shortcut edges only from the root. */
static void test_weak_and_shortcut(void **state) {
  (void)state;
  /* 1 -> 2 strong, 1 -> 3 weak, 4 -> 3 strong, R -> 4; 1 -> 5 shortcut,
   * 4 -> 5 strong; R -> 6 shortcut, 6 is an object: a user root (1 and 4
   * are synthetic: not user roots). */
  const g_edge edges[] = {{0, 1, 0}, {1, 2, 0}, {1, 3, W}, {0, 4, 0}, {4, 3, 0},
                          {1, 5, S}, {4, 5, 0}, {0, 6, S}, {6, 7, 0}};
  const uint8_t types[] = {GC_SNODE_SYNTHETIC, GC_SNODE_SYNTHETIC, 3, 3, GC_SNODE_SYNTHETIC, 3, 3, 3};
  gc_snapshot *s = g_build(8, edges, 9, NULL, types, NULL, NULL);
  const uint32_t idom[] = {0, 0, 1, 4, 0, 4, 0, 6};
  expect_idom(s, idom, 8);
  assert_int_equal(gc_snapshot_retained(s, 1), 2);
  assert_int_equal(gc_snapshot_retained(s, 4), 3);
  /* Distances: the user root N6 is at 1, the root then at 100000000. */
  assert_int_equal(gc_snapshot_distance(s, 6), 1);
  assert_int_equal(gc_snapshot_distance(s, 7), 2);
  assert_int_equal(gc_snapshot_distance(s, 0), GC_SNAP_SYSTEM_DISTANCE);
  assert_int_equal(gc_snapshot_distance(s, 1), GC_SNAP_SYSTEM_DISTANCE + 1);
  /* N3 is at distance 2 through N4 (the weak edge does not count). */
  assert_int_equal(gc_snapshot_distance(s, 3), GC_SNAP_SYSTEM_DISTANCE + 2);
  uint32_t path[4];
  assert_int_equal(gc_snapshot_path(s, 3, path, 4), 2);
  assert_int_equal(gc_snapshot_edge_from(s, path[1]), 4);
  gc_snapshot_free(s);
}

/* Page-owned (memlab's rule): what the root's non-shortcut children reach
 * through non-weak edges.  R -> G (shortcut: the global); G -> P, G -> H;
 * R -> S (element); S -> P and S -> Q.  S, P, Q are page-owned, G and H
 * are not, so G -> P does not retain: P's dominator is S, not the root.
 * A "(Document DOM trees)" child of the root starts no page-owned flood. */
static void test_page_owned(void **state) {
  (void)state;
  const g_edge edges[] = {{0, 1, S}, {1, 3, 0}, {1, 5, 0}, {0, 2, 0}, {2, 3, 0},
                          {2, 4, 0}, {0, 6, 0}, {6, 7, 0}, {1, 7, 0}};
  const uint8_t types[] = {GC_SNODE_SYNTHETIC, GC_SNODE_OBJECT, GC_SNODE_SYNTHETIC, GC_SNODE_OBJECT,
                           GC_SNODE_OBJECT, GC_SNODE_OBJECT, GC_SNODE_SYNTHETIC, GC_SNODE_OBJECT};
  const char *const names[] = {"", "global", "(GC roots)", "P", "Q", "H", "(Document DOM trees)", "D"};
  gc_snapshot *s = g_build(8, edges, 9, NULL, types, names, NULL);
  /* D is reached from the DOM-trees root and from the global, neither
   * page-owned: both edges retain, so the root dominates D. */
  const uint32_t idom[] = {0, 0, 0, 2, 2, 1, 0, 0};
  expect_idom(s, idom, 8);
  assert_int_equal(gc_snapshot_retained(s, 1), 2); /* the global and H */
  gc_snapshot_free(s);
}

/* Unreachable nodes hang off the root: U -> V (U has no retainers), a
 * weakly held W -> X, and a cycle Y <-> Z nothing else reaches. */
static void test_unreachable(void **state) {
  (void)state;
  enum { R, A, U, V, Wn, X, Y, Z, NN };
  const g_edge edges[] = {{R, A, 0}, {U, V, 0}, {A, Wn, W}, {Wn, X, 0}, {Y, Z, 0}, {Z, Y, 0}};
  const uint64_t sizes[] = {0, 1, 2, 4, 8, 16, 32, 64};
  gc_snapshot *s = g_build(NN, edges, 6, sizes, NULL, NULL, NULL);
  const uint32_t idom[NN] = {R, R, R, U, R, Wn, R, Y};
  expect_idom(s, idom, NN);
  assert_int_equal(gc_snapshot_retained(s, U), 6);
  assert_int_equal(gc_snapshot_retained(s, Wn), 24);
  assert_int_equal(gc_snapshot_retained(s, Y), 96);
  assert_int_equal(gc_snapshot_retained(s, R), 127);
  assert_true(gc_snapshot_reachable(s, A));
  assert_false(gc_snapshot_reachable(s, U));
  assert_false(gc_snapshot_reachable(s, X));
  assert_int_equal(gc_snapshot_distance(s, U), GC_SNAP_NONE);
  assert_int_equal(gc_snapshot_distance(s, Wn), GC_SNAP_NONE); /* weak: no distance */
  uint32_t path[4];
  assert_int_equal(gc_snapshot_path(s, X, path, 4), GC_SNAP_NONE);
  gc_snapshot_free(s);
}

/* A single root, and a long chain (no recursion: a million-deep DFS). */
static void test_root_only_and_long_chain(void **state) {
  (void)state;
  gc_snapshot *s = g_build(1, NULL, 0, NULL, NULL, NULL, NULL);
  assert_int_equal(gc_snapshot_dominator(s, 0), 0);
  assert_int_equal(gc_snapshot_retained(s, 0), 1);
  gc_snapshot_free(s);
  enum { N = 200000 };
  g_edge *edges = malloc(N * sizeof *edges);
  for (uint32_t v = 0; v + 1 < N; v++) edges[v] = (g_edge){v, v + 1, 0};
  edges[N - 1] = (g_edge){N - 1, 1, 0}; /* and back: a cycle */
  gc_snapshot_builder *b = NULL;
  assert_int_equal(gc_snapshot_builder_new(&b), GC_OK);
  uint32_t nm;
  assert_int_equal(gc_snapshot_intern(b, "x", 1, &nm), GC_OK);
  for (uint32_t v = 0; v < N; v++) {
    gc_snap_node n = {.type = GC_SNODE_OBJECT, .name = nm, .id = 2ull * v + 1, .self_size = 1,
                      .edge_count = 1};
    assert_int_equal(gc_snapshot_add_node(b, &n, NULL), GC_OK);
  }
  for (uint32_t v = 0; v < N; v++)
    assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 0, edges[v].to), GC_OK);
  free(edges);
  char err[128];
  assert_int_equal(gc_snapshot_finish(b, &s, err, sizeof err), GC_OK);
  assert_int_equal(gc_snapshot_analyze(s), GC_OK);
  assert_int_equal(gc_snapshot_dominator(s, N - 1), N - 2);
  assert_int_equal(gc_snapshot_retained(s, 1), N - 1);
  assert_int_equal(gc_snapshot_distance(s, N - 1), N - 1);
  gc_snapshot_free(s);
}

/* Brute force: d dominates v iff v is unreachable from the root once d is
 * removed; idom(v) is the strict dominator that all others dominate.  The
 * graph is the edges that retain (not weak; not from a node that is not
 * page-owned into one that is), given the root's virtual edges to the
 * orphans as the analysis defines them: unreachable nodes with only weak
 * retainers, in index order, then any still unreached, in index order. */
enum { MAXN = 64, MAXE = 200 };

static void reach(const g_edge *edges, size_t ne, uint32_t from, uint32_t removed, uint8_t *seen) {
  uint32_t stack[MAXN], sp = 0;
  if (from == removed || seen[from]) return;
  seen[from] = 1;
  stack[sp++] = from;
  while (sp) {
    uint32_t u = stack[--sp];
    for (size_t k = 0; k < ne; k++)
      if (edges[k].from == u && edges[k].type != W && edges[k].to != removed && !seen[edges[k].to]) {
        seen[edges[k].to] = 1;
        stack[sp++] = edges[k].to;
      }
  }
}

/* The retaining edges of a random graph (no shortcuts): page-owned is
 * what the root's children (by any edge) reach through non-weak edges. */
static size_t retaining(uint32_t n, const g_edge *edges, size_t ne, g_edge *out) {
  uint8_t page[MAXN] = {0};
  for (size_t k = 0; k < ne; k++)
    if (edges[k].from == 0 && edges[k].to != 0) {
      uint8_t seen[MAXN] = {0};
      seen[0] = 1; /* the root itself is reached only by its own edges */
      reach(edges, ne, edges[k].to, UINT32_MAX, seen);
      for (uint32_t v = 1; v < n; v++) page[v] |= seen[v];
    }
  for (size_t k = 0; k < ne; k++)
    if (edges[k].from == 0 && edges[k].to != 0) page[edges[k].to] = 1;
  size_t m = 0;
  for (size_t k = 0; k < ne; k++) {
    const g_edge *e = &edges[k];
    if (e->type == W || (e->from != 0 && page[e->to] && !page[e->from])) continue;
    out[m++] = *e;
  }
  return m;
}

static size_t add_orphan_edges(uint32_t n, const g_edge *all, size_t nall, g_edge *edges, size_t ne) {
  uint8_t seen[MAXN] = {0};
  reach(edges, ne, 0, UINT32_MAX, seen);
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t v = 1; v < n; v++) {
      bool weak_only = true;
      for (size_t k = 0; k < nall; k++) weak_only = weak_only && !(all[k].to == v && all[k].type != W);
      if (seen[v] || (pass == 0 && !weak_only)) continue;
      edges[ne++] = (g_edge){0, v, 0};
      reach(edges, ne, v, UINT32_MAX, seen);
    }
  return ne;
}

static void test_random_against_brute_force(void **state) {
  (void)state;
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int round = 0; round < 400; round++) {
    uint32_t n = 2 + (uint32_t)(round % 40);
    size_t ne = (size_t)n * (1 + round % 3);
    g_edge edges[MAXE];
    for (size_t k = 0; k < ne; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      edges[k] = (g_edge){(uint32_t)(x % n), (uint32_t)((x >> 20) % n), (x >> 40) % 7 == 0 ? W : 0};
    }
    const uint8_t types[MAXN] = {GC_SNODE_SYNTHETIC}; /* 0: hidden, not a user root */
    gc_snapshot *s = g_build(n, edges, ne, NULL, types, NULL, NULL);
    g_edge kept[MAXE];
    size_t nk = retaining(n, edges, ne, kept);
    uint8_t first[MAXN] = {0};
    reach(kept, nk, 0, UINT32_MAX, first);
    size_t na = add_orphan_edges(n, edges, ne, kept, nk);
    uint8_t without[MAXN][MAXN];
    for (uint32_t d = 0; d < n; d++) {
      memset(without[d], 0, n);
      reach(kept, na, 0, d, without[d]);
    }
    for (uint32_t v = 1; v < n; v++) {
      assert_int_equal(gc_snapshot_reachable(s, v), first[v]);
      uint32_t best = 0, best_depth = 0;
      for (uint32_t d = 1; d < n; d++) {
        if (d == v || without[d][v]) continue;
        uint32_t depth = 0;
        for (uint32_t d2 = 0; d2 < n; d2++) depth += d2 != d && !without[d2][d];
        if (depth > best_depth) best = d, best_depth = depth;
      }
      if (gc_snapshot_dominator(s, v) != best)
        fail_msg("round %d: idom(%u) = %u, brute force %u", round, v, gc_snapshot_dominator(s, v), best);
      uint64_t dominated = 0;
      for (uint32_t w = 0; w < n; w++) dominated += !without[v][w];
      assert_int_equal(gc_snapshot_retained(s, v), dominated);
    }
    assert_int_equal(gc_snapshot_retained(s, 0), n);
    gc_snapshot_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lengauer_tarjan_paper),
      cmocka_unit_test(test_diamond_and_cycle),
      cmocka_unit_test(test_weak_and_shortcut),
      cmocka_unit_test(test_page_owned),
      cmocka_unit_test(test_unreachable),
      cmocka_unit_test(test_root_only_and_long_chain),
      cmocka_unit_test(test_random_against_brute_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
