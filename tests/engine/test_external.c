/* test_external.c -- memory outside the heap (gc_alloc_external,
 * engine/external.c): the bytes of live owners, freed when a GC finds the
 * owner dead, leaving `young` when it is promoted; and V8 11.3's three
 * triggers -- the Scavenge before a new store once the young owners'
 * bytes reach external.young_gc_bytes, incremental marking (or a step of
 * it, or with incremental marking off a full GC) once the bytes pass the
 * soft limit, a memory-reducing full GC past the hard limit (half the old
 * generation's maximum).  Sizes are this file's: 1 KiB stores, a 16 KiB
 * young trigger, a 64 KiB soft limit. */
#include "test_util.h"

#define KB 1024u

static gc_config ext_config(void) {
  gc_config c;
  small_config(&c);
  c.external.young_gc_bytes = 16 * KB;
  c.external.soft_limit = 64 * KB;
  return c;
}

/* ext_config without the young stores' Scavenge, for the limits. */
static gc_config limits_config(void) {
  gc_config c = ext_config();
  c.external.young_gc_bytes = 1u << 30;
  return c;
}

static gc_handle external(gc_heap *h, uint64_t bytes) {
  gc_handle x;
  OK(h, gc_alloc_external(h, GC_NO_SITE, bytes, 0, 88, "ArrayBuffer", &x));
  return x;
}

