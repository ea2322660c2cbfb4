/*
 * heap.c -- the policy hub and the public API's front door.
 *
 * This file decides; the other files do.  It owns: heap creation, the
 * allocation slow path (which collection to run and why: allocation
 * failure, the old-generation limit, "scavenge might not succeed",
 * incremental finalization, last resort), heap growing after full GCs, the
 * heap limit and out-of-memory, the event records, and the object/slot API.
 *
 * Determinism: no decision depends on wall-clock time or on a machine
 * address.  Time in policy is the virtual clock: nanoseconds charged per
 * unit of counted work (gc_config.cost).  Wall time is only reported.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "heap_internal.h"
#include "weak.h"

/* Fixed virtual cost of any GC pause (roots, bookkeeping), in ns. */
#define GC_BASE_COST_NS 20000u
/* V8's MaxGrowingFactor: small heaps grow by 1.3..2.0, scaled by the
 * maximum between these sizes (64-bit values of heap-controller.cc). */
#define GROWING_SMALL_MIN_FACTOR 1.3
#define GROWING_SMALL_MAX_FACTOR 2.0
#define GROWING_SMALL_HEAP (256ull << 20)
#define GROWING_LARGE_HEAP (2048ull << 20)


/* ------------------------------------------------------------------ names */

const char *gc_status_name(gc_status s) {
  switch (s) {
    case GC_OK: return "ok";
    case GC_EINVAL: return "invalid argument";
    case GC_EDEAD: return "dead object";
    case GC_EOOM: return "out of memory";
    case GC_ESTATE: return "invalid state";
    case GC_ENOMEM: return "process out of memory";
    case GC_ECORRUPT: return "heap corrupt";
  }
  return "unknown";
}

const char *gc_space_name(gc_space s) {
  static const char *n[] = {"new", "old", "large", "new_large"};
  return (unsigned)s < GC_SPACE_COUNT ? n[s] : "?";
}

const char *gc_color_name(gc_color c) {
  static const char *n[] = {"white", "grey", "black"};
  return (unsigned)c <= GC_BLACK ? n[c] : "?";
}

const char *gc_kind_name(gc_kind k) {
  static const char *n[] = {"Scavenge", "Mark-Sweep", "Mark-Compact"};
  return (unsigned)k <= GC_KIND_MARK_COMPACT ? n[k] : "?";
}

const char *gc_reason_name(gc_reason r) {
  static const char *n[] = {"allocation failure", "testing", "last resort",
                            "finalize incremental marking via stack guard", "stress"};
  return (unsigned)r < GC_REASON_COUNT ? n[r] : "?";
}

const char *gc_marking_state_name(gc_marking_state s) {
  static const char *n[] = {"idle", "marking", "complete"};
  return (unsigned)s <= GC_MARKING_COMPLETE ? n[s] : "?";
}

/* ---------------------------------------------------------------- lifecycle */

static uint64_t initial_old_limit(const gc_config *c) {
  if (c->old_space.initial_limit) return c->old_space.initial_limit;
  uint64_t half = c->old_space.max_size / 2;
  return half < (512ull << 20) ? half : (512ull << 20);
}

gc_status gc_heap_new(const gc_config *cfg, gc_heap **out, char *err, size_t errlen) {
  gc_config def;
  if (!out) {
    if (err && errlen) snprintf(err, errlen, "out: expected a pointer, got NULL");
    return GC_EINVAL;
  }
  *out = NULL;
  if (!cfg) {
    gc_config_default(&def);
    cfg = &def;
  }
  gc_status st = gc_config_validate(cfg, err, errlen);
  if (st != GC_OK) return st;
  gc_heap *h = calloc(1, sizeof *h);
  if (!h) {
    if (err && errlen) snprintf(err, errlen, "out of process memory for a heap");
    return GC_ENOMEM;
  }
  h->cfg = *cfg;
  h->next_id = 1;
  h->marking_barrier_on = true;
  h->old_max = h->initial_old_max = cfg->old_space.max_size;
  h->old_limit = initial_old_limit(cfg);
  heap_update_fast_alloc(h);
  names_intern(h, "Object");
  if (!pages_init(h) || !new_space_init(h)) {
    gc_heap_free(h);
    if (err && errlen) snprintf(err, errlen, "could not reserve or commit the heap's memory");
    return GC_ENOMEM;
  }
  *out = h;
  return GC_OK;
}

void gc_heap_free(gc_heap *h) {
  if (!h) return;
  weak_free(h);
  pages_destroy(h);
  handles_free_all(h);
  names_free(h);
  free(h->events);
  addr_vec_free(&h->worklist);
  addr_vec_free(&h->promo);
  free(h);
}

const gc_config *gc_heap_config(const gc_heap *h) { return &h->cfg; }
const char *gc_heap_error(const gc_heap *h) { return h->error; }

uint64_t gc_default_size(uint32_t nslots) { return HEADER_SIZE + 8ull * nslots; }

/* ------------------------------------------------------------- bookkeeping */

void heap_count_work(gc_heap *h, uint64_t ns) { h->gc_ns_total += ns; }

void obj_init(gc_heap *h, addr_t a, uint64_t size, uint32_t nslots, uint32_t name, uint32_t color) {
  obj *o = O(a);
  o->w0 = size | ((uint64_t)nslots << 32);
  o->id = h->next_id++;
  o->meta = make_meta(name, 0, color);
  /* Small objects (most of them) clear their words inline: a call to memset
   * costs more than the few stores (and GCC turns a loop back into one). */
  tagged *w = o->slots;
  if (size > HEADER_SIZE + 4 * 8) {
    memset(w, 0, size - HEADER_SIZE);
    return;
  }
  switch ((size - HEADER_SIZE) >> 3) {
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    case 2: w[1] = 0; /* fall through */
    case 1: w[0] = 0; /* fall through */
    default: break;
  }
}

