/*
 * heap_controller.c -- the old generation's limits (V8's heap-controller.cc
 * and the limit half of heap.cc): the initial limit, the growing factor,
 * the limit after a full GC, and what happens when the old generation does
 * not fit under its maximum: after a GC (near-limit callback, else "Reached
 * heap limit"), and when an allocation cannot get its bytes (its GCs, the
 * last-resort GCs, else "CALL_AND_RETRY_LAST").
 *
 * Two numbers bound the old generation (old space + old large objects):
 *  - old_limit, soft: reaching it makes the next young-allocation GC a full
 *    GC (collector.c) and starts incremental marking (incremental.c).  It is
 *    recomputed after every full GC and never exceeds old_max.
 *  - old_max, hard: the old generation's pages' object areas (holes count,
 *    V8's OldGenerationCapacity) must fit under it, or the heap is out of
 *    memory.
 * Determinism: the growing factor uses counted work (the virtual clock),
 * never wall time.
 */
#include <stdio.h>

#include "heap_internal.h"

/* V8's MaxGrowingFactor: small heaps grow by 1.3..2.0, scaled by the
 * maximum between these sizes (64-bit values of heap-controller.cc). */
#define GROWING_SMALL_MIN_FACTOR 1.3
#define GROWING_SMALL_MAX_FACTOR 2.0
#define GROWING_SMALL_HEAP (256ull << 20)
#define GROWING_LARGE_HEAP (2048ull << 20)
/* V8's kConservativeGrowingFactor: the most a limit grows near the maximum. */
#define GROWING_CONSERVATIVE_FACTOR 1.3

/* The limit before the first full GC: old_space.initial_limit, else half
 * the maximum up to 512 MiB. */
uint64_t heap_initial_old_limit(const gc_config *c) {
  if (c->old_space.initial_limit) return c->old_space.initial_limit;
  uint64_t half = c->old_space.max_size / 2;
  return half < (512ull << 20) ? half : (512ull << 20);
}

/* V8's heap-controller: F = R(1-MU) / (R(1-MU) - MU), R = gc speed over
 * mutator speed, clamped to [min, max]; speeds come from counted work. */
static double growing_factor(const gc_heap *h, uint64_t gc_ns, uint64_t marked) {
  const gc_config *c = &h->cfg;
  double min_f = c->old_space.min_growing_factor_x100 / 100.0;
  double max_f = c->old_space.max_growing_factor_x100 / 100.0;
  if (h->old_max < GROWING_LARGE_HEAP) {
    double t = 0;
    if (h->old_max > GROWING_SMALL_HEAP)
      t = (double)(h->old_max - GROWING_SMALL_HEAP) / (double)(GROWING_LARGE_HEAP - GROWING_SMALL_HEAP);
    double scaled = GROWING_SMALL_MIN_FACTOR + t * (GROWING_SMALL_MAX_FACTOR - GROWING_SMALL_MIN_FACTOR);
    if (scaled < max_f) max_f = scaled;
    if (max_f < min_f) max_f = min_f;
  }
  double mu = c->old_space.target_mu_x100 / 100.0;
  uint64_t mutator_ns = heap_mutator_ns(h) - h->mutator_ns_at_full;
  uint64_t allocated = h->allocated_total - h->allocated_at_full;
  if (gc_ns == 0 || marked == 0 || mutator_ns == 0 || allocated == 0) return max_f;
  double gc_speed = (double)marked / (double)gc_ns;
  double mutator_speed = (double)allocated / (double)mutator_ns;
  double r = gc_speed / mutator_speed;
  double a = r * (1 - mu);
  double f = a > mu ? a / (a - mu) : max_f;
  if (f > max_f) f = max_f;
  if (f < min_f) f = min_f;
  return f;
}

/* V8's Heap::ShouldOptimizeForMemoryUsage, its part that applies here:
 * the old generation cannot grow by an eighth of its maximum
 * (!CanExpandOldGeneration(max_old_generation_size() / 8)). */
