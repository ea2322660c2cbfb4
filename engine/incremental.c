/*
 * incremental.c -- incremental marking: the mark phase cut into steps that
 * interleave with the program, and V8's schedule for them.
 *
 * Start: the roots the program keeps with gc_root turn grey; what scopes
 * hold does not (V8 scans neither the stack nor the main thread's handles
 * when marking starts).  Step: drain the worklist for a budget of bytes.
 * When the worklist is empty the cycle is complete; the next allocation
 * (or, with incremental.interrupt_ns, the program's next interrupt check:
 * incremental_stack_guard_taken), or gc_incremental_finish, runs the
 * atomic pause, a full GC of the
 * configured kind (old_space.full_gc) that scans every root, scopes too,
 * drains what is left, then sweeps or compacts.  While marking, the
 * Dijkstra insertion barrier (barrier in engine_calls.h, slow path in
 * marker.c) greys every white object stored into a slot, and objects
 * allocated in old space are black.
 *
 * Schedule (allocator.c and collector.c call in): never while the old
 * generation is below incremental.activation_size; after each scavenge,
 * before each old allocation of the program and after each old large
 * object, start when the old-generation limit is reached (hard trigger);
 * when the room left before it is at most new space's object capacity
 * (new_space_object_capacity, V8's NewSpaceCapacity(); soft trigger),
 * post a task that starts marking when the event loop runs it
 * (event_loop.c); a step every young_step bytes of young (young large
 * objects included) and old_step bytes of old allocation, sized by V8's
 * schedule (allocation_step_size).
 *
 * With concurrent markers (incremental.concurrent_markers) a cycle the
 * schedule starts is shared with them, as V8 11.3's is with
 * ConcurrentMarking: the runtime's roots' work goes to the shared pool,
 * the markers mark on the virtual clock for the program's time since the
 * last step, each step takes from the pool when its own list runs dry,
 * and the cycle is complete when the main thread's list and the pool are
 * both empty, whatever the markers still hold (marking_worklists.c).
 * Marking the program starts itself (gc_incremental_start) greys every
 * persistent root and shares that; a step it asks for
 * (gc_incremental_step) takes back everything the markers hold and marks
 * it on the main thread.
 *
 * A scavenge in the middle of marking moves young objects: their copies
 * keep their colour, and the worklists are rewritten to follow them
 * (entries whose object died are dropped).
 */
#include "heap_internal.h"

gc_marking_state gc_marking(const gc_heap *h) { return h->marking; }

/* The counts a full GC's event reports of the cycle before it (its steps,
 * what they and the markers marked, the steps' time and the largest):
 * zero when a cycle starts and when a full GC has reported them. */
void incremental_clear_cycle_counts(gc_heap *h) {
  h->marking_steps = 0;
  h->marking_step_bytes = 0;
  h->marking_concurrent_bytes = 0;
  h->marking_step_ns = 0;
  h->marking_largest_step = 0;
  h->marking_largest_step_ns = 0;
}

static void start(gc_heap *h) {
  /* V8's Heap::StartIncrementalMarking: the last cycle's sweeping is
   * completed first, so that its mark bits are clear (sweeper.c). */
  sweeper_complete(h);
  h->marking = GC_MARKING_MARKING;
  heap_update_fast_alloc(h);
  h->marking_started_ns = heap_vclock(h);
  h->marking_mutator_ns = heap_mutator_ns(h);
  incremental_clear_cycle_counts(h);
  h->marking_scheduled = 0;
  h->marking_initial_old = h->marking_old_seen = old_gen_size(h);
  h->young_alloc = h->old_alloc = 0;
  h->marking_shared = false;
  h->marking_reduce_memory = false;
  h->stack_guard_pending = false;
  marker_start(h);
}

/* A start by the schedule.  With concurrent markers (V8 11.3's
 * StartMarking: MarkRoots, then the roots' work published for
 * ConcurrentMarking's job) the runtime's roots turn grey and go to the
 * shared pool (marking_worklists.c); the program's roots stand for its
 * module's variables, which V8 finds on the stack, so they stay white
 * until a store greys them or the pause marks them, as scopes do.
 * Without markers every persistent root turns grey, as at
 * gc_incremental_start.  Near the maximum the cycle reduces memory (V8's
 * GCFlagsForIncrementalMarking: heap_optimize_for_memory). */
static void start_concurrent(gc_heap *h) {
  start(h);
  h->marking_reduce_memory = heap_optimize_for_memory(h);
  if (h->cfg.incremental.concurrent_markers) {
    marker_mark_runtime_roots(h);
    worklists_publish(h);
    h->marking_shared = true;
  } else {
    marker_mark_persistent_roots(h);
  }
}