void record_old_to_new(gc_heap *h, addr_t holder, addr_t slot) {
  slot_set_insert(h, page_of(h, holder), slot);
}

static void sample(const gc_heap *h, gc_space_sample s[GC_SPACE_COUNT]) {
  s[GC_SPACE_NEW] = (gc_space_sample){h->nw.size, h->nw.objects, 2 * h->nw.capacity};
  s[GC_SPACE_OLD] = (gc_space_sample){h->old.size, h->old.objects,
                                      (uint64_t)h->old.pages.count << h->page_shift};
  s[GC_SPACE_LARGE] = (gc_space_sample){h->lo.size, h->lo.objects, h->lo.committed};
  s[GC_SPACE_NEW_LARGE] = (gc_space_sample){h->nlo.size, h->nlo.objects, h->nlo.committed};
}

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

/* ------------------------------------------------------------ heap growing */

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

static void update_old_limit(gc_heap *h, uint64_t gc_ns, uint64_t marked) {
  uint64_t size = old_gen_size(h);
  double f = growing_factor(h, gc_ns, marked);
  uint64_t grown = (uint64_t)((double)size * f);
  uint64_t step = size + h->cfg.old_space.min_growing_step;
  uint64_t limit = (grown > step ? grown : step) + h->nw.capacity;
  uint64_t halfway = (size + h->old_max) / 2;
  if (limit > halfway) limit = halfway;
  h->old_limit = limit;
}

/* ----------------------------------------------------------------- GC core */

static gc_status push_event(gc_heap *h, const gc_event *ev) {
  if (h->nevents == h->cap_events) {
    size_t cap = h->cap_events ? h->cap_events * 2 : 64;
    gc_event *v = realloc(h->events, cap * sizeof *v);
    if (!v) return GC_ENOMEM;
    h->events = v;
    h->cap_events = cap;
  }
  h->events[h->nevents++] = *ev;
  return GC_OK;
}

/* Run one collection and record it.  Returns GC_ECORRUPT if verification
 * after the GC is on and fails. */
gc_status heap_collect(gc_heap *h, gc_kind kind, gc_reason reason, const char *collector_reason,
                       gc_compaction strategy, bool reduce_memory) {
  gc_event ev;
  memset(&ev, 0, sizeof ev);
  h->cur = &ev;
  h->in_gc = true;
  heap_update_fast_alloc(h);
  ev.seq = ++h->gc_count;
  ev.kind = kind;
  ev.reason = reason;
  ev.collector_reason = collector_reason ? collector_reason : "";
  ev.reduce_memory = reduce_memory;
  ev.compaction = strategy;
  sample(h, ev.before);
  ev.holes_before = h->old.free.bytes;
  ev.allocated = heap_allocated_since_gc(h);
  uint64_t t0 = heap_vclock(h);
  ev.start_us = t0 / 1000;
  double w0 = wall_ms();
  bool was_marking = h->marking != GC_MARKING_IDLE;
  uint64_t marking_ns_before = 0;
  if (was_marking && kind != GC_KIND_SCAVENGE) {
    ev.incremental_steps = h->marking_steps;
    ev.incremental_marked = h->marking_step_bytes;
    ev.largest_step = h->marking_largest_step;
    ev.marking_start_us = h->marking_started_ns / 1000;
    marking_ns_before = h->marking_step_bytes * h->cfg.cost.mark_ns_per_kb / 1024;
  }

  heap_count_work(h, GC_BASE_COST_NS);
  if (kind == GC_KIND_SCAVENGE) scavenge(h);
  else full_gc(h, kind, strategy, reduce_memory);

  sample(h, ev.after);
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
  ev.pause_us = (heap_vclock(h) - t0) / 1000;
  ev.wall_pause_ms = wall_ms() - w0;
  if (kind != GC_KIND_SCAVENGE) {
    update_old_limit(h, heap_vclock(h) - t0 + marking_ns_before, ev.marked_bytes);
    h->allocated_at_full = h->allocated_total;
    h->mutator_ns_at_full = heap_mutator_ns(h);
    h->marking_steps = 0;
    h->marking_step_bytes = 0;
    h->marking_largest_step = 0;
  }
  ev.semi_space_capacity = h->nw.capacity;
  ev.old_limit = h->old_limit;
  h->allocated_at_gc = h->allocated_total;
  h->vclock_last_gc_end = heap_vclock(h);
  gc_status st = push_event(h, &ev);
  h->cur = NULL;
  h->in_gc = false;
  heap_update_fast_alloc(h);
  if (st != GC_OK) return heap_fail(h, st, "out of process memory for the event log");

  if (h->verify_each_gc) {
    gc_status v = heap_verify(h, h->marking != GC_MARKING_IDLE);
    if (v != GC_OK) return v;
  }
  if (kind == GC_KIND_SCAVENGE) incremental_maybe_start(h);
  if (h->on_gc) {
    h->in_gc = true; /* the callback may look, not collect */
    heap_update_fast_alloc(h);
    h->on_gc(h, &h->events[h->nevents - 1], h->on_gc_ud);
    h->in_gc = false;
    heap_update_fast_alloc(h);
  }
  return GC_OK;
}

/* A full GC of the configured kind (full_gc: mark_compact or mark_sweep). */
gc_status full_collect(gc_heap *h, gc_reason reason, const char *why, bool reduce) {
  const gc_config *c = &h->cfg;
  gc_kind k = c->old_space.full_gc == GC_FULL_MARK_SWEEP ? GC_KIND_MARK_SWEEP : GC_KIND_MARK_COMPACT;
  return heap_collect(h, k, reason, why, c->old_space.compaction, reduce);
}

