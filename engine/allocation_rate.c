/*
 * allocation_rate.c -- the program's allocation throughput as V8 11.3's
 * GCTracer measures it, for the decision to shrink new space
 * (new_space.c) and the memory reducer's (event_loop.c).  Its one job: the
 * samples and the rates read from them.
 *
 * V8 samples the allocation counters at the start of every GC
 * (GCTracer::SampleAllocation from StartInSafepoint) and, when the GC
 * ends, pushes the interval since the last GC into a ring of ten
 * (AddAllocation; recorded_new_generation_allocations_ and
 * recorded_old_generation_allocations_).  An interval holds:
 *  - new-space bytes: what the program allocated in new space, fillers
 *    included (Heap::NewSpaceAllocationCounter, SemiSpaceNewSpace::
 *    AllocatedSinceLastGC: the allocation top's advance); young large
 *    objects are not counted;
 *  - old-generation bytes: the old generation's growth
 *    (Heap::OldGenerationAllocationCounter, PromotedSinceLastGC): what the
 *    program allocated old (pretenured, large, runtime tables) and what the
 *    GC before it promoted (a Mark-Compact adds its promoted_objects_size_
 *    to the counter and restarts the growth from what it left);
 *  - the program's time: from the end of the last GC to the start of this
 *    one, on the virtual clock (idle time included).
 * The throughput (CurrentAllocationThroughputInBytesPerMillisecond) is
 * the new-space bytes over the time, plus the old-generation bytes over
 * the time (each GCTracer::AverageSpeed, clamped to 1 byte/ms..1 GB/ms),
 * taken over the current interval and the ring's newest first until they
 * cover kThroughputTimeFrameMs = 5000 ms; 0 when they cover no time.
 *
 * The memory reducer's timer asks whether the rate is low
 * (Heap::HasLowAllocationRate): the new-space throughput and the
 * old-generation throughput, each over the whole ring and the interval
 * since the last GC (no time window: NewSpaceAllocationThroughputIn-
 * BytesPerMillisecond(0)), each against the collector's speed for that
 * generation (gc_speed.c) as a mutator utilisation, speed_gc /
 * (throughput + speed_gc); low when both are above
 * kHighMutatorUtilization = 0.993 (Heap::ComputeMutatorUtilization: no
 * throughput gives 0, no GC speed counts as 200,000 bytes/ms).  Node's
 * third test, the embedder's, sees no embedder allocation: always low.
 */
#include "heap_internal.h"

#define WINDOW_NS (5000ull * 1000000ull)           /* kThroughputTimeFrameMs */
#define HIGH_MUTATOR_UTILISATION 0.993             /* kHighMutatorUtilization */
#define CONSERVATIVE_GC_SPEED 200000.0             /* kConservativeGcSpeedInBytesPerMillisecond */
#define RING (sizeof ((gc_heap *)0)->alloc_ring / sizeof ((gc_heap *)0)->alloc_ring[0])

static uint64_t old_generation_objects(const gc_heap *h) { return h->old.size + h->lo.size; }

/* The interval ending now (a GC starts): SampleAllocation. */
void allocation_rate_gc_start(gc_heap *h, uint64_t mutator_ns) {
  uint64_t extent = new_space_allocated_extent(h), old = old_generation_objects(h);
  h->alloc_current.new_bytes = extent > h->alloc_new_base ? extent - h->alloc_new_base : 0;
  h->alloc_current.old_bytes = old > h->alloc_old_base ? old - h->alloc_old_base : 0;
  h->alloc_current.ns = mutator_ns;
}

/* The GC ends: AddAllocation pushes the interval (not one of no time), and
 * the next one counts from here -- for the old generation from before what
 * this GC promoted (`promoted`). */
void allocation_rate_gc_end(gc_heap *h, uint64_t promoted) {
  if (h->alloc_current.ns) {
    h->alloc_ring[h->alloc_next] = h->alloc_current;
    h->alloc_next = (h->alloc_next + 1) % RING;
    if (h->alloc_count < RING) h->alloc_count++;
  }
  h->alloc_new_base = new_space_allocated_extent(h);
  uint64_t old = old_generation_objects(h);
  h->alloc_old_base = old > promoted ? old - promoted : 0;
}

/* The interval `current` and the ring's, newest first, until they cover
 * `window_ns` (0: the whole ring), summed into *sum. */
static void sum_intervals(const gc_heap *h, alloc_sample current, uint64_t window_ns, alloc_sample *sum) {
  *sum = current;
  for (uint32_t k = 0; k < h->alloc_count && (!window_ns || sum->ns < window_ns); k++) {
    const alloc_sample *s = &h->alloc_ring[(h->alloc_next + RING - 1 - k) % RING];
    sum->new_bytes += s->new_bytes;
    sum->old_bytes += s->old_bytes;
    sum->ns += s->ns;
  }
}

/* Bytes per ms, during a GC (after allocation_rate_gc_start). */
double allocation_throughput(const gc_heap *h) {
  alloc_sample sum;
  sum_intervals(h, h->alloc_current, WINDOW_NS, &sum);
  return gc_average_speed(sum.new_bytes, sum.ns) + gc_average_speed(sum.old_bytes, sum.ns);
}

/* Heap::ComputeMutatorUtilization: the program's share of the time if it
 * allocated at `mutator_speed` and the GC collected at `gc_speed`. */
static double mutator_utilisation(double mutator_speed, double gc_speed) {
  if (mutator_speed == 0.0) return 0.0;
  if (gc_speed == 0.0) gc_speed = CONSERVATIVE_GC_SPEED;
  return gc_speed / (mutator_speed + gc_speed);
}

/* Heap::HasLowAllocationRate, outside a GC, at `now` (the memory reducer's
 * timer samples the allocation counters first: the interval since the
 * last GC up to now). */
bool allocation_rate_low(const gc_heap *h, uint64_t now) {
  uint64_t extent = new_space_allocated_extent(h), old = old_generation_objects(h);
  alloc_sample current = {
      .new_bytes = extent > h->alloc_new_base ? extent - h->alloc_new_base : 0,
      .old_bytes = old > h->alloc_old_base ? old - h->alloc_old_base : 0,
      .ns = now > h->vclock_last_gc_end ? now - h->vclock_last_gc_end : 0,
  };
  alloc_sample sum;
  sum_intervals(h, current, 0, &sum);
  return mutator_utilisation(gc_average_speed(sum.new_bytes, sum.ns), gc_speed_young(h)) > HIGH_MUTATOR_UTILISATION &&
         mutator_utilisation(gc_average_speed(sum.old_bytes, sum.ns), gc_speed_old(h)) > HIGH_MUTATOR_UTILISATION;
}