gc_status gc_incremental_start(gc_heap *h) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "incremental_start: not allowed during a GC");
  if (h->marking != GC_MARKING_IDLE)
    return heap_fail(h, GC_ESTATE, "incremental_start: marking is already %s",
                     gc_marking_state_name(h->marking));
  gc_status intact = heap_check_intact(h);
  if (intact != GC_OK) return intact;
  new_space_seal(h);
  start(h);
  /* V8's IncrementalMarking::MarkRoots skips the stack and the main
   * thread's handles (SkipRoot::kStack, kMainThreadHandles): what scopes
   * hold stays white until a store greys it or the pause, which scans
   * every root, marks it.  With concurrent markers the cycle is shared
   * with them, as a scheduled one is, with every persistent root's work. */
  marker_mark_persistent_roots(h);
  if (h->cfg.incremental.concurrent_markers) {
    worklists_publish(h);
    h->marking_shared = true;
  }
  if (h->verify_each_gc) return heap_verify(h, true);
  return GC_OK;
}

/* A step: the main thread's worklist drained for `budget` bytes (and,
 * with a `budget_ns`, until their price reaches it), taking segments from
 * the shared pool when its own list runs dry; complete when both are
 * empty, else, in a cycle shared with the markers, what is left is shared
 * (worklists_share_work). */
gc_status incremental_step_internal(gc_heap *h, uint64_t budget, uint64_t budget_ns, bool *done) {
  gc_status intact = heap_check_intact(h);
  if (intact != GC_OK) return intact;
  uint64_t ns = 0, marked = 0;
  for (;;) {
    uint64_t part_ns;
    marked += marker_drain_paced(h, budget > marked ? budget - marked : 0, budget_ns > ns ? budget_ns - ns : 0, &part_ns);
    ns += part_ns;
    if (h->worklist.n || (marked >= budget && ns >= budget_ns) || !worklists_steal(h)) break;
  }
  h->marking_steps++;
  h->marking_step_bytes += marked;
  h->marking_step_ns += ns;
  if (marked > h->marking_largest_step) h->marking_largest_step = marked;
  if (ns > h->marking_largest_step_ns) h->marking_largest_step_ns = ns;
  if (worklists_shared_empty(h)) h->marking = GC_MARKING_COMPLETE;
  else if (h->marking_shared && h->worklist.n) worklists_share_work(h);
  if (done) *done = h->marking == GC_MARKING_COMPLETE;
  if (h->verify_each_gc) return heap_verify(h, true);
  return GC_OK;
}

/* V8 11.3's step on allocation (IncrementalMarking::AdvanceOnAllocation
 * -> ScheduleBytesToMarkBasedOnAllocation, Step): the schedule grows by a
 * step to make progress -- the old generation over 32 steps when it
 * cannot grow by new space's capacity (new_space()->Capacity(): its
 * object area) and 64 MB more, else the size
 * marking started at over 256, between 64 and 256 KB
 * (StepSizeToMakeProgress) -- and by the old generation's growth since the
 * last step (StepSizeToKeepUpWithAllocations); the step marks how far
 * the steps and the markers together are behind it less a 1 MB margin
 * (ComputeStepSizeInBytes), at least step_budget (kMinStepSizeInBytes).
 * V8 also caps a step at 5 ms at the measured marking speed; the steps of
 * Node's traces stay well under it (the largest seen: 536 KB), and gclab
 * does not cap. */
static uint64_t allocation_step_size(gc_heap *h) {
  const uint64_t MB = 1ull << 20;
  uint64_t size = old_gen_size(h), progress;
  if (size + new_space_object_capacity(h) + 64 * MB > h->old_max) progress = size / 32;
  else {
    progress = h->marking_initial_old / 256;
    if (progress < 64 * 1024) progress = 64 * 1024;
    if (progress > 256 * 1024) progress = 256 * 1024;
  }
  uint64_t grown = size > h->marking_old_seen ? size - h->marking_old_seen : 0;
  h->marking_old_seen = size;
  h->marking_scheduled += progress + grown;
  uint64_t done = h->marking_step_bytes + h->marking_concurrent_bytes;
  uint64_t behind = done + MB < h->marking_scheduled ? h->marking_scheduled - done - MB : 0;
  return behind > h->cfg.incremental.step_budget ? behind : h->cfg.incremental.step_budget;
}

/* An allocation step: the concurrent markers' time since the last step
 * (incremental_allocation_step_ns) is marked on their threads, then the
 * program's step. */
gc_status incremental_allocation_step(gc_heap *h) {
  h->marking_concurrent_bytes += worklists_markers_mark(h, incremental_allocation_step_ns(h));
  return incremental_step_internal(h, allocation_step_size(h), 0, NULL);
}