/* Can old space absorb every young object if all were promoted?  V8's
 * CanPromoteYoungAndExpandOldGeneration: the worst case, new space's
 * capacity plus the young large objects, on top of the old generation's
 * committed pages (the measure of the heap limit, below) must fit under the
 * maximum. */
static bool can_promote_young(const gc_heap *h) {
  return old_gen_committed(h) + h->nw.capacity + h->nlo.size <= h->old_max;
}

/* Young bytes that a full GC left in new space because promoting them would
 * have passed the maximum.  V8 promotes every survivor of a full GC
 * (always_promote_young) and then finds its old generation over the limit;
 * here they count as over it too. */
static uint64_t young_left_behind(const gc_heap *h) {
  return h->cfg.old_space.always_promote_young ? h->nw.size + h->nlo.size : 0;
}

/* The heap limit: the old generation's committed pages (V8's
 * OldGenerationCapacity: holes count, so fragmentation can exhaust it) plus
 * `need` more bytes, plus after a full GC (after_full) the young survivors it
 * could not promote, must fit under the maximum.  Near-limit callback, then
 * last-resort GCs (memory-reducing Mark-Compacts, which may compact), then
 * OOM. */
static gc_status ensure_under_limit(gc_heap *h, uint64_t need, bool after_full) {
  if (old_gen_committed(h) + need + (after_full ? young_left_behind(h) : 0) <= h->old_max) return GC_OK;
  if (h->near_limit) {
    h->in_gc = true;
    heap_update_fast_alloc(h);
    uint64_t m = h->near_limit(h->near_limit_ud, h->old_max, h->initial_old_max);
    h->in_gc = false;
    heap_update_fast_alloc(h);
    if (m > h->old_max) gc_set_old_max(h, m);
    if (old_gen_committed(h) + need + (after_full ? young_left_behind(h) : 0) <= h->old_max) return GC_OK;
  }
  for (uint32_t i = 0; i < h->cfg.old_space.last_resort_gcs; i++) {
    gc_status st = heap_collect(h, GC_KIND_MARK_COMPACT, GC_REASON_LAST_RESORT, "", h->cfg.old_space.compaction, true);
    if (st != GC_OK) return st;
    if (old_gen_committed(h) + need + young_left_behind(h) <= h->old_max) return GC_OK;
  }
  return heap_fail(h, GC_EOOM,
                   "%s (old generation %llu bytes of objects in %llu committed, maximum %llu bytes, "
                   "allocation of %llu bytes)",
                   GC_OOM_MESSAGE, (unsigned long long)old_gen_size(h),
                   (unsigned long long)old_gen_committed(h), (unsigned long long)h->old_max,
                   (unsigned long long)need);
}

/* A young allocation failed: choose and run the collection. */
static gc_status collect_for_young(gc_heap *h, gc_reason reason) {
  gc_status st;
  bool full = true;
  if (h->marking == GC_MARKING_COMPLETE)
    st = full_collect(h, GC_REASON_FINALIZE_MARKING, "GC in old space requested", false);
  else if (old_gen_size(h) >= h->old_limit && h->marking == GC_MARKING_MARKING)
    st = full_collect(h, reason, "Incremental marking needs finalization", false);
  else if (old_gen_size(h) >= h->old_limit)
    st = full_collect(h, reason, "GC in old space requested", false);
  else if (!can_promote_young(h))
    st = full_collect(h, reason, "scavenge might not succeed", false);
  else {
    full = false;
    st = heap_collect(h, GC_KIND_SCAVENGE, reason, "", h->cfg.old_space.compaction, false);
  }
  if (st != GC_OK) return st;
  return ensure_under_limit(h, 0, full);
}

/* Work due before an allocation: stress scavenges and incremental steps.
 * Runs before the new object exists, so it can never collect it. */
static gc_status before_alloc(gc_heap *h) {
  if (UNLIKELY(h->stress_every) && ++h->stress_count >= h->stress_every) {
    h->stress_count = 0;
    gc_status st = collect_for_young(h, GC_REASON_STRESS);
    if (st != GC_OK) return st;
  }
  if (UNLIKELY(h->marking != GC_MARKING_IDLE)) {
    if (h->marking == GC_MARKING_MARKING &&
        (h->young_alloc >= h->cfg.incremental.young_step || h->old_alloc >= h->cfg.incremental.old_step)) {
      h->young_alloc = h->old_alloc = 0;
      gc_status st = incremental_step_internal(h, h->cfg.incremental.step_budget, NULL);
      if (st != GC_OK) return st;
    }
    if (h->marking == GC_MARKING_COMPLETE) {
      gc_status st = full_collect(h, GC_REASON_FINALIZE_MARKING, "GC in old space requested", false);
      if (st != GC_OK) return st;
    }
  }
  return GC_OK;
}

static gc_status alloc_large(gc_heap *h, uint64_t size, addr_t *out) {
  uint64_t pages = (size + h->cfg.page_size - 1) & ~(h->cfg.page_size - 1);
  if (old_gen_committed(h) + h->nlo.committed + pages > h->old_max || old_gen_size(h) >= h->old_limit) {
    gc_status st = full_collect(h, GC_REASON_ALLOCATION_FAILURE, "GC in old space requested", false);
    if (st != GC_OK) return st;
    st = ensure_under_limit(h, h->nlo.committed + pages, true);
    if (st != GC_OK) return st;
  }
  addr_t a = lo_alloc(h, size, true);
  if (!a) return heap_fail(h, GC_EOOM, "%s (no address space left for a %llu-byte large object)",
                           GC_OOM_MESSAGE, (unsigned long long)size);
  *out = a;
  return GC_OK;
}

