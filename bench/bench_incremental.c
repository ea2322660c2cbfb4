/*
 * bench_incremental.c -- incremental marking against stop-the-world
 * marking of the same heap (issue 4): about 100 MB of live 40-byte objects
 * (2.5 million, trees and lists, bench_graph.h), all old.
 *
 *   stop-the-world   gc_incremental_start + one unbounded step (the whole
 *                    mark, timed), then a Mark-Sweep of the same heap;
 *   incremental      gc_incremental_start, then steps of the configured
 *                    budget (64 KiB, V8's default) until the worklist is
 *                    empty, then the atomic pause (gc_incremental_finish).
 *                    Between steps the program allocates young objects
 *                    (most die, some are linked into the old graph) and
 *                    rewires old objects, so the barrier, floating garbage
 *                    and scavenges in the middle of marking all take their
 *                    share.
 *
 * The incremental cycle runs twice: with the program idle between steps
 * (the cost of cutting the mark into steps) and with it running.
 *
 * Prints, from one run: the marking work of each, in bytes marked (the
 * engine's counters, deterministic: what the step budget and the virtual
 * clock count) and in time (the steps' wall time plus the final pause's
 * marking, against the stop-the-world mark); the ratio of incremental to
 * stop-the-world work (target <= 1.2x), and the largest step's work against
 * the budget (target within 10%).  Time ratios are printed for reference:
 * with the program running they also carry the caches it evicts between
 * steps.
 *
 * Usage: bench_incremental [objects (2500000)]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_graph.h"
#include "bench_util.h"
#include "gclab.h"

#define TREES 16u
#define LISTS 200u
#define KEEP_EVERY 64u /* every 64th list node: handles for the mutator */
#define MUTATOR_STORES 32u /* old slots rewired between two steps */

static uint64_t rng_next(uint64_t *s) { /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1Dull;
}

static const gc_event *last(gc_heap *h) { return gc_event_get(h, gc_event_count(h) - 1); }

typedef struct cycle {
  double steps_s, pause_s;
  uint32_t steps;
  size_t scavenges;
  uint64_t marked, pause_marked, largest;
} cycle;

/* One incremental cycle: steps of `budget` until the worklist is empty,
 * then the atomic pause.  With `busy`, the program runs between steps: it
 * allocates as much as a step marks (the engine's default schedule: 64 KiB
 * of young allocation per 64 KiB step), links one new object in 16 into
 * the old graph (the barrier greys it), and rewires old objects. */
static cycle incremental_cycle(gc_heap *h, gc_handle *keep, size_t nkeep, uint64_t budget, bool busy) {
  static uint64_t rng = 42;
  cycle c = {0};
  bool done = false;
  size_t events0 = gc_event_count(h);
  G(h, gc_incremental_start(h));
  for (;;) {
    double t0 = bench_now();
    G(h, gc_incremental_step(h, budget, &done));
    c.steps_s += bench_now() - t0;
    c.steps++;
    if (done) break;
    if (!busy) continue;
    for (uint32_t i = 0; i < budget / BG_NODE_BYTES; i++) {
      gc_handle x;
      G(h, gc_alloc(h, 2, BG_NODE_BYTES, "Young", &x));
      if (i % 16 == 0) G(h, gc_slot_set_ref(h, keep[rng_next(&rng) % nkeep], 1, x));
      G(h, gc_handle_release(h, x));
    }
    for (uint32_t i = 0; i < MUTATOR_STORES; i++)
      G(h, gc_slot_set_ref(h, keep[rng_next(&rng) % nkeep], 1, keep[rng_next(&rng) % nkeep]));
  }
  c.scavenges = gc_event_count(h) - events0;
  double t0 = bench_now();
  G(h, gc_incremental_finish(h));
  c.pause_s = bench_now() - t0;
  const gc_event *ev = last(h);
  if (!ev->incremental) bench_die(h, "the cycle did not finish incrementally", GC_ESTATE);
  c.largest = ev->largest_step;
  c.marked = ev->marked_bytes;
  c.pause_marked = ev->marked_bytes - ev->incremental_marked;
  return c;
}

