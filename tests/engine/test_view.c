/*
 * test_view.c -- raw views (gc_view, the gc_obj_* accessors of gclab.h) and
 * the GC epoch that says when they go stale.
 *
 * A view must read exactly what the handle API reads (ids, names, sizes,
 * slot kinds, small integers, referenced objects) in every space; the epoch
 * must change on every GC and at no other time; bad handles give NULL and
 * a message.  The debug check of the accessors (GC_VIEW_ASSERT) is counted
 * here instead of aborting, so that its verdicts can be asserted.  Every
 * heap verifies itself after each GC (new_heap turns that on).
 */
static unsigned view_assert_failures;
#define GC_VIEW_ASSERT(cond) ((cond) ? (void)0 : (void)view_assert_failures++)

#include "test_util.h"

/* Compare everything a view shows of `x` with what the handle API says. */
static void check_view_matches_handles(gc_heap *h, gc_handle x) {
  const gc_obj *o = gc_view(h, x);
  assert_non_null(o);
  gc_object_info i = info_of(h, x);
  assert_int_equal(gc_obj_id(o), i.id);
  assert_string_equal(gc_name_string(h, gc_obj_name(o)), i.name);
  assert_int_equal(gc_obj_nslots(o), i.nslots);
  assert_int_equal(gc_obj_size(o), i.size);
  assert_int_equal(gc_obj_age(o), i.age);
  for (uint32_t k = 0; k < i.nslots; k++) {
    gc_slot_value v;
    OK(h, gc_slot_get(h, x, k, &v));
    assert_int_equal(gc_obj_slot_kind(o, k), v.kind);
    switch (v.kind) {
      case GC_SLOT_EMPTY:
        assert_int_equal(gc_obj_slot(o, k), 0);
        assert_null(gc_obj_slot_ref(o, k));
        assert_int_equal(gc_obj_slot_smi(o, k), 0);
        break;
      case GC_SLOT_SMI:
        assert_int_equal(gc_obj_slot_smi(o, k), v.smi);
        assert_null(gc_obj_slot_ref(o, k));
        break;
      case GC_SLOT_REF: {
        const gc_obj *r = gc_obj_slot_ref(o, k);
        assert_non_null(r);
        assert_int_equal(gc_obj_id(r), v.ref_id);
        assert_int_equal(gc_obj_slot_smi(o, k), 0);
        /* The referenced object's view is the one its own handle gives. */
        gc_handle rh;
        OK(h, gc_slot_handle(h, x, k, &rh));
        assert_ptr_equal(gc_view(h, rh), r);
        OK(h, gc_handle_release(h, rh));
        break;
      }
      case GC_SLOT_WEAK: {
        const gc_obj *r = gc_obj_slot_weak_ref(o, k);
        assert_non_null(r);
        assert_null(gc_obj_slot_ref(o, k));
        assert_int_equal(gc_obj_id(r), v.ref_id);
        break;
      }
    }
  }
}

/* A graph over every space and slot kind: young, promoted (old), large and
 * young large objects, names, payload bytes, small integers at the edges of
 * their range, empty slots, a cycle. */
typedef struct graph {
  gc_handle root, v[8];
} graph;

static graph make_graph(gc_heap *h) {
  graph g;
  g.root = rooted(h, 6, "Root");
  OK(h, gc_alloc(h, 3, 0, "A", &g.v[0]));
  OK(h, gc_alloc(h, 2, 200, "Payload", &g.v[1])); /* bytes beyond its slots */
  OK(h, gc_alloc(h, 0, 0, NULL, &g.v[2]));        /* "Object", no slots */
  OK(h, gc_alloc(h, 300, 0, "Large", &g.v[3]));   /* above small_config's 2 KiB threshold */
  OK(h, gc_alloc(h, 4, 0, "B", &g.v[4]));
  for (int k = 0; k < 5; k++) OK(h, gc_slot_set_ref(h, g.root, (uint32_t)k, g.v[k]));
  OK(h, gc_slot_set_smi(h, g.root, 5, -7));
  OK(h, gc_slot_set_ref(h, g.v[0], 0, g.v[1]));
  OK(h, gc_slot_set_smi(h, g.v[0], 1, GC_SMI_MAX));
  OK(h, gc_slot_set_smi(h, g.v[1], 0, GC_SMI_MIN));
  OK(h, gc_slot_set_ref(h, g.v[1], 1, g.v[0])); /* a cycle */
  OK(h, gc_slot_set_ref(h, g.v[3], 299, g.v[4]));
  OK(h, gc_slot_set_ref(h, g.v[4], 3, g.root));
  OK(h, gc_slot_set_smi(h, g.v[4], 0, 0));
  return g;
}

