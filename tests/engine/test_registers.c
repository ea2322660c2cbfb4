/*
 * test_registers.c -- handles used as registers: gc_name_intern,
 * gc_alloc_into and gc_slot_load.  They must behave exactly as the
 * gc_alloc + gc_slot_set_ref / gc_slot_handle calls they stand for, keep
 * their init objects alive across the GC an allocation runs, and refuse bad
 * arguments with a message naming them.  Every heap verifies itself after
 * each GC (new_heap turns that on).
 */
#include "test_util.h"

static gc_name name_of(gc_heap *h, const char *s) {
  gc_name n;
  OK(h, gc_name_intern(h, s, &n));
  return n;
}

static void test_alloc_into_fills_dst(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_name node = name_of(h, "Node");
  assert_int_equal(name_of(h, NULL), 0);
  assert_int_equal(name_of(h, "Node"), node);
  gc_handle l = alloc_obj(h, 0, "Leaf"), r = alloc_obj(h, 0, "Leaf");
  gc_handle reg = alloc_obj(h, 0, "Register");
  uint64_t old_id = info_of(h, reg).id;
  gc_handle init[2] = {l, r};
  OK(h, gc_alloc_into(h, 3, 0, node, init, 2, reg));
  gc_object_info i = info_of(h, reg);
  assert_true(i.alive);
  assert_int_equal(i.id, old_id + 1);
  assert_string_equal(i.name, "Node");
  assert_int_equal(i.nslots, 3);
  assert_int_equal(i.size, gc_default_size(3));
  gc_slot_value v;
  OK(h, gc_slot_get(h, reg, 0, &v));
  assert_int_equal(v.kind, GC_SLOT_REF);
  assert_int_equal(v.ref_id, info_of(h, l).id);
  OK(h, gc_slot_get(h, reg, 1, &v));
  assert_int_equal(v.ref_id, info_of(h, r).id);
  OK(h, gc_slot_get(h, reg, 2, &v));
  assert_int_equal(v.kind, GC_SLOT_EMPTY);
  /* GC_NO_HANDLE leaves a slot empty; dst may be one of init[]. */
  gc_handle cons[2] = {GC_NO_HANDLE, reg};
  OK(h, gc_alloc_into(h, 2, 64, node, cons, 2, reg));
  assert_int_equal(info_of(h, reg).size, 64);
  OK(h, gc_slot_get(h, reg, 0, &v));
  assert_int_equal(v.kind, GC_SLOT_EMPTY);
  OK(h, gc_slot_get(h, reg, 1, &v));
  assert_int_equal(v.ref_id, old_id + 1);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* The same allocations and stores through gc_alloc + gc_slot_set_ref and
 * through gc_alloc_into leave the same heap: ids, addresses, counters and
 * virtual time. */
typedef struct walk {
  uint64_t sum;
  size_t n;
} walk;
static bool fold(const gc_object_info *o, void *ud) {
  walk *w = ud;
  w->sum = w->sum * 1000003u + o->id * 31u + o->address + o->size + o->space;
  w->n++;
  return true;
}

/* With `states`, part of the list is built under --stress and part while
 * incremental marking runs: gc_alloc_into must then leave its fast path
 * exactly when gc_alloc does (the same GCs, steps and virtual time). */
static void build(gc_heap *h, bool registers, bool states) {
  gc_name node = name_of(h, "Node");
  gc_handle keep = rooted(h, 1, "Keep");
  gc_handle prev = GC_NO_HANDLE, reg = alloc_obj(h, 0, "Register");
  if (registers) OK(h, gc_root(h, reg));
  for (int i = 0; i < 3000; i++) {
    if (states && i == 500) gc_set_stress(h, 7);
    if (states && i == 1000) gc_set_stress(h, 0);
    if (states && i == 1500) OK(h, gc_incremental_start(h));
    if (states && i == 2500 && gc_marking(h) != GC_MARKING_IDLE) OK(h, gc_incremental_finish(h));
    if (registers) {
      gc_handle init[2] = {prev ? reg : GC_NO_HANDLE, GC_NO_HANDLE};
      OK(h, gc_alloc_into(h, 2, 0, node, init, 1, reg));
      prev = reg;
    } else {
      gc_handle n;
      OK(h, gc_alloc(h, 2, 0, "Node", &n));
      if (prev) {
        OK(h, gc_slot_set_ref(h, n, 0, prev));
        OK(h, gc_handle_release(h, prev));
      }
      OK(h, gc_root(h, n));
      prev = n;
    }
  }
  OK(h, gc_slot_set_ref(h, keep, 0, prev));
  if (!registers) OK(h, gc_handle_release(h, prev));
  else OK(h, gc_unroot(h, reg));
  OK(h, gc_scavenge(h));
}

static void same_heap(bool states) {
  gc_heap *a = small_heap(), *b = small_heap();
  build(a, false, states);
  build(b, true, states);
  gc_heap_stats sa, sb;
  gc_stats(a, &sa);
  gc_stats(b, &sb);
  assert_true(sa.gcs > 3);
  assert_int_equal(sa.gcs, sb.gcs);
  assert_int_equal(sa.allocated_bytes, sb.allocated_bytes);
  assert_int_equal(sa.objects_allocated, sb.objects_allocated);
  assert_int_equal(sa.virtual_time_us, sb.virtual_time_us);
  assert_int_equal(sa.total.size, sb.total.size);
  walk wa = {0, 0}, wb = {0, 0};
  OK(a, gc_each_object(a, fold, &wa));
  OK(b, gc_each_object(b, fold, &wb));
  assert_int_equal(wa.n, wb.n);
  assert_int_equal(wa.sum, wb.sum);
  bool stressed = false, marked = false;
  for (size_t i = 0; i < gc_event_count(a); i++) {
    const gc_event *x = gc_event_get(a, i), *y = gc_event_get(b, i);
    assert_int_equal(x->kind, y->kind);
    assert_int_equal(x->copied_bytes, y->copied_bytes);
    assert_int_equal(x->promoted_bytes, y->promoted_bytes);
    assert_int_equal(x->start_us, y->start_us);
    assert_int_equal(x->incremental_steps, y->incremental_steps);
    assert_int_equal(x->marked_bytes, y->marked_bytes);
    assert_int_equal(x->reason, y->reason);
    stressed |= x->reason == GC_REASON_STRESS;
    marked |= x->incremental && x->incremental_steps > 0;
  }
  assert_true(stressed == states && marked == states);
  gc_heap_free(a);
  gc_heap_free(b);
}

static void test_alloc_into_same_heap_as_alloc_and_store(void **state) {
  (void)state;
  same_heap(false);
}

/* The same under --stress and incremental marking (the fast path's bound is
 * 0 then, and the verifier checks that it is). */
static void test_alloc_into_same_heap_under_stress_and_marking(void **state) {
  (void)state;
  same_heap(true);
}

/* Unrooted init objects survive the scavenge their allocation runs, and
 * the new object points at their copies. */
static void test_alloc_into_keeps_init_alive_across_gc(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_name node = name_of(h, "Node");
  gc_handle reg = rooted(h, 0, "Register");
  gc_handle l = alloc_obj(h, 0, "L"), r = alloc_obj(h, 0, "R");
  size_t before = gc_event_count(h);
  for (int i = 0; gc_event_count(h) == before; i++) {
    gc_handle init[2] = {l, r};
    OK(h, gc_alloc_into(h, 2, 0, node, init, 2, reg));
    assert_true(i < 100000);
  }
  assert_true(info_of(h, l).alive);
  assert_true(info_of(h, r).alive);
  assert_int_equal(info_of(h, l).age, 1);
  gc_slot_value v;
  OK(h, gc_slot_get(h, reg, 1, &v));
  assert_int_equal(v.ref_id, info_of(h, r).id);
  /* Nothing else keeps them: the next scavenge takes them (but for the one
   * the register holds, which points at both). */
  OK(h, gc_alloc_into(h, 0, 0, node, NULL, 0, reg));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, l).alive);
  assert_false(info_of(h, r).alive);
  assert_true(info_of(h, reg).rooted);
  gc_heap_free(h);
}