static void report(const char *what, const cycle *c, uint64_t stw_marked, double stw_mark_s, uint64_t budget) {
  /* The pause's own marking, at the stop-the-world rate. */
  double pause_mark_s = (double)c->pause_marked / (double)stw_marked * stw_mark_s;
  printf("  incremental, %-12s marked %.1f MB: %u steps of %llu bytes, %.1f ms in all, %zu scavenges "
         "between them; final pause %.1f ms marking %.1f KB; vs stop-the-world: bytes %.3fx, time %.2fx\n",
         what, c->marked / 1e6, c->steps, (unsigned long long)budget, c->steps_s * 1e3, c->scavenges,
         c->pause_s * 1e3, c->pause_marked / 1e3, (double)c->marked / (double)stw_marked,
         (c->steps_s + pause_mark_s) / stw_mark_s);
}

int main(int argc, char **argv) {
  uint32_t objects = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2500000u;
  if (objects < TREES * BG_TREE_NODES + LISTS * KEEP_EVERY || objects > 20000000u) {
    fprintf(stderr, "usage: bench_incremental [objects %u..20000000]\n", TREES * BG_TREE_NODES + LISTS * KEEP_EVERY);
    return 2;
  }
  gc_config c;
  gc_config_default(&c);
  /* Steps come only from this program's calls, so each is timed. */
  c.incremental.young_step = c.incremental.old_step = 1ull << 40;
  const uint64_t budget = c.incremental.step_budget;
  gc_heap *h = bg_heap(&c);
  size_t cap = objects / KEEP_EVERY + 1, nkeep = 0;
  gc_handle *keep = malloc(cap * sizeof *keep);
  if (!keep) return 1;
  double t0 = bench_now();
  bg_build(h, objects, TREES, LISTS, KEEP_EVERY, keep, cap, &nkeep);
  double build_s = bench_now() - t0;
  gc_heap_stats s;
  gc_stats(h, &s);
  const uint64_t live = s.space[GC_SPACE_OLD].size;

  /* Stop-the-world: the whole mark in one go, then a full Mark-Sweep. */
  bool done = false;
  G(h, gc_mark_sweep(h)); /* warm */
  t0 = bench_now();
  G(h, gc_incremental_start(h));
  G(h, gc_incremental_step(h, 1ull << 60, &done));
  double stw_mark_s = bench_now() - t0;
  G(h, gc_incremental_finish(h));
  const uint64_t stw_marked = last(h)->marked_bytes;
  t0 = bench_now();
  G(h, gc_mark_sweep(h));
  double stw_pause_s = bench_now() - t0;

  cycle quiet = incremental_cycle(h, keep, nkeep, budget, false);
  cycle busy = incremental_cycle(h, keep, nkeep, budget, true);

  printf("incremental vs stop-the-world marking of %.1f MB of live %d-byte objects (%u), build %.0f ms:\n",
         live / 1e6, BG_NODE_BYTES, objects, build_s * 1e3);
  printf("  stop-the-world: marked %.1f MB in %.1f ms (%.0f MB/s); Mark-Sweep pause %.1f ms\n", stw_marked / 1e6,
         stw_mark_s * 1e3, stw_marked / 1e6 / stw_mark_s, stw_pause_s * 1e3);
  report("steps only", &quiet, stw_marked, stw_mark_s, budget);
  report("with program", &busy, stw_marked, stw_mark_s, budget);
  double work = (double)busy.marked / (double)stw_marked;
  printf("marking work incremental/stop-the-world (bytes marked, with the program running): %.3fx "
         "(target <= 1.2x: %s)\n",
         work, work <= 1.2 ? "met" : "MISSED");
  printf("largest step %llu bytes / budget %llu = %.3f (target within 10%%: %s)\n",
         (unsigned long long)busy.largest, (unsigned long long)budget, (double)busy.largest / (double)budget,
         busy.largest <= budget * 11 / 10 && busy.largest * 10 >= budget * 9 ? "met" : "MISSED");
  free(keep);
  gc_heap_free(h);
  return 0;
}
