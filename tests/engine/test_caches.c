/*
 * test_caches.c -- caches a full GC empties at its start
 * (gc_flush_at_full_gc, engine/caches.c; V8's Heap::MarkCompactPrologue
 * flushing the number-string cache): an atomic full GC frees what only the
 * cache held and leaves its slots empty; an incremental one keeps what its
 * marking reached (floating garbage, gone at the next); a Scavenge keeps
 * the cache's young strings; the cache is a root until taken off, and
 * taken off it is an object like any other; bad input.
 */
#include "test_util.h"

/* An old FixedArray of `n` slots, registered as a cache and not rooted by
 * the program. */
static gc_handle new_cache(gc_heap *h, uint32_t n) {
  gc_handle c;
  OK(h, gc_alloc_old(h, n, 0, "FixedArray", &c));
  OK(h, gc_flush_at_full_gc(h, c, true));
  return c;
}

/* A young string stored in slot `i` of `cache`. */
static gc_handle cached_string(gc_heap *h, gc_handle cache, uint32_t i) {
  gc_handle s = alloc_sized(h, 0, 24, "SeqOneByteString");
  OK(h, gc_slot_set_ref(h, cache, i, s));
  return s;
}

static gc_slot_kind slot_kind(gc_heap *h, gc_handle x, uint32_t i) {
  gc_slot_value v;
  OK(h, gc_slot_get(h, x, i, &v));
  return v.kind;
}

static void test_atomic_full_gc_frees_what_only_the_cache_held(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle cache = new_cache(h, 4);
  gc_handle only = cached_string(h, cache, 0);
  gc_handle shared = cached_string(h, cache, 1);
  gc_handle holder = rooted(h, 1, "Holder");
  OK(h, gc_slot_set_ref(h, holder, 0, shared));
  OK(h, gc_full_gc(h));
  assert_false(last_event(h)->incremental);
  assert_false(info_of(h, only).alive);
  assert_true(info_of(h, shared).alive);
  assert_true(info_of(h, cache).alive); /* a root, though the program never rooted it */
  for (uint32_t i = 0; i < 4; i++) assert_int_equal(slot_kind(h, cache, i), GC_SLOT_EMPTY);
  gc_heap_free(h);
}

static void test_scavenge_keeps_the_cache(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle cache = new_cache(h, 2);
  gc_handle s = cached_string(h, cache, 0);
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, s).alive);
  assert_int_equal(slot_kind(h, cache, 0), GC_SLOT_REF);
  gc_heap_free(h);
}

/* Marking that has reached the cache's strings keeps them through the
 * pause that empties it; they die at the next full GC. */
static void test_incremental_full_gc_keeps_what_marking_reached(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.incremental.activation_size = c.old_space.max_size; /* the test drives marking */
  gc_heap *h = new_heap(&c);
  gc_handle cache = new_cache(h, 4);
  gc_handle before = cached_string(h, cache, 0);
  OK(h, gc_incremental_start(h)); /* the cache, a root, turns grey */
  bool done = false;
  for (int i = 0; i < 100000 && info_of(h, cache).color != GC_BLACK; i++) {
    OK(h, gc_incremental_step(h, 1, &done));
    assert_false(done && info_of(h, cache).color != GC_BLACK);
  }
  assert_int_equal(info_of(h, before).color, GC_GREY);
  gc_handle during = cached_string(h, cache, 1); /* into a black cache: the barrier greys it */
  OK(h, gc_incremental_finish(h));
  assert_true(last_event(h)->incremental);
  assert_true(info_of(h, before).alive);
  assert_true(info_of(h, during).alive);
  assert_int_equal(slot_kind(h, cache, 0), GC_SLOT_EMPTY);
  assert_int_equal(slot_kind(h, cache, 1), GC_SLOT_EMPTY);
  OK(h, gc_full_gc(h));
  assert_false(info_of(h, before).alive);
  assert_false(info_of(h, during).alive);
  gc_heap_free(h);
}

static void test_taken_off_is_an_object_like_any_other(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle cache = new_cache(h, 2);
  OK(h, gc_flush_at_full_gc(h, cache, true)); /* twice is once */
  gc_handle s = cached_string(h, cache, 0);
  OK(h, gc_root(h, cache));
  OK(h, gc_flush_at_full_gc(h, cache, false));
  OK(h, gc_full_gc(h));
  assert_true(info_of(h, s).alive);
  assert_int_equal(slot_kind(h, cache, 0), GC_SLOT_REF);
  OK(h, gc_unroot(h, cache));
  OK(h, gc_full_gc(h));
  assert_false(info_of(h, cache).alive); /* registered once, taken off once: no root left */
  assert_int_equal(gc_flush_at_full_gc(h, s, false), GC_EDEAD);
  gc_heap_free(h);
}

static void test_bad_handles(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle x = alloc_obj(h, 1, "X");
  OK(h, gc_full_gc(h));
  assert_int_equal(gc_flush_at_full_gc(h, x, true), GC_EDEAD);
  assert_int_equal(gc_flush_at_full_gc(h, (gc_handle)12345 << 32 | 7, true), GC_EINVAL);
  assert_true(strlen(gc_heap_error(h)) > 0);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_atomic_full_gc_frees_what_only_the_cache_held),
      cmocka_unit_test(test_scavenge_keeps_the_cache),
      cmocka_unit_test(test_incremental_full_gc_keeps_what_marking_reached),
      cmocka_unit_test(test_taken_off_is_an_object_like_any_other),
      cmocka_unit_test(test_bad_handles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
