/*
 * allocation_rate.c -- the program's allocation throughput as V8 11.3's
 * GCTracer measures it, for the decision to shrink new space
 * (new_space.c).  Its one job: the samples and the rate read from them.
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
 */
#include "heap_internal.h"

#define WINDOW_NS (5000ull * 1000000ull)           /* kThroughputTimeFrameMs */
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

static double speed(uint64_t bytes, uint64_t ns) {
  if (!ns) return 0.0;
  double v = (double)bytes * 1e6 / (double)ns; /* bytes per ms */
  if (v >= 1024.0 * 1024.0 * 1024.0) return 1024.0 * 1024.0 * 1024.0;
  return v <= 1.0 ? 1.0 : v;
}

/* Bytes per ms, during a GC (after allocation_rate_gc_start). */
double allocation_throughput(const gc_heap *h) {
  uint64_t new_bytes = h->alloc_current.new_bytes, old_bytes = h->alloc_current.old_bytes;
  uint64_t ns = h->alloc_current.ns;
  for (uint32_t k = 0; k < h->alloc_count && ns < WINDOW_NS; k++) {
    const alloc_sample *s = &h->alloc_ring[(h->alloc_next + RING - 1 - k) % RING];
    new_bytes += s->new_bytes;
    old_bytes += s->old_bytes;
    ns += s->ns;
  }
  return speed(new_bytes, ns) + speed(old_bytes, ns);
}
