/*
 * tracer.c -- views of the event records: the `node --trace-gc` line and the
 * `--trace-gc-nvp` line (V8's src/heap/gc-tracer.cc GCTracer::Print and
 * PrintNVP).  Times are the virtual clock by default, so the text is
 * byte-identical from run to run; `wall_time` swaps in measured pauses.
 * The "[pid:isolate]" prefix is printed as [0:0x0] for the same reason.
 * The nvp keys are V8's where one applies (docs/regression.md lists them),
 * with the bytes copied within new space under both names V8 has used:
 * semi_space_copied (older V8) and new_space_survived (Node 20's V8 11.3).
 *
 * It also keeps the records: a ring of the last cfg.event_ring events, so
 * that a long run holds bounded memory.  Beside each event it keeps the
 * running sums its lines need (pauses, survival, the previous GC), taken
 * when the event was recorded, so the lines of every kept event are exact
 * however many GCs came before.  Invariant: event i (0-based, i = seq - 1)
 * is kept iff nevents - kept <= i < nevents, in slot i % event_ring.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"

/* Running sums up to and including one event. */
typedef struct ev_totals {
  uint64_t pauses_us;    /* pause_us of every GC so far */
  uint64_t prev_end_us;  /* the previous GC's start + pause (0 for the first) */
  uint64_t prev_copied;  /* the previous GC's copied_bytes (0 for the first) */
  double average_survival; /* V8's AverageSurvivalRatio after this GC, % */
  double mu_average;     /* mark-compact mutator utilisation as of this GC */
  double mu_current;     /* (heap_mc_utilisation, heap->mc_mu_current) */
} ev_totals;

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

size_t gc_event_count(const gc_heap *h) { return h->nevents; }

static size_t kept(const gc_heap *h) {
  size_t ring = h->cfg.event_ring;
  return h->nevents < ring ? h->nevents : ring;
}

const gc_event *gc_event_get(const gc_heap *h, size_t i) {
  if (i >= h->nevents || i < h->nevents - kept(h)) return NULL;
  return &h->events[i % h->cfg.event_ring];
}

static const ev_totals *totals_of(const gc_heap *h, const gc_event *ev) {
  size_t i = (size_t)ev->seq - 1;
  if (i >= h->nevents || i < h->nevents - kept(h)) return NULL;
  return &h->totals[i % h->cfg.event_ring];
}

gc_status tracer_record(gc_heap *h, const gc_event *ev) {
  size_t ring = h->cfg.event_ring, slot = h->nevents % ring;
  if (slot >= h->cap_events) { /* still filling the ring: grow it */
    size_t cap = h->cap_events ? h->cap_events * 2 : 64;
    if (cap > ring) cap = ring;
    gc_event *v = realloc(h->events, cap * sizeof *v);
    if (!v) return GC_ENOMEM;
    h->events = v;
    ev_totals *t = realloc(h->totals, cap * sizeof *t);
    if (!t) return GC_ENOMEM;
    h->totals = t;
    h->cap_events = cap;
  }
  ev_totals next = {0, 0, 0, 0.0, 1.0, 1.0};
  if (h->nevents) {
    size_t last = (h->nevents - 1) % ring;
    const gc_event *p = &h->events[last];
    next = h->totals[last];
    next.prev_end_us = p->start_us + p->pause_us;
    next.prev_copied = p->copied_bytes;
  }
  next.pauses_us += ev->pause_us;
  next.mu_average = heap_mc_utilisation(h);
  next.mu_current = h->mc_mu_current;
  next.average_survival = heap_average_survival(h);
  h->events[slot] = *ev;
  h->totals[slot] = next;
  h->nevents++;
  return GC_OK;
}

#define MB (1024.0 * 1024.0)

static uint64_t ev_total(const gc_space_sample *s, bool committed) {
  uint64_t n = 0;
  for (int i = 0; i < GC_SPACE_COUNT; i++) n += committed ? s[i].committed : s[i].size;
  return n;
}