static void check_graph(gc_heap *h, const graph *g) {
  check_view_matches_handles(h, g->root);
  for (int k = 0; k < 5; k++) check_view_matches_handles(h, g->v[k]);
}

static void test_view_reads_what_handles_read(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  graph g = make_graph(h);
  assert_int_equal(info_of(h, g.v[3]).space, GC_SPACE_NEW_LARGE);
  check_graph(h, &g);
  OK(h, gc_scavenge(h)); /* copied within new space; age 1 */
  check_graph(h, &g);
  OK(h, gc_scavenge(h)); /* promoted */
  assert_int_equal(info_of(h, g.v[0]).space, GC_SPACE_OLD);
  assert_int_equal(info_of(h, g.v[3]).space, GC_SPACE_LARGE);
  check_graph(h, &g);
  /* A young object referenced from an old one, then a compaction. */
  gc_handle y = alloc_obj(h, 1, "Young");
  OK(h, gc_slot_set_ref(h, g.v[0], 2, y));
  OK(h, gc_slot_set_ref(h, y, 0, g.v[2]));
  check_graph(h, &g);
  check_view_matches_handles(h, y);
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  check_graph(h, &g);
  check_view_matches_handles(h, y);
  gc_heap_free(h);
}

/* Walking a structure through views finds what walking it through handles
 * finds: a list of 3000 nodes across several scavenges. */
static uint64_t walk_view(const gc_obj *o) {
  uint64_t sum = 0;
  for (; o; o = gc_obj_slot_ref(o, 0)) sum = sum * 31 + gc_obj_id(o) + (uint64_t)gc_obj_slot_smi(o, 1);
  return sum;
}

static uint64_t walk_handles(gc_heap *h, gc_handle x) {
  uint64_t sum = 0;
  gc_handle cur;
  OK(h, gc_handle_dup(h, x, &cur));
  for (;;) {
    gc_slot_value v;
    OK(h, gc_slot_get(h, cur, 1, &v));
    sum = sum * 31 + info_of(h, cur).id + (uint64_t)(v.kind == GC_SLOT_SMI ? v.smi : 0);
    bool is_ref;
    OK(h, gc_slot_load(h, cur, 0, cur, &is_ref));
    if (!is_ref) break;
  }
  OK(h, gc_handle_release(h, cur));
  return sum;
}

static void test_view_walk_matches_handle_walk(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_name node;
  OK(h, gc_name_intern(h, "Node", &node));
  gc_handle head = rooted(h, 0, "Register");
  bool first = true;
  for (int i = 0; i < 3000; i++) {
    gc_handle init[1] = {first ? GC_NO_HANDLE : head};
    OK(h, gc_alloc_into(h, 2, 0, node, init, 1, head));
    if (i % 3) OK(h, gc_slot_set_smi(h, head, 1, i));
    first = false;
  }
  assert_true(gc_event_count(h) > 2);
  uint64_t epoch = gc_heap_epoch(h);
  uint64_t by_view = walk_view(gc_view(h, head));
  assert_int_equal(by_view, walk_handles(h, head)); /* reads only: no GC */
  OK(h, gc_view_check(h, epoch));
  assert_int_equal(view_assert_failures, 0);
  gc_heap_free(h);
}

/* Stores through the API are seen by a view at once; reading calls,
 * gc_slot_load, handles, roots and scopes leave it valid. */
