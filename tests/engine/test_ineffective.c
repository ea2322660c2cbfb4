/* test_ineffective.c -- old_space.ineffective_mark_compacts (V8's
 * Heap::CheckIneffectiveMarkCompact): consecutive full GCs that leave the
 * old generation at >= 80% of its maximum while the average mark-compact
 * mutator utilisation is < 0.4 end in out of memory with V8's text
 * "Ineffective mark-compacts near heap limit"; an effective GC restarts
 * the count; a near-heap-limit callback that raises the maximum saves the
 * heap.  Back-to-back full GCs have (almost) no mutator time between them,
 * so their utilisation is near 0. */
#include "test_util.h"

/* limit_config (256 KiB old generation) with `pct`% of it live: rooted
 * 40-byte objects (their handles kept: releasing one drops its root),
 * promoted by the first full GC. */
static gc_heap *filled_heap_cfg(gc_config c, uint32_t pct, uint32_t ineffective) {
  c.old_space.ineffective_mark_compacts = ineffective;
  gc_heap *h = new_heap(&c);
  uint64_t want = c.old_space.max_size * pct / 100;
  for (uint64_t live = 0; live < want; live += 40) {
    gc_handle x;
    OK(h, gc_alloc(h, 2, 0, "Blob", &x));
    OK(h, gc_root(h, x));
  }
  return h;
}

static gc_heap *filled_heap(uint32_t pct, uint32_t ineffective) {
  return filled_heap_cfg(limit_config(), pct, ineffective);
}

static uint64_t raise_once(void *ud, uint64_t current, uint64_t initial) {
  (void)initial;
  int *calls = ud;
  return (*calls)++ == 0 ? current + current / 2 : current;
}

