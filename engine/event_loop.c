/*
 * event_loop.c -- what V8 does while Node's event loop waits (gc_idle):
 * the tasks it posted run, in time order, on the virtual clock.  Its one
 * job is that timeline; the collections themselves are collector.c's.
 *
 * The tasks (V8 11.3):
 *  - Scavenge task (src/heap/minor-gc-job.cc): posted when new space's
 *    Size() (its allocated extent, fillers included) is at least
 *    v8_flags.minor_gc_task_trigger = 80% of its TotalCapacity() (a
 *    semispace's pages, headers included); runs a Scavenge, reason
 *    "task".
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
 *    after that one), each timer posted kSlackMs = 100 ms late
 *    (ScheduleTimer); at the timer, when no marking runs and the
 *    allocation rate is low (Heap::HasLowAllocationRate: the tracer's ten
 *    last intervals and the one since the last GC against the collector's
 *    speeds, allocation_rate.c), or the heap is optimized for memory
 *    (ShouldOptimizeForMemoryUsage), or the last Mark-Compact is more than
 *    kWatchdogDelayMs = 100 s old (WatchdogGC), it starts memory-reducing
 *    incremental marking (reason kMemoryReducer; the task steps it and
 *    finishes it: "finalize incremental marking via task", reduce_memory;
 *    with incremental marking off, a Mark-Compact "memory reducer" at
 *    once) and goes to RUN, else waits another 8000 ms; after its GC it
 *    waits kShortDelayMs = 500 ms for another if that one freed at least 1
 *    MB of committed memory, or left the old generation fragmented
 *    (HasHighFragmentation: committed more than twice the objects + 16
 *    MB), or was its first, up to kMaxNumberOfGCs = 3, else goes back to
 *    DONE.
 *
 * Invariants: gc_idle never allocates and never runs the mutator; the
 * clock only moves forward: by each GC's cost, and by the idle time up to
 * exactly `ms` after the call started (GC time included).
 */
#include "heap_internal.h"

enum { MR_DONE = 0, MR_WAIT, MR_RUN };

#define MS 1000000ull                             /* ns */
#define SCAVENGE_TASK_TRIGGER_PCT 80u             /* v8_flags.minor_gc_task_trigger */
#define MR_LONG_DELAY (8000 * MS)                 /* MemoryReducer::kLongDelayMs */
#define MR_SHORT_DELAY (500 * MS)                 /* kShortDelayMs */
#define MR_MAX_GCS 3u                             /* kMaxNumberOfGCs */
#define MR_COMMITTED_DELTA (10ull << 20)          /* kCommittedMemoryDelta: 10 MB */
#define MR_TIMER_SLACK (100 * MS)                 /* ScheduleTimer's kSlackMs */
#define MR_WATCHDOG_DELAY (100000 * MS)           /* kWatchdogDelayMs */
#define FRAGMENTATION_SLACK (16ull << 20)         /* Heap::HasHighFragmentation's kSlack */

static uint64_t old_committed(const gc_heap *h) { return old_gen_committed(h); }

/* WAIT until `next` (next_gc_start_ms), the timer posted kSlackMs after
 * it (MemoryReducer::ScheduleTimer). */
static void wait_until(gc_heap *h, uint64_t next) {
  h->mr_next_ns = next;
  h->mr_timer_ns = next + MR_TIMER_SLACK;
}

/* Heap::HasHighFragmentation: committed > 2 x used + 16 MB. */
static bool high_fragmentation(const gc_heap *h) {
  uint64_t used = old_gen_size(h), committed = old_committed(h);
  return committed > used && committed - used > used + FRAGMENTATION_SLACK;
}

void event_loop_after_full_gc(gc_heap *h, uint64_t committed_before) {
  uint64_t now = heap_vclock(h), committed = old_committed(h);
  switch (h->mr_state) {
    case MR_DONE: {
      uint64_t last = h->mr_committed_at_last_run;
      uint64_t grown = last + last / 10 > last + MR_COMMITTED_DELTA ? last + last / 10 : last + MR_COMMITTED_DELTA;
      if (committed < grown) return;
      h->mr_state = MR_WAIT;
      h->mr_started_gcs = 0;
      wait_until(h, now + MR_LONG_DELAY);
      h->mr_last_gc_ns = now;
      break;
    }
    case MR_WAIT:
      h->mr_next_ns = now + MR_LONG_DELAY;
      h->mr_last_gc_ns = now;
      break;
    case MR_RUN:
      if (!h->mr_collecting) return; /* someone else's GC while it runs */
      if (h->mr_started_gcs < MR_MAX_GCS &&
          (committed_before > committed + (1ull << 20) || high_fragmentation(h) || h->mr_started_gcs == 1)) {
        h->mr_state = MR_WAIT;
        wait_until(h, now + MR_SHORT_DELAY);
        h->mr_last_gc_ns = now;
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
  if (new_space_allocated_extent(h) * 100 >= (uint64_t)SCAVENGE_TASK_TRIGGER_PCT * h->new_space.capacity) {
    gc_status st = collect_garbage(h, GC_REQUEST_YOUNG_EXPLICIT, GC_REASON_TASK, NULL);
    if (st != GC_OK) return st;
  }
  incremental_run_start_task(h);
  if (h->marking != GC_MARKING_IDLE) return finish_marking_by_task(h);
  return GC_OK;
}

/* The memory reducer's timer at the current time. */
static gc_status memory_reducer_timer(gc_heap *h) {
  uint64_t now = heap_vclock(h);
  if (h->mr_started_gcs >= MR_MAX_GCS) {
    h->mr_state = MR_DONE;
    h->mr_committed_at_last_run = old_committed(h);
    return GC_OK;
  }
  bool start = allocation_rate_low(h, now) || heap_optimize_for_memory(h) ||
               (h->mr_last_gc_ns && now > h->mr_last_gc_ns + MR_WATCHDOG_DELAY);
  if (!start || h->marking != GC_MARKING_IDLE) {
    wait_until(h, now + MR_LONG_DELAY);
    return GC_OK;
  }
  if (h->mr_next_ns > now) { /* a Mark-Compact since it was posted: posted again for the rest */
    wait_until(h, h->mr_next_ns);
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
  while (h->mr_state == MR_WAIT && h->mr_timer_ns <= end) {
    if (h->mr_timer_ns > heap_vclock(h)) h->idle_ns_total += h->mr_timer_ns - heap_vclock(h);
    st = memory_reducer_timer(h);
    if (st != GC_OK) return st;
  }
  if (end > heap_vclock(h)) h->idle_ns_total += end - heap_vclock(h);
  return GC_OK;
}
