/*
 * bench_scavenge_copy.c -- the scavenger's copy rate against memcpy.
 *
 * A linked list of 40-byte objects (V8's {l, r} layout, the link in slot 0)
 * fills new space; only its head is rooted, so the scavenge traces the whole
 * list through the Cheney scan and copies every node within new space (age
 * mark policy: a first survival is a copy, not a promotion).  The copy rate
 * is the event record's copied_bytes over the wall time of gc_scavenge();
 * it is compared with memcpy of the same byte count between two warm
 * buffers, timed in the same run.
 *
 * Both semispaces are touched before measuring (garbage is allocated through
 * two flips), so neither side pays first-touch page faults.  Each
 * repetition uses a fresh heap; the median is printed.  Two sizes: the
 * default initial semispace (1 MiB) and the default maximum (16 MiB), set
 * through semi_space_initial; everything else is the default config.
 *
 * Usage: bench_scavenge_copy [repetitions (21)]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "gclab.h"

#define NODE_BYTES 40
#define TARGET_FRACTION 0.20

typedef struct sample {
  double seconds;
  uint64_t bytes, objects;
} sample;

/* One measurement on a fresh heap whose semispaces hold `semi` bytes. */
static sample measure_scavenge(uint64_t semi) {
  gc_config cfg;
  gc_config_default(&cfg);
  cfg.new_space.semi_space_initial = semi;
  gc_heap *h;
  char err[256];
  if (gc_heap_new(&cfg, &h, err, sizeof err) != GC_OK) {
    fprintf(stderr, "bench_scavenge_copy: gc_heap_new: %s\n", err);
    exit(1);
  }
  /* Touch both semispaces: garbage through at least two flips, then an
   * explicit scavenge leaves new space empty. */
  uint64_t garbage = 3 * semi / NODE_BYTES;
  for (uint64_t i = 0; i < garbage; i++) {
    gc_handle g;
    G(h, gc_alloc(h, 2, 0, "Garbage", &g));
    G(h, gc_handle_release(h, g));
  }
  G(h, gc_scavenge(h));
  size_t events = gc_event_count(h);

  /* As many nodes as fit in To-space without a GC (objects never straddle
   * a page, so count per page). */
  uint64_t page = cfg.page_size;
  uint64_t n = (semi / page) * (page / NODE_BYTES);
  gc_handle head;
  G(h, gc_alloc(h, 2, 0, "Node", &head));
  G(h, gc_root(h, head));
  for (uint64_t i = 1; i < n; i++) {
    gc_handle node;
    G(h, gc_alloc(h, 2, 0, "Node", &node));
    G(h, gc_slot_set_ref(h, node, 0, head));
    G(h, gc_root(h, node));
    G(h, gc_handle_release(h, head)); /* drops its root too */
    head = node;
  }
  if (gc_event_count(h) != events) {
    fprintf(stderr, "bench_scavenge_copy: building the list ran a GC; the sizes are off\n");
    exit(1);
  }

  double t0 = bench_now();
  G(h, gc_scavenge(h));
  double t = bench_now() - t0;
  const gc_event *ev = gc_event_get(h, gc_event_count(h) - 1);
  sample s = {t, ev->copied_bytes, ev->copied_objects};
  if (ev->copied_objects != n || ev->promoted_objects != 0) {
    fprintf(stderr, "bench_scavenge_copy: expected %llu copies and no promotion, got %llu and %llu\n",
            (unsigned long long)n, (unsigned long long)ev->copied_objects,
            (unsigned long long)ev->promoted_objects);
    exit(1);
  }
  G(h, gc_verify(h));
  gc_heap_free(h);
  return s;
}

/* memcpy of `bytes` between two warm buffers. */
static double measure_memcpy(char *dst, const char *src, uint64_t bytes) {
  double t0 = bench_now();
  memcpy(dst, src, bytes);
  double t = bench_now() - t0;
  /* Keep the copy observable. */
  if (dst[bytes / 2] != src[bytes / 2]) abort();
  return t;
}

/* The target applies to a copy larger than the caches, where memcpy measures
 * memory bandwidth; a 1 MiB warm memcpy runs from L2 and is shown for
 * information only. */
static bool run(uint64_t semi, int reps, bool has_target) {
  double ts[101], tm[101], frac[101];
  sample s = {0};
  char *src = NULL, *dst = NULL;
  /* Each repetition times a scavenge and then memcpy of the bytes it
   * copied (the best of five, buffers warmed just before), so that the two
   * share the machine's load at the time; the fraction is the median of
   * the repetitions' fractions. */
  for (int i = 0; i < reps; i++) {
    s = measure_scavenge(semi);
    ts[i] = s.seconds;
    if (!src) {
      src = calloc(1, s.bytes + 1);
      dst = calloc(1, s.bytes + 1);
      if (!src || !dst) {
        fprintf(stderr, "bench_scavenge_copy: out of memory\n");
        exit(1);
      }
      for (uint64_t k = 0; k < s.bytes; k++) src[k] = (char)(k * 131);
    }
    measure_memcpy(dst, src, s.bytes); /* warm-up */
    tm[i] = measure_memcpy(dst, src, s.bytes);
    for (int k = 0; k < 4; k++) { /* memcpy at its best */
      double t = measure_memcpy(dst, src, s.bytes);
      if (t < tm[i]) tm[i] = t;
    }
    frac[i] = tm[i] / ts[i]; /* (bytes / ts) / (bytes / tm) */
  }
  free(src);
  free(dst);

  double t = bench_median(ts, reps), m = bench_median(tm, reps), f = bench_median(frac, reps);
  double rate = (double)s.bytes / t, mrate = (double)s.bytes / m;
  printf("scavenge copy, %llu KiB semispace: %llu bytes (%llu objects of %d bytes, a linked list) "
         "in %.3f ms = %.2f GB/s; memcpy of the same bytes %.3f ms = %.2f GB/s; "
         "scavenge/memcpy %.1f%% ",
         (unsigned long long)(semi >> 10), (unsigned long long)s.bytes,
         (unsigned long long)s.objects, NODE_BYTES, t * 1e3, rate / 1e9, m * 1e3, mrate / 1e9,
         f * 100);
  if (has_target)
    printf("(target >= %.0f%% of memory bandwidth: %s)\n", TARGET_FRACTION * 100,
           f >= TARGET_FRACTION ? "met" : "MISSED");
  else
    printf("(in cache: memcpy runs from L2 here; no target)\n");
  return f >= TARGET_FRACTION;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 21;
  if (reps < 1 || reps > 101) {
    fprintf(stderr, "usage: bench_scavenge_copy [repetitions 1..101 (21)]\n");
    return 2;
  }
  gc_config def;
  gc_config_default(&def);
  printf("scavenge copy rate (median of %d runs, one scavenge each):\n", reps);
  run(def.new_space.semi_space_initial, reps, false);
  run(def.new_space.semi_space_max, reps, true);
  return 0;
}
