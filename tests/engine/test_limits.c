/* test_limits.c -- old_space.shrink_initial_limit (V8 11.3's
 * Heap::ShrinkOldGenerationAllocationLimitIfNotConfigured): until the first
 * full GC, every GC records its young survival and lowers the initial
 * old-generation limit to max(old generation + growing.min_step, limit x
 * average survival), until a GC would not lower it; a configured initial
 * limit (old_space.initial_limit) or the key off keeps it.  The expected
 * numbers follow from the rule and small_config() (4 MiB maximum: initial
 * limit 2 MiB; min_step 256 KiB; 16 KiB semispace). */
#include "test_util.h"

#define INITIAL_LIMIT (2u << 20) /* min(512 MiB, 4 MiB / 2) */
#define MIN_STEP (256u << 10)
#define SEMI (16u << 10) /* small_config's first semispace: 4 pages of 4 KiB */

/* A rooted object of `bytes` bytes (2 slots). */
static void rooted_sized(gc_heap *h, uint64_t bytes) {
  gc_handle x;
  OK(h, gc_alloc(h, 2, bytes, "Kept", &x));
  OK(h, gc_root(h, x));
}

/* Young garbage until `gcs` more GCs have run; returns the last event. */
static const gc_event *garbage_until_gcs(gc_heap *h, size_t gcs) {
  size_t want = gc_event_count(h) + gcs;
  for (int i = 0; i < 1000000 && gc_event_count(h) < want; i++) {
    gc_handle x;
    OK(h, gc_alloc(h, 2, 0, "Temp", &x));
    OK(h, gc_handle_release(h, x));
  }
  assert_int_equal(gc_event_count(h), want);
  return last_event(h);
}

static uint64_t old_limit(gc_heap *h) { return stats_of(h).old_limit; }

/* Nothing survives: the first Scavenge lowers the limit to the old
 * generation (empty) + min_step; the next would not lower it, which fixes
 * it: promoted objects later do not move it. */
static void test_garbage_lowers_the_limit_to_size_plus_step(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  assert_int_equal(old_limit(h), INITIAL_LIMIT);
  const gc_event *ev = garbage_until_gcs(h, 1);
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_int_equal(ev->copied_bytes + ev->promoted_bytes, 0);
  assert_int_equal(ev->old_limit, MIN_STEP);
  ev = garbage_until_gcs(h, 1);
  assert_int_equal(ev->old_limit, MIN_STEP); /* not lower: configured now */
  /* Survivors promoted into the old generation do not raise or recompute
   * it: it is configured until the next full GC sets a new one. */
  for (int i = 0; i < 600; i++) rooted(h, 2, "Kept");
  garbage_until_gcs(h, 3);
  gc_heap_stats s;
  gc_stats(h, &s);
  assert_true(s.space[GC_SPACE_OLD].size > 0);
  assert_int_equal(s.old_limit, MIN_STEP);
  gc_heap_free(h);
}

/* About half of the young objects survive the first Scavenge: the limit
 * becomes the initial limit times that survival percentage. */
static void test_partial_survival_scales_the_limit(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  for (int i = 0; i < 2000 && gc_event_count(h) == 0; i++) {
    gc_handle x;
    OK(h, gc_alloc(h, 2, 0, "Half", &x));
    if (i % 2 == 0) OK(h, gc_root(h, x));
    else OK(h, gc_handle_release(h, x));
  }
  const gc_event *ev = last_event(h);
  /* The young size is To-space's extent (V8's SemiSpaceNewSpace::Size(),
   * page-end fillers included): the first three pages whole, the last up
   * to top -- the failed allocation, which did not fit its rest, moved
   * nothing (AddFreshPage). */
  uint64_t young = ev->young_extent;
  uint64_t object = ev->before[GC_SPACE_NEW].size / ev->before[GC_SPACE_NEW].objects;
  assert_true(young < SEMI && young + object > SEMI);
  uint64_t survived = ev->copied_bytes + ev->promoted_bytes;
  assert_true(survived * 3 > young && survived * 3 < 2 * young); /* a third to two thirds */
  double average = 100.0 * (double)survived / (double)young;
  uint64_t want = (uint64_t)((double)INITIAL_LIMIT * (average / 100.0));
  assert_true(want > MIN_STEP);
  assert_int_equal(ev->old_limit, want);
  gc_heap_free(h);
}