bool heap_optimize_for_memory(const gc_heap *h) { return old_gen_capacity(h) + h->old_max / 8 > h->old_max; }

/* After a full GC: the new limit is the surviving size grown by the factor
 * (at least min_growing_step), plus new space's capacity as V8 counts it
 * here (Heap::NewSpaceCapacity: SemiSpaceNewSpace::Capacity(), the
 * semispace's pages without their headers, new_space_object_capacity --
 * Node 20's `--trace-gc-verbose` after weakcache.js's first Mark-Compact
 * reads "old size: 9665 KB, new limit: 54768 KB (4.0)": 4 x 9665 + 16,108
 * KB for a 16 MiB semispace), at most halfway to the maximum.  gc_ns and
 * marked are the cycle's counted work.  V8's growing modes
 * (Heap::CurrentHeapGrowingMode, MemoryController::
 * CalculateAllocationLimit): a memory-reducing GC grows by the minimum
 * factor and a quarter of the step (kMinimal: 1.1, 2 MB), and one that
 * leaves the old generation near its maximum by at most 1.3
 * (kConservative, ShouldOptimizeForMemoryUsage). */
void heap_update_old_limit(gc_heap *h, uint64_t gc_ns, uint64_t marked, bool reduce_memory) {
  uint64_t size = old_gen_size(h);
  double f = growing_factor(h, gc_ns, marked);
  uint64_t min_step = h->cfg.old_space.min_growing_step;
  if (reduce_memory) {
    f = h->cfg.old_space.min_growing_factor_x100 / 100.0;
    min_step /= 4;
  } else if (heap_optimize_for_memory(h) && f > GROWING_CONSERVATIVE_FACTOR) {
    f = GROWING_CONSERVATIVE_FACTOR;
  }
  uint64_t grown = (uint64_t)((double)size * f);
  uint64_t step = size + min_step;
  uint64_t limit = (grown > step ? grown : step) + new_space_object_capacity(h);
  uint64_t halfway = (size + h->old_max) / 2;
  if (limit > halfway) limit = halfway;
  h->old_limit = limit;
  h->old_limit_configured = true; /* V8's MarkCompact: old_generation_size_configured_ */
}

#define SURVIVAL_RING (sizeof ((gc_heap *)0)->survival_ring / sizeof (double))

/* GCTracer::AverageSurvivalRatio: the mean of the ring, 0 when empty. */
double heap_average_survival(const gc_heap *h) {
  if (h->survival_count == 0) return 0.0;
  double sum = 0;
  for (uint32_t i = 0; i < h->survival_count; i++) sum += h->survival_ring[i];
  return sum / h->survival_count;
}

/* V8 11.3, after every GC (Heap::PerformGarbageCollection):
 *  - Heap::UpdateSurvivalStatistics: the GC's young survival in percent,
 *    (promoted + copied within new space) / young size before it (new
 *    space and young large objects), into GCTracer's ring of the last 10
 *    (AddSurvivalRatio; AverageSurvivalRatio is their mean; a GC that
 *    found new space empty records nothing);
 *  - Heap::ShrinkOldGenerationAllocationLimitIfNotConfigured: while the
 *    limit is not configured (no full GC yet, no --initial-old-space-size)
 *    and some survival is recorded, the limit becomes
 *      max(old generation size + MinimumAllocationLimitGrowingStep,
 *          limit x AverageSurvivalRatio / 100)
 *    if that is lower; the first GC after which it would not be lower
 *    configures it (old_generation_size_configured_ = true).
 *    MinimumAllocationLimitGrowingStep is 8 MB (old_space.growing.min_step).
 * So a program whose young objects die keeps shrinking the limit towards
 * its old generation + 8 MB, and incremental marking starts early. */