/* The same under --stress (a GC before every allocation) and while
 * incremental marking runs: the general path, barriers included. */
static void test_alloc_into_under_stress_and_marking(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_name node = name_of(h, "Node");
  gc_handle keep = rooted(h, 1, "Keep");
  gc_handle reg = rooted(h, 0, "Register");
  gc_set_stress(h, 1);
  gc_handle l = alloc_obj(h, 0, "L");
  gc_handle init[1] = {l};
  size_t before = gc_event_count(h);
  OK(h, gc_alloc_into(h, 1, 0, node, init, 1, reg));
  assert_true(gc_event_count(h) > before);
  assert_true(info_of(h, l).alive);
  gc_set_stress(h, 0);
  /* Promote keep's target chain, then store young objects into it while
   * marking: the barrier must record and grey them. */
  OK(h, gc_slot_set_ref(h, keep, 0, reg));
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, keep).space, GC_SPACE_OLD);
  OK(h, gc_incremental_start(h));
  for (int i = 0; i < 200; i++) {
    gc_handle chain[1] = {reg};
    OK(h, gc_alloc_into(h, 1, 0, node, chain, 1, reg));
  }
  OK(h, gc_slot_set_ref(h, keep, 0, reg));
  OK(h, gc_incremental_finish(h));
  OK(h, gc_verify(h));
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, reg).alive);
  gc_heap_free(h);
}

