/*
 * bench_unregister.c -- the cost of FinalizationRegistry.unregister as the
 * registry grows: a register + unregister pair (the pattern of
 * node20/tokens.js) timed beside 1k, 10k and 100k other live
 * registrations.  V8 finds a token's cells through its key map; gclab
 * through an index from token to cells (engine/finalization.c), so the
 * time per pair stays flat.  A walk of the registry's lists (gclab before
 * this benchmark) grows 10x for each 10x of registrations.
 *
 * Times are process CPU time, the median of 5 runs of `pairs` pairs.
 * Usage: bench_unregister [max] (live registrations of the largest case;
 * default 100000).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "gclab_weak.h"

/* A rooted target registered with itself as token. */
static gc_handle register_one(gc_heap *h, gc_handle reg) {
  gc_handle t;
  gc_value held = {GC_SLOT_SMI, 1, GC_NO_HANDLE};
  G(h, gc_alloc(h, 2, 0, "Connection", &t));
  G(h, gc_root(h, t));
  G(h, gc_finreg_register(h, reg, t, &held, t));
  return t;
}

static double pairs_seconds(gc_heap *h, gc_handle reg, uint32_t pairs) {
  double t[5];
  for (int r = 0; r < 5; r++) {
    double t0 = bench_cpu_now();
    for (uint32_t i = 0; i < pairs; i++) {
      gc_handle c = register_one(h, reg);
      bool removed;
      G(h, gc_finreg_unregister(h, reg, c, &removed));
      if (!removed) {
        fprintf(stderr, "bench: unregister found nothing\n");
        exit(1);
      }
      G(h, gc_handle_release(h, c));
    }
    t[r] = bench_cpu_now() - t0;
  }
  return bench_median(t, 5);
}

int main(int argc, char **argv) {
  uint32_t max = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000u;
  if (max < 100) max = 100;
  const uint32_t pairs = 10000;
  printf("FinalizationRegistry register + unregister, CPU time per pair, median of 5 x %u pairs\n", pairs);
  printf("%14s %12s %14s\n", "registrations", "ns/pair", "vs smallest");
  double first = 0;
  for (uint32_t n = max / 100; n <= max; n *= 10) {
    gc_heap *h = bench_heap_no_incremental();
    gc_handle reg;
    G(h, gc_finreg_new(h, &reg));
    G(h, gc_root(h, reg));
    for (uint32_t i = 0; i < n; i++) register_one(h, reg);
    double ns = pairs_seconds(h, reg, pairs) * 1e9 / pairs;
    if (first == 0) first = ns;
    printf("%14u %12.1f %13.2fx\n", n, ns, ns / first);
    fflush(stdout);
    gc_heap_free(h);
    if (n > UINT32_MAX / 10) break;
  }
  printf("a walk of the registry per unregister grows 10x per 10x of registrations; an index stays flat\n");
  return 0;
}
