/*
 * config.c -- the built-in default profile and config validation.
 *
 * The defaults are Node 20's (V8 11.3, x64, no pointer compression); each
 * number's comment names its V8 source (file, constant or flag).  configs/node20.yaml
 * must equal gc_config_default() field for field (a test checks it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heap_internal.h"

#define KiB (1024ull)
#define MiB (1024ull * 1024ull)
#define GiB (1024ull * 1024ull * 1024ull)

void gc_config_default(gc_config *c) {
  memset(c, 0, sizeof *c);
  c->page_size = 256 * KiB; /* kPageSizeBits = 18 (src/base/build_config.h) */
  /* MemoryChunkLayout::ObjectStartOffsetInDataPage: a 1 MiB semispace holds
   * 1,030,880 bytes of objects (v8.getHeapSpaceStatistics, node v20.20.2) */
  c->page_header = 4424;

  c->new_space.semi_space_initial = 1 * MiB; /* min semi-space, heap.h */
  /* Node 20 derives the semispace from the old generation: old/128 clamped
   * to [1, 16] MiB; with a 4 GiB old space that is the 16 MiB maximum. */
  c->new_space.semi_space_max = 16 * MiB;
  c->new_space.growth_factor = 2;        /* --semi-space-growth-factor */
  /* src/heap/evacuation-allocator.h: kLabSize = 32 * KB, the scavenger's
   * and the evacuator's new-space LABs */
  c->new_space.copy_lab = 32 * KiB;
  c->new_space.promotion = GC_PROMOTE_AGE_MARK;
  c->new_space.promotion_age = 1;        /* age mark: promoted on 2nd survival */
  c->new_space.classic_to_space_pct = 25;/* the pre-2015 To-space rule */

  /* heap_size_limit 4144 MiB on Node 20 / 24 GiB machine = 4096 MiB old
   * generation + 3 x 16 MiB young generation. */
  c->old_space.max_size = 4096 * MiB;
  c->old_space.initial_limit = 0;        /* V8: min(512 MiB, max / 2) */
  c->old_space.shrink_initial_limit = true; /* Heap::ShrinkOldGenerationAllocationLimitIfNotConfigured */
  c->old_space.promotion_limit_gc = false;  /* V8 11.3: no full GC for the limit at a Scavenge */
  c->old_space.min_growing_step = 8 * MiB;   /* heap-controller.cc */
  c->old_space.min_growing_factor_x100 = 110;
  c->old_space.max_growing_factor_x100 = 400;
  c->old_space.target_mu_x100 = 97;
  c->old_space.full_gc = GC_FULL_MARK_COMPACT;
  c->old_space.compaction = GC_COMPACT_EVACUATE;
  c->old_space.evacuation_free_pct = 70;     /* ComputeEvacuationHeuristics */
  c->old_space.evacuation_free_pct_reducing = 20;
  c->old_space.evacuation_quota = 4 * MiB;
  c->old_space.always_promote_young = true;  /* --always-promote-young-mc */
  c->old_space.page_promotion_pct = 70;      /* --page-promotion-threshold */
  c->old_space.last_resort_gcs = 2;         /* CollectAllAvailableGarbage kMinNumberOfAttempts */
  c->old_space.ineffective_mark_compacts = 4; /* Heap::kMaxConsecutiveIneffectiveMarkCompacts */
  c->old_space.concurrent_sweepers = 1;        /* --concurrent-sweeping */
  c->old_space.empty_pages_kept = 1;           /* StartSweepSpace's unused page */

  c->large_object.threshold = 128 * KiB;     /* kMaxRegularHeapObjectSize */
  c->boot = GC_BOOT_NODE20;                  /* Node's objects at a script's first line */

  c->incremental.enabled = true;
  c->incremental.activation_size = 8 * MiB;  /* IncrementalMarkingLimitReached */
  c->incremental.young_step = 64 * KiB;      /* allocation observer steps */
  c->incremental.old_step = 256 * KiB;
  c->incremental.step_budget = 64 * KiB;
  c->incremental.concurrent_markers = 1;
  c->incremental.marker_tasks = 4;           /* Node 20's platform: 4 worker threads */
  c->incremental.interrupt_ns = 0;           /* a program that calls functions: checks at once */
  c->incremental.interrupt_optimize = 4;     /* a loop of builtins only: optimized (OSR) at its 4th check */

  /* Virtual clock.  Chosen so that a scavenge of 1 MiB of survivors costs
   * about 1 ms and marking runs at about 1 GB/s, the magnitudes Node 20's
   * traces show on this kind of machine (reference/node20). */
  c->cost.alloc_ns = 50;
  c->cost.store_ns = 5;
  c->cost.mark_ns_per_kb = 1000;
  c->cost.mark_scalar_ns_per_kb = 250; /* Smi and empty slots, data: marker_cost_ns */
  c->cost.copy_ns_per_kb = 1000;
  c->cost.sweep_ns_per_kb = 100;

  c->event_ring = 4096; /* about 1.7 MiB of events and totals */
  /* TurboFan's concurrent (OSR) recompile of a deoptimized function:
   * node --trace-opt reports 1.6-2.1 ms for scripts/fidelity/node20/grow.js
   * on the 2-core development machine, time in which its baseline loop
   * runs about 65,000 iterations (29 ns each); the virtual clock charges
   * that loop 60 ns an iteration (cost.*), so the same iterations take
   * 3.9 ms of it (docs/fidelity.md, *Allocation-site pretenuring*). */
  c->allocation_sites.optimize_us = 4000;
  /* TurboFan's first compile of the program's loop starts after a few
   * ticks of its bytecode budget: node --trace-opt on
   * scripts/fidelity/node20/grid.js starts the OSR compile after its 13th
   * Scavenge, 6,340 rows (one `new Array(1000)` each) into the program
   * (grid-50.nvp's allocated bytes); grow.js and pretenure.js start theirs
   * before their first Scavenge (docs/fidelity-notes.md, *The tiering
   * budget*). */
  c->allocation_sites.tiering_allocations = 6400;
  /* V8 11.3: Heap::kExternalAllocationSoftLimit, and the young backing
   * stores' Scavenge at 2 x DefaultMaxSemiSpaceSize (16 MiB on x64 without
   * pointer compression).  `node --trace-gc` on Buffer.alloc(65536) in a
   * loop: a Scavenge "external memory pressure" every 488 buffers, every
   * 32 MB less the young survivors' (scripts/fidelity/node20/buffers.js). */
  c->external.soft_limit = 64 * MiB;
  c->external.young_gc_bytes = 32 * MiB;
  c->seed = 1;
}