void heap_shrink_initial_old_limit(gc_heap *h, uint64_t survived, uint64_t young_before) {
  if (young_before) {
    h->survival_ring[h->survival_next] = 100.0 * (double)survived / (double)young_before;
    h->survival_next = (h->survival_next + 1) % SURVIVAL_RING;
    if (h->survival_count < SURVIVAL_RING) h->survival_count++;
  }
  if (h->old_limit_configured || h->survival_count == 0) return;
  double average = heap_average_survival(h);
  uint64_t by_size = old_gen_size(h) + h->cfg.old_space.min_growing_step;
  uint64_t by_survival = (uint64_t)((double)h->old_limit * (average / 100.0));
  uint64_t limit = by_size > by_survival ? by_size : by_survival;
  if (limit < h->old_limit) h->old_limit = limit;
  else h->old_limit_configured = true;
}

/* The near-heap-limit callback (Node's --heapsnapshot-near-heap-limit,
 * V8's AddNearHeapLimitCallback), if any: did it raise the maximum? */
static bool near_limit_raised(gc_heap *h) {
  if (!h->near_limit) return false;
  h->in_gc = true; /* the callback may look, not collect */
  heap_update_fast_alloc(h);
  uint64_t m = h->near_limit(h->near_limit_ud, h->old_max, h->initial_old_max);
  h->in_gc = false;
  heap_update_fast_alloc(h);
  if (m <= h->old_max) return false;
  gc_set_old_max(h, m);
  return true;
}

/* V8's GCTracer::RecordMutatorUtilization (gc-tracer.cc): the
 * mark-compact and mutator durations between two full GCs, each averaged
 * with the previous average ((avg + new) / 2), and the current
 * utilisation, mutator / total.  The first full GC only sets the previous
 * end: before it there is no mutator duration to measure (V8 skips it, so
 * Node's first Mark-Compact line shows mu 1.000). */
void heap_record_mc_utilisation(gc_heap *h, uint64_t gc_ns, uint64_t end_ns) {
  if (!h->mc_seen) {
    h->mc_seen = true;
    h->prev_mc_end_ns = end_ns;
    return;
  }
  double total = (double)(end_ns - h->prev_mc_end_ns);
  double mutator = total - (double)gc_ns;
  if (mutator < 0) mutator = 0;
  if (h->avg_mc_ns == 0 && h->avg_mc_mutator_ns == 0) {
    h->avg_mc_ns = (double)gc_ns;
    h->avg_mc_mutator_ns = mutator;
  } else {
    h->avg_mc_ns = (h->avg_mc_ns + (double)gc_ns) / 2;
    h->avg_mc_mutator_ns = (h->avg_mc_mutator_ns + mutator) / 2;
  }
  h->mc_mu_current = total > 0 ? mutator / total : 0;
  h->prev_mc_end_ns = end_ns;
}

/* V8's AverageMarkCompactMutatorUtilization. */
double heap_mc_utilisation(const gc_heap *h) {
  double avg_total = h->avg_mc_ns + h->avg_mc_mutator_ns;
  return avg_total > 0 ? h->avg_mc_mutator_ns / avg_total : 1.0;
}

/* V8's Heap::CheckIneffectiveMarkCompact (heap.cc, from RecomputeLimits
 * after every full GC): ineffective when the old generation is at least
 * 80% of the maximum (kHighHeapPercentage) and the average mark-compact
 * mutator utilisation is under 0.4 (kLowMutatorUtilization).  The count
 * restarts at every effective GC; when it reaches
 * old_space.ineffective_mark_compacts, the near-heap-limit callback may
 * raise the maximum (the count restarts), else the heap is out of memory
 * ("Ineffective mark-compacts near heap limit"). */
bool heap_ineffective_mark_compact(gc_heap *h) {
  double mu = heap_mc_utilisation(h);
  uint32_t max = h->cfg.old_space.ineffective_mark_compacts;
  if (!max) return false;
  if (old_gen_size(h) * 10 < (uint64_t)8 * h->old_max || mu >= 0.4) {
    h->ineffective_mcs = 0;
    return false;
  }
  if (++h->ineffective_mcs < max) return false;
  if (near_limit_raised(h)) {
    h->ineffective_mcs = 0;
    return false;
  }
  return true;
}

