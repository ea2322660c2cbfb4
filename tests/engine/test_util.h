/* test_util.h -- shared helpers for the engine's cmocka tests. */
#ifndef GCLAB_TEST_UTIL_H
#define GCLAB_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka must come after the headers above */
#include <cmocka.h>

#include "gclab.h"

/* Fail the test with the heap's message when a call does not return GC_OK. */
#define OK(h, call)                                                                    \
  do {                                                                                 \
    gc_status st_ = (call);                                                            \
    if (st_ != GC_OK) fail_msg("%s -> %s: %s", #call, gc_status_name(st_), gc_heap_error(h)); \
  } while (0)

/* A small heap: 4 KiB pages, 16..64 KiB semispaces, 4 MiB old space. */
static inline void small_config(gc_config *c) {
  gc_config_default(c);
  c->page_size = 4096;
  c->page_header = 0;
  c->new_space.semi_space_initial = 16384;
  c->new_space.semi_space_max = 65536;
  c->old_space.max_size = 4u << 20;
  c->old_space.evacuation_quota = 1u << 20;
  c->old_space.min_growing_step = 256u << 10;
  c->large_object.threshold = 2048;
  c->incremental.activation_size = 256u << 10;
  c->incremental.young_step = 4096;
  c->incremental.old_step = 16384;
  c->incremental.step_budget = 4096;
  /* A site's code window starts when the site is made: the tiering budget
   * is Node's loop scale (test_pretenuring.c tests it). */
  c->allocation_sites.tiering_allocations = 0;
  /* The steps are scaled down, a marker timed by the virtual clock is not:
   * the tests drive marking by steps (test_incremental.c tests the markers). */
  c->incremental.concurrent_markers = 0;
}

/* small_config with a 256 KiB old generation (64 pages), for the heap
 * limit and out-of-memory. */
static inline gc_config limit_config(void) {
  gc_config c;
  small_config(&c);
  c.old_space.max_size = 256u << 10;
  c.old_space.evacuation_quota = 64u << 10;
  c.old_space.min_growing_step = 16u << 10;
  c.incremental.activation_size = 64u << 10;
  return c;
}

static inline gc_heap *new_heap(const gc_config *c) {
  gc_heap *h = NULL;
  char err[256];
  if (gc_heap_new(c, &h, err, sizeof err) != GC_OK) fail_msg("gc_heap_new: %s", err);
  gc_set_verify_each_gc(h, true);
  return h;
}

/* A fresh heap of small_config(). */
static inline gc_heap *small_heap(void) {
  gc_config c;
  small_config(&c);
  return new_heap(&c);
}

static inline gc_object_info info_of(gc_heap *h, gc_handle x) {
  gc_object_info i;
  OK(h, gc_object_info_get(h, x, &i));
  return i;
}

static inline gc_handle alloc_obj(gc_heap *h, uint32_t slots, const char *name) {
  gc_handle x;
  OK(h, gc_alloc(h, slots, 0, name, &x));
  return x;
}

static inline gc_handle rooted(gc_heap *h, uint32_t slots, const char *name) {
  gc_handle x = alloc_obj(h, slots, name);
  OK(h, gc_root(h, x));
  return x;
}

static inline const gc_event *last_event(gc_heap *h) {
  size_t n = gc_event_count(h);
  assert_true(n > 0);
  return gc_event_get(h, n - 1);
}

/* The value of `key=` in a --trace-gc-nvp line, as printed (byte counts
 * are exact as doubles up to 2^53). */
static inline double nvp_value(const char *line, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, " %s=", key);
  const char *p = strstr(line, pat);
  assert_non_null(p);
  return strtod(p + strlen(pat), NULL);
}

/* An object of `bytes` bytes (at least its slots' size). */
static inline gc_handle alloc_sized(gc_heap *h, uint32_t slots, uint64_t bytes, const char *name) {
  gc_handle x;
  OK(h, gc_alloc(h, slots, bytes, name, &x));
  return x;
}

static inline gc_heap_stats stats_of(gc_heap *h) {
  gc_heap_stats s;
  gc_stats(h, &s);
  return s;
}

/* Old space and old large objects: the old generation's bytes. */
static inline uint64_t old_gen_bytes(gc_heap *h) {
  gc_heap_stats s = stats_of(h);
  return s.space[GC_SPACE_OLD].size + s.space[GC_SPACE_LARGE].size;
}

/* Does the heap's last error message contain `needle`? */
static inline bool error_has(gc_heap *h, const char *needle) { return strstr(gc_heap_error(h), needle) != NULL; }

/* GCs of `kind` for `reason` among the events from index `from` on. */
static inline size_t count_events(gc_heap *h, size_t from, gc_kind kind, gc_reason reason) {
  size_t n = 0;
  for (size_t i = from; i < gc_event_count(h); i++) {
    const gc_event *e = gc_event_get(h, i);
    if (e->kind == kind && e->reason == reason) n++;
  }
  return n;
}

/* Promote n objects of `size` bytes into old space, rooted; fills v. */
static inline void fill_old(gc_heap *h, gc_handle *v, uint32_t n, uint64_t size) {
  for (uint32_t i = 0; i < n; i++) {
    v[i] = alloc_sized(h, 1, size, "Filler");
    OK(h, gc_root(h, v[i]));
  }
  OK(h, gc_scavenge(h)); /* age 1: due for promotion whatever the policy */
  OK(h, gc_mark_sweep(h));
  for (uint32_t i = 0; i < n; i++) assert_int_equal(info_of(h, v[i]).space, GC_SPACE_OLD);
}

/* n MiB of rooted old large objects, 1 MiB each: with n >= 11 the next
 * full GC leaves more than 10 MB committed and arms the memory reducer
 * (event_loop.c: DONE -> WAIT). */
static inline void old_large_mib(gc_heap *h, int n) {
  for (int i = 0; i < n; i++) {
    gc_handle lo;
    OK(h, gc_alloc_old(h, 0, 1u << 20, "Old", &lo));
    OK(h, gc_root(h, lo));
  }
}

#endif
