/*
 * bench_binary_trees.c -- the benchmarks-game binary-trees program (depth 16)
 * on three memory managers, timed in the same run:
 *
 *   gclab      through the public C API (gclab.h), default configuration:
 *              make() allocates with handles used as registers
 *              (gc_alloc_into), check() walks the tree through a raw view
 *              (gc_view and the gc_obj_* accessors: no handle per node);
 *   registers  gclab with check() through gc_slot_load (a register handle
 *              per level, retargeted per node), for comparison;
 *   handles    gclab again, one handle per object (gc_alloc, gc_root,
 *              gc_slot_set_ref, gc_slot_handle, gc_handle_release): the
 *              cheapest pattern without the register calls, for comparison;
 *   boehm      Boehm-Demers-Weiser GC, GC_MALLOC of 40-byte nodes (if built);
 *   malloc     malloc/free, each tree freed explicitly after its check.
 *
 * The program: a stretch tree of depth max+1 (built, checked, dropped), a
 * long-lived tree of depth max, then for d = 4, 6, .., max:
 * 2^(max - d + 4) iterations of make(d) + check; finally the long-lived
 * tree is checked.  Nodes are 40 bytes with two slots, V8's {l, r}
 * JSObject (a 24-byte header plus two tagged slots); a leaf has both slots
 * empty.  The check sums must agree across all columns.
 *
 * Each run is a child process of its own (a fresh program, as the
 * benchmarks game runs it), timed by its CPU time (the machine is shared;
 * Boehm runs single-threaded here, as the program does not declare threads)
 * with the wall time beside it.  The columns take turns, and each ratio
 * is the median of the ratios of runs made back to back.
 *
 * Usage: bench_binary_trees [max_depth (16)] [repetitions (7)]
 *                           [gclab|registers|handles|boehm|malloc]
 * (the third argument runs one column only, for profiling).  Prints the
 * median time of each and the ratios; exits 1 on a check-sum mismatch or an
 * engine error, not on a missed target.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "gclab.h"
#ifdef GCLAB_HAVE_BOEHM
#include <gc.h>
#endif

#define NODE_BYTES 40 /* 24-byte header + two 8-byte slots */
#define MIN_DEPTH 4
#define MAX_DEPTH 22
#define TARGET_VS_BOEHM 0.5

/* The check sums of one run: stretch, one per depth, long-lived. */
typedef struct sums {
  long v[16];
  int n;
} sums;

static void sums_add(sums *s, long x) {
  if (s->n < (int)(sizeof s->v / sizeof s->v[0])) s->v[s->n++] = x;
}

static gc_heap *g_heap_new(void) {
  gc_heap *h;
  char err[256];
  if (gc_heap_new(NULL, &h, err, sizeof err) != GC_OK) {
    fprintf(stderr, "bench_binary_trees: gc_heap_new: %s\n", err);
    exit(1);
  }
  return h;
}

/* ------------------------------------ gclab: registers, views to check */

/* Handles reused for every node.  kids[d] = {left, right} receive the two
 * subtrees of the node being built at depth d (a pair, so that it is the
 * init array of gc_alloc_into as it stands); walk[k] is r_check's cursor
 * at recursion level k (the registers column).  A left subtree must
 * survive while its sibling is built, so the left registers are rooted
 * while a tree is built and checked (what they hold is part of that tree
 * then), and unrooted after, so that nothing of a finished tree is kept;
 * right subtrees need no root, as gc_alloc_into keeps its init objects
 * alive by itself. */
typedef struct regs {
  gc_handle kids[MAX_DEPTH + 2][2], walk[MAX_DEPTH + 3];
  gc_name name; /* "TreeNode", interned once */
} regs;

static void r_make(gc_heap *h, regs *R, int d, gc_handle dst) {
  if (d == 0) {
    G(h, gc_alloc_into(h, 2, 0, R->name, NULL, 0, dst));
    return;
  }
  r_make(h, R, d - 1, R->kids[d][0]);
  r_make(h, R, d - 1, R->kids[d][1]);
  G(h, gc_alloc_into(h, 2, 0, R->name, R->kids[d], 2, dst));
}

