/*
 * collector.c -- which collection runs (select_collector, V8's
 * Heap::SelectGarbageCollector), the GC driver that runs one and records
 * its event, and the public collection calls.
 *
 * Every collection goes through heap_collect: it is the only place objects
 * move or die (gc_heap_epoch counts its runs), it samples the spaces before
 * and after, charges the virtual clock, lets the heap controller recompute
 * the old-generation limit after a full GC, and appends the event record.
 * Collections that are requested rather than named (an allocation failure,
 * gc_scavenge, gc_full_gc, the end of incremental marking) are chosen by
 * select_collector alone.
 *
 * Determinism: no decision depends on wall-clock time or on a machine
 * address.  Wall time is only reported (wall_pause_ms).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "heap_internal.h"
#include "pretenuring.h"
#include "promotion.h"

/* Fixed virtual cost of any GC pause (roots, bookkeeping), in ns. */
#define GC_BASE_COST_NS 20000u

static uint64_t total_objects(const gc_space_sample s[GC_SPACE_COUNT]) {
  uint64_t n = 0;
  for (int i = 0; i < GC_SPACE_COUNT; i++) n += s[i].objects;
  return n;
}
static uint64_t total_size(const gc_space_sample s[GC_SPACE_COUNT]) {
  uint64_t n = 0;
  for (int i = 0; i < GC_SPACE_COUNT; i++) n += s[i].size;
  return n;
}

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The heap's size as V8's Heap::SizeOfObjects() counts it, what its
 * --trace-gc and --trace-gc-nvp print: the old generation's objects, and
 * for the young generation its extent (SemiSpaceNewSpace::Size(): every
 * To-space page before the allocation page whole, fillers included, plus
 * the young large objects) instead of the bytes of its objects.  The
 * two differ by the fillers that close new-space pages: a few bytes a
 * page for small objects, up to a quarter of new space when its objects
 * are tens of KB (slices-oom-32m's 64 KB strings, three to a page). */
/* The young generation's extent now: new space's allocated extent
 * (new_space_allocated_extent, fillers included) and the young large
 * objects. */
static uint64_t young_extent_now(const gc_heap *h) { return new_space_allocated_extent(h) + h->nlo.size; }

static uint64_t size_of_objects(const gc_space_sample *s, uint64_t young_extent) {
  uint64_t n = young_extent;
  for (int i = 0; i < GC_SPACE_COUNT; i++)
    if (i != GC_SPACE_NEW && i != GC_SPACE_NEW_LARGE) n += s[i].size;
  return n;
}

/* Run one collection and record it.  Returns GC_ECORRUPT if verification
 * after the GC is on and fails. */
gc_status heap_collect(gc_heap *h, gc_kind kind, gc_reason reason, const char *collector_reason,
                       gc_compaction strategy, bool reduce_memory) {
  gc_status intact = heap_check_intact(h);
  if (intact != GC_OK) return intact;
  gc_event ev;
  memset(&ev, 0, sizeof ev);
  h->current_event = &ev;
  h->in_gc = true;
  heap_update_fast_alloc(h);
  ev.seq = ++h->gc_count;
  ev.kind = kind;
  ev.reason = reason;
  ev.collector_reason = collector_reason ? collector_reason : "";
  ev.reduce_memory = reduce_memory;
  ev.compaction = strategy;
  heap_sample(h, ev.before);
  uint64_t capacity_before = h->new_space.capacity;
  /* V8's start_young_generation_size (Heap::PerformGarbageCollection):
   * NewSpaceSize() -- SemiSpaceNewSpace::Size(), page-end fillers
   * included -- plus the young large objects; the survival statistics
   * divide by it. */
  uint64_t young_extent = young_extent_now(h);
  ev.young_extent = young_extent;
  ev.holes_before = h->old.free.bytes;
  ev.allocated = heap_allocated_since_gc(h);
  uint64_t t0 = heap_vclock(h);
  ev.start_us = t0 / 1000;
  allocation_rate_gc_start(h, t0 > h->vclock_last_gc_end ? t0 - h->vclock_last_gc_end : 0);
  double w0 = wall_ms();
  bool was_marking = h->marking != GC_MARKING_IDLE;
  uint64_t marking_ns_before = 0;
  if (was_marking && kind != GC_KIND_SCAVENGE) {
    ev.incremental_steps = h->marking_steps;
    ev.incremental_marked = h->marking_step_bytes;
    ev.concurrent_marked = h->marking_concurrent_bytes;
    ev.largest_step = h->marking_largest_step;
    ev.marking_start_us = h->marking_started_ns / 1000;
    ev.incremental_ns = h->marking_step_ns;
    ev.largest_step_ns = h->marking_largest_step_ns;
    marking_ns_before = h->marking_step_ns;
  }

  if (kind != GC_KIND_SCAVENGE) {
    /* V8's PerformGarbageCollection: a full GC first completes the last
     * one's sweeping (CompleteSweepingFull); a Scavenge leaves it to the
     * sweepers. */
    sweeper_complete(h);
    ev.complete_sweeping_ns = h->sweeping_completed_ns;
    h->sweeping_completed_ns = 0;
  }
  heap_count_work(h, GC_BASE_COST_NS);
  /* V8's Heap::GarbageCollectionPrologueInSafepoint: every GC, a
   * Mark-Compact too, first decides whether new space grows (now) or
   * shrinks (at its end). */
  new_space_resize_at_gc_start(h, reduce_memory);
  if (kind == GC_KIND_SCAVENGE) scavenge(h);
  else mark_sweep_or_compact(h, kind, strategy, reduce_memory);

  heap_sample(h, ev.after);
  ev.young_extent_after = young_extent_now(h);
  ev.size_of_objects_before = size_of_objects(ev.before, ev.young_extent);
  ev.size_of_objects_after = size_of_objects(ev.after, ev.young_extent_after);
  ev.holes_after = h->old.free.bytes;
  if (kind != GC_KIND_SCAVENGE) {
    uint64_t ob = total_objects(ev.before), oa = total_objects(ev.after);
    ev.died_objects = ob > oa ? ob - oa : 0;
    ev.died_in_new = ev.before[GC_SPACE_NEW].objects + ev.before[GC_SPACE_NEW_LARGE].objects -
                     (ev.promoted_objects + ev.copied_objects) ;
    if (ev.died_in_new > ev.before[GC_SPACE_NEW].objects + ev.before[GC_SPACE_NEW_LARGE].objects)
      ev.died_in_new = 0;
  }
  uint64_t sb = total_size(ev.before), sa = total_size(ev.after);
  ev.freed_bytes = sb > sa ? sb - sa : 0;
  uint64_t pause_ns = heap_vclock(h) - t0;
  ev.pause_us = pause_ns / 1000;
  ev.wall_pause_ms = wall_ms() - w0;
  uint64_t full_gc_ns = pause_ns + marking_ns_before;
  if (kind != GC_KIND_SCAVENGE) {
    heap_update_old_limit(h, full_gc_ns, ev.marked_bytes, reduce_memory);
    event_loop_after_full_gc(h, ev.before[GC_SPACE_OLD].committed + ev.before[GC_SPACE_LARGE].committed);
    h->allocated_at_full = h->allocated_total;
    h->mutator_ns_at_full = heap_mutator_ns(h);
    incremental_clear_cycle_counts(h);
  }
  pretenuring_after_gc(h, &ev, capacity_before, total_size(ev.before), total_size(ev.after));
  allocation_rate_gc_end(h, ev.promoted_bytes);
  gc_speed_record(h, &ev, pause_ns, was_marking && kind != GC_KIND_SCAVENGE);
  heap_shrink_initial_old_limit(h, ev.promoted_bytes + ev.copied_bytes, young_extent);
  external_after_gc(h, kind != GC_KIND_SCAVENGE);
  ev.semi_space_capacity = h->new_space.capacity;
  ev.old_limit = h->old_limit;
  h->allocated_at_gc = h->allocated_total;
  h->vclock_last_gc_end = heap_vclock(h);
  if (kind != GC_KIND_SCAVENGE) sweeper_start(h);
  if (kind != GC_KIND_SCAVENGE) heap_record_mc_utilisation(h, full_gc_ns, h->vclock_last_gc_end);
  gc_status st = tracer_record(h, &ev);
  h->current_event = NULL;
  h->in_gc = false;
  heap_update_fast_alloc(h);
  if (st != GC_OK) return heap_fail(h, st, "out of process memory for the event log");

  /* With the marking barrier off (test-only) the heap verifies itself
   * after every GC, so that the damage is known before the next GC. */
  if (h->verify_each_gc || !h->marking_barrier_on) {
    gc_status v = heap_verify(h, h->marking != GC_MARKING_IDLE);
    if (v != GC_OK && h->verify_each_gc) return v;
  }
  if (kind == GC_KIND_SCAVENGE) incremental_maybe_start(h);
  if (h->on_gc) {
    h->in_gc = true; /* the callback may look, not collect */
    heap_update_fast_alloc(h);
    h->on_gc(h, gc_event_get(h, h->nevents - 1), h->on_gc_ud);
    h->in_gc = false;
    heap_update_fast_alloc(h);
  }
  /* Every full GC, the last-resort ones too (V8's RecomputeLimits runs
   * CheckIneffectiveMarkCompact after each Mark-Compact). */
  if (kind != GC_KIND_SCAVENGE && heap_ineffective_mark_compact(h))
    return heap_fail(h, GC_EOOM, "%s (%u consecutive full GCs left the old generation at %s of %s)",
                     GC_OOM_INEFFECTIVE_MESSAGE, (unsigned)h->cfg.old_space.ineffective_mark_compacts,
                     SIZE_TEXT(old_gen_size(h)), SIZE_TEXT(h->old_max));
  return GC_OK;
}

/* The full GC the configuration asks for (old_space.full_gc). */
static gc_kind configured_full_gc(const gc_heap *h) {
  return h->cfg.old_space.full_gc == GC_FULL_MARK_SWEEP ? GC_KIND_MARK_SWEEP : GC_KIND_MARK_COMPACT;
}

/* Does the old generation's limit, reached, turn a young allocation
 * failure into a full GC?  With incremental marking on, whenever no cycle
 * is marking (gclab's own rule, below); with it off, only where the
 * configuration asks for V8 3.x's promotion limit
 * (old_space.promotion_limit_gc): V8 11.3 then Scavenges, the limit left
 * to the program's own old allocations and the maximum. */
static bool limit_makes_full_gc(const gc_heap *h) {
  return h->cfg.incremental.enabled || h->cfg.old_space.promotion_limit_gc;
}

/* V8's Heap::SelectGarbageCollector: the one answer to "Scavenge or full
 * GC?".  *reason may be changed (a finished incremental cycle is finalized
 * whatever asked); *why is the event's collector reason.
 *  - old space or large objects asked: a full GC;
 *  - a young-allocation failure (or a stress scavenge): a full GC when
 *    incremental marking is complete and the program takes the stack
 *    guard's request at once (incremental_checks_at_once), or, unless
 *    marking is in progress, the old generation reached its limit (gclab's
 *    own rule: V8 11.3 Scavenges here and starts marking after it; kept
 *    until marking's duration is modelled, docs/fidelity-notes.md, "New
 *    space's room"; with marking off, only under old_space.promotion_limit_gc:
 *    limit_makes_full_gc), then as an explicit request.  While marking, the
 *    limit alone never makes it a full GC: V8
 *    Scavenges on and takes a Mark-Compact ("Incremental marking needs
 *    finalization") only for a complete cycle with the limit overshot by a
 *    large margin (heap_limit_overshot_by_large_margin) -- a complete cycle
 *    whose stack-guard request the program has not taken yet
 *    (incremental_stack_guard_taken);
 *  - an explicit scavenge (gc_scavenge): a full GC when a Scavenge might not
 *    succeed (young_fits_in_old, promotion.h), as in V8;
 *  - a forced scavenge: always a Scavenge. */
static gc_kind select_collector(const gc_heap *h, gc_request request, gc_reason *reason, const char **why) {
  *why = "GC in old space requested";
  switch (request) {
    case GC_REQUEST_OLD:
      return configured_full_gc(h);
    case GC_REQUEST_YOUNG_ALLOCATION:
      if (h->marking == GC_MARKING_COMPLETE) {
        if (incremental_checks_at_once(h)) {
          *reason = GC_REASON_FINALIZE_MARKING;
          return configured_full_gc(h);
        }
        if (heap_limit_overshot_by_large_margin(h)) {
          *why = "Incremental marking needs finalization";
          return configured_full_gc(h);
        }
      }
      if (h->marking != GC_MARKING_MARKING && limit_makes_full_gc(h) && heap_old_limit_reached(h))
        return configured_full_gc(h);
      /* fall through */
    case GC_REQUEST_YOUNG_EXPLICIT:
      if (!young_fits_in_old(h)) {
        *why = "scavenge might not succeed";
        return configured_full_gc(h);
      }
      /* fall through */
    case GC_REQUEST_YOUNG_FORCED:
      break;
  }
  *why = "";
  return GC_KIND_SCAVENGE;
}

gc_status collect_garbage(gc_heap *h, gc_request request, gc_reason reason, gc_kind *ran) {
  const char *why;
  gc_kind kind = select_collector(h, request, &reason, &why);
  if (ran) *ran = kind;
  /* a full GC that ends a memory-reducing cycle reduces memory too (V8
   * keeps the flags its marking started with) */
  bool reduce = kind != GC_KIND_SCAVENGE && h->marking != GC_MARKING_IDLE && h->marking_reduce_memory;
  return heap_collect(h, kind, reason, why, h->cfg.old_space.compaction, reduce);
}

/* ------------------------------------------------------------ public calls */

static gc_status api_gc_check(gc_heap *h, const char *what) {
  if (!h) return GC_EINVAL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "%s: not allowed during a GC", what);
  return GC_OK;
}