/* The mutator utilisation a line prints: V8's mark-compact averages
 * (GCTracer::AverageMarkCompactMutatorUtilization and
 * CurrentMarkCompactMutatorUtilization), updated at full GCs only, so a
 * Scavenge shows the last full GC's (1.000 before the second), as Node's
 * lines do.  The same averages decide the ineffective-mark-compacts rule. */
static void mutator_utilisation(const gc_heap *h, const gc_event *ev, double *avg, double *cur) {
  const ev_totals *t = totals_of(h, ev);
  *avg = t ? t->mu_average : 1.0;
  *cur = t ? t->mu_current : 1.0;
}

int gc_format_trace(const gc_heap *h, const gc_event *ev, bool wall_time, char *buf, size_t len) {
  double avg, cur;
  mutator_utilisation(h, ev, &avg, &cur);
  double pause = wall_time ? ev->wall_pause_ms : ev->pause_us / 1000.0;
  char incr[200] = "";
  if (ev->incremental && ev->kind != GC_KIND_SCAVENGE) {
    double steps_ms = ev->incremental_ns / 1e6;
    double biggest = ev->largest_step_ns / 1e6;
    double since = (double)(ev->start_us - ev->marking_start_us) / 1000.0;
    snprintf(incr, sizeof incr,
             " (+ %.1f ms in %u steps since start of marking, biggest step %.1f ms, walltime since start of "
             "marking %.f ms)",
             steps_ms, ev->incremental_steps, biggest, since);
  }
  return snprintf(buf, len,
                  "[0:0x0] %8.0f ms: %s%s %.1f (%.1f) -> %.1f (%.1f) MB, %.2f / %.2f ms %s (average mu = "
                  "%.3f, current mu = %.3f) %s; %s",
                  ev->start_us / 1000.0, gc_kind_name(ev->kind), ev->reduce_memory ? " (reduce)" : "",
                  ev->size_of_objects_before / MB, ev_total(ev->before, true) / MB,
                  ev->size_of_objects_after / MB, ev_total(ev->after, true) / MB,
                  pause, 0.0, incr, avg, cur,
                  gc_reason_name(ev->reason), ev->collector_reason);
}

/* The weak keys, appended when the GC visited weak objects: V8's phase
 * times (scavenge.weak; mark.weak_closure.ephemeron, clear.weak_references,
 * clear.weak_collections), virtual like the rest, then gclab's counts. */
static int format_weak_nvp(const gc_event *ev, char *buf, size_t len) {
  double refs = ev->clear_weak_refs_ns / 1e6, colls = ev->clear_weak_collections_ns / 1e6;
  unsigned long long c1 = ev->weak_slots_cleared, c2 = ev->ephemerons_removed, c3 = ev->cells_queued;
  if (ev->kind == GC_KIND_SCAVENGE)
    return snprintf(buf, len, " scavenge.weak=%.2f weak_slots_cleared=%llu ephemerons_removed=%llu "
                    "finalization_cells_queued=%llu", refs + colls, c1, c2, c3);
  return snprintf(buf, len, " mark.weak_closure.ephemeron=%.2f clear.weak_references=%.2f "
                  "clear.weak_collections=%.2f weak_slots_cleared=%llu ephemerons_removed=%llu "
                  "finalization_cells_queued=%llu", ev->ephemeron_ns / 1e6, refs, colls, c1, c2, c3);
}

/* A full GC's sweeping, as V8's keys (virtual ms): `sweep` in the pause,
 * `background.sweep` handed to the concurrent sweepers, and
 * `complete.sweeping` the last cycle's sweeping the main thread finished
 * (sweeper.c). */
static int format_sweep_nvp(const gc_heap *h, const gc_event *ev, char *buf, size_t len) {
  bool background = h->cfg.old_space.concurrent_sweepers != 0;
  double ms = ev->sweep_ns / 1e6;
  return snprintf(buf, len, " sweep=%.2f background.sweep=%.2f complete.sweeping=%.2f", background ? 0.0 : ms,
                  background ? ms : 0.0, ev->complete_sweeping_ns / 1e6);
}