/* *in_old tells the caller the object went to old space (pretenured). */
static gc_status alloc_young(gc_heap *h, uint64_t size, addr_t *out, bool *in_old) {
  *in_old = false;
  addr_t a = new_space_alloc(h, size);
  /* Each scavenge ages the survivors, so promotion_age + 2 scavenges
   * empty new space of everything but what the last one copied. */
  for (uint32_t tries = 0; !a && tries < h->cfg.new_space.promotion_age + 2; tries++) {
    gc_status st = collect_for_young(h, GC_REASON_ALLOCATION_FAILURE);
    if (st != GC_OK) return st;
    a = new_space_alloc(h, size);
  }
  if (!a) {
    /* New space is full of survivors: allocate in old space (pretenure). */
    gc_status st = ensure_under_limit(h, size, false);
    if (st != GC_OK) return st;
    a = old_space_alloc(h, size);
    if (!a) return heap_fail(h, GC_EOOM, "%s (no address space left)", GC_OOM_MESSAGE);
    *out = a;
    *in_old = true;
    return GC_OK;
  }
  h->nw.size += size;
  h->nw.objects++;
  *out = a;
  return GC_OK;
}

/* The rounded size of an object of `nslots` slots and `bytes` bytes (0:
 * the default), or a failure naming the argument. */
static inline gc_status alloc_size(gc_heap *h, uint32_t nslots, uint64_t bytes, uint64_t *out) {
  if (nslots > MAX_SLOTS)
    return heap_fail(h, GC_EINVAL, "slots: expected at most %llu, got %u",
                     (unsigned long long)MAX_SLOTS, (unsigned)nslots);
  uint64_t min = gc_default_size(nslots);
  uint64_t size = bytes ? bytes : min;
  if (size < min)
    return heap_fail(h, GC_EINVAL, "bytes: expected at least %llu for %u slots, got %llu",
                     (unsigned long long)min, (unsigned)nslots, (unsigned long long)bytes);
  if (size > MAX_OBJECT_SIZE)
    return heap_fail(h, GC_EINVAL, "bytes: expected at most %llu, got %llu",
                     (unsigned long long)MAX_OBJECT_SIZE, (unsigned long long)size);
  size = (size + 7) & ~7ull;
  if (size > h->old_max)
    return heap_fail(h, GC_EOOM, "%s (an object of %llu bytes is larger than the heap maximum of %llu)",
                     GC_OOM_MESSAGE, (unsigned long long)size, (unsigned long long)h->old_max);
  *out = size;
  return GC_OK;
}

/* The allocation fast path: a bump in To-space when no work is due before
 * it (stress, marking) and the object is not large; 0 otherwise.  Never
 * collects.  (young_alloc paces incremental steps; it only counts while
 * marking, and restarts from 0 when marking starts.) */
static inline addr_t alloc_fast(gc_heap *h, uint64_t size) {
  if (UNLIKELY(h->stress_every || h->marking != GC_MARKING_IDLE) || size > h->cfg.large_object.threshold)
    return 0;
  addr_t a = new_space_alloc(h, size);
  if (LIKELY(a)) {
    h->nw.size += size;
    h->nw.objects++;
  }
  return a;
}

/* Everything else: the work due before an allocation, large objects, and a
 * full new space (which collects, or pretenures).  *color is the new
 * object's colour (black when allocated in old space during marking). */
static gc_status alloc_slow(gc_heap *h, uint64_t size, addr_t *out, uint32_t *color) {
  gc_status st;
  *color = GC_WHITE;
  if (UNLIKELY(h->stress_every || h->marking != GC_MARKING_IDLE)) {
    st = before_alloc(h);
    if (st != GC_OK) return st;
  }
  if (size > h->cfg.large_object.threshold) {
    st = alloc_large(h, size, out);
    if (st != GC_OK) return st;
    h->old_alloc += size;
    return GC_OK;
  }
  bool in_old;
  st = alloc_young(h, size, out, &in_old);
  if (st != GC_OK) return st;
  if (in_old) {
    h->old_alloc += size;
    if (h->marking == GC_MARKING_MARKING) { /* black allocation */
      *color = GC_BLACK;
      page_of(h, *out)->live_bytes += size;
    }
  } else {
    h->young_alloc += size;
  }
  return GC_OK;
}

/* An allocation is done: the counters, which are also the virtual clock's
 * (heap_mutator_ns). */
static inline void count_alloc(gc_heap *h, uint64_t size) {
  h->allocated_total += size;
  h->objects_allocated++;
}

/* Prefix the message of a failed handle lookup with the argument's name. */
#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
static gc_status fail_arg(gc_heap *h, gc_status st, const char *arg) {
  char msg[sizeof h->error];
  memcpy(msg, h->error, sizeof msg);
  return heap_fail(h, st, "%s: %s", arg, msg);
}

gc_status gc_alloc(gc_heap *h, uint32_t nslots, uint64_t bytes, const char *name, gc_handle *out) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = GC_NO_HANDLE;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_alloc: not allowed during a GC");
  uint64_t size = 0;
  gc_status st = alloc_size(h, nslots, bytes, &size);
  if (st != GC_OK) return st;
  uint32_t name_id = names_intern(h, name);

  uint32_t color = GC_WHITE;
  addr_t a = alloc_fast(h, size);
  if (!a && (st = alloc_slow(h, size, &a, &color)) != GC_OK) return st;
  obj_init(h, a, size, nslots, name_id, color);
  gc_handle hd = handle_new(h, a);
  if (!hd || !handle_scope_add(h, hd)) {
    if (hd) gc_handle_release(h, hd);
    return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  }
  count_alloc(h, size);
  *out = hd;
  return GC_OK;
}

/* Keep (delta 1) or stop keeping (delta -1) the objects of init[] alive,
 * through their handles' scope counts, across an allocation that may
 * collect.  The handles were checked. */