gc_status gc_scavenge(gc_heap *h) {
  gc_status st = api_gc_check(h, "gc_scavenge");
  if (st != GC_OK) return st;
  return collect_garbage(h, GC_REQUEST_YOUNG_EXPLICIT, GC_REASON_TESTING, NULL);
}

gc_status gc_scavenge_forced(gc_heap *h) {
  gc_status st = api_gc_check(h, "gc_scavenge_forced");
  if (st != GC_OK) return st;
  return collect_garbage(h, GC_REQUEST_YOUNG_FORCED, GC_REASON_TESTING, NULL);
}

gc_status gc_mark_sweep(gc_heap *h) {
  gc_status st = api_gc_check(h, "gc_mark_sweep");
  if (st != GC_OK) return st;
  return heap_collect(h, GC_KIND_MARK_SWEEP, GC_REASON_TESTING, "GC in old space requested",
                      h->cfg.old_space.compaction, false);
}

gc_status gc_mark_compact(gc_heap *h, gc_compaction strategy) {
  gc_status st = api_gc_check(h, "gc_mark_compact");
  if (st != GC_OK) return st;
  if (strategy != GC_COMPACT_EVACUATE && strategy != GC_COMPACT_SLIDE)
    return heap_fail(h, GC_EINVAL, "strategy: expected evacuate or slide, got %d", (int)strategy);
  return heap_collect(h, GC_KIND_MARK_COMPACT, GC_REASON_TESTING, "GC in old space requested", strategy,
                      false);
}

gc_status gc_full_gc(gc_heap *h) {
  gc_status st = api_gc_check(h, "gc_full_gc");
  if (st != GC_OK) return st;
  return collect_garbage(h, GC_REQUEST_OLD, GC_REASON_TESTING, NULL);
}
