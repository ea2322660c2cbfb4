/*
 * gc_speed.c -- the collector's own speeds as V8 11.3's GCTracer records
 * them, for the memory reducer's test of a low allocation rate
 * (allocation_rate.c).  Its one job: the speed samples and the speeds read
 * from them.
 *
 * After every GC (GCTracer::StopCycle), on the virtual clock:
 *  - a Scavenge pushes (survived young bytes -- promoted plus copied
 *    within new space, survived_young_object_size -- , its pause) into
 *    recorded_minor_gcs_survived_, a ring of ten;
 *  - a Mark-Compact that finalized incremental marking records the
 *    marking steps' speed (bytes the steps marked over their time,
 *    RecordIncrementalMarkingSpeed: the first one as it is, each later
 *    one averaged with the speed so far) and pushes (the heap's objects
 *    after it, end_object_size, its pause) into
 *    recorded_incremental_mark_compacts_; any other full GC pushes the
 *    same into recorded_mark_compacts_.
 * The speeds (bytes per ms) are GCTracer::AverageSpeed over a whole ring:
 * its bytes over its time, clamped to 1 byte/ms .. 1 GB/ms, 0 when empty:
 *  - the young generation's: ScavengeSpeedInBytesPerMillisecond(
 *    kForSurvivedObjects);
 *  - the old generation's: CombinedMarkCompactSpeedInBytesPerMillisecond,
 *    the non-incremental Mark-Compacts' speed when there are any, else
 *    the steps' speed s1 and the finalizing pauses' speed s2 combined,
 *    s1 s2 / (s1 + s2), when both are at least kMinimumMarkingSpeed = 0.5
 *    (the steps' speed being kConservativeSpeedInBytesPerMillisecond =
 *    128 KB/ms before any was recorded), else 0.
 */
#include "heap_internal.h"

#define RING (sizeof ((speed_ring *)0)->s / sizeof ((speed_ring *)0)->s[0]) /* kRingBufferMaxSize */
#define CONSERVATIVE_MARKING_SPEED (128.0 * 1024)  /* kConservativeSpeedInBytesPerMillisecond */
#define MINIMUM_MARKING_SPEED 0.5                  /* kMinimumMarkingSpeed */

static void push(speed_ring *r, uint64_t bytes, uint64_t ns) {
  r->s[r->next].bytes = bytes;
  r->s[r->next].ns = ns;
  r->next = (r->next + 1) % RING;
  if (r->count < RING) r->count++;
}

/* GCTracer::AverageSpeed's result: bytes over virtual ns in bytes per ms,
 * clamped to 1 byte/ms .. 1 GB/ms, 0 when no time was measured. */
double gc_average_speed(uint64_t bytes, uint64_t ns) {
  if (!ns) return 0.0;
  double v = (double)bytes * 1e6 / (double)ns;
  if (v >= 1024.0 * 1024.0 * 1024.0) return 1024.0 * 1024.0 * 1024.0;
  return v <= 1.0 ? 1.0 : v;
}

/* GCTracer::AverageSpeed over the whole ring. */
static double average_speed(const speed_ring *r) {
  uint64_t bytes = 0, ns = 0;
  for (uint32_t i = 0; i < r->count; i++) {
    bytes += r->s[i].bytes;
    ns += r->s[i].ns;
  }
  return gc_average_speed(bytes, ns);
}

void gc_speed_record(gc_heap *h, const gc_event *ev, uint64_t pause_ns, bool finalized_marking) {
  gc_speeds *s = &h->speeds;
  if (ev->kind == GC_KIND_SCAVENGE) {
    push(&s->scavenges, ev->promoted_bytes + ev->copied_bytes, pause_ns);
    return;
  }
  if (!finalized_marking) {
    push(&s->mark_compacts, ev->size_of_objects_after, pause_ns);
    return;
  }
  if (ev->incremental_ns && ev->incremental_marked) {
    double v = (double)ev->incremental_marked * 1e6 / (double)ev->incremental_ns;
    s->marking_speed = s->marking_speed == 0.0 ? v : (s->marking_speed + v) / 2;
  }
  push(&s->incremental_mark_compacts, ev->size_of_objects_after, pause_ns);
}

double gc_speed_young(const gc_heap *h) { return average_speed(&h->speeds.scavenges); }

double gc_speed_old(const gc_heap *h) {
  const gc_speeds *s = &h->speeds;
  double mc = average_speed(&s->mark_compacts);
  if (mc > 0) return mc;
  double steps = s->marking_speed != 0.0 ? s->marking_speed : CONSERVATIVE_MARKING_SPEED;
  double pauses = average_speed(&s->incremental_mark_compacts);
  if (steps < MINIMUM_MARKING_SPEED || pauses < MINIMUM_MARKING_SPEED) return mc;
  return steps * pauses / (steps + pauses);
}