/* Has the old generation reached its soft limit (the next GC is full)? */
bool heap_old_limit_reached(const gc_heap *h) { return old_gen_size(h) >= h->old_limit; }

/* V8 11.3's Heap::AllocationLimitOvershotByLargeMargin: the old
 * generation is past its limit by at least half the limit, or 32 MiB if
 * that is more (kMarginForSmallHeaps), but never more than half the way
 * from the limit to the maximum. */
bool heap_limit_overshot_by_large_margin(const gc_heap *h) {
  uint64_t size = old_gen_size(h);
  if (size <= h->old_limit) return false;
  uint64_t margin = h->old_limit / 2 > (32ull << 20) ? h->old_limit / 2 : (32ull << 20);
  uint64_t half_way = h->old_max > h->old_limit ? (h->old_max - h->old_limit) / 2 : 0;
  if (margin > half_way) margin = half_way;
  return size - h->old_limit >= margin;
}

/* Must a full GC run before the program's own regular old allocation (a
 * tenured site's object, gc_alloc_old)?  V8 11.3's Heap::
 * ShouldExpandOldGenerationOnSlowAllocation lets the old generation grow
 * past its limit only while incremental marking runs or can start, and
 * not near the maximum: the allocation fails, and the retry path collects
 * ("allocation failure; GC in old space requested"), when the old
 * generation cannot grow by an eighth of its maximum
 * (ShouldOptimizeForMemoryUsage), when marking runs but the limit is
 * overshot by a large margin, or when marking is stopped and cannot start
 * (IncrementalMarkingLimitReached returns kNoLimit: marking disabled, or
 * the old generation below the activation threshold).  Asked after
 * incremental_maybe_start, which starts marking at the limit whenever it
 * may; V8 asks on its slow path only (a new buffer or page), gclab at
 * each such allocation. */
bool heap_old_alloc_needs_gc(const gc_heap *h) {
  if (!heap_old_limit_reached(h)) return false;
  if (heap_optimize_for_memory(h)) return true;
  if (h->marking != GC_MARKING_IDLE) return heap_limit_overshot_by_large_margin(h);
  return true;
}

/* Must a GC run before a large object is allocated?  When the old
 * generation's capacity (old_gen_capacity) plus `need` (allocator.c's
 * large_alloc_need) would pass the maximum; for an old one also when the
 * allocation limit is reached and marking cannot start (V8 11.3's
 * OldLargeObjectSpace::AllocateRaw asks CanExpandOldGeneration and
 * ShouldExpandOldGenerationOnSlowAllocation, which lets the old generation
 * grow past its limit while marking runs or can start: the rule of the
 * program's other old allocations, heap_old_alloc_needs_gc, asked after
 * allocator.c has started marking if it may).
 * A young one never asks the limit: V8's NewLargeObjectSpace::AllocateRaw
 * asks only whether the young large objects already there could be
 * promoted, so a program that allocates young large objects while marking
 * runs is not stopped by a GC at each of them. */
bool heap_large_alloc_needs_gc(const gc_heap *h, uint64_t need, bool young) {
  if (old_gen_capacity(h) + need > h->old_max) return true;
  return !young && heap_old_alloc_needs_gc(h);
}

/* Young bytes that a full GC left in new space because promoting them would
 * have passed the maximum.  V8 promotes every survivor of a full GC
 * (always_promote_young) and then finds its old generation over the limit;
 * here they count as over it too. */
static uint64_t young_left_behind(const gc_heap *h) {
  return h->cfg.old_space.always_promote_young ? h->new_space.size + h->nlo.size : 0;
}

