/*
 * bench_full_gc.c -- a full collection of a live graph of 1,000,000
 * 40-byte objects (issue 3), timed in the same run for:
 *
 *   gclab Mark-Sweep            gc_mark_sweep()
 *   gclab Mark-Compact          gc_mark_compact(evacuate) and (slide)
 *   gclab marking alone         gc_incremental_start + one unbounded step
 *   Boehm GC                    GC_gcollect() (if built with bdw-gc)
 *
 * The graph: eight complete binary trees of depth 15 (65,535 nodes each)
 * and the rest in 100 singly linked lists; every node has two slots (V8's
 * {l, r} JSObject: 24-byte header plus two tagged words) and all of it is
 * live, so every collector traces the same million objects and frees
 * nothing.  gclab's graph is built through the public API and then
 * promoted by one full GC, so the timed collections see an old generation
 * of 40 MB.  Boehm's nodes are GC_MALLOC'd 40-byte blocks (two pointers
 * and 24 bytes of payload), rooted from a GC_MALLOC'd array.  Boehm runs
 * with one marker thread (GC_MARKERS=1, unless the environment sets it),
 * so both collectors are single-threaded.
 *
 * Prints the median of each, the ratios against Boehm, and the marking
 * rate in objects per second.  Target: Mark-Sweep no slower than Boehm.
 *
 * Usage: bench_full_gc [repetitions (5)]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_graph.h"
#include "bench_util.h"
#include "gclab.h"
#ifdef GCLAB_HAVE_BOEHM
#include <gc.h>
#endif

#define NODE_BYTES BG_NODE_BYTES
#define OBJECTS 1000000u
#define TREES 8u
#define TREE_NODES BG_TREE_NODES
#define LISTS 100u
#define MAX_REPS 31

/* ------------------------------------------------------------------ gclab */

static gc_heap *build_gclab(void) {
  gc_config c;
  gc_config_default(&c);
  gc_heap *h = bg_heap(&c);
  bg_build(h, OBJECTS, TREES, LISTS, 0, NULL, 0, NULL);
  return h;
}

typedef enum { RUN_MARK_SWEEP, RUN_EVACUATE, RUN_SLIDE, RUN_MARK_ONLY } run_kind;

static double time_gclab(gc_heap *h, run_kind k) {
  double t0 = bench_now();
  switch (k) {
    case RUN_MARK_SWEEP: G(h, gc_mark_sweep(h)); break;
    case RUN_EVACUATE: G(h, gc_mark_compact(h, GC_COMPACT_EVACUATE)); break;
    case RUN_SLIDE: G(h, gc_mark_compact(h, GC_COMPACT_SLIDE)); break;
    case RUN_MARK_ONLY: {
      bool done = false;
      G(h, gc_incremental_start(h));
      G(h, gc_incremental_step(h, 1ull << 60, &done));
      double t = bench_now() - t0;
      if (!done) bench_die(h, "marking did not finish in one step", GC_ESTATE);
      G(h, gc_incremental_finish(h)); /* not timed: the sweep */
      const gc_event *ev = gc_event_get(h, gc_event_count(h) - 1);
      if (ev->incremental_marked != (uint64_t)OBJECTS * NODE_BYTES) bench_die(h, "marking missed objects", GC_ECORRUPT);
      return t;
    }
  }
  double t = bench_now() - t0;
  const gc_event *ev = gc_event_get(h, gc_event_count(h) - 1);
  if (ev->died_objects != 0) {
    fprintf(stderr, "bench_full_gc: the live graph lost %llu objects\n", (unsigned long long)ev->died_objects);
    exit(1);
  }
  return t;
}

/* ------------------------------------------------------------------ boehm */

#ifdef GCLAB_HAVE_BOEHM
typedef struct bnode {
  struct bnode *l, *r;
  char payload[NODE_BYTES - 2 * sizeof(void *)];
} bnode;

static bnode *bnew(void) {
  bnode *n = GC_MALLOC(sizeof *n);
  if (!n) {
    fprintf(stderr, "bench_full_gc: GC_MALLOC failed\n");
    exit(1);
  }
  return n;
}