static void protect_init(gc_heap *h, const gc_handle *init, uint32_t ninit, int delta) {
  gc_status st;
  for (uint32_t i = 0; i < ninit; i++) {
    hentry *e = init[i] ? handle_lookup(h, init[i], true, &st) : NULL;
    if (e) e->scoped += (uint32_t)delta;
  }
}

gc_status gc_name_intern(gc_heap *h, const char *name, gc_name *out) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = names_intern(h, name);
  return GC_OK;
}

/* gc_alloc_into's fast path takes default-sized objects of at most this
 * many slots, the first two of them set from init[]. */
#define ALLOC_INTO_FAST_SLOTS 8

uint64_t heap_fast_alloc_max(const gc_heap *h) {
  if (h->in_gc || h->stress_every || h->marking != GC_MARKING_IDLE) return 0;
  uint64_t m = gc_default_size(ALLOC_INTO_FAST_SLOTS);
  if (m > h->cfg.large_object.threshold) m = h->cfg.large_object.threshold;
  if (m > h->old_max) m = h->old_max;
  return m;
}

/* gc_alloc_into's common case, tried first: nothing due before the
 * allocation and room in To-space (so no GC can run), a default-sized
 * object of a few slots, at most two init handles, valid arguments.  It
 * changes nothing before it is sure to succeed, so on any doubt the general
 * path starts over and decides, or fails with its message, exactly as
 * without it.  It makes no call.  Every check is done before any store,
 * the handles' as one word each (handle_key), and only the totals are
 * counted (the virtual clock and the "since the last GC" counts are
 * derived from them: heap_mutator_ns): about 105 instructions a call in
 * binary-trees, from 134. */
static inline bool alloc_into_fast(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                                   const gc_handle *init, uint32_t ninit, gc_handle dst) {
  /* size <= fast_alloc_max: no GC running, nothing due before the
   * allocation, at most ALLOC_INTO_FAST_SLOTS slots, not a large object and
   * within the heap's maximum (nslots < 2^32: the size cannot wrap). */
  uint64_t size = gc_default_size(nslots);
  if (UNLIKELY(bytes != 0 || size > h->fast_alloc_max || ninit > 2 || ninit > nslots ||
               name >= h->names.n))
    return false;
  /* The handles: dst valid, init[] valid and live (handle_try, inline). */
  hentry *tab = h->handles;
  uint32_t n = h->nhandles;
  uint32_t di = (uint32_t)dst - 1;
  if (UNLIKELY(di >= n)) return false;
  hentry *d = &tab[di];
  uint64_t dk = d->key;
  if (UNLIKELY(dk != handle_key(dst, H_LIVE) && dk != handle_key(dst, H_DEAD))) return false;
  tagged v0 = 0, v1 = 0;
  uint64_t stores = 0;
  if (ninit) {
    if (UNLIKELY(!init)) return false;
    gc_handle x = init[0];
    if (x) {
      uint32_t i = (uint32_t)x - 1;
      if (UNLIKELY(i >= n || tab[i].key != handle_key(x, H_LIVE))) return false;
      v0 = (tagged)tab[i].addr;
      stores++;
    }
    if (ninit == 2 && (x = init[1])) {
      uint32_t i = (uint32_t)x - 1;
      if (UNLIKELY(i >= n || tab[i].key != handle_key(x, H_LIVE))) return false;
      v1 = (tagged)tab[i].addr;
      stores++;
    }
  }
  addr_t a = h->nw.top;
  if (UNLIKELY(a + size > h->nw.limit)) return false;
  /* new_space_alloc, obj_init with the init values in slots 0 and 1, and
   * count_alloc.  The stores are into a new young object and there is no
   * marking: they need no barrier, only counting. */
  uint64_t id = h->next_id++;
  obj *o = O(a);
  o->w0 = size | ((uint64_t)nslots << 32);
  o->id = id;
  o->meta = make_meta(name, 0, GC_WHITE);
  tagged *w = o->slots;
  if (nslots > 0) w[0] = v0;
  if (nslots > 1) w[1] = v1;
  switch (nslots) { /* the rest empty, without a memset call */
    case 8: w[7] = 0; /* fall through */
    case 7: w[6] = 0; /* fall through */
    case 6: w[5] = 0; /* fall through */
    case 5: w[4] = 0; /* fall through */
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    default: break;
  }
  h->nw.top = a + size;
  h->nw.size += size;
  h->nw.objects++;
  h->allocated_total += size;
  h->objects_allocated++;
  h->stores += stores;
  /* handle_retarget, from the values just stored */
  d->addr = a;
  d->id = id;
  d->name = name;
  if (UNLIKELY(d->state != H_LIVE)) {
    d->state = H_LIVE;
    d->died_in_gc = 0;
  }
  return true;
}