static void test_alloc_into_reuses_dead_dst(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle reg = alloc_obj(h, 0, "Register");
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, reg).alive);
  OK(h, gc_alloc_into(h, 1, 0, name_of(h, "Node"), NULL, 0, reg));
  gc_object_info i = info_of(h, reg);
  assert_true(i.alive);
  assert_int_equal(i.died_in_gc, 0);
  assert_string_equal(i.name, "Node");
  gc_heap_free(h);
}

static void test_alloc_into_bad_arguments(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_name node = name_of(h, "Node");
  gc_handle reg = alloc_obj(h, 0, "Register"), gone = alloc_obj(h, 0, "Gone");
  gc_handle dead = alloc_obj(h, 0, "Dead"), live = rooted(h, 0, "Live");
  OK(h, gc_handle_release(h, gone));
  OK(h, gc_root(h, reg));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, dead).alive);
  gc_heap_stats s0, s1;
  gc_stats(h, &s0);

  assert_int_equal(gc_alloc_into(h, 1, 0, node, NULL, 0, gone), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "dst: handle:"));
  assert_int_equal(gc_alloc_into(h, 1, 0, node, NULL, 0, GC_NO_HANDLE), GC_EINVAL);
  assert_int_equal(gc_alloc_into(h, 1, 0, node, NULL, 2, reg), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "ninit: expected at most nslots (1), got 2"));
  assert_int_equal(gc_alloc_into(h, 2, 0, node, NULL, 2, reg), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "init: expected 2 handles, got NULL"));
  gc_handle bad[2] = {live, dead};
  assert_int_equal(gc_alloc_into(h, 2, 0, node, bad, 2, reg), GC_EDEAD);
  assert_non_null(strstr(gc_heap_error(h), "init[1]: object #"));
  bad[1] = gone;
  assert_int_equal(gc_alloc_into(h, 2, 0, node, bad, 2, reg), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "init[1]: handle:"));
  assert_int_equal(gc_alloc_into(h, 2, 0, 999, NULL, 0, reg), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "name: expected a name from gc_name_intern, got 999"));
  assert_int_equal(gc_alloc_into(h, 2, 8, node, NULL, 0, reg), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "bytes: expected at least 40 bytes for 2 slots, got 8 bytes"));
  assert_int_equal(gc_alloc_into(NULL, 2, 0, node, NULL, 0, reg), GC_EINVAL);
  assert_int_equal(gc_name_intern(h, "X", NULL), GC_EINVAL);
  /* A failed call leaves the heap as it was; the register still holds its
   * object. */
  gc_stats(h, &s1);
  assert_int_equal(s0.objects_allocated, s1.objects_allocated);
  assert_int_equal(s0.virtual_time_us, s1.virtual_time_us);
  assert_true(info_of(h, reg).alive);
  assert_string_equal(info_of(h, reg).name, "Register");
  gc_heap_free(h);
}