static void test_owners_bytes_freed_when_they_die(void **state) {
  (void)state;
  gc_config c = ext_config();
  gc_heap *h = new_heap(&c);
  gc_handle keep = external(h, 3 * KB);
  OK(h, gc_root(h, keep));
  gc_handle dies = external(h, 5 * KB);
  gc_heap_stats s = stats_of(h);
  assert_int_equal(s.external_bytes, 8 * KB);
  assert_int_equal(s.external_young_bytes, 8 * KB);
  assert_int_equal(s.external_limit, 64 * KB);
  uint32_t handles = s.handles;
  OK(h, gc_handle_release(h, dies));
  OK(h, gc_scavenge(h)); /* the kept one is copied: still young */
  s = stats_of(h);
  assert_int_equal(s.external_bytes, 3 * KB);
  assert_int_equal(s.external_young_bytes, 3 * KB);
  assert_int_equal(s.handles, handles - 2); /* released, and the engine's own of the dead one */
  OK(h, gc_scavenge(h)); /* promoted: its bytes leave the young ones */
  assert_int_equal(info_of(h, keep).space, GC_SPACE_OLD);
  s = stats_of(h);
  assert_int_equal(s.external_bytes, 3 * KB);
  assert_int_equal(s.external_young_bytes, 0);
  /* a full GC frees an old owner, and sets the soft limit from what is
   * left (V8's ResetAfterGC) */
  OK(h, gc_unroot(h, keep));
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  s = stats_of(h);
  assert_int_equal(s.external_bytes, 0);
  assert_int_equal(s.external_limit, 64 * KB);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_young_stores_scavenge_first(void **state) {
  (void)state;
  gc_config c = ext_config();
  gc_heap *h = new_heap(&c);
  gc_handle keep = external(h, 1 * KB);
  OK(h, gc_root(h, keep));
  for (int i = 0; i < 15; i++) OK(h, gc_handle_release(h, external(h, 1 * KB)));
  assert_int_equal(gc_event_count(h), 0);
  assert_int_equal(stats_of(h).external_young_bytes, 16 * KB);
  /* 16 KiB of young owners: the next store is preceded by a Scavenge */
  gc_handle x = external(h, 1 * KB);
  assert_int_equal(gc_event_count(h), 1);
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_string_equal(gc_reason_name(ev->reason), "external memory pressure");
  /* the kept one and the new one are left */
  assert_int_equal(stats_of(h).external_bytes, 2 * KB);
  assert_int_equal(info_of(h, x).space, GC_SPACE_NEW);
  /* a store bigger than the young owners' bytes does not ask (V8: "and
   * at least the new store's size") */
  gc_config c2 = ext_config();
  gc_heap *h2 = new_heap(&c2);
  for (int i = 0; i < 16; i++) OK(h2, gc_handle_release(h2, external(h2, 1 * KB)));
  OK(h2, gc_handle_release(h2, external(h2, 17 * KB)));
  assert_int_equal(gc_event_count(h2), 0);
  gc_heap_free(h2);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* Owners kept alive in a rooted array so that the soft limit is passed. */
static gc_handle kept_owners(gc_heap *h, uint32_t n, uint64_t bytes) {
  gc_handle arr = rooted(h, n, "Array");
  for (uint32_t i = 0; i < n; i++) {
    gc_handle x = external(h, bytes);
    OK(h, gc_slot_set_ref(h, arr, i, x));
    OK(h, gc_handle_release(h, x));
  }
  return arr;
}

static void test_soft_limit_starts_marking(void **state) {
  (void)state;
  gc_config c = limits_config();
  gc_heap *h = new_heap(&c);
  gc_handle arr = kept_owners(h, 64, 1 * KB); /* 64 KiB: at the limit, not past it */
  assert_int_equal(gc_marking(h), GC_MARKING_IDLE);
  gc_handle x = external(h, 1 * KB); /* past it: marking starts */
  OK(h, gc_slot_set_ref(h, arr, 0, x));
  assert_int_not_equal(gc_marking(h), GC_MARKING_IDLE);
  assert_int_equal(gc_event_count(h), 0);
  /* while it runs, each store past the limit marks on the main thread
   * (5 ms of the virtual clock at least): the small heap's cycle is done */
  OK(h, gc_handle_release(h, external(h, 1 * KB)));
  assert_int_equal(gc_marking(h), GC_MARKING_COMPLETE);
  /* the next allocation takes the stack guard's request */
  OK(h, gc_handle_release(h, external(h, 1 * KB)));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_MARK_COMPACT);
  assert_string_equal(gc_reason_name(ev->reason), "finalize incremental marking via stack guard");
  /* the dead ones freed, the limit reset past what is left */
  gc_heap_stats s = stats_of(h);
  assert_int_equal(s.external_bytes, 64 * KB + 1 * KB); /* the array's 64 (one replaced) and the last */
  assert_int_equal(s.external_limit, 64 * KB + 64 * KB);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_soft_limit_without_incremental_marking_collects(void **state) {
  (void)state;
  gc_config c = limits_config();
  c.incremental.enabled = false;
  gc_heap *h = new_heap(&c);
  kept_owners(h, 64, 1 * KB);
  assert_int_equal(gc_event_count(h), 0);
  gc_handle x = external(h, 1 * KB);
  assert_int_equal(gc_event_count(h), 1);
  const gc_event *ev = last_event(h);
  assert_int_not_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_string_equal(gc_reason_name(ev->reason), "external memory pressure");
  assert_false(ev->reduce_memory);
  /* the new owner survived the GC its own store caused */
  assert_int_equal(info_of(h, x).space, GC_SPACE_OLD);
  assert_int_equal(stats_of(h).external_bytes, 65 * KB);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_hard_limit_reduces_memory(void **state) {
  (void)state;
  gc_config c = limits_config();
  c.external.soft_limit = 4u << 20;      /* not this one */
  c.old_space.max_size = 1u << 20;       /* the hard limit: 512 KiB past the lowest */
  c.old_space.evacuation_quota = 256u << 10;
  gc_heap *h = new_heap(&c);
  gc_handle x = external(h, 600 * KB);
  assert_int_equal(gc_event_count(h), 0); /* past neither: the soft limit is 4 MiB */
  OK(h, gc_handle_release(h, x));
  c.external.soft_limit = 64 * KB;
  gc_heap_free(h);
  h = new_heap(&c);
  x = external(h, 600 * KB);
  assert_int_equal(gc_event_count(h), 1);
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_MARK_COMPACT);
  assert_string_equal(gc_reason_name(ev->reason), "external memory pressure");
  assert_true(ev->reduce_memory);
  assert_int_equal(stats_of(h).external_bytes, 600 * KB);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_bad_arguments(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle x;
  assert_int_equal(gc_alloc_external(h, GC_NO_SITE, 0, 0, 0, "X", &x), GC_EINVAL);
  assert_true(error_has(h, "external: expected 1 byte to 2^50 bytes, got 0"));
  assert_int_equal(gc_alloc_external(h, GC_NO_SITE, (1ull << 50) + 1, 0, 0, "X", &x), GC_EINVAL);
  assert_int_equal(gc_alloc_external(h, GC_NO_SITE, 8, 0, 0, "X", NULL), GC_EINVAL);
  assert_int_equal(gc_alloc_external(h, 3, 8, 0, 0, "X", &x), GC_EINVAL); /* no such site */
  assert_int_equal(stats_of(h).external_bytes, 0);
  gc_config c;
  small_config(&c);
  c.external.soft_limit = 0;
  char err[256];
  assert_int_equal(gc_config_validate(&c, err, sizeof err), GC_EINVAL);
  assert_non_null(strstr(err, "external.soft_limit: expected a positive size"));
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_owners_bytes_freed_when_they_die),
      cmocka_unit_test(test_young_stores_scavenge_first),
      cmocka_unit_test(test_soft_limit_starts_marking),
      cmocka_unit_test(test_soft_limit_without_incremental_marking_collects),
      cmocka_unit_test(test_hard_limit_reduces_memory),
      cmocka_unit_test(test_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