static void test_view_sees_stores_and_survives_reads(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 2, "A"), b = alloc_obj(h, 1, "B");
  uint64_t epoch = gc_heap_epoch(h);
  const gc_obj *o = gc_view(h, a);
  assert_int_equal(gc_obj_slot_kind(o, 0), GC_SLOT_EMPTY);
  OK(h, gc_slot_set_ref(h, a, 0, b));
  assert_ptr_equal(gc_obj_slot_ref(o, 0), gc_view(h, b));
  OK(h, gc_slot_set_smi(h, a, 1, 42));
  assert_int_equal(gc_obj_slot_smi(o, 1), 42);
  OK(h, gc_slot_clear(h, a, 0));
  assert_null(gc_obj_slot_ref(o, 0));
  gc_handle c;
  OK(h, gc_handle_dup(h, a, &c));
  OK(h, gc_root(h, c));
  gc_scope s;
  OK(h, gc_scope_open(h, &s));
  OK(h, gc_scope_close(h, s));
  OK(h, gc_unroot(h, c));
  bool is_ref;
  OK(h, gc_slot_set_ref(h, a, 0, b));
  OK(h, gc_slot_load(h, a, 0, c, &is_ref));
  gc_heap_stats st;
  gc_stats(h, &st);
  OK(h, gc_verify(h));
  assert_int_equal(gc_heap_epoch(h), epoch);
  assert_ptr_equal(gc_view(h, a), o);
  assert_ptr_equal(gc_view(h, c), gc_view(h, b));
  OK(h, gc_view_check(h, epoch));
  gc_heap_free(h);
}

/* The epoch is the number of GCs: it changes with each of them (explicit,
 * triggered by allocation, finishing incremental marking) and with
 * nothing else. */
static void test_view_epoch_changes_on_every_gc_only(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  assert_int_equal(gc_heap_epoch(h), 0);
  gc_handle keep = rooted(h, 1, "Keep");
  gc_name node;
  OK(h, gc_name_intern(h, "Node", &node));
  /* Allocation with room to spare collects nothing. */
  for (int i = 0; i < 10; i++) alloc_obj(h, 2, "Small");
  OK(h, gc_alloc_into(h, 2, 0, node, NULL, 0, keep));
  assert_int_equal(gc_heap_epoch(h), 0);
  uint64_t e = 0;
  OK(h, gc_scavenge(h));
  assert_int_equal(gc_heap_epoch(h), ++e);
  OK(h, gc_mark_sweep(h));
  assert_int_equal(gc_heap_epoch(h), ++e);
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  assert_int_equal(gc_heap_epoch(h), ++e);
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  assert_int_equal(gc_heap_epoch(h), ++e);
  OK(h, gc_full_gc(h));
  assert_int_equal(gc_heap_epoch(h), ++e);
  /* Incremental start and steps mark without moving; finish collects. */
  OK(h, gc_incremental_start(h));
  bool done = false;
  while (!done) OK(h, gc_incremental_step(h, 64, &done));
  assert_int_equal(gc_heap_epoch(h), e);
  OK(h, gc_incremental_finish(h));
  assert_int_equal(gc_heap_epoch(h), ++e);
  /* Allocation until it collects: the epoch moves by the GCs it ran. */
  gc_handle reg = rooted(h, 0, "Register");
  while (gc_heap_epoch(h) == e) OK(h, gc_alloc_into(h, 2, 0, node, NULL, 0, reg));
  assert_int_equal(gc_heap_epoch(h), gc_event_count(h));
  assert_true(gc_heap_epoch(h) > e);
  gc_heap_free(h);
}

/* gc_view_check names the GC a stale view missed; the debug check of the
 * accessors catches a view of an object a scavenge has copied. */
static void test_view_stale_after_gc(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 1, "A");
  OK(h, gc_scavenge(h));
  uint64_t epoch = gc_heap_epoch(h);
  const gc_obj *o = gc_view(h, a);
  uint64_t id = gc_obj_id(o);
  view_assert_failures = 0;
  OK(h, gc_scavenge(h)); /* GC #2: a is promoted, o is the copy left behind */
  assert_int_equal(gc_view_check(h, epoch), GC_ESTATE);
  assert_non_null(strstr(gc_heap_error(h), "taken at epoch 1"));
  assert_non_null(strstr(gc_heap_error(h), "GC #2 (Scavenge, testing)"));
  (void)gc_obj_id(o); /* the forwarding header trips the debug check */
  assert_int_equal(view_assert_failures, 1);
  const gc_obj *now = gc_view(h, a);
  assert_ptr_not_equal(now, o);
  assert_int_equal(gc_obj_id(now), id);
  OK(h, gc_view_check(h, gc_heap_epoch(h)));
  assert_int_equal(gc_view_check(h, gc_heap_epoch(h) + 1), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "epoch: expected at most"));
  assert_int_equal(view_assert_failures, 1);
  gc_heap_free(h);
}