gc_status gc_incremental_step(gc_heap *h, uint64_t budget, bool *done) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "incremental_step: not allowed during a GC");
  if (h->marking == GC_MARKING_IDLE)
    return heap_fail(h, GC_ESTATE, "incremental_step: no marking in progress (call incremental_start)");
  if (budget == 0 || budget > (1ull << 62))
    return heap_fail(h, GC_EINVAL, "budget: expected a positive number of bytes up to 2^62, got %s",
                     SIZE_TEXT(budget));
  worklists_merge(h); /* the program marks the markers' share too */
  h->marking_shared = false;
  return incremental_step_internal(h, budget, 0, done);
}

gc_status gc_incremental_finish(gc_heap *h) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "incremental_finish: not allowed during a GC");
  if (h->marking == GC_MARKING_IDLE)
    return heap_fail(h, GC_ESTATE, "incremental_finish: no marking in progress");
  return collect_garbage(h, GC_REQUEST_OLD, GC_REASON_FINALIZE_MARKING, NULL);
}

/* V8 11.3 marks mostly on background threads (ConcurrentMarking) while
 * the program runs; the allocation observer's step on the main thread
 * (IncrementalMarking::AdvanceOnAllocation -> Step) marks only what the
 * schedule asks for beyond what the concurrent markers have already done
 * (bytes_marked_concurrently_ counts against scheduled_bytes_to_mark_).
 * gclab's markers run on the virtual clock: each marks for the mutator
 * time since the last step, at the prices the pause marks at
 * (marker_cost_ns: an object of Smis goes about three times as far as
 * one of references), on their own threads (worklists_markers_mark: the
 * program's clock does not pay), and what they mark counts against the
 * schedule (allocation_step_size).  Marking therefore keeps pace with a
 * program that allocates slowly and finishes -- and the next allocation
 * finalizes it, "via stack guard" -- before the old generation reaches
 * its limit, as Node's does.  Returns the markers' marking time since the
 * last step: the program's time times the markers. */
uint64_t incremental_allocation_step_ns(gc_heap *h) {
  const gc_config *c = &h->cfg;
  uint64_t now = heap_mutator_ns(h);
  uint64_t elapsed = now - h->marking_mutator_ns;
  h->marking_mutator_ns = now;
  return elapsed * c->incremental.concurrent_markers;
}

/* Does the program take the stack guard's GC request now?  Asked before
 * each allocation while marking runs.  V8 11.3: the allocation step
 * that finds marking complete (IncrementalMarking::AdvanceOnAllocation ->
 * IsMajorMarkingComplete, with no completion task due soon) requests a GC
 * through the stack guard, and the program takes it at its next interrupt
 * check (Heap::HandleGCRequest, "finalize incremental marking via stack
 * guard"): on entry to a JavaScript function, at a call of some builtins
 * (Array.prototype.push), on each back edge of an optimized loop, and in
 * interpreted or baseline code when the function's
 * bytecode budget runs out (--interrupt-budget, 66 KiB of bytecode;
 * Runtime_BytecodeBudgetInterruptWithStackCheck).  A loop that calls no
 * JavaScript -- only builtins such as `new Array(n)` and `.fill` -- so
 * takes it up to a budget's worth of iterations later, and allocates on
 * meanwhile (Scavenges included: select_collector).  gclab's program has no
 * bytecode: its interrupt checks come once every incremental.interrupt_ns
 * of its virtual time (heap_mutator_ns), counted from its first line
 * (gc_program_start, after the boot heap);
 * the request is taken at the first check after it, even if a store has
 * greyed more since (V8's request stays until the GC runs; the pause marks
 * what is left) -- and once the program is optimized (optimized, below),
 * at once.  0: at the allocation that finds the cycle complete. */
static uint64_t interrupt_period(const gc_heap *h) {
  return (heap_mutator_ns(h) - h->program_start_ns) / h->cfg.incremental.interrupt_ns;
}

/* V8's TieringManager marks a hot function for optimization at an
 * interrupt check, and a later one (OSR urgency) has its running loop
 * compiled and entered, and optimized code checks at every back edge.
 * `--trace-opt --trace-osr` on largechurn.js: 4,000 iterations (3.4
 * budgets) run without OSR, 8,000 (6.9) with; gclab takes the fourth
 * check (incremental.interrupt_optimize). */
static bool optimized(const gc_heap *h) {
  uint32_t after = h->cfg.incremental.interrupt_optimize;
  return after && interrupt_period(h) >= after;
}

/* Does the program check for interrupts at every allocation (no
 * interrupt_ns, or its loop optimized)?  Then a complete cycle's request
 * is taken where it is made. */
bool incremental_checks_at_once(const gc_heap *h) {
  return !h->cfg.incremental.interrupt_ns || optimized(h);
}

