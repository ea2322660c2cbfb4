/*
 * bench_binary_trees.c -- the benchmarks-game binary-trees program (depth 16)
 * on three memory managers, timed in the same run:
 *
 *   gclab   through the public C API (gclab.h), default configuration;
 *   boehm   Boehm-Demers-Weiser GC, GC_MALLOC of 40-byte nodes (if built);
 *   malloc  malloc/free, each tree freed explicitly after its check.
 *
 * The program: a stretch tree of depth max+1 (built, checked, dropped), a
 * long-lived tree of depth max, then for d = 4, 6, .., max:
 * 2^(max - d + 4) iterations of make(d) + check; finally the long-lived
 * tree is checked.  Nodes are 40 bytes with two slots, V8's {l, r}
 * JSObject (a 24-byte header plus two tagged slots); a leaf has both slots
 * empty.  The check sums must agree across the three.
 *
 * gclab's handles are weak, so a child must be rooted while the rest of
 * its parent is allocated.  The pattern used: each make(d) returns an
 * unrooted handle; the parent roots it (gc_root) at once, and releases it
 * (gc_handle_release, which drops the root) as soon as it is stored in a
 * slot.  Only O(depth) handles are ever live, so the handle table stays a
 * few cache lines.  (One scope per tree, releasing children after the
 * store, needs one call fewer per node but keeps a table entry per node
 * until the scope closes; it measured slower.)
 *
 * Usage: bench_binary_trees [max_depth (16)] [repetitions (5)] [gclab|boehm|malloc]
 * (the third argument runs one column only, for profiling).
 * Prints the median time of each and the ratios; exits 1 on a check-sum
 * mismatch or an engine error, not on a missed target.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "gclab.h"
#ifdef GCLAB_HAVE_BOEHM
#include <gc.h>
#endif

#define NODE_BYTES 40 /* 24-byte header + two 8-byte slots */
#define MIN_DEPTH 4
#define TARGET_VS_BOEHM 0.5

/* The check sums of one run: stretch, one per depth, long-lived. */
typedef struct sums {
  long v[16];
  int n;
} sums;

static void sums_add(sums *s, long x) {
  if (s->n < (int)(sizeof s->v / sizeof s->v[0])) s->v[s->n++] = x;
}

/* ------------------------------------------------------------------ gclab */

/* Build a tree of depth d.  Returns an unrooted handle the caller owns:
 * each child is rooted from its return until it is stored in its parent,
 * so that the allocations in between cannot collect it. */
static gc_handle g_make(gc_heap *h, int d) {
  gc_handle n;
  if (d == 0) {
    G(h, gc_alloc(h, 2, 0, "TreeNode", &n));
    return n;
  }
  gc_handle l = g_make(h, d - 1);
  G(h, gc_root(h, l));
  gc_handle r = g_make(h, d - 1);
  G(h, gc_root(h, r));
  G(h, gc_alloc(h, 2, 0, "TreeNode", &n));
  G(h, gc_slot_set_ref(h, n, 0, l));
  G(h, gc_slot_set_ref(h, n, 1, r));
  G(h, gc_handle_release(h, l)); /* drops the root too */
  G(h, gc_handle_release(h, r));
  return n;
}

static long g_check(gc_heap *h, gc_handle t) {
  gc_slot_value v;
  G(h, gc_slot_get(h, t, 0, &v));
  if (v.kind == GC_SLOT_EMPTY) return 1;
  gc_handle l, r;
  G(h, gc_slot_handle(h, t, 0, &l));
  G(h, gc_slot_handle(h, t, 1, &r));
  long c = 1 + g_check(h, l) + g_check(h, r);
  G(h, gc_handle_release(h, l));
  G(h, gc_handle_release(h, r));
  return c;
}

/* make(d) + check; the tree is garbage afterwards. */
static long g_make_check(gc_heap *h, int d) {
  gc_handle t = g_make(h, d);
  long c = g_check(h, t);
  G(h, gc_handle_release(h, t));
  return c;
}

static double run_gclab(int max, sums *out, size_t *gcs) {
  double t0 = bench_now();
  gc_heap *h;
  char err[256];
  gc_status st = gc_heap_new(NULL, &h, err, sizeof err);
  if (st != GC_OK) {
    fprintf(stderr, "bench_binary_trees: gc_heap_new: %s\n", err);
    exit(1);
  }
  sums_add(out, g_make_check(h, max + 1));

  gc_handle long_lived = g_make(h, max);
  G(h, gc_root(h, long_lived));

  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += g_make_check(h, d);
    sums_add(out, c);
  }
  sums_add(out, g_check(h, long_lived));
  G(h, gc_unroot(h, long_lived));
  G(h, gc_handle_release(h, long_lived));
  *gcs = gc_event_count(h);
  gc_heap_free(h);
  return bench_now() - t0;
}

/* ------------------------------------------------------------------ boehm */

#ifdef GCLAB_HAVE_BOEHM
typedef struct bnode {
  struct bnode *l, *r;
  char pad[NODE_BYTES - 2 * sizeof(void *)];
} bnode;

static bnode *b_make(int d) {
  bnode *n = GC_MALLOC(sizeof *n); /* zeroed */
  if (!n) {
    fprintf(stderr, "bench_binary_trees: GC_MALLOC failed\n");
    exit(1);
  }
  if (d > 0) {
    n->l = b_make(d - 1);
    n->r = b_make(d - 1);
  }
  return n;
}

static long b_check(const bnode *t) { return t->l ? 1 + b_check(t->l) + b_check(t->r) : 1; }