/* Where the next part of a line goes once `n` characters were formatted
 * into a buffer of `len` (snprintf's count may exceed what was written). */
static size_t used_of(int n, size_t len) { return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0); }
static size_t room_after(int n, size_t len) {
  size_t used = used_of(n, len);
  return len > used ? len - used : 0;
}

/* The nvp line's gc= name: V8 11.3 prints "s" for a Scavenge and "mc" for
 * a Mark-Compact (Node 20's --trace-gc-nvp logs in scripts/fidelity/node20);
 * gclab's Mark-Sweep, which V8 no longer runs on its own, is "ms". */
static const char *nvp_kind(gc_kind kind) {
  return kind == GC_KIND_SCAVENGE ? "s" : kind == GC_KIND_MARK_COMPACT ? "mc" : "ms";
}

int gc_format_trace_nvp(const gc_heap *h, const gc_event *ev, char *buf, size_t len) {
  double avg, cur;
  mutator_utilisation(h, ev, &avg, &cur);
  /* V8's definitions: ratios of the young extent before the GC (fillers
   * and mementos included); survival averaged over the last ten GCs that
   * found young objects, of every kind (the ring heap_controller.c keeps
   * for the initial limit); promotion rate relative to what the previous
   * GC copied; the averages from the totals recorded with the event. */
  const ev_totals *t = totals_of(h, ev);
  double average_survival = t ? t->average_survival : 0.0;
  uint64_t prev_copied = t ? t->prev_copied : 0, prev_end = t ? t->prev_end_us : 0;
  double mutator_ms = (double)(ev->start_us - (ev->start_us >= prev_end ? prev_end : ev->start_us)) / 1000.0;
  int n = snprintf(
      buf, len,
      "[0:0x0] %8.0f ms: pause=%.1f mutator=%.1f gc=%s reduce_memory=%d incremental.steps_count=%u "
      "incremental.steps_took=%.1f total_size_before=%llu total_size_after=%llu holes_size_before=%llu "
      "holes_size_after=%llu allocated=%llu promoted=%llu semi_space_copied=%llu new_space_survived=%llu "
      "nodes_died_in_new=%llu nodes_copied_in_new=%llu "
      "nodes_promoted=%llu promotion_ratio=%.1f%% average_survival_ratio=%.1f%% promotion_rate=%.1f%% "
      "semi_space_copy_rate=%.1f%% marked=%llu moved=%llu pages_released=%llu",
      ev->start_us / 1000.0, ev->pause_us / 1000.0, mutator_ms, nvp_kind(ev->kind),
      ev->reduce_memory ? 1 : 0, ev->incremental_steps, ev->incremental_ns / 1e6,
      (unsigned long long)ev->size_of_objects_before, (unsigned long long)ev->size_of_objects_after,
      (unsigned long long)ev->holes_before, (unsigned long long)ev->holes_after,
      (unsigned long long)ev->allocated, (unsigned long long)ev->promoted_bytes,
      (unsigned long long)ev->copied_bytes, (unsigned long long)ev->copied_bytes,
      (unsigned long long)ev->died_in_new, (unsigned long long)ev->copied_objects,
      (unsigned long long)ev->promoted_objects, pct(ev->promoted_bytes, ev->young_extent),
      average_survival, pct(ev->promoted_bytes, prev_copied), pct(ev->copied_bytes, ev->young_extent), (unsigned long long)ev->marked_bytes,
      (unsigned long long)ev->moved_bytes, (unsigned long long)ev->pages_released);
  if (n < 0) return n;
  if (ev->kind != GC_KIND_SCAVENGE) {
    int w = format_sweep_nvp(h, ev, buf ? buf + used_of(n, len) : NULL, room_after(n, len));
    if (w < 0) return w;
    n += w;
  }
  if (!ev->weak_holders) return n; /* no weak objects: no weak keys */
  int w = format_weak_nvp(ev, buf ? buf + used_of(n, len) : NULL, room_after(n, len));
  return w < 0 ? w : n + w;
}
