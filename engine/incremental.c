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
 * when the room left before it is at most the new-space capacity (soft
 * trigger), post a task that starts marking when the event loop runs it
 * (event_loop.c); a step every
 * young_step bytes of young and old_step bytes of old allocation, marking
 * step_budget bytes or what the concurrent markers (concurrent_markers)
 * marked in the program's time since the last step, the more.
 *
 * The concurrent markers' share: when the schedule starts marking with
 * concurrent markers configured, the markers take the roots' work (V8 11.3
 * publishes it at StartMarking and ConcurrentMarking's job takes it), so
 * the grey roots at the bottom of the worklist (worklist_held entries) are
 * left to them, and the steps drain only what lies above: what the write
 * barrier and the scavenger greyed since, and what that reaches.  The
 * cycle is complete once that is drained (IncrementalMarking::
 * ShouldFinalize asks the main thread's worklist and the shared pool, not
 * the markers' own work), and the atomic pause marks the rest: Node's nvp
 * shows such Mark-Compacts with incremental_steps_count=1 and the marking
 * in the pause (mark.full_closure_parallel).  A step that leaves work
 * hands it to the markers too (V8's Step ends with ShareWork, which
 * publishes the main thread's worklist to the pool the markers take from),
 * so the cycle can complete at the next step.  A step the program asks
 * for (gc_incremental_step) and marking it starts itself
 * (gc_incremental_start) leave nothing to the markers.
 *
 * A scavenge in the middle of marking moves young objects: their copies
 * keep their colour, and the worklist is rewritten to follow them (entries
 * whose object died are dropped).
 */
#include "heap_internal.h"

gc_marking_state gc_marking(const gc_heap *h) { return h->marking; }

static void start(gc_heap *h) {
  /* V8's Heap::StartIncrementalMarking: the last cycle's sweeping is
   * completed first, so that its mark bits are clear (sweeper.c). */
  sweeper_complete(h);
  h->marking = GC_MARKING_MARKING;
  heap_update_fast_alloc(h);
  h->marking_started_ns = heap_vclock(h);
  h->marking_mutator_ns = heap_mutator_ns(h);
  h->marking_steps = 0;
  h->marking_step_bytes = 0;
  h->marking_step_ns = 0;
  h->marking_largest_step = 0;
  h->marking_largest_step_ns = 0;
  h->young_alloc = h->old_alloc = 0;
  h->marking_shared = false;
  h->marking_reduce_memory = false;
  h->stack_guard_pending = false;
  marker_start(h);
  /* V8's IncrementalMarking::MarkRoots skips the stack and the main
   * thread's handles (SkipRoot::kStack, kMainThreadHandles): what scopes
   * hold stays white until a store greys it or the pause, which scans
   * every root, marks it. */
  marker_mark_persistent_roots(h);
}

/* A start by the schedule: with concurrent markers, the roots' work is
 * theirs (above); near the maximum the cycle reduces memory (V8's
 * GCFlagsForIncrementalMarking: heap_optimize_for_memory). */
static void start_concurrent(gc_heap *h) {
  start(h);
  h->marking_reduce_memory = heap_optimize_for_memory(h);
  if (h->cfg.incremental.concurrent_markers) {
    h->worklist_held = h->worklist.n;
    h->marking_shared = true;
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
  if (h->verify_each_gc) return heap_verify(h, true);
  return GC_OK;
}

/* The end of a step that left work (V8 11.3's IncrementalMarking::Step ->
 * MarkingWorklists::Local::ShareWork): in a cycle shared with concurrent
 * markers, what is left goes to them, and the next step drains only what
 * is greyed after it. */
static void share_leftover(gc_heap *h) {
  if (h->marking_shared) h->worklist_held = h->worklist.n;
}

gc_status incremental_step_internal(gc_heap *h, uint64_t budget, uint64_t budget_ns, bool *done) {
  gc_status intact = heap_check_intact(h);
  if (intact != GC_OK) return intact;
  uint64_t ns = 0;
  uint64_t marked = marker_drain_paced(h, budget, budget_ns, &ns);
  h->marking_steps++;
  h->marking_step_bytes += marked;
  h->marking_step_ns += ns;
  if (marked > h->marking_largest_step) h->marking_largest_step = marked;
  if (ns > h->marking_largest_step_ns) h->marking_largest_step_ns = ns;
  if (h->worklist.n <= h->worklist_held) h->marking = GC_MARKING_COMPLETE;
  else share_leftover(h);
  if (done) *done = h->marking == GC_MARKING_COMPLETE;
  if (h->verify_each_gc) return heap_verify(h, true);
  return GC_OK;
}

gc_status gc_incremental_step(gc_heap *h, uint64_t budget, bool *done) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "incremental_step: not allowed during a GC");
  if (h->marking == GC_MARKING_IDLE)
    return heap_fail(h, GC_ESTATE, "incremental_step: no marking in progress (call incremental_start)");
  if (budget == 0 || budget > (1ull << 62))
    return heap_fail(h, GC_EINVAL, "budget: expected a positive number of bytes up to 2^62, got %s",
                     SIZE_TEXT(budget));
  h->worklist_held = 0; /* the program marks the markers' share too */
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
 * one of references), and the step marks that, or step_budget bytes (the
 * schedule) if that is more.
 * Marking therefore keeps pace with a program that allocates slowly and
 * finishes -- and the next allocation finalizes it, "via stack guard" --
 * before the old generation reaches its limit, as Node's does.  Returns
 * the markers' marking time since the last step: the program's time times
 * the markers. */
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

void gc_program_start(gc_heap *h) { h->program_start_ns = heap_mutator_ns(h); }

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

/* V8 11.3's Heap::StartIncrementalMarkingIfAllocationLimitIsReached, asked
 * after every Scavenge (Heap::CollectGarbage), before the program's old
 * allocations (PagedSpace::RawRefillLabMain) and after an old large
 * object's (OldLargeObjectSpace::AllocateRaw), with
 * Heap::IncrementalMarkingLimitReached's answer:
 *  - hard limit, no room left before the old-generation limit: marking
 *    starts now ("allocation limit");
 *  - soft limit, room for at most one new space's capacity: only a task is
 *    posted (IncrementalMarkingJob::ScheduleTask), and it runs when the
 *    event loop does (gc_idle, event_loop.c) -- a program that never
 *    yields reaches the hard limit first;
 *  - below incremental.activation_size: never. */
void incremental_maybe_start(gc_heap *h) {
  uint64_t room;
  if (!may_start(h, &room)) return;
  if (room == 0) start_concurrent(h);
  else if (room <= h->new_space.capacity) h->marking_task_pending = true;
}

/* IncrementalMarkingJob::Task (V8 11.3): when the event loop runs it,
 * marking starts if the limit is still near (soft or hard). */
void incremental_run_start_task(gc_heap *h) {
  if (!h->marking_task_pending) return;
  h->marking_task_pending = false;
  uint64_t room;
  if (may_start(h, &room) && room <= h->new_space.capacity) start_concurrent(h);
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
  h->worklist_held = 0;
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

/* Worklist entries in From-space follow their copies or are dropped; the
 * markers' share keeps the entries of it that are left. */
void incremental_after_scavenge(gc_heap *h) {
  size_t j = 0, held = 0;
  for (size_t i = 0; i < h->worklist.n; i++) {
    addr_t a = h->worklist.v[i];
    page *p = page_of(h, a);
    if (p->flags & PAGE_FROM) {
      if (!w0_forwarded(obj_at(a)->w0)) continue; /* died */
      a = forwarding(obj_at(a));
    } else if ((p->flags & PAGE_LARGE) && (p->flags & PAGE_YOUNG) && !(p->flags & PAGE_SURVIVOR)) {
      continue;
    }
    h->worklist.v[j++] = a;
    if (i < h->worklist_held) held = j;
  }
  h->worklist.n = j;
  h->worklist_held = held;
  if (h->marking == GC_MARKING_COMPLETE && j > held) h->marking = GC_MARKING_MARKING;
}