static double run_boehm(int max, sums *out) {
  double t0 = bench_now();
  sums_add(out, b_check(b_make(max + 1)));
  bnode *long_lived = b_make(max);
  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += b_check(b_make(d));
    sums_add(out, c);
  }
  sums_add(out, b_check(long_lived));
  return bench_now() - t0;
}
#endif

/* ----------------------------------------------------------------- malloc */

typedef struct mnode {
  struct mnode *l, *r;
  char pad[NODE_BYTES - 2 * sizeof(void *)];
} mnode;

static mnode *m_make(int d) {
  mnode *n = malloc(sizeof *n);
  if (!n) {
    fprintf(stderr, "bench_binary_trees: malloc failed\n");
    exit(1);
  }
  n->l = n->r = NULL;
  if (d > 0) {
    n->l = m_make(d - 1);
    n->r = m_make(d - 1);
  }
  return n;
}

static long m_check(const mnode *t) { return t->l ? 1 + m_check(t->l) + m_check(t->r) : 1; }

static void m_free(mnode *t) {
  if (t->l) {
    m_free(t->l);
    m_free(t->r);
  }
  free(t);
}

static long m_make_check_free(int d) {
  mnode *t = m_make(d);
  long c = m_check(t);
  m_free(t);
  return c;
}

static double run_malloc(int max, sums *out) {
  double t0 = bench_now();
  sums_add(out, m_make_check_free(max + 1));
  mnode *long_lived = m_make(max);
  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += m_make_check_free(d);
    sums_add(out, c);
  }
  sums_add(out, m_check(long_lived));
  m_free(long_lived);
  return bench_now() - t0;
}

/* ------------------------------------------------------------------- main */

static bool sums_equal(const sums *a, const sums *b) {
  return a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) == 0;
}

static void sums_print(const char *who, const sums *s, int max) {
  printf("  %-6s check sums: stretch(%d) %ld;", who, max + 1, s->v[0]);
  for (int i = 1, d = MIN_DEPTH; i < s->n - 1; i++, d += 2) printf(" d%d %ld", d, s->v[i]);
  printf("; long-lived(%d) %ld\n", max, s->v[s->n - 1]);
}

int main(int argc, char **argv) {
  int max = argc > 1 ? atoi(argv[1]) : 16;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  const char *only = argc > 3 ? argv[3] : NULL;
  if (only && strcmp(only, "gclab") && strcmp(only, "boehm") && strcmp(only, "malloc")) {
    fprintf(stderr, "bench_binary_trees: the third argument must be gclab, boehm or malloc\n");
    return 2;
  }
  if (max < MIN_DEPTH + 2 || max > 22 || reps < 1 || reps > 100) {
    fprintf(stderr, "usage: bench_binary_trees [max_depth 6..22 (16)] [repetitions 1..100 (5)] "
                    "[gclab|boehm|malloc]\n");
    return 2;
  }
  double tg[100], tb[100], tm[100];
  sums sg = {0}, sb = {0}, sm = {0};
  size_t gcs = 0;
  bool ok = true;
#ifdef GCLAB_HAVE_BOEHM
  GC_INIT();
#endif
  /* Interleave the three so that machine noise spreads evenly. */
  for (int i = 0; i < reps; i++) {
    sums s = {0};
    tg[i] = tb[i] = tm[i] = 0;
    if (!only || !strcmp(only, "gclab")) tg[i] = run_gclab(max, &s, &gcs);
    if (i == 0) sg = s;
    ok &= sums_equal(&s, &sg);
#ifdef GCLAB_HAVE_BOEHM
    s = (sums){0};
    if (!only || !strcmp(only, "boehm")) tb[i] = run_boehm(max, &s);
    if (i == 0) sb = s;
    ok &= sums_equal(&s, &sb);
#endif
    s = (sums){0};
    if (!only || !strcmp(only, "malloc")) tm[i] = run_malloc(max, &s);
    if (i == 0) sm = s;
    ok &= sums_equal(&s, &sm);
  }
  if (only) {
    double *t = !strcmp(only, "gclab") ? tg : !strcmp(only, "boehm") ? tb : tm;
    printf("binary-trees depth %d: %s %.3f s (median of %d runs)\n", max, only, bench_median(t, reps), reps);
    return 0;
  }
  double g = bench_median(tg, reps), m = bench_median(tm, reps);
  printf("binary-trees depth %d (40-byte nodes, median of %d runs, %zu gclab GCs per run):\n", max, reps,
         gcs);
  sums_print("gclab", &sg, max);
#ifdef GCLAB_HAVE_BOEHM
  sums_print("boehm", &sb, max);
  ok &= sums_equal(&sg, &sb);
#endif
  sums_print("malloc", &sm, max);
  ok &= sums_equal(&sg, &sm);
  printf("  check sums agree: %s\n", ok ? "yes" : "NO");
#ifdef GCLAB_HAVE_BOEHM
  double b = bench_median(tb, reps);
  printf("binary-trees depth %d: gclab %.3f s, boehm %.3f s, malloc %.3f s; "
         "gclab/boehm %.2fx (target <= %.1fx: %s), gclab/malloc %.2fx\n",
         max, g, b, m, g / b, TARGET_VS_BOEHM, g / b <= TARGET_VS_BOEHM ? "met" : "MISSED", g / m);
#else
  printf("binary-trees depth %d: gclab %.3f s, boehm n/a (built without bdw-gc: install libgc-dev "
         "and reconfigure), malloc %.3f s; gclab/malloc %.2fx\n",
         max, g, m, g / m);
#endif
  return ok ? 0 : 1;
}