static void on_gc_alloc(gc_heap *h, const gc_event *ev, void *ud) {
  (void)ev;
  gc_handle *reg = ud;
  gc_status st = gc_alloc_into(h, 0, 0, 0, NULL, 0, *reg);
  assert_int_equal(st, GC_ESTATE);
  assert_non_null(strstr(gc_heap_error(h), "gc_alloc_into: not allowed during a GC"));
}

static void test_alloc_into_refused_in_gc_callback(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle reg = rooted(h, 0, "Register");
  gc_on_gc(h, on_gc_alloc, &reg);
  OK(h, gc_scavenge(h));
  gc_on_gc(h, NULL, NULL);
  gc_heap_free(h);
}

static void test_slot_load(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  /* A list a -> b -> c walked with one register. */
  gc_handle a = rooted(h, 2, "A"), b = alloc_obj(h, 2, "B"), cc = alloc_obj(h, 2, "C");
  OK(h, gc_slot_set_ref(h, a, 0, b));
  OK(h, gc_slot_set_ref(h, b, 0, cc));
  OK(h, gc_slot_set_smi(h, cc, 0, 7));
  gc_handle cur;
  OK(h, gc_handle_dup(h, a, &cur));
  bool is_ref = false;
  OK(h, gc_slot_load(h, cur, 0, cur, &is_ref));
  assert_true(is_ref);
  assert_int_equal(info_of(h, cur).id, info_of(h, b).id);
  OK(h, gc_slot_load(h, cur, 0, cur, &is_ref));
  assert_true(is_ref);
  assert_string_equal(info_of(h, cur).name, "C");
  /* A small integer or an empty slot leaves dst as it was. */
  OK(h, gc_slot_load(h, cur, 0, cur, &is_ref));
  assert_false(is_ref);
  OK(h, gc_slot_load(h, cur, 1, cur, &is_ref));
  assert_false(is_ref);
  assert_string_equal(info_of(h, cur).name, "C");
  assert_int_equal(gc_slot_load(h, cur, 1, cur, NULL), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "does not hold a reference"));
  assert_int_equal(gc_slot_load(h, cur, 2, cur, &is_ref), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "index: expected 0..1"));
  /* A dead register may be loaded into; a dead source may not. */
  OK(h, gc_slot_set_ref(h, a, 0, a));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, cur).alive);
  assert_int_equal(gc_slot_load(h, cur, 0, a, &is_ref), GC_EDEAD);
  OK(h, gc_slot_load(h, a, 0, cur, &is_ref));
  assert_true(is_ref);
  assert_true(info_of(h, cur).alive);
  assert_int_equal(info_of(h, cur).died_in_gc, 0);
  gc_handle gone;
  OK(h, gc_handle_dup(h, a, &gone));
  OK(h, gc_handle_release(h, gone));
  assert_int_equal(gc_slot_load(h, a, 0, gone, &is_ref), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "dst: handle:"));
  /* A rooted register roots what it observes. */
  gc_handle reg;
  OK(h, gc_handle_dup(h, a, &reg));
  OK(h, gc_root(h, reg));
  gc_handle x = alloc_obj(h, 0, "X");
  OK(h, gc_slot_set_ref(h, a, 1, x));
  OK(h, gc_slot_load(h, a, 1, reg, &is_ref));
  OK(h, gc_slot_clear(h, a, 1));
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, x).alive);
  assert_true(info_of(h, reg).rooted);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_into_fills_dst),
      cmocka_unit_test(test_alloc_into_same_heap_as_alloc_and_store),
      cmocka_unit_test(test_alloc_into_same_heap_under_stress_and_marking),
      cmocka_unit_test(test_alloc_into_keeps_init_alive_across_gc),
      cmocka_unit_test(test_alloc_into_under_stress_and_marking),
      cmocka_unit_test(test_alloc_into_reuses_dead_dst),
      cmocka_unit_test(test_alloc_into_bad_arguments),
      cmocka_unit_test(test_alloc_into_refused_in_gc_callback),
      cmocka_unit_test(test_slot_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