static long r_check(gc_heap *h, regs *R, gc_handle t, int level) {
  gc_handle c = R->walk[level];
  bool is_ref;
  G(h, gc_slot_load(h, t, 0, c, &is_ref));
  if (!is_ref) return 1;
  long n = 1 + r_check(h, R, c, level + 1);
  G(h, gc_slot_load(h, t, 1, c, &is_ref));
  return n + r_check(h, R, c, level + 1);
}

/* check through a raw view: no handle and no call per node, as the Boehm
 * and malloc columns walk their pointers.  Valid because check allocates
 * nothing (see gc_view in gclab.h). */
static long v_check(const gc_obj *t) {
  const gc_obj *l = gc_obj_slot_ref(t, 0);
  if (!l) return 1;
  return 1 + v_check(l) + v_check(gc_obj_slot_ref(t, 1));
}

static long check(gc_heap *h, regs *R, gc_handle t, bool view) {
  if (!view) return r_check(h, R, t, 0);
  uint64_t epoch = gc_heap_epoch(h);
  const gc_obj *o = gc_view(h, t);
  if (!o) bench_die(h, "gc_view(h, t)", GC_EINVAL);
  long c = v_check(o);
  G(h, gc_view_check(h, epoch)); /* no GC ran during the walk */
  return c;
}

/* Root (on) or unroot the left registers of a tree of depth d. */
static void r_hold(gc_heap *h, regs *R, int d, bool on) {
  for (int k = 1; k <= d; k++) G(h, on ? gc_root(h, R->kids[k][0]) : gc_unroot(h, R->kids[k][0]));
}

static long r_make_check(gc_heap *h, regs *R, int d, gc_handle t, bool view) {
  r_hold(h, R, d, true);
  r_make(h, R, d, t);
  long c = check(h, R, t, view);
  r_hold(h, R, d, false);
  return c;
}

static void run_registers_with(int max, sums *out, size_t *gcs, bool view) {
  gc_heap *h = g_heap_new();
  regs R;
  G(h, gc_name_intern(h, "TreeNode", &R.name));
  for (int d = 0; d < MAX_DEPTH + 2; d++)
    for (int k = 0; k < 2; k++) G(h, gc_alloc(h, 0, 0, "Register", &R.kids[d][k]));
  for (int k = 0; k < MAX_DEPTH + 3; k++) G(h, gc_alloc(h, 0, 0, "Register", &R.walk[k]));
  gc_handle tree, long_lived;
  G(h, gc_alloc(h, 0, 0, "Register", &tree));
  G(h, gc_alloc(h, 0, 0, "Register", &long_lived));

  sums_add(out, r_make_check(h, &R, max + 1, tree, view));
  r_hold(h, &R, max, true);
  r_make(h, &R, max, long_lived);
  G(h, gc_root(h, long_lived));
  r_hold(h, &R, max, false);
  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += r_make_check(h, &R, d, tree, view);
    sums_add(out, c);
  }
  sums_add(out, check(h, &R, long_lived, view));
  *gcs = gc_event_count(h);
  gc_heap_free(h);
}

/* gclab: make through gc_alloc_into, check through a raw view. */
static void run_gclab(int max, sums *out, size_t *gcs) { run_registers_with(max, out, gcs, true); }
/* registers: the same, but check through gc_slot_load (a handle per level). */
static void run_registers(int max, sums *out, size_t *gcs) { run_registers_with(max, out, gcs, false); }

/* ------------------------------------------------ gclab, one handle each */

/* Build a tree of depth d.  Returns an unrooted handle the caller owns:
 * each child is rooted from its return until it is stored in its parent,
 * so that the allocations in between cannot collect it.  Only O(depth)
 * handles are live at a time, so the handle table stays small.  (One scope
 * per tree instead of gc_root saves a call per node but keeps a table
 * entry per node until the scope closes; it measured slower.) */
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