/* gc_alloc_into in full. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static gc_status alloc_into_general(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                                    const gc_handle *init, uint32_t ninit, gc_handle dst) {
  if (!h) return GC_EINVAL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_alloc_into: not allowed during a GC");
  gc_status st;
  if (!handle_lookup(h, dst, false, &st)) return fail_arg(h, st, "dst");
  if (ninit > nslots)
    return heap_fail(h, GC_EINVAL, "ninit: expected at most nslots (%u), got %u", (unsigned)nslots,
                     (unsigned)ninit);
  if (ninit && !init) return heap_fail(h, GC_EINVAL, "init: expected %u handles, got NULL", (unsigned)ninit);
  for (uint32_t i = 0; i < ninit; i++)
    if (init[i] && !handle_lookup(h, init[i], true, &st)) {
      char arg[32];
      snprintf(arg, sizeof arg, "init[%u]", (unsigned)i);
      return fail_arg(h, st, arg);
    }
  if (name >= h->names.n)
    return heap_fail(h, GC_EINVAL, "name: expected a name from gc_name_intern, got %u", (unsigned)name);
  uint64_t size = 0;
  st = alloc_size(h, nslots, bytes, &size);
  if (st != GC_OK) return st;

  uint32_t color = GC_WHITE;
  addr_t a = alloc_fast(h, size);
  if (!a) {
    protect_init(h, init, ninit, 1);
    st = alloc_slow(h, size, &a, &color);
    protect_init(h, init, ninit, -1);
    if (st != GC_OK) return st;
  }
  obj_init(h, a, size, nslots, name, color);
  count_alloc(h, size);
  /* The stores of gc_slot_set_ref, barrier and clock included.  Handles are
   * looked up again: the objects may have moved, and a GC callback may have
   * grown the table. */
  obj *o = O(a);
  for (uint32_t i = 0; i < ninit; i++) {
    hentry *e = init[i] ? handle_lookup(h, init[i], true, &st) : NULL;
    if (!e) continue;
    o->slots[i] = (tagged)e->addr;
    write_barrier(h, a, &o->slots[i], (tagged)e->addr);
    h->stores++;
  }
  hentry *d = handle_lookup(h, dst, false, &st);
  if (!d) return fail_arg(h, st, "dst");
  handle_retarget(d, a);
  return GC_OK;
}

gc_status gc_alloc_into(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                        const gc_handle *init, uint32_t ninit, gc_handle dst) {
  if (LIKELY(h != NULL) && alloc_into_fast(h, nslots, bytes, name, init, ninit, dst)) return GC_OK;
  return alloc_into_general(h, nslots, bytes, name, init, ninit, dst);
}

/* ------------------------------------------------------------ objects/slots */

static void fill_info(const gc_heap *h, addr_t a, gc_object_info *info) {
  const obj *o = O(a);
  const page *p = page_of(h, a);
  info->alive = true;
  info->id = o->id;
  info->name = names_get(h, META_NAME(o->meta));
  info->space = p->space;
  info->age = obj_age(o);
  info->size = obj_size(o);
  info->nslots = obj_nslots(o);
  info->address = off(h, a);
  info->page = (uint32_t)(off(h, a) >> h->page_shift);
  info->color = (gc_color)obj_color(o);
  info->rooted = false;
  info->died_in_gc = 0;
}

gc_status gc_object_info_get(gc_heap *h, gc_handle hd, gc_object_info *out) {
  gc_status st;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  hentry *e = handle_lookup(h, hd, false, &st);
  if (!e) return st;
  memset(out, 0, sizeof *out);
  if (e->state == H_DEAD) {
    out->alive = false;
    out->id = e->id;
    out->name = names_get(h, e->name);
    out->died_in_gc = e->died_in_gc;
    return GC_OK;
  }
  fill_info(h, e->addr, out);
  out->rooted = e->roots || e->scoped;
  return GC_OK;
}

#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
static gc_status slot_index_error(gc_heap *h, const obj *o, uint32_t index) {
  uint32_t n = obj_nslots(o);
  if (n == 0)
    return heap_fail(h, GC_EINVAL, "index: object #%llu (%s) has no slots, got index %u",
                     (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), index);
  return heap_fail(h, GC_EINVAL, "index: expected 0..%u for object #%llu (%s), got %u", n - 1,
                   (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), index);
}

/* The live object of `hd` and a valid slot index in it.  Every slot call
 * starts here, so the messages stay out of line. */
static inline gc_status slot_target(gc_heap *h, gc_handle hd, uint32_t index, obj **o) {
  gc_status st;
  hentry *e = handle_lookup(h, hd, true, &st);
  *o = NULL;
  if (UNLIKELY(!e)) return st;
  *o = O(e->addr);
  if (UNLIKELY(index >= obj_nslots(*o))) return slot_index_error(h, *o, index);
  return GC_OK;
}

gc_status gc_slot_get(gc_heap *h, gc_handle hd, uint32_t index, gc_slot_value *out) {
  obj *o;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  tagged v = o->slots[index];
  memset(out, 0, sizeof *out);
  if (v == 0) {
    out->kind = GC_SLOT_EMPTY;
  } else if (is_smi(v)) {
    out->kind = GC_SLOT_SMI;
    out->smi = smi_untag(v);
  } else {
    out->kind = gc_tagged_is_weak(v) ? GC_SLOT_WEAK : GC_SLOT_REF;
    out->ref_id = O((addr_t)(v & ~(tagged)3))->id;
  }
  return GC_OK;
}

/* gc_slot_load in full: the checks, the messages, the rare cases. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static gc_status slot_load_slow(gc_heap *h, gc_handle hd, uint32_t index, gc_handle dst, bool *is_ref) {
  if (!h) return GC_EINVAL;
  obj *o;
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  hentry *d = handle_lookup(h, dst, false, &st);
  if (!d) return fail_arg(h, st, "dst");
  tagged v = o->slots[index];
  if (!is_ptr(v)) {
    if (!is_ref)
      return heap_fail(h, GC_EINVAL, "index: slot %u of object #%llu does not hold a reference",
                       index, (unsigned long long)o->id);
    *is_ref = false;
    return GC_OK;
  }
  handle_retarget(d, (addr_t)v);
  if (is_ref) *is_ref = true;
  return GC_OK;
}

/* The common case inline, with no call on its way, so that it saves no
 * registers: both handles valid, h's object live, is_ref given. */