/* Slot indexes out of range read as empty (and trip the debug check). */
static void test_view_slot_out_of_range(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 2, "A"), none = rooted(h, 0, "None");
  OK(h, gc_slot_set_ref(h, a, 1, none));
  const gc_obj *o = gc_view(h, a);
  view_assert_failures = 0;
  assert_non_null(gc_obj_slot_ref(o, 1));
  assert_int_equal(view_assert_failures, 0);
  assert_int_equal(gc_obj_slot(o, 2), 0);
  assert_null(gc_obj_slot_ref(o, 2));
  assert_int_equal(gc_obj_slot_kind(o, UINT32_MAX), GC_SLOT_EMPTY);
  assert_int_equal(gc_obj_slot_smi(gc_view(h, none), 0), 0);
  assert_int_equal(view_assert_failures, 4);
  gc_heap_free(h);
}

static void test_view_bad_arguments(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  assert_null(gc_view(NULL, 1));
  assert_int_equal(gc_heap_epoch(NULL), 0);
  assert_int_equal(gc_view_check(NULL, 0), GC_EINVAL);
  assert_null(gc_name_string(NULL, 0));
  assert_null(gc_view(h, GC_NO_HANDLE));
  assert_string_equal(gc_heap_error(h), "gc_view: handle: expected a handle of this heap, got no handle");
  assert_null(gc_view(h, 12345));
  assert_non_null(strstr(gc_heap_error(h), "gc_view: handle: expected a handle of this heap, got an unknown"));
  gc_handle a = alloc_obj(h, 0, "Gone");
  OK(h, gc_handle_release(h, a));
  assert_null(gc_view(h, a));
  assert_non_null(strstr(gc_heap_error(h), "released handle"));
  /* Dead: collected by a scavenge. */
  gc_handle d = alloc_obj(h, 0, "Dead");
  OK(h, gc_scavenge(h));
  assert_null(gc_view(h, d));
  assert_non_null(strstr(gc_heap_error(h), "gc_view: object #"));
  assert_non_null(strstr(gc_heap_error(h), "(Dead) is dead: collected by GC #1 (Scavenge, testing)"));
  /* Names: known ids only. */
  assert_string_equal(gc_name_string(h, 0), "Object");
  gc_name n;
  OK(h, gc_name_intern(h, "Thing", &n));
  assert_string_equal(gc_name_string(h, n), "Thing");
  assert_null(gc_name_string(h, n + 1000));
  /* A dead handle may be retargeted, and then gives a view again. */
  OK(h, gc_alloc_into(h, 0, 0, n, NULL, 0, d));
  assert_non_null(gc_view(h, d));
  assert_string_equal(gc_name_string(h, gc_obj_name(gc_view(h, d))), "Thing");
  gc_heap_free(h);
}

/* The layout gclab.h publishes is the one the engine allocates. */
static void test_view_layout(void **state) {
  (void)state;
  assert_int_equal(sizeof(gc_obj), GC_OBJ_HEADER_SIZE);
  assert_int_equal(gc_default_size(2), 40);
  assert_int_equal(gc_default_size(2), GC_OBJ_HEADER_SIZE + 2 * sizeof(gc_tagged));
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 2, "A");
  const gc_obj *o = gc_view(h, a);
  gc_object_info i = info_of(h, a);
  assert_int_equal(gc_w0_size(o->w0), 40);
  assert_int_equal(gc_w0_nslots(o->w0), 2);
  assert_false(gc_w0_forwarded(o->w0));
  assert_false(gc_w0_filler(o->w0));
  assert_int_equal(o->id, i.id);
  assert_int_equal(gc_meta_color(o->meta), GC_WHITE);
  assert_int_equal(gc_tagged_is_smi(gc_smi_tag(-5)), true);
  assert_int_equal(gc_smi_untag(gc_smi_tag(-5)), -5);
  assert_false(gc_tagged_is_ref(0));
  assert_false(gc_tagged_is_ref(gc_smi_tag(4)));
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_view_reads_what_handles_read),
      cmocka_unit_test(test_view_walk_matches_handle_walk),
      cmocka_unit_test(test_view_sees_stores_and_survives_reads),
      cmocka_unit_test(test_view_epoch_changes_on_every_gc_only),
      cmocka_unit_test(test_view_stale_after_gc),
      cmocka_unit_test(test_view_slot_out_of_range),
      cmocka_unit_test(test_view_bad_arguments),
      cmocka_unit_test(test_view_layout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