/* Roots: a GC_MALLOC'd array of the trees' and lists' heads. */
static bnode **build_boehm(void) {
  bnode **roots = GC_MALLOC((TREES + LISTS) * sizeof *roots);
  bnode **tmp = malloc(TREE_NODES * sizeof *tmp); /* not scanned: the tree holds them */
  if (!roots || !tmp) exit(1);
  for (uint32_t t = 0; t < TREES; t++) {
    roots[t] = tmp[0] = bnew();
    for (uint32_t i = 1; i < TREE_NODES; i++) {
      tmp[i] = bnew();
      bnode *parent = tmp[(i - 1) / 2];
      if (i % 2) parent->l = tmp[i];
      else parent->r = tmp[i];
    }
  }
  free(tmp);
  for (uint32_t l = 0; l < LISTS; l++) {
    bnode *tail = roots[TREES + l] = bnew();
    for (uint32_t i = 1; i < bg_list_len(OBJECTS, TREES, LISTS, l); i++) tail = tail->l = bnew();
  }
  return roots;
}

static double time_boehm(void) {
  double t0 = bench_now();
  GC_gcollect();
  return bench_now() - t0;
}
#endif

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  if (reps < 1 || reps > MAX_REPS) {
    fprintf(stderr, "usage: bench_full_gc [repetitions 1..%d]\n", MAX_REPS);
    return 2;
  }
  double ms[MAX_REPS], ev[MAX_REPS], sl[MAX_REPS], mk[MAX_REPS];
  double tb[MAX_REPS];

  double b0 = bench_now();
  gc_heap *h = build_gclab();
  double build_gclab_s = bench_now() - b0;
  G(h, gc_mark_sweep(h)); /* warm */
  for (int i = 0; i < reps; i++) {
    ms[i] = time_gclab(h, RUN_MARK_SWEEP);
    ev[i] = time_gclab(h, RUN_EVACUATE);
    sl[i] = time_gclab(h, RUN_SLIDE);
    mk[i] = time_gclab(h, RUN_MARK_ONLY);
  }
  gc_heap_free(h);
  double t_ms = bench_median(ms, reps), t_ev = bench_median(ev, reps), t_sl = bench_median(sl, reps);
  double t_mk = bench_median(mk, reps);

  printf("full GC of a live graph of %u objects of %d bytes (%u trees of depth %u, %u lists), "
         "median of %d:\n",
         OBJECTS, NODE_BYTES, TREES, BG_TREE_DEPTH, LISTS, reps);
  printf("  gclab build (API, 40 MB)         %8.1f ms\n", build_gclab_s * 1e3);
  printf("  gclab Mark-Sweep                 %8.1f ms\n", t_ms * 1e3);
  printf("  gclab Mark-Compact (evacuate)    %8.1f ms\n", t_ev * 1e3);
  printf("  gclab Mark-Compact (slide)       %8.1f ms\n", t_sl * 1e3);
  printf("  gclab marking alone              %8.1f ms  (%.1f M objects/s, %.0f MB/s)\n", t_mk * 1e3,
         OBJECTS / t_mk / 1e6, OBJECTS * (double)NODE_BYTES / t_mk / 1e6);
  printf("  gclab Mark-Sweep rate            %8.1f M objects/s\n", OBJECTS / t_ms / 1e6);
#ifdef GCLAB_HAVE_BOEHM
  if (!getenv("GC_MARKERS")) setenv("GC_MARKERS", "1", 1);
  GC_INIT();
  GC_set_free_space_divisor(1); /* no collections while building, if it can help it */
  bnode **roots = build_boehm();
  GC_gcollect(); /* warm */
  for (int i = 0; i < reps; i++) tb[i] = time_boehm();
  double t_b = bench_median(tb, reps);
  printf("  Boehm GC_gcollect (%s markers)   %8.1f ms  (%.1f M objects/s)\n", getenv("GC_MARKERS"), t_b * 1e3,
         OBJECTS / t_b / 1e6);
  printf("ratios: Mark-Sweep/Boehm %.2fx (target <= 1.00x: %s), Mark-Compact evacuate/Boehm %.2fx, "
         "slide/Boehm %.2fx, marking alone/Boehm %.2fx\n",
         t_ms / t_b, t_ms <= t_b ? "met" : "MISSED", t_ev / t_b, t_sl / t_b, t_mk / t_b);
  if (!roots[0]) return 1; /* keeps the roots live to here */
#else
  (void)tb;
  printf("Boehm: n/a (built without bdw-gc: install libgc-dev for the comparison)\n");
#endif
  return 0;
}
