/*
 * event_loop.c -- what V8 does while Node's event loop waits (gc_idle):
 * the tasks it posted run, in time order, on the virtual clock.  Its one
 * job is that timeline; the collections themselves are collector.c's.
 *
 * The tasks (V8 11.3):
 *  - Scavenge task (src/heap/scavenge-job.cc): posted when new space is
 *    at least v8_flags.scavenge_task_trigger = 80% of its capacity; runs a
 *    Scavenge, reason "task".
 *  - Incremental marking task (src/heap/incremental-marking-job.cc):
 *    posted at the soft limit (incremental.c), it starts marking if the
 *    limit is still near; then it marks in steps while the program waits,
 *    and when marking is complete finalizes it: a Mark-Compact "finalize
 *    incremental marking via task".
 *  - The memory reducer (src/heap/memory-reducer.cc), a state machine:
 *    DONE -> WAIT after a Mark-Compact that left committed old-generation
 *    memory at least max(1.1 x, +10 MB) over its size at the last run
 *    (kCommittedMemoryFactor, kCommittedMemoryDelta); in WAIT a timer fires
 *    kLongDelayMs = 8000 ms later (or after any other Mark-Compact, 8000 ms
 *    after that one); at the timer, when the allocation rate is low
 *    (Heap::HasLowAllocationRate, over the tracer's most recent 5 s of
 *    allocation samples: low_allocation_rate; under 1000 bytes/ms, the
 *    kLowAllocationThroughput of earlier V8s) and no marking runs, it
 *    starts memory-reducing incremental marking (StartIdleIncremental-
 *    Marking, reason kMemoryReducer; the task steps it and finishes it:
 *    "finalize incremental marking via task", reduce_memory; with
 *    incremental marking off, a Mark-Compact "memory reducer" at once) and
 *    goes to RUN, else waits another 8000 ms; after its GC it waits kShortDelayMs = 500 ms
 *    for another if that one freed at least 1 MB of committed memory or was
 *    its first, up to kMaxNumberOfGCs = 3, else goes back to DONE.
 *
 * Invariants: gc_idle never allocates and never runs the mutator; the
 * clock only moves forward: by each GC's cost, and by the idle time up to
 * exactly `ms` after the call started (GC time included).
 */
#include "heap_internal.h"

enum { MR_DONE = 0, MR_WAIT, MR_RUN };

#define MS 1000000ull                             /* ns */
#define SCAVENGE_TASK_TRIGGER_PCT 80u             /* v8_flags.scavenge_task_trigger */
#define MR_LONG_DELAY (8000 * MS)                 /* MemoryReducer::kLongDelayMs */
#define MR_SHORT_DELAY (500 * MS)                 /* kShortDelayMs */
#define MR_MAX_GCS 3u                             /* kMaxNumberOfGCs */
#define MR_COMMITTED_DELTA (10ull << 20)          /* kCommittedMemoryDelta: 10 MB */
#define MR_THROUGHPUT_WINDOW (5000 * MS)          /* GCTracer::kThroughputTimeFrameMs */

static uint64_t old_committed(const gc_heap *h) { return old_gen_committed(h); }

void event_loop_after_full_gc(gc_heap *h, uint64_t committed_before) {
  uint64_t now = heap_vclock(h), committed = old_committed(h);
  switch (h->mr_state) {
    case MR_DONE: {
      uint64_t last = h->mr_committed_at_last_run;
      uint64_t grown = last + last / 10 > last + MR_COMMITTED_DELTA ? last + last / 10 : last + MR_COMMITTED_DELTA;
      if (committed < grown) return;
      h->mr_state = MR_WAIT;
      h->mr_started_gcs = 0;
      h->mr_next_ns = now + MR_LONG_DELAY;
      break;
    }
    case MR_WAIT:
      h->mr_next_ns = now + MR_LONG_DELAY;
      break;
    case MR_RUN:
      if (!h->mr_collecting) return; /* someone else's GC while it runs */
      if (h->mr_started_gcs < MR_MAX_GCS &&
          (committed_before > committed + (1ull << 20) || h->mr_started_gcs == 1)) {
        h->mr_state = MR_WAIT;
        h->mr_next_ns = now + MR_SHORT_DELAY;
      } else {
        h->mr_state = MR_DONE;
        h->mr_committed_at_last_run = committed;
      }
      break;
  }
}

/* Marking that runs, stepped by the incremental marking task while the
 * program waits, then finished by it: "finalize incremental marking via
 * task". */