static gc_status fail(char *err, size_t len, const char *fmt, ...) {
  if (err && len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
  }
  return GC_EINVAL;
}

static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

#define PCT(field, key)                                                                     \
  do {                                                                                      \
    if ((field) > 100)                                                                      \
      return fail(err, len, "%s: expected a percentage 0..100, got %u", key, (unsigned)(field)); \
  } while (0)

/* old_space.max_size's own rule, for a config and for gc_set_old_max. */
gc_status config_check_old_max(uint64_t page_size, uint64_t max, char *err, size_t len) {
  if (max < page_size || max > 64 * GiB)
    return fail(err, len, "old_space.max_size: expected at least one page (%s) and at most 64GiB, got %s",
                SIZE_TEXT(page_size), SIZE_TEXT(max));
  return GC_OK;
}

gc_status gc_config_validate(const gc_config *c, char *err, size_t len) {
  if (!c) return fail(err, len, "config: expected a config, got NULL");
  if (!pow2(c->page_size) || c->page_size < 4 * KiB || c->page_size > 64 * MiB)
    return fail(err, len, "page_size: expected a power of two from 4KiB to 64MiB, got %s",
                SIZE_TEXT(c->page_size));
  const uint64_t ps = c->page_size;
  if (c->page_header % 8 || c->page_header >= ps / 2)
    return fail(err, len, "page_header: expected a multiple of 8 below half of page_size (%s), got %s",
                SIZE_TEXT(ps), SIZE_TEXT(c->page_header));
  if (c->new_space.copy_lab % 8)
    return fail(err, len, "new_space.copy_lab: expected 0 or a multiple of 8, got %s",
                SIZE_TEXT(c->new_space.copy_lab));
  const uint64_t si = c->new_space.semi_space_initial, sm = c->new_space.semi_space_max;
  if (si < ps || si % ps)
    return fail(err, len,
                "new_space.semi_space.initial: expected a multiple of page_size (%s) "
                "of at least one page, got %s",
                SIZE_TEXT(ps), SIZE_TEXT(si));
  if (sm % ps)
    return fail(err, len,
                "new_space.semi_space.max: expected a multiple of page_size (%s), got %s",
                SIZE_TEXT(ps), SIZE_TEXT(sm));
  if (sm < si)
    return fail(err, len,
                "new_space.semi_space.max: expected at least new_space.semi_space.initial "
                "(%s), got %s",
                SIZE_TEXT(si), SIZE_TEXT(sm));
  if (sm > 1 * GiB)
    return fail(err, len, "new_space.semi_space.max: expected at most 1GiB, got %s",
                SIZE_TEXT(sm));
  if (c->new_space.growth_factor < 1 || c->new_space.growth_factor > 16)
    return fail(err, len, "new_space.semi_space.growth_factor: expected 1..16, got %u",
                (unsigned)c->new_space.growth_factor);
  if (c->new_space.promotion != GC_PROMOTE_AGE_MARK && c->new_space.promotion != GC_PROMOTE_CLASSIC)
    return fail(err, len, "new_space.promotion.policy: expected age_mark or classic, got %d",
                (int)c->new_space.promotion);
  if (c->new_space.promotion_age > 15)
    return fail(err, len, "new_space.promotion.age: expected 0..15, got %u",
                (unsigned)c->new_space.promotion_age);
  PCT(c->new_space.classic_to_space_pct, "new_space.promotion.classic_to_space");

  const uint64_t om = c->old_space.max_size;
  gc_status st = config_check_old_max(ps, om, err, len);
  if (st != GC_OK) return st;
  if (c->old_space.initial_limit > om)
    return fail(err, len,
                "old_space.initial_limit: expected at most old_space.max_size (%s), got %s",
                SIZE_TEXT(om), SIZE_TEXT(c->old_space.initial_limit));
  if (c->old_space.min_growing_factor_x100 < 100 || c->old_space.min_growing_factor_x100 > 1000)
    return fail(err, len, "old_space.growing.min_factor: expected 1.0..10.0, got %u.%02u",
                c->old_space.min_growing_factor_x100 / 100, c->old_space.min_growing_factor_x100 % 100);
  if (c->old_space.max_growing_factor_x100 < c->old_space.min_growing_factor_x100 ||
      c->old_space.max_growing_factor_x100 > 1000)
    return fail(err, len,
                "old_space.growing.max_factor: expected old_space.growing.min_factor..10.0, got %u.%02u",
                c->old_space.max_growing_factor_x100 / 100, c->old_space.max_growing_factor_x100 % 100);
  if (c->old_space.target_mu_x100 < 1 || c->old_space.target_mu_x100 > 99)
    return fail(err, len, "old_space.growing.target_mu: expected 0.01..0.99, got %u.%02u",
                c->old_space.target_mu_x100 / 100, c->old_space.target_mu_x100 % 100);
  if (c->old_space.full_gc != GC_FULL_MARK_COMPACT && c->old_space.full_gc != GC_FULL_MARK_SWEEP)
    return fail(err, len, "old_space.full_gc: expected mark_compact or mark_sweep, got %d",
                (int)c->old_space.full_gc);
  if (c->boot != GC_BOOT_NODE20 && c->boot != GC_BOOT_NONE)
    return fail(err, len, "boot: expected node20 or none, got %d", (int)c->boot);
  if (c->old_space.compaction != GC_COMPACT_EVACUATE && c->old_space.compaction != GC_COMPACT_SLIDE)
    return fail(err, len, "old_space.compaction.strategy: expected evacuate or slide, got %d",
                (int)c->old_space.compaction);
  PCT(c->old_space.evacuation_free_pct, "old_space.compaction.free_threshold");
  PCT(c->old_space.evacuation_free_pct_reducing, "old_space.compaction.free_threshold_reducing");
  PCT(c->old_space.page_promotion_pct, "old_space.page_promotion_threshold");
  if (c->old_space.evacuation_quota > om)
    return fail(err, len,
                "old_space.compaction.quota: expected at most old_space.max_size (%s), "
                "got %s",
                SIZE_TEXT(om), SIZE_TEXT(c->old_space.evacuation_quota));
  /* Unlike the quota, the step may exceed the maximum (V8's 8 MB step
   * with --max-old-space-size=4: the limit is capped at the maximum
   * anyway); bounded so that old generation + step cannot wrap. */
  if (c->old_space.min_growing_step > 64 * GiB)
    return fail(err, len, "old_space.growing.min_step: expected at most 64GiB, got %s",
                SIZE_TEXT(c->old_space.min_growing_step));
  if (c->old_space.ineffective_mark_compacts > 100)
    return fail(err, len, "old_space.ineffective_mark_compacts: expected 0..100, got %u",
                (unsigned)c->old_space.ineffective_mark_compacts);
  if (c->old_space.concurrent_sweepers > 64)
    return fail(err, len, "old_space.concurrent_sweepers: expected 0..64, got %u",
                (unsigned)c->old_space.concurrent_sweepers);
  if (c->old_space.empty_pages_kept > 1024)
    return fail(err, len, "old_space.empty_pages_kept: expected 0..1024, got %u",
                (unsigned)c->old_space.empty_pages_kept);
  if (c->old_space.last_resort_gcs > 7)
    return fail(err, len, "old_space.last_resort_gcs: expected 0..7, got %u",
                (unsigned)c->old_space.last_resort_gcs);

  const uint64_t lt = c->large_object.threshold;
  if (lt < 64 || lt >= ps || lt % 8)
    return fail(err, len,
                "large_object.threshold: expected a multiple of 8 from 64 bytes to below "
                "page_size (%s), got %s",
                SIZE_TEXT(ps), SIZE_TEXT(lt));

  if (c->incremental.young_step == 0)
    return fail(err, len, "incremental.young_step: expected a positive size, got 0");
  if (c->incremental.old_step == 0)
    return fail(err, len, "incremental.old_step: expected a positive size, got 0");
  if (c->incremental.step_budget == 0)
    return fail(err, len, "incremental.step_budget: expected a positive size, got 0");
  if (c->incremental.concurrent_markers > 64)
    return fail(err, len, "incremental.concurrent_markers: expected 0..64, got %u",
                (unsigned)c->incremental.concurrent_markers);
  if (c->incremental.marker_tasks < 1 || c->incremental.marker_tasks > 64)
    return fail(err, len, "incremental.marker_tasks: expected 1..64, got %u", (unsigned)c->incremental.marker_tasks);
  if (c->incremental.activation_size > om)
    return fail(err, len,
                "incremental.activation_size: expected at most old_space.max_size (%s), "
                "got %s",
                SIZE_TEXT(om), SIZE_TEXT(c->incremental.activation_size));

  const uint32_t costs[] = {c->cost.alloc_ns, c->cost.store_ns, c->cost.mark_ns_per_kb,
                            c->cost.mark_scalar_ns_per_kb, c->cost.copy_ns_per_kb, c->cost.sweep_ns_per_kb};
  const char *cost_keys[] = {"cost.alloc_ns", "cost.store_ns", "cost.mark_ns_per_kb",
                             "cost.mark_scalar_ns_per_kb", "cost.copy_ns_per_kb", "cost.sweep_ns_per_kb"};
  for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
    if (costs[i] > 1000000)
      return fail(err, len, "%s: expected 0..1000000, got %u", cost_keys[i], (unsigned)costs[i]);
  if (c->event_ring < 16 || c->event_ring > (1u << 24))
    return fail(err, len, "event_ring: expected 16..16777216 events, got %u",
                (unsigned)c->event_ring);
  if (c->external.soft_limit == 0 || c->external.soft_limit > 1024 * GiB)
    return fail(err, len, "external.soft_limit: expected a positive size up to 1024GiB, got %s",
                SIZE_TEXT(c->external.soft_limit));
  if (c->external.young_gc_bytes > 1024 * GiB)
    return fail(err, len, "external.young_gc_bytes: expected a size up to 1024GiB, got %s",
                SIZE_TEXT(c->external.young_gc_bytes));
  return GC_OK;
}