gc_status gc_slot_load(gc_heap *h, gc_handle hd, uint32_t index, gc_handle dst, bool *is_ref) {
  uint32_t si = (uint32_t)hd - 1, di = (uint32_t)dst - 1;
  if (LIKELY(h != NULL && si < h->nhandles && di < h->nhandles)) {
    const hentry *e = &h->handles[si];
    hentry *d = &h->handles[di];
    if (LIKELY(e->key == handle_key(hd, H_LIVE) &&
               (d->key == handle_key(dst, H_LIVE) || d->key == handle_key(dst, H_DEAD)))) {
      const obj *o = O(e->addr);
      if (LIKELY(index < obj_nslots(o) && is_ref)) {
        tagged v = o->slots[index];
        *is_ref = is_ptr(v);
        if (*is_ref) handle_retarget(d, (addr_t)v);
        return GC_OK;
      }
    }
  }
  return slot_load_slow(h, hd, index, dst, is_ref);
}

gc_status gc_slot_handle(gc_heap *h, gc_handle hd, uint32_t index, gc_handle *out) {
  obj *o;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  tagged v = o->slots[index];
  if (!is_ptr(v) && !gc_tagged_is_weak(v))
    return heap_fail(h, GC_EINVAL, "index: slot %u of object #%llu does not hold a reference",
                     index, (unsigned long long)o->id);
  gc_handle n = handle_new(h, (addr_t)(v & ~(tagged)3));
  if (!n) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  *out = n;
  return GC_OK;
}

static inline gc_status store(gc_heap *h, gc_handle hd, uint32_t index, tagged v) {
  obj *o;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "slot store: not allowed during a GC");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  o->slots[index] = v;
  write_barrier(h, (addr_t)o, &o->slots[index], v);
  h->stores++;
  return GC_OK;
}

gc_status gc_slot_set_ref(gc_heap *h, gc_handle hd, uint32_t index, gc_handle value) {
  gc_status st;
  hentry *e = handle_lookup(h, value, true, &st);
  if (!e) return fail_arg(h, st, "value"); /* the failing handle is the value */
  return store(h, hd, index, (tagged)e->addr);
}

gc_status gc_slot_set_smi(gc_heap *h, gc_handle hd, uint32_t index, int64_t value) {
  if (value < GC_SMI_MIN || value > GC_SMI_MAX)
    return heap_fail(h, GC_EINVAL,
                     "value: expected a small integer (%d..%d), got %lld", GC_SMI_MIN, GC_SMI_MAX,
                     (long long)value);
  return store(h, hd, index, smi_tag((int32_t)value));
}

gc_status gc_slot_clear(gc_heap *h, gc_handle hd, uint32_t index) { return store(h, hd, index, 0); }

/* ------------------------------------------------------------- collections */

static gc_status api_gc_check(gc_heap *h, const char *what) {
  if (!h) return GC_EINVAL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "%s: not allowed during a GC", what);
  return GC_OK;
}

gc_status gc_scavenge(gc_heap *h) {
  gc_status st = api_gc_check(h, "gc_scavenge");
  if (st != GC_OK) return st;
  if (!can_promote_young(h)) {
    st = full_collect(h, GC_REASON_TESTING, "scavenge might not succeed", false);
  } else {
    st = heap_collect(h, GC_KIND_SCAVENGE, GC_REASON_TESTING, "", h->cfg.old_space.compaction, false);
  }
  return st;
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
  return full_collect(h, GC_REASON_TESTING, "GC in old space requested", false);
}

/* ------------------------------------------------------------------ events */

size_t gc_event_count(const gc_heap *h) { return h->nevents; }
const gc_event *gc_event_get(const gc_heap *h, size_t i) { return i < h->nevents ? &h->events[i] : NULL; }
void gc_on_gc(gc_heap *h, gc_event_fn fn, void *ud) {
  h->on_gc = fn;
  h->on_gc_ud = ud;
}

/* ------------------------------------------------------------------- stats */

void gc_stats(const gc_heap *h, gc_heap_stats *out) {
  memset(out, 0, sizeof *out);
  gc_space_sample s[GC_SPACE_COUNT];
  sample(h, s);
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    gc_space_stats *t = &out->space[i];
    t->size = s[i].size;
    t->objects = s[i].objects;
    t->committed = s[i].committed;
  }
  out->space[GC_SPACE_NEW].capacity = h->nw.capacity;
  out->space[GC_SPACE_NEW].pages = h->nw.semi[0].count + h->nw.semi[1].count;
  out->space[GC_SPACE_NEW].live = h->nw.size_at_age_mark;
  out->space[GC_SPACE_OLD].capacity = (uint64_t)h->old.pages.count << h->page_shift;
  out->space[GC_SPACE_OLD].pages = h->old.pages.count;
  out->space[GC_SPACE_OLD].free = h->old.free.bytes;
  out->space[GC_SPACE_OLD].live = h->old.live;
  out->space[GC_SPACE_LARGE].capacity = s[GC_SPACE_LARGE].committed;
  out->space[GC_SPACE_LARGE].pages = h->lo.pages.count;
  out->space[GC_SPACE_LARGE].live = h->lo.size;
  out->space[GC_SPACE_NEW_LARGE].capacity = s[GC_SPACE_NEW_LARGE].committed;
  out->space[GC_SPACE_NEW_LARGE].pages = h->nlo.pages.count;
  out->space[GC_SPACE_NEW_LARGE].live = h->nlo.size;
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    gc_space_stats *t = &out->space[i];
    out->total.capacity += t->capacity;
    out->total.committed += t->committed;
    out->total.size += t->size;
    out->total.live += t->live;
    out->total.free += t->free;
    out->total.objects += t->objects;
    out->total.pages += t->pages;
  }
  out->old_limit = h->old_limit;
  out->old_max = h->old_max;
  out->semi_space_capacity = h->nw.capacity;
  out->age_mark = h->nw.age_mark ? off(h, h->nw.age_mark) : 0;
  out->allocated_bytes = h->allocated_total;
  out->objects_allocated = h->objects_allocated;
  out->gcs = h->gc_count;
  for (const page *p = h->old.pages.head; p; p = p->next) out->old_to_new_slots += slot_set_count(p);
  for (const page *p = h->lo.pages.head; p; p = p->next) out->old_to_new_slots += slot_set_count(p);
  out->handles = h->live_handles;
  out->virtual_time_us = heap_vclock(h) / 1000;
}

