/*
 * test_defects.c -- issue 11's engine defects, one test each; every test
 * here failed before its fix.
 *   1. a last-resort GC grew new space just before out of memory;
 *   2. the out-of-memory message said "allocation of 0 bytes" for a young
 *      allocation that failed;
 *   3. gc_set_old_max accepted a maximum the config checker refuses (less
 *      than a page), and messages gave sizes without units;
 *   6. no way to insist on a Scavenge: gc_scavenge may run a full GC
 *      ("scavenge might not succeed"), gc_scavenge_forced never does.
 */
#include "test_util.h"

/* ------------------------------------------------------------- defect 1 */

/* Young survivors that stay young through full GCs (no promotion by age or
 * page), then a large object the old generation cannot take: the full GC
 * and the last-resort GCs cannot help, and the heap runs out of memory.
 * The last-resort GCs reduce memory; 2 x the young survivors (24000 bytes)
 * is more than new space's 16 KiB, and must not make them grow it. */
static void test_last_resort_gc_never_grows_new_space(void **state) {
  (void)state;
  gc_config c = limit_config();
  c.incremental.enabled = false;
  c.old_space.always_promote_young = false;
  c.old_space.page_promotion_pct = 0;
  c.new_space.promotion_age = 15;
  gc_heap *h = new_heap(&c);
  for (int i = 0; i < 300; i++) rooted(h, 2, "Young"); /* 300 x 40 bytes */
  gc_handle big; /* a young large object, old after the full GC */
  OK(h, gc_alloc(h, 0, 120u << 10, "Big", &big));
  OK(h, gc_root(h, big));
  OK(h, gc_full_gc(h)); /* the young objects stay young; new space does not grow */
  assert_int_equal(stats_of(h).space[GC_SPACE_NEW].objects, 300);
  uint64_t capacity = stats_of(h).semi_space_capacity;
  assert_int_equal(capacity, c.new_space.semi_space_initial);
  assert_true(stats_of(h).space[GC_SPACE_NEW].size * 2 > capacity);

  size_t ev0 = gc_event_count(h);
  gc_handle huge;
  assert_int_equal(gc_alloc_old(h, 0, 140u << 10, "Huge", &huge), GC_EOOM); /* old: its pages must fit */
  assert_true(error_has(h, GC_OOM_RETRY_MESSAGE)); /* the allocation still fails after every GC */
  /* The light-retry full GCs before them are ordinary Mark-Compacts, and
   * may grow new space from the young bytes that survived (V8 11.3 does,
   * Heap::GarbageCollectionPrologueInSafepoint); a last-resort one reduces
   * memory and never grows it (ShouldResizeNewSpace: kShrink). */
  size_t last_resorts = 0;
  uint64_t before = capacity;
  for (size_t i = ev0; i < gc_event_count(h); i++) {
    const gc_event *ev = gc_event_get(h, i);
    if (ev->reason == GC_REASON_LAST_RESORT) {
      last_resorts++;
      assert_true(ev->semi_space_capacity <= before);
    }
    before = ev->semi_space_capacity;
  }
  assert_int_equal(last_resorts, c.old_space.last_resort_gcs);
  assert_true(stats_of(h).semi_space_capacity <= before);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* ------------------------------------------------------------- defect 2 */

/* Rooted young objects of 1000 bytes until out of memory: the message
 * names the allocation that failed, not 0. */
static void test_oom_message_names_the_failed_allocation(void **state) {
  (void)state;
  gc_config c = limit_config();
  gc_heap *h = new_heap(&c);
  gc_status st = GC_OK;
  for (int i = 0; i < 2000 && st == GC_OK; i++) {
    gc_handle x;
    st = gc_alloc(h, 0, 1000, "Leak", &x);
    if (st == GC_OK) OK(h, gc_root(h, x));
  }
  assert_int_equal(st, GC_EOOM);
  assert_true(error_has(h, GC_OOM_MESSAGE));
  assert_false(error_has(h, "allocation of 0 bytes"));
  assert_true(error_has(h, "allocation of 1000 bytes)"));
  assert_true(error_has(h, "maximum 256KiB"));
  gc_heap_free(h);
}

/* ------------------------------------------------------------- defect 3 */

static void test_set_old_max_follows_the_config_rules(void **state) {
  (void)state;
  gc_heap *h = small_heap(); /* 4 KiB pages, 4 MiB maximum */
  /* Less than a page: refused, as the config checker refuses it, and the
   * maximum is unchanged. */
  assert_int_equal(gc_set_old_max(h, 8), GC_EINVAL);
  assert_true(error_has(h, "old_space.max_size: expected at least one page (4KiB)"));
  assert_true(error_has(h, "got 8 bytes"));
  assert_int_equal(stats_of(h).old_max, 4u << 20);
  assert_int_equal(gc_set_old_max(h, 4095), GC_EINVAL);
  /* Above the config's 64 GiB bound. */
  assert_int_equal(gc_set_old_max(h, 65ull << 30), GC_EINVAL);
  assert_true(error_has(h, "at most 64GiB, got 65GiB"));
  /* One page is a valid maximum; the heap's messages then give sizes with
   * units. */
  OK(h, gc_set_old_max(h, 4096));
  assert_int_equal(stats_of(h).old_max, 4096);
  gc_handle x;
  assert_int_equal(gc_alloc(h, 0, 8192, "Big", &x), GC_EOOM);
  assert_true(error_has(h, "an object of 8KiB is larger than the heap maximum of 4KiB"));
  gc_heap_free(h);
}

/* Old objects above the new maximum: refused with both sizes in units. */
static void test_set_old_max_below_the_old_generation(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  for (int i = 0; i < 200; i++) rooted(h, 2, "Old");
  OK(h, gc_full_gc(h)); /* 200 x 40 bytes promoted */
  assert_int_equal(stats_of(h).space[GC_SPACE_OLD].size, 8000);
  assert_int_equal(gc_set_old_max(h, 4096), GC_EINVAL);
  assert_true(error_has(h, "expected at least the old generation's current size (8000 bytes), got 4KiB"));
  gc_heap_free(h);
}

/* ------------------------------------------------------------- defect 6 */

/* With an old generation too small to take all of new space, gc_scavenge
 * runs a full GC, as V8 does; gc_scavenge_forced scavenges anyway. */
static void test_forced_scavenge(void **state) {
  (void)state;
  gc_heap *h = small_heap(); /* 16 KiB semispaces */
  OK(h, gc_set_old_max(h, 12u << 10));
  gc_handle keep[50];
  for (int i = 0; i < 50; i++) keep[i] = rooted(h, 2, "Kept");
  for (int i = 0; i < 50; i++) alloc_obj(h, 2, "Garbage");

  OK(h, gc_scavenge(h));
  assert_int_not_equal(last_event(h)->kind, GC_KIND_SCAVENGE);
  assert_string_equal(last_event(h)->collector_reason, "scavenge might not succeed");

  for (int i = 0; i < 50; i++) alloc_obj(h, 2, "Garbage");
  OK(h, gc_scavenge_forced(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_int_equal(ev->reason, GC_REASON_TESTING);
  assert_string_equal(ev->collector_reason, "");
  assert_int_equal(ev->died_in_new, 50);
  for (int i = 0; i < 50; i++) assert_true(info_of(h, keep[i]).alive);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_last_resort_gc_never_grows_new_space),
      cmocka_unit_test(test_oom_message_names_the_failed_allocation),
      cmocka_unit_test(test_set_old_max_follows_the_config_rules),
      cmocka_unit_test(test_set_old_max_below_the_old_generation),
      cmocka_unit_test(test_forced_scavenge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
