/*
 * heap.c -- a heap's life and switches: the enum name tables, gc_heap_new
 * and gc_heap_free, the run-time switches (verification, stress, marking
 * barrier, callbacks) and gc_set_old_max.
 *
 * Where the rest is (docs/engine.md has the map): allocation in
 * allocator.c, the choice and running of collections in collector.c, the
 * old-generation limit in heap_controller.c, promotion in promotion.h, the
 * object and slot API in objects.c, statistics in stats.c.
 * Invariant: a heap that gc_heap_new returns is complete (both semispaces
 * committed, "Object" interned); one that fails is freed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"
#include "pretenuring.h"
#include "weak.h"

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
                            "finalize incremental marking via stack guard", "stress", "task",
                            "finalize incremental marking via task", "memory reducer",
                            "external memory pressure"};
  return (unsigned)r < GC_REASON_COUNT ? n[r] : "?";
}

const char *gc_marking_state_name(gc_marking_state s) {
  static const char *n[] = {"idle", "marking", "complete"};
  return (unsigned)s <= GC_MARKING_COMPLETE ? n[s] : "?";
}

/* ---------------------------------------------------------------- lifecycle */

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
  h->mc_mu_current = 1.0; /* V8's current_mark_compact_mutator_utilization_ */
  h->old_max = h->initial_old_max = cfg->old_space.max_size;
  h->old_limit = heap_initial_old_limit(cfg);
  h->old_limit_configured = cfg->old_space.initial_limit != 0 || !cfg->old_space.shrink_initial_limit;
  heap_update_fast_alloc(h);
  names_intern(h, "Object");
  if (!worklists_init(h) || !pages_init(h) || !new_space_init(h)) {
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
  external_free(h);
  caches_free(h);
  pages_destroy(h);
  handles_free_all(h);
  names_free(h);
  pretenuring_free(h);
  free(h->events);
  free(h->totals);
  worklists_free(h);
  addr_vec_free(&h->promoted_to_scan);
  addr_vec_free(&h->left_new_space);
  free(h);
}

const gc_config *gc_heap_config(const gc_heap *h) { return &h->cfg; }
const char *gc_heap_error(const gc_heap *h) { return h->error; }

uint64_t gc_default_size(uint32_t nslots) { return HEADER_SIZE + 8ull * nslots; }

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

/* The config's rule for old_space.max_size (config_check_old_max), then
 * what only a running heap has: what the old generation holds now, and the
 * room its reservation keeps for it. */
gc_status gc_set_old_max(gc_heap *h, uint64_t max) {
  if (!h) return GC_EINVAL;
  char msg[sizeof h->error];
  if (config_check_old_max(h->cfg.page_size, max, msg, sizeof msg) != GC_OK)
    return heap_fail(h, GC_EINVAL, "%s", msg);
  uint64_t room = h->reserved - 4 * h->cfg.new_space.semi_space_max - 32 * h->cfg.page_size;
  if (max < old_gen_size(h))
    return heap_fail(h, GC_EINVAL,
                     "old_space.max_size: expected at least the old generation's current size (%s), got %s",
                     SIZE_TEXT(old_gen_size(h)), SIZE_TEXT(max));
  if (max > room)
    return heap_fail(h, GC_EINVAL,
                     "old_space.max_size: expected at most %s (the heap's reservation), got %s",
                     SIZE_TEXT(room), SIZE_TEXT(max));
  h->old_max = max;
  if (h->old_limit > max) h->old_limit = max;
  heap_update_fast_alloc(h);
  return GC_OK;
}
