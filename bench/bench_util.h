/* bench_util.h -- small helpers shared by the benchmarks: a monotonic
 * clock, medians, and a check that stops on an engine error. */
#ifndef GCLAB_BENCH_UTIL_H
#define GCLAB_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gclab.h"

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (all threads): on a shared machine it
 * does not count the time other programs hold the CPU. */
static inline double bench_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v). */
static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline void bench_die(gc_heap *h, const char *what, gc_status st) {
  fprintf(stderr, "bench: %s: %s: %s\n", what, gc_status_name(st), h ? gc_heap_error(h) : "");
  exit(1);
}

/* A heap of the default configuration with incremental marking off (the
 * timed GCs are whole); exits on failure. */
static inline gc_heap *bench_heap_no_incremental(void) {
  gc_config c;
  gc_config_default(&c);
  c.incremental.enabled = false;
  gc_heap *h = NULL;
  char err[256];
  if (gc_heap_new(&c, &h, err, sizeof err) != GC_OK) {
    fprintf(stderr, "bench: %s\n", err);
    exit(1);
  }
  return h;
}

/* Run an engine call; on failure print it with the heap's message and exit. */
#define G(h, call)                                 \
  do {                                             \
    gc_status st_ = (call);                        \
    if (st_ != GC_OK) bench_die((h), #call, st_);  \
  } while (0)

#endif
