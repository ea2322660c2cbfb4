/*
 * test_memory_reducer.c -- the memory reducer's timer (event_loop.c) and
 * its test of a low allocation rate, V8 11.3's Heap::HasLowAllocationRate
 * (allocation_rate.c over the collector's speeds, gc_speed.c): the
 * tracer's last ten intervals with no time window, against the speed at
 * which Scavenges keep survivors; the timer posted 100 ms late; the
 * watchdog after 100 s.
 *
 * Every heap verifies itself after every GC (new_heap turns it on).
 */
#include <stdlib.h>

#include "test_util.h"
#include "heap_internal.h" /* the virtual clock */

#define MS 1000000ull

/* A heap whose memory reducer is armed: 11 MiB of old large objects, then
 * a full GC that leaves more than 10 MB committed (DONE -> WAIT). */
static gc_heap *armed_heap(void) {
  gc_config c;
  small_config(&c);
  c.incremental.enabled = false; /* the reducer's GC runs at once */
  c.old_space.max_size = 64u << 20;
  gc_heap *h = new_heap(&c);
  old_large_mib(h, 11);
  OK(h, gc_full_gc(h));
  return h;
}

/* Young garbage, one object in `keep_every` kept in `keep` (a rooted
 * array, overwritten round-robin) so that every Scavenge copies a few. */
static void churn(gc_heap *h, gc_handle keep, uint32_t objects, uint32_t keep_every) {
  for (uint32_t i = 0; i < objects; i++) {
    gc_handle x = alloc_obj(h, 2, "Garbage");
    if (i % keep_every == 0) OK(h, gc_slot_set_ref(h, keep, (i / keep_every) % 8, x));
    OK(h, gc_handle_release(h, x));
  }
}

static uint64_t end_ns(const gc_event *ev) { return (ev->start_us + ev->pause_us) * 1000; }

/* The timer fires 8000 ms + kSlackMs = 100 ms after the full GC: at 8099
 * ms nothing, at 8101 the reducer's GC (the rate is low: nothing was
 * allocated young, and the old generation's 11 MiB over 8 s is far under
 * the full GC's speed). */
static void test_the_timer_is_posted_100_ms_late(void **state) {
  (void)state;
  gc_heap *h = armed_heap();
  size_t n = gc_event_count(h);
  uint64_t mc_end = end_ns(last_event(h));
  OK(h, gc_idle(h, 8099 - (heap_vclock(h) - mc_end) / MS));
  assert_int_equal(gc_event_count(h), n);
  OK(h, gc_idle(h, 2));
  assert_int_equal(gc_event_count(h), n + 1);
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->reason, GC_REASON_MEMORY_REDUCER);
  assert_true(ev->start_us * 1000 >= mc_end + 8100 * MS);
  gc_heap_free(h);
}

/* After young allocation the ring remembers it, idle time or not: the
 * rate is the ring's bytes over the ring's time and the idle time since
 * the last GC, against the Scavenges' speed for survived bytes.  Here
 * ~100 Scavenges of a 16 KiB semispace, one object in 800 kept for a
 * while, so that a Scavenge copies about 40 bytes in a pause of mostly
 * its fixed cost: the Scavenges' speed is about 2,000 bytes per ms, and a
 * rate under 0.7% of it, 14 bytes per ms, is low (mutator utilisation
 * above 0.993).  The ring's ten intervals, about 164 KB, over 8.1 s are
 * 20 bytes per ms: the first timer waits another 8 s; over 16.2 s, 10:
 * the second starts the GC.  (Under the old rule, 1000 bytes/ms over the
 * last 5 s, the first timer started it.) */
static void test_a_recent_burst_defers_the_reducer(void **state) {
  (void)state;
  gc_heap *h = armed_heap();
  gc_handle keep = rooted(h, 8, "Keep");
  churn(h, keep, 40000, 800);
  const gc_event *last = last_event(h);
  assert_int_equal(last->kind, GC_KIND_SCAVENGE);
  uint64_t from = end_ns(last);
  size_t n = gc_event_count(h);
  OK(h, gc_idle(h, 8200)); /* the first timer, 8.1 s after the last MC ... */
  assert_int_equal(gc_event_count(h), n);
  OK(h, gc_idle(h, 8200)); /* ... the second */
  assert_int_equal(gc_event_count(h), n + 1);
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->reason, GC_REASON_MEMORY_REDUCER);
  assert_true(ev->start_us * 1000 > from + 16000 * MS);
  gc_heap_free(h);
}

/* Scavenges that keep nothing have a speed of 1 byte/ms (AverageSpeed's
 * floor): no allocation rate is low against it, and only the watchdog
 * starts the reducer, at the first timer more than 100 s after the last
 * Mark-Compact it was told of. */
static void test_the_watchdog_starts_it_after_100_s(void **state) {
  (void)state;
  gc_heap *h = armed_heap();
  uint64_t mc_end = end_ns(last_event(h));
  for (int i = 0; i < 20000; i++) OK(h, gc_handle_release(h, alloc_obj(h, 2, "Garbage")));
  size_t n = gc_event_count(h);
  assert_true(n > 10);
  OK(h, gc_idle(h, 99000));
  assert_int_equal(gc_event_count(h), n);
  OK(h, gc_idle(h, 10000));
  assert_int_equal(gc_event_count(h), n + 1);
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->reason, GC_REASON_MEMORY_REDUCER);
  assert_true(ev->start_us * 1000 > mc_end + 100000 * MS);
  assert_true(ev->start_us * 1000 < mc_end + 108200 * MS);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_timer_is_posted_100_ms_late),
      cmocka_unit_test(test_a_recent_burst_defers_the_reducer),
      cmocka_unit_test(test_the_watchdog_starts_it_after_100_s),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