/* The heap limit: the old generation's capacity (old_gen_capacity, V8's
 * OldGenerationCapacity: old-space pages' areas, holes counted, so fragmentation
 * can exhaust it, and the large objects' bytes) plus
 * `need` more bytes, plus after a full GC (after_full) the young survivors
 * it could not promote -- do they pass the maximum? */
static bool over_max(const gc_heap *h, uint64_t need, bool after_full) {
  return old_gen_capacity(h) + need + (after_full ? young_left_behind(h) : 0) > h->old_max;
}

/* Out of memory with V8's `text`, naming `request`, the size of the
 * allocation that failed. */
static gc_status out_of_memory(gc_heap *h, const char *text, uint64_t request) {
  return heap_fail(h, GC_EOOM, "%s (old generation %s of objects in %s committed, maximum %s, allocation of %s)",
                   text, SIZE_TEXT(old_gen_size(h)), SIZE_TEXT(old_gen_committed(h)), SIZE_TEXT(h->old_max),
                   SIZE_TEXT(request));
}

/* The check at the end of V8's Heap::CollectGarbage (heap.cc, V8 11.3):
 *   if (!CanExpandOldGeneration(0)) { InvokeNearHeapLimitCallback();
 *     if (!CanExpandOldGeneration(0)) FatalProcessOutOfMemory("Reached heap limit"); }
 * -- no further GC: a GC that leaves the old generation over its maximum
 * is fatal unless the callback raises it. */
gc_status heap_check_after_gc(gc_heap *h, uint64_t request, bool after_full) {
  if (!over_max(h, 0, after_full)) return GC_OK;
  if (near_limit_raised(h) && !over_max(h, 0, after_full)) return GC_OK;
  return out_of_memory(h, GC_OOM_MESSAGE, request);
}

/* V8's HeapAllocator::AllocateRawWithRetryOrFailSlowPath (heap-allocator.cc)
 * for an allocation that needs `need` bytes of the old generation:
 *  - AllocateRawWithLightRetrySlowPath: "Two GCs before returning failure"
 *    -- here the `light_retries` of them the caller has not run yet, full
 *    GCs "allocation failure", each followed by the check above;
 *  - Heap::CollectAllAvailableGarbage(kLastResort) (heap.cc): the
 *    near-heap-limit callback, then kMinNumberOfAttempts (2) memory-reducing
 *    Mark-Compacts "last resort" (old_space.last_resort_gcs; V8 goes on up
 *    to kMaxNumberOfAttempts = 7 while the global handles change, which
 *    gclab's roots never do between two GCs), each followed by the check;
 *  - the allocation tried once more, then FatalProcessOutOfMemory
 *    ("CALL_AND_RETRY_LAST"). */
gc_status heap_reserve_old(gc_heap *h, uint64_t need, uint64_t request, uint32_t light_retries) {
  if (!over_max(h, need, false)) return GC_OK;
  for (uint32_t i = 0; i < light_retries; i++) {
    gc_status st = collect_garbage(h, GC_REQUEST_OLD, GC_REASON_ALLOCATION_FAILURE, NULL);
    if (st == GC_OK) st = heap_check_after_gc(h, request, true);
    if (st != GC_OK) return st;
    if (!over_max(h, need, true)) return GC_OK;
  }
  near_limit_raised(h);
  for (uint32_t i = 0; i < h->cfg.old_space.last_resort_gcs; i++) {
    gc_status st = heap_collect(h, GC_KIND_MARK_COMPACT, GC_REASON_LAST_RESORT, "", h->cfg.old_space.compaction, true);
    if (st == GC_OK) st = heap_check_after_gc(h, request, true);
    if (st != GC_OK) return st;
  }
  bool collected = light_retries > 0 || h->cfg.old_space.last_resort_gcs > 0;
  if (!over_max(h, need, collected)) return GC_OK;
  return out_of_memory(h, GC_OOM_RETRY_MESSAGE, request);
}