/* Everything survives (64-byte objects fill the 4 KiB pages exactly, no
 * fillers): survival 100% never lowers the limit, so the first GC fixes
 * it at the initial limit; garbage later does not lower it. */
static void test_full_survival_keeps_the_initial_limit(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  while (gc_event_count(h) == 0) rooted_sized(h, 64);
  assert_int_equal(last_event(h)->old_limit, INITIAL_LIMIT);
  garbage_until_gcs(h, 3);
  assert_int_equal(old_limit(h), INITIAL_LIMIT);
  gc_heap_free(h);
}

/* Page-end fillers count in the young size the survival divides by, as in
 * V8 (Heap::PerformGarbageCollection's start_young_generation_size is
 * NewSpaceSize(), SemiSpaceNewSpace::Size(): whole pages up to the
 * allocation page, fillers included, and the allocation page up to top).
 * 1536-byte objects, all kept: two fit a 4 KiB page, the rest (1024 bytes)
 * is a filler; the last page's rest is not counted, as the allocation
 * that did not fit it moved nothing: 80% of the young size survives
 * although every object does. */
static void test_page_end_fillers_count_as_young_size(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  while (gc_event_count(h) == 0) rooted_sized(h, 1536);
  const gc_event *ev = gc_event_get(h, 0); /* the copies fill To-space again: a 2nd Scavenge follows */
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_int_equal(ev->before[GC_SPACE_NEW].size, 8 * 1536); /* two per page */
  assert_int_equal(ev->copied_bytes + ev->promoted_bytes, 8 * 1536);
  assert_int_equal(ev->young_extent, 3 * 4096 + 2 * 1536);
  assert_int_equal(ev->old_limit, (uint64_t)((double)INITIAL_LIMIT * (8.0 * 1536 / (3 * 4096 + 2 * 1536))));
  gc_heap_free(h);
}

/* The key off, or an initial limit given by the configuration (V8's
 * --initial-old-space-size sets old_generation_size_configured_): the
 * limit stays until the first full GC. */
static void test_off_or_configured_keeps_the_limit(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.old_space.shrink_initial_limit = false;
  gc_heap *h = new_heap(&c);
  garbage_until_gcs(h, 3);
  assert_int_equal(old_limit(h), INITIAL_LIMIT);
  gc_heap_free(h);

  small_config(&c);
  c.old_space.initial_limit = 1u << 20;
  h = new_heap(&c);
  garbage_until_gcs(h, 3);
  assert_int_equal(old_limit(h), 1u << 20);
  /* A full GC sets the limit from the heap controller, as always. */
  OK(h, gc_full_gc(h));
  assert_true(old_limit(h) != 1u << 20);
  gc_heap_free(h);
}

/* A lowered limit starts incremental marking early: old objects grow past
 * the activation size with young garbage in between, and marking starts
 * with the old generation far below the 2 MiB initial limit. */
static void test_lowered_limit_starts_marking_early(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_config c;
  small_config(&c);
  bool started = false;
  for (int i = 0; i < 200000 && !started; i++) {
    gc_handle x;
    OK(h, gc_alloc(h, 2, 0, "Temp", &x));
    if (i % 16 == 0) OK(h, gc_root(h, x)); /* a slow leak */
    else OK(h, gc_handle_release(h, x));
    started = gc_marking(h) != GC_MARKING_IDLE;
  }
  assert_true(started);
  gc_heap_stats s;
  gc_stats(h, &s);
  uint64_t old = s.space[GC_SPACE_OLD].size + s.space[GC_SPACE_LARGE].size;
  assert_true(old >= c.incremental.activation_size);
  assert_true(old < INITIAL_LIMIT / 2);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_garbage_lowers_the_limit_to_size_plus_step),
      cmocka_unit_test(test_partial_survival_scales_the_limit),
      cmocka_unit_test(test_full_survival_keeps_the_initial_limit),
      cmocka_unit_test(test_page_end_fillers_count_as_young_size),
      cmocka_unit_test(test_off_or_configured_keeps_the_limit),
      cmocka_unit_test(test_lowered_limit_starts_marking_early),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