bool incremental_stack_guard_taken(gc_heap *h) {
  if (h->marking == GC_MARKING_IDLE) return false;
  if (!h->stack_guard_pending) {
    if (h->marking != GC_MARKING_COMPLETE) return false;
    if (incremental_checks_at_once(h)) return true;
    h->stack_guard_pending = true;
    h->stack_guard_tick = interrupt_period(h);
    return false;
  }
  return interrupt_period(h) > h->stack_guard_tick;
}

void gc_program_start(gc_heap *h) {
  h->program_start_ns = heap_mutator_ns(h);
  handles_close_boot_roots(h);
}

/* May marking start (on, idle, past the activation size)?  *room: what
 * is left before the old-generation limit. */
static bool may_start(const gc_heap *h, uint64_t *room) {
  const gc_config *c = &h->cfg;
  if (!c->incremental.enabled || h->marking != GC_MARKING_IDLE) return false;
  uint64_t size = old_gen_size(h);
  if (size < c->incremental.activation_size) return false;
  *room = h->old_limit > size ? h->old_limit - size : 0;
  return true;
}

/* The soft limit (Heap::IncrementalMarkingLimitReached): `room` before the
 * old-generation limit at most new space's capacity as V8 counts it. */
static bool soft_limit_reached(const gc_heap *h, uint64_t room) { return room <= new_space_object_capacity(h); }

/* V8 11.3's Heap::StartIncrementalMarkingIfAllocationLimitIsReached, asked
 * after every Scavenge (Heap::CollectGarbage), before the program's old
 * allocations (PagedSpace::RawRefillLabMain) and after an old large
 * object's (OldLargeObjectSpace::AllocateRaw), with
 * Heap::IncrementalMarkingLimitReached's answer:
 *  - more room than new space's capacity (NewSpaceCapacity(): the
 *    semispace's pages without their headers, new_space_object_capacity;
 *    gclab compared with the whole semispace until issue 16's stop 58)
 *    before the old-generation limit: no limit, nothing;
 *  - hard limit, no room left, or the old generation unable to grow by an
 *    eighth of its maximum (ShouldOptimizeForMemoryUsage,
 *    heap_optimize_for_memory; the cycle then reduces memory): marking
 *    starts now ("allocation limit");
 *  - soft limit, otherwise: only a task is posted
 *    (IncrementalMarkingJob::ScheduleTask), and it runs when the event
 *    loop does (gc_idle, event_loop.c) -- a program that never yields
 *    reaches the hard limit first;
 *  - below incremental.activation_size: never. */
void incremental_maybe_start(gc_heap *h) {
  uint64_t room;
  if (!may_start(h, &room) || !soft_limit_reached(h, room)) return;
  if (room == 0 || heap_optimize_for_memory(h)) start_concurrent(h);
  else h->marking_task_pending = true;
}

/* IncrementalMarkingJob::Task (V8 11.3): when the event loop runs it,
 * marking starts if the limit is still near (soft or hard). */
void incremental_run_start_task(gc_heap *h) {
  if (!h->marking_task_pending) return;
  h->marking_task_pending = false;
  uint64_t room;
  if (may_start(h, &room) && soft_limit_reached(h, room)) start_concurrent(h);
}

/* Heap::ReportExternalMemoryPressure (V8 11.3), marking stopped:
 * StartIncrementalMarking(GCFlagsForIncrementalMarking(), ...), as the
 * schedule starts it (external.c). */
void incremental_start_now(gc_heap *h) { start_concurrent(h); }

/* ... marking running: IncrementalMarking::AdvanceWithDeadline, a step on
 * the main thread of `ns` (the markers' share included), the cycle then
 * finalized through the stack guard if it is complete. */
gc_status incremental_advance(gc_heap *h, uint64_t ns) {
  if (h->marking != GC_MARKING_MARKING) return GC_OK;
  worklists_merge(h);
  h->marking_shared = false;
  return incremental_step_internal(h, 1, ns, NULL);
}

/* MemoryReducer::NotifyTimer (V8 11.3): Heap::StartIdleIncrementalMarking
 * with reason kMemoryReducer -- an ordinary start, the cycle flagged to
 * reduce memory (kReduceMemoryFootprint), which its Mark-Compact keeps. */
void incremental_start_reducing(gc_heap *h) {
  start_concurrent(h);
  h->marking_reduce_memory = true;
}

/* A Scavenge in the middle of marking: the worklists follow the copies;
 * a complete cycle has work again if its shared lists do. */
void incremental_after_scavenge(gc_heap *h) {
  worklists_after_scavenge(h);
  if (h->marking == GC_MARKING_COMPLETE && !worklists_shared_empty(h)) h->marking = GC_MARKING_MARKING;
}