static void test_four_ineffective_full_gcs_are_fatal(void **state) {
  (void)state;
  gc_heap *h = filled_heap(85, 4);
  gc_status st = GC_OK;
  int gcs = 0;
  while (gcs < 10 && (st = gc_full_gc(h)) == GC_OK) gcs++;
  assert_int_equal(st, GC_EOOM);
  assert_non_null(strstr(gc_heap_error(h), GC_OOM_INEFFECTIVE_MESSAGE));
  assert_non_null(strstr(gc_heap_error(h), "4 consecutive full GCs"));
  /* The first full GC only starts V8's measurement (its utilisation is
   * 1); the second measures the mutator time since the first, almost none,
   * so it and the next three are ineffective and the fifth full GC fails. */
  assert_int_equal(gcs, 4);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_off_or_below_80_percent_never_fatal(void **state) {
  (void)state;
  gc_heap *off = filled_heap(85, 0);
  for (int i = 0; i < 10; i++) OK(off, gc_full_gc(off));
  gc_heap_free(off);
  gc_heap *low = filled_heap(70, 4);
  for (int i = 0; i < 10; i++) OK(low, gc_full_gc(low));
  gc_heap_free(low);
}

static void test_mutator_time_restarts_the_count(void **state) {
  (void)state;
  /* Allocation made expensive on the virtual clock (0.1 ms each), so that
   * 200 small allocations -- too few to fill new space and collect -- are
   * far more mutator time than a full GC's pause. */
  gc_config c = limit_config();
  c.cost.alloc_ns = 100000;
  gc_heap *h = filled_heap_cfg(c, 85, 4);
  for (int round = 0; round < 4; round++) {
    OK(h, gc_full_gc(h));
    OK(h, gc_full_gc(h));
    OK(h, gc_full_gc(h));
    size_t events = gc_event_count(h);
    for (int i = 0; i < 200; i++) {
      gc_handle x;
      OK(h, gc_alloc(h, 2, 0, "Temp", &x));
      OK(h, gc_handle_release(h, x));
    }
    assert_int_equal(gc_event_count(h), events); /* no GC in between */
  }
  gc_heap_free(h);
}

/* The utilisation of the GC `seq` as its trace line prints it. */
static void trace_mu(gc_heap *h, size_t seq, double *avg, double *cur) {
  char line[1024];
  assert_true(gc_format_trace(h, gc_event_get(h, seq - 1), false, line, sizeof line) > 0);
  const char *mu = strstr(line, "(average mu = ");
  assert_non_null(mu);
  assert_int_equal(sscanf(mu, "(average mu = %lf, current mu = %lf)", avg, cur), 2);
}

static void test_first_full_gc_is_never_ineffective(void **state) {
  (void)state;
  /* No mutator time at all (allocation free on the virtual clock), so
   * every full GC's interval is all pause.  V8's GCTracer::
   * RecordMutatorUtilization has no mutator duration before the first
   * mark-compact and only notes its end: the first full GC's utilisation is
   * 1 (Node's first Mark-Compact line shows "average mu = 1.000"), so with
   * ineffective_mark_compacts = 1 it is the second that runs out. */
  gc_config c = limit_config();
  c.cost.alloc_ns = 0;
  gc_heap *h = filled_heap_cfg(c, 85, 1);
  OK(h, gc_scavenge(h));
  OK(h, gc_full_gc(h));
  size_t first = gc_event_count(h);
  double avg, cur;
  trace_mu(h, first - 1, &avg, &cur); /* a Scavenge before any full GC */
  assert_true(avg == 1.0 && cur == 1.0);
  trace_mu(h, first, &avg, &cur);
  assert_true(avg == 1.0 && cur == 1.0);
  assert_int_equal(gc_full_gc(h), GC_EOOM);
  assert_non_null(strstr(gc_heap_error(h), GC_OOM_INEFFECTIVE_MESSAGE));
  /* the second's line shows the utilisation that decided it */
  trace_mu(h, gc_event_count(h), &avg, &cur);
  assert_true(avg < 0.4 && cur < 0.4);
  gc_heap_free(h);
}

static void test_scavenge_lines_show_the_last_full_gcs_utilisation(void **state) {
  (void)state;
  gc_config c = limit_config();
  c.cost.alloc_ns = 100000; /* 0.1 ms per allocation: mutator time counts */
  gc_heap *h = filled_heap_cfg(c, 50, 4);
  OK(h, gc_full_gc(h));
  for (int i = 0; i < 50; i++) {
    gc_handle x;
    OK(h, gc_alloc(h, 2, 0, "Temp", &x));
    OK(h, gc_handle_release(h, x));
  }
  OK(h, gc_full_gc(h));
  double avg, cur, savg, scur;
  trace_mu(h, gc_event_count(h), &avg, &cur);
  assert_true(avg > 0.4 && avg < 1.0);
  assert_true(cur == avg); /* the first measured interval is the average */
  OK(h, gc_scavenge(h));
  trace_mu(h, gc_event_count(h), &savg, &scur);
  assert_true(savg == avg && scur == cur);
  gc_heap_free(h);
}

static void test_near_limit_callback_saves_the_heap(void **state) {
  (void)state;
  gc_heap *h = filled_heap(85, 4);
  int calls = 0;
  gc_on_near_heap_limit(h, raise_once, &calls);
  gc_status st = GC_OK;
  int gcs = 0;
  while (gcs < 20 && (st = gc_full_gc(h)) == GC_OK) gcs++;
  /* raised once to 384 KiB: the old generation is then under 80% */
  assert_int_equal(calls, 1);
  assert_int_equal(st, GC_OK);
  assert_int_equal(gcs, 20);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_four_ineffective_full_gcs_are_fatal),
      cmocka_unit_test(test_off_or_below_80_percent_never_fatal),
      cmocka_unit_test(test_mutator_time_restarts_the_count),
      cmocka_unit_test(test_near_limit_callback_saves_the_heap),
      cmocka_unit_test(test_first_full_gc_is_never_ineffective),
      cmocka_unit_test(test_scavenge_lines_show_the_last_full_gcs_utilisation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