static int page_cmp(const void *a, const void *b) {
  const page *x = *(page *const *)a, *y = *(page *const *)b;
  return x->start < y->start ? -1 : (x->start > y->start);
}

gc_status gc_pages(gc_heap *h, gc_space space, gc_page_info *out, size_t cap, size_t *n) {
  if (!n) return heap_fail(h, GC_EINVAL, "n: expected a pointer, got NULL");
  if ((unsigned)space > GC_SPACE_COUNT)
    return heap_fail(h, GC_EINVAL, "space: expected a space or GC_SPACE_COUNT, got %d", (int)space);
  new_space_seal(h);
  page_list *lists[] = {&h->nw.semi[h->nw.to], &h->nw.semi[h->nw.to ^ 1], &h->old.pages, &h->lo.pages,
                        &h->nlo.pages};
  size_t total = 0;
  for (size_t i = 0; i < 5; i++) total += lists[i]->count;
  page **all = malloc((total + 1) * sizeof *all);
  if (!all) return heap_fail(h, GC_ENOMEM, "out of process memory");
  size_t k = 0;
  for (size_t i = 0; i < 5; i++)
    for (page *p = lists[i]->head; p; p = p->next)
      if (space == GC_SPACE_COUNT || p->space == space) all[k++] = p;
  qsort(all, k, sizeof *all, page_cmp);
  for (size_t i = 0; i < k && i < cap && out; i++) {
    page *p = all[i];
    gc_page_info *pi = &out[i];
    memset(pi, 0, sizeof *pi);
    pi->index = p->unit;
    pi->space = p->space;
    pi->address = off(h, p->start);
    pi->size = p->size;
    pi->live = p->live_bytes;
    pi->to_space = (p->flags & PAGE_TO) != 0;
    if (p->space == GC_SPACE_NEW) {
      if (pi->to_space) {
        addr_t end = (p == h->nw.alloc_page) ? h->nw.top : p->top;
        for (addr_t a = p->start; a < end;) {
          uint64_t w0 = O(a)->w0;
          if (!w0_filler(w0)) {
            pi->used += w0 & 0xfffffff8u;
            pi->objects++;
          }
          a += w0 & 0xfffffff8u;
        }
        pi->largest_free = p->start + p->size - end;
      } else {
        pi->largest_free = p->size;
      }
    } else {
      pi->used = p->used_bytes;
      pi->objects = p->objects;
      pi->largest_free = (p->flags & PAGE_LARGE) ? p->size - p->used_bytes : page_largest_free(h, p);
    }
    pi->free = p->size - pi->used;
  }
  free(all);
  *n = k;
  return GC_OK;
}

gc_status gc_each_object(gc_heap *h, gc_object_fn fn, void *ud) {
  if (!fn) return heap_fail(h, GC_EINVAL, "fn: expected a function, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_each_object: not allowed during a GC");
  new_space_seal(h);
  gc_object_info info;
  for (page *p = h->nw.semi[h->nw.to].head; p; p = p->next) {
    addr_t end = (p == h->nw.alloc_page) ? h->nw.top : p->top;
    for (addr_t a = p->start; a < end;) {
      uint64_t w0 = O(a)->w0;
      if (!w0_filler(w0)) {
        fill_info(h, a, &info);
        if (!fn(&info, ud)) return GC_OK;
      }
      a += w0 & 0xfffffff8u;
    }
  }
  for (page *p = h->old.pages.head; p; p = p->next)
    for (addr_t a = p->start; a < p->top;) {
      uint64_t w0 = O(a)->w0;
      if (!w0_filler(w0)) {
        fill_info(h, a, &info);
        if (!fn(&info, ud)) return GC_OK;
      }
      a += w0 & 0xfffffff8u;
    }
  lo_space *los[] = {&h->lo, &h->nlo};
  for (int i = 0; i < 2; i++)
    for (page *p = los[i]->pages.head; p; p = p->next) {
      fill_info(h, p->start, &info);
      if (!fn(&info, ud)) return GC_OK;
    }
  return GC_OK;
}

/* ----------------------------------------------------------------- switches */

void gc_set_verify_each_gc(gc_heap *h, bool on) { h->verify_each_gc = on; }
void gc_set_stress(gc_heap *h, uint32_t n) {
  h->stress_every = n;
  h->stress_count = 0;
  heap_update_fast_alloc(h);
}
void gc_set_marking_barrier(gc_heap *h, bool on) { h->marking_barrier_on = on; }

gc_status gc_verify(gc_heap *h) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_verify: not allowed during a GC");
  return heap_verify(h, h->marking != GC_MARKING_IDLE);
}

void gc_on_near_heap_limit(gc_heap *h, gc_near_limit_fn fn, void *ud) {
  h->near_limit = fn;
  h->near_limit_ud = ud;
}

gc_status gc_set_old_max(gc_heap *h, uint64_t max) {
  uint64_t room = h->reserved - 4 * h->cfg.new_space.semi_space_max - 32 * h->cfg.page_size;
  if (max < old_gen_size(h))
    return heap_fail(h, GC_EINVAL,
                     "max_size: expected at least the old generation's current size (%llu), got %llu",
                     (unsigned long long)old_gen_size(h), (unsigned long long)max);
  if (max > room)
    return heap_fail(h, GC_EINVAL,
                     "max_size: expected at most %llu (the heap's reservation), got %llu",
                     (unsigned long long)room, (unsigned long long)max);
  h->old_max = max;
  if (h->old_limit > max) h->old_limit = max;
  heap_update_fast_alloc(h);
  return GC_OK;
}