static gc_status finish_marking_by_task(gc_heap *h) {
  bool done = h->marking == GC_MARKING_COMPLETE;
  while (!done) {
    gc_status st = incremental_step_internal(h, h->cfg.incremental.step_budget, 0, &done);
    if (st != GC_OK) return st;
  }
  return collect_garbage(h, GC_REQUEST_OLD, GC_REASON_FINALIZE_MARKING_TASK, NULL);
}

/* The pending tasks at the current time: a Scavenge task, then marking
 * finished by a task. */
static gc_status run_tasks(gc_heap *h) {
  if (h->new_space.size * 100 >= (uint64_t)SCAVENGE_TASK_TRIGGER_PCT * h->new_space.capacity) {
    gc_status st = collect_garbage(h, GC_REQUEST_YOUNG_EXPLICIT, GC_REASON_TASK, NULL);
    if (st != GC_OK) return st;
  }
  incremental_run_start_task(h);
  if (h->marking != GC_MARKING_IDLE) return finish_marking_by_task(h);
  return GC_OK;
}

/* Is the allocation rate low at `now`?  The rate is V8's GCTracer::
 * AverageSpeed over its allocation samples -- one taken at every GC, one
 * the timer takes (MemoryReducer::TimerTask samples first) -- the most
 * recent that cover at least kThroughputTimeFrameMs = 5000 ms of mutator
 * time: the time since the last GC, then the intervals between the GCs
 * before it, as far as the event ring reaches. */
static bool low_allocation_rate(const gc_heap *h, uint64_t now) {
  uint64_t bytes = h->allocated_total - h->allocated_at_gc;
  uint64_t ns = now > h->vclock_last_gc_end ? now - h->vclock_last_gc_end : 0;
  size_t ring = h->cfg.event_ring, kept = h->nevents < ring ? h->nevents : ring;
  for (size_t k = 0; k + 1 < kept && ns < MR_THROUGHPUT_WINDOW; k++) {
    const gc_event *ev = &h->events[(h->nevents - 1 - k) % ring];
    const gc_event *prev = &h->events[(h->nevents - 2 - k) % ring];
    uint64_t prev_end_us = prev->start_us + prev->pause_us;
    bytes += ev->allocated;
    ns += ev->start_us > prev_end_us ? (ev->start_us - prev_end_us) * 1000 : 0;
  }
  return bytes * MS < (uint64_t)LOW_ALLOCATION_BYTES_PER_MS * (ns ? ns : 1);
}

/* The memory reducer's timer at the current time. */
static gc_status memory_reducer_timer(gc_heap *h) {
  uint64_t now = heap_vclock(h);
  bool low_rate = low_allocation_rate(h, now);
  if (h->mr_started_gcs >= MR_MAX_GCS) {
    h->mr_state = MR_DONE;
    h->mr_committed_at_last_run = old_committed(h);
    return GC_OK;
  }
  if (!low_rate || h->marking != GC_MARKING_IDLE) {
    h->mr_next_ns = now + MR_LONG_DELAY;
    return GC_OK;
  }
  h->mr_state = MR_RUN;
  h->mr_started_gcs++;
  h->mr_collecting = true;
  gc_status st;
  if (h->cfg.incremental.enabled) { /* StartIdleIncrementalMarking, finished by the task */
    incremental_start_reducing(h);
    st = finish_marking_by_task(h);
  } else { /* no incremental marking: the GC at once */
    st = heap_collect(h, GC_KIND_MARK_COMPACT, GC_REASON_MEMORY_REDUCER, "GC in old space requested",
                      h->cfg.old_space.compaction, true);
  }
  h->mr_collecting = false;
  return st;
}

gc_status gc_idle(gc_heap *h, uint64_t ms) {
  if (!h) return GC_EINVAL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_idle: not allowed during a GC");
  if (ms > (1ull << 40))
    return heap_fail(h, GC_EINVAL, "ms: expected at most 2^40 milliseconds, got %llu", (unsigned long long)ms);
  uint64_t end = heap_vclock(h) + ms * MS;
  gc_status st = run_tasks(h);
  if (st != GC_OK) return st;
  while (h->mr_state == MR_WAIT && h->mr_next_ns <= end) {
    if (h->mr_next_ns > heap_vclock(h)) h->idle_ns_total += h->mr_next_ns - heap_vclock(h);
    st = memory_reducer_timer(h);
    if (st != GC_OK) return st;
  }
  if (end > heap_vclock(h)) h->idle_ns_total += end - heap_vclock(h);
  return GC_OK;
}