static void run_handles(int max, sums *out, size_t *gcs) {
  gc_heap *h = g_heap_new();
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

static void run_boehm(int max, sums *out, size_t *gcs) {
  size_t gc0 = (size_t)GC_get_gc_no();
  sums_add(out, b_check(b_make(max + 1)));
  bnode *long_lived = b_make(max);
  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += b_check(b_make(d));
    sums_add(out, c);
  }
  sums_add(out, b_check(long_lived));
  *gcs = (size_t)GC_get_gc_no() - gc0;
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

static void run_malloc(int max, sums *out, size_t *gcs) {
  *gcs = 0;
  sums_add(out, m_make_check_free(max + 1));
  mnode *long_lived = m_make(max);
  for (int d = MIN_DEPTH; d <= max; d += 2) {
    long iters = 1L << (max - d + MIN_DEPTH), c = 0;
    for (long i = 0; i < iters; i++) c += m_make_check_free(d);
    sums_add(out, c);
  }
  sums_add(out, m_check(long_lived));
  m_free(long_lived);
}

/* ------------------------------------------------------------------- main */

typedef struct variant {
  const char *name;
  void (*run)(int max, sums *out, size_t *gcs);
  double t[100], wall[100];
  sums sums;
  size_t gcs;
  bool on;
} variant;

/* One run's measurements. */
typedef struct result {
  double cpu, wall;
  size_t gcs;
  sums sums;
} result;

/* Run a column in a child process, so that every run starts as a fresh
 * program does: gclab makes a new heap each run anyway, and Boehm's heap
 * and malloc's arenas would otherwise stay grown from the runs before. */
static void run_fresh(const variant *v, int max, result *out) {
  int fd[2];
  if (pipe(fd) != 0) {
    perror("bench_binary_trees: pipe");
    exit(1);
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("bench_binary_trees: fork");
    exit(1);
  }
  if (pid == 0) {
    close(fd[0]);
#ifdef GCLAB_HAVE_BOEHM
    GC_INIT();
#endif
    result r;
    memset(&r, 0, sizeof r);
    double w0 = bench_now(), c0 = bench_cpu_now();
    v->run(max, &r.sums, &r.gcs);
    r.cpu = bench_cpu_now() - c0;
    r.wall = bench_now() - w0;
    _exit(write(fd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
  }
  close(fd[1]);
  ssize_t n = read(fd[0], out, sizeof *out);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != (ssize_t)sizeof *out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_binary_trees: the %s run failed\n", v->name);
    exit(1);
  }
}

static bool sums_equal(const sums *a, const sums *b) {
  return a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) == 0;
}

static void sums_print(const char *who, const sums *s, int max) {
  printf("  %-9s check sums: stretch(%d) %ld;", who, max + 1, s->v[0]);
  for (int i = 1, d = MIN_DEPTH; i < s->n - 1; i++, d += 2) printf(" d%d %ld", d, s->v[i]);
  printf("; long-lived(%d) %ld\n", max, s->v[s->n - 1]);
}

/* The median of n values, leaving them in run order. */
static double median_of(const double *x, int n) {
  double c[100];
  memcpy(c, x, (size_t)n * sizeof *x);
  return bench_median(c, n);
}

/* The median over runs of column a's time over column b's: each pair was
 * run back to back, so they share the machine's load at the time. */
static double paired_ratio(const variant *a, const variant *b, int reps) {
  double r[100];
  for (int i = 0; i < reps; i++) r[i] = a->t[i] / b->t[i];
  return bench_median(r, reps);
}

int main(int argc, char **argv) {
  /* gclab first and Boehm next to it: their ratio is taken run by run. */
  variant v[] = {
      {.name = "gclab", .run = run_gclab},
#ifdef GCLAB_HAVE_BOEHM
      {.name = "boehm", .run = run_boehm},
#endif
      {.name = "malloc", .run = run_malloc},
      {.name = "registers", .run = run_registers},
      {.name = "handles", .run = run_handles},
  };
  const int nv = (int)(sizeof v / sizeof v[0]);
  int max = argc > 1 ? atoi(argv[1]) : 16;
  int reps = argc > 2 ? atoi(argv[2]) : 7;
  const char *only = argc > 3 ? argv[3] : NULL;
  if (max < MIN_DEPTH + 2 || max > MAX_DEPTH || reps < 1 || reps > 100 || argc > 4) {
    fprintf(stderr, "usage: bench_binary_trees [max_depth 6..%d (16)] [repetitions 1..100 (7)] "
                    "[gclab|registers|handles|boehm|malloc]\n", MAX_DEPTH);
    return 2;
  }
  bool found = !only;
  for (int k = 0; k < nv; k++) {
    v[k].on = !only || !strcmp(only, v[k].name);
    found |= v[k].on;
  }
  if (!found) {
    fprintf(stderr, "bench_binary_trees: no column named %s in this build\n", only);
    return 2;
  }
  /* Interleave the columns so that machine noise spreads evenly. */
  bool ok = true;
  for (int i = 0; i < reps; i++)
    for (int k = 0; k < nv; k++) {
      if (!v[k].on) continue;
      result r;
      run_fresh(&v[k], max, &r);
      v[k].t[i] = r.cpu;
      v[k].wall[i] = r.wall;
      v[k].gcs = r.gcs;
      if (i == 0) v[k].sums = r.sums;
      ok &= sums_equal(&r.sums, &v[k].sums);
    }

  double t[8] = {0}, w[8] = {0};
  const sums *ref = NULL;
  printf("binary-trees depth %d (40-byte nodes; median of %d runs; process CPU time, wall in "
         "brackets):\n", max, reps);
  for (int k = 0; k < nv; k++) {
    if (!v[k].on) continue;
    t[k] = median_of(v[k].t, reps);
    w[k] = median_of(v[k].wall, reps);
    sums_print(v[k].name, &v[k].sums, max);
    if (!ref) ref = &v[k].sums;
    ok &= sums_equal(&v[k].sums, ref);
  }
  printf("  check sums agree: %s\n", ok ? "yes" : "NO");
  if (only) {
    for (int k = 0; k < nv; k++)
      if (v[k].on)
        printf("binary-trees depth %d: %s %.3f s [%.3f s], %zu GCs per run\n", max, v[k].name, t[k], w[k],
               v[k].gcs);
    return ok ? 0 : 1;
  }
  int b = -1, m = -1, rg = -1, hd = -1;
  for (int k = 0; k < nv; k++) {
    if (!strcmp(v[k].name, "boehm")) b = k;
    if (!strcmp(v[k].name, "malloc")) m = k;
    if (!strcmp(v[k].name, "registers")) rg = k;
    if (!strcmp(v[k].name, "handles")) hd = k;
  }
  printf("  GCs per run: gclab %zu, registers %zu, handles %zu", v[0].gcs, v[rg].gcs, v[hd].gcs);
  if (b >= 0) printf(", boehm %zu", v[b].gcs);
  printf("\n");
  if (b >= 0) {
    double ratio = paired_ratio(&v[0], &v[b], reps);
    printf("binary-trees depth %d: gclab %.3f s [%.3f], boehm %.3f s [%.3f], malloc %.3f s [%.3f]; "
           "gclab/boehm %.2fx (target <= %.1fx: %s), gclab/malloc %.2fx\n",
           max, t[0], w[0], t[b], w[b], t[m], w[m], ratio, TARGET_VS_BOEHM,
           ratio <= TARGET_VS_BOEHM ? "met" : "MISSED", paired_ratio(&v[0], &v[m], reps));
  } else {
    printf("binary-trees depth %d: gclab %.3f s [%.3f], boehm n/a (built without bdw-gc: install "
           "libgc-dev and reconfigure), malloc %.3f s [%.3f]; gclab/malloc %.2fx\n",
           max, t[0], w[0], t[m], w[m], paired_ratio(&v[0], &v[m], reps));
  }
  const struct { int k; const char *what; } more[] = {
      {rg, "check through gc_slot_load, a handle per level"},
      {hd, "one handle per object, no register calls"},
  };
  for (int i = 0; i < 2; i++) {
    const variant *x = &v[more[i].k];
    printf("binary-trees depth %d, %s (%s): %.3f s [%.3f]; ", max, x->name, more[i].what,
           t[more[i].k], w[more[i].k]);
    if (b >= 0) printf("%s/boehm %.2fx, ", x->name, paired_ratio(x, &v[b], reps));
    printf("%s/malloc %.2fx\n", x->name, paired_ratio(x, &v[m], reps));
  }
  return ok ? 0 : 1;
}
