/*
 * test_young.c -- the young generation: Scavenge, promotion, remembered set,
 * semispace growth, handles/roots/scopes, the verifier, and bad input.
 * Every heap verifies itself after each GC (new_heap turns that on).
 */
#include "test_util.h"
#include "heap_internal.h" /* for the remembered-set and corruption tests */

static void test_reachable_survive_unreachable_die(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle root = rooted(h, 2, "Root");
  gc_handle child = alloc_obj(h, 1, "Child");
  OK(h, gc_slot_set_ref(h, root, 0, child));
  gc_handle lost = alloc_obj(h, 1, "Lost");
  OK(h, gc_scavenge(h));
  gc_object_info ci = info_of(h, child), li = info_of(h, lost), ri = info_of(h, root);
  assert_true(ri.alive);
  assert_true(ci.alive);
  assert_int_equal(ci.space, GC_SPACE_NEW);
  assert_int_equal(ci.age, 1);
  assert_false(li.alive);
  assert_int_equal(li.died_in_gc, 1);
  /* The dead handle still knows its object's id and name, and says which GC. */
  assert_string_equal(li.name, "Lost");
  gc_slot_value v;
  assert_int_equal(gc_slot_get(h, lost, 0, &v), GC_EDEAD);
  assert_non_null(strstr(gc_heap_error(h), "collected by GC #1 (Scavenge, testing)"));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_int_equal(ev->copied_objects, 2);
  assert_int_equal(ev->died_in_new, 1);
  gc_heap_free(h);
}

static void test_cycles_die(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = alloc_obj(h, 1, "A"), b = alloc_obj(h, 1, "B"), s = alloc_obj(h, 1, "Self");
  OK(h, gc_slot_set_ref(h, a, 0, b));
  OK(h, gc_slot_set_ref(h, b, 0, a));
  OK(h, gc_slot_set_ref(h, s, 0, s));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, a).alive);
  assert_false(info_of(h, b).alive);
  assert_false(info_of(h, s).alive);
  /* A rooted cycle survives, and its copy still points at itself. */
  gc_handle x = rooted(h, 1, "X"), y = alloc_obj(h, 1, "Y");
  OK(h, gc_slot_set_ref(h, x, 0, y));
  OK(h, gc_slot_set_ref(h, y, 0, x));
  OK(h, gc_scavenge(h));
  gc_slot_value v;
  OK(h, gc_slot_get(h, y, 0, &v));
  assert_int_equal(v.kind, GC_SLOT_REF);
  assert_int_equal(v.ref_id, info_of(h, x).id);
  gc_heap_free(h);
}

static void test_dag_shared_child_copied_once(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle root = rooted(h, 2, "Root");
  gc_handle p1 = alloc_obj(h, 1, "P1"), p2 = alloc_obj(h, 1, "P2"), kid = alloc_obj(h, 0, "Kid");
  OK(h, gc_slot_set_ref(h, root, 0, p1));
  OK(h, gc_slot_set_ref(h, root, 1, p2));
  OK(h, gc_slot_set_ref(h, p1, 0, kid));
  OK(h, gc_slot_set_ref(h, p2, 0, kid));
  OK(h, gc_scavenge(h));
  assert_int_equal(last_event(h)->copied_objects, 4);
  gc_handle k1, k2;
  OK(h, gc_slot_handle(h, p1, 0, &k1));
  OK(h, gc_slot_handle(h, p2, 0, &k2));
  assert_int_equal(info_of(h, k1).address, info_of(h, k2).address);
  assert_int_equal(info_of(h, k1).address, info_of(h, kid).address);
  gc_heap_stats st;
  gc_stats(h, &st);
  assert_int_equal(st.space[GC_SPACE_NEW].objects, 4);
  gc_heap_free(h);
}

static void test_million_list_survives_scavenge(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  c.new_space.semi_space_initial = 64u << 20; /* the whole list stays young */
  c.new_space.semi_space_max = 64u << 20;
  gc_heap *h = NULL;
  char err[200];
  assert_int_equal(gc_heap_new(&c, &h, err, sizeof err), GC_OK);
  const uint32_t n = 1000000;
  gc_handle head = rooted(h, 2, "Head");
  gc_handle prev = head;
  for (uint32_t i = 0; i < n; i++) {
    gc_handle x = alloc_obj(h, 2, "Node");
    OK(h, gc_slot_set_smi(h, x, 1, (int64_t)i));
    OK(h, gc_slot_set_ref(h, prev, 0, x));
    if (prev != head) OK(h, gc_handle_release(h, prev));
    prev = x;
  }
  OK(h, gc_handle_release(h, prev));
  assert_int_equal(gc_event_count(h), 0);
  OK(h, gc_scavenge(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->copied_objects, n + 1);
  assert_int_equal(ev->died_in_new, 0);
  OK(h, gc_verify(h));
  /* Walk it: every node is there, in order. */
  gc_handle cur;
  OK(h, gc_handle_dup(h, head, &cur));
  for (uint32_t i = 0; i < n; i++) {
    gc_handle next;
    OK(h, gc_slot_handle(h, cur, 0, &next));
    OK(h, gc_handle_release(h, cur));
    gc_slot_value v;
    OK(h, gc_slot_get(h, next, 1, &v));
    if (v.kind != GC_SLOT_SMI || v.smi != (int32_t)i) fail_msg("node %u holds %d", i, v.smi);
    cur = next;
  }
  OK(h, gc_handle_release(h, cur));
  gc_heap_free(h);
}

static void test_age_mark_promotes_on_second_survival(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  gc_heap *h = new_heap(&c);
  gc_handle o = rooted(h, 1, "O");
  assert_int_equal(info_of(h, o).space, GC_SPACE_NEW);
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, o).space, GC_SPACE_NEW);
  assert_int_equal(info_of(h, o).age, 1);
  assert_int_equal(last_event(h)->promoted_objects, 0);
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, o).space, GC_SPACE_OLD);
  assert_int_equal(info_of(h, o).age, 2);
  assert_int_equal(last_event(h)->promoted_objects, 1);
  gc_heap_free(h);

  /* promotion age 3: copied three times, promoted on the fourth survival */
  c.new_space.promotion_age = 3;
  h = new_heap(&c);
  o = rooted(h, 1, "O");
  for (int i = 0; i < 3; i++) {
    OK(h, gc_scavenge(h));
    assert_int_equal(info_of(h, o).space, GC_SPACE_NEW);
  }
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, o).space, GC_SPACE_OLD);
  gc_heap_free(h);
}

static void test_classic_promotion(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.new_space.promotion = GC_PROMOTE_CLASSIC;
  gc_heap *h = new_heap(&c);
  /* Survived once -> promoted at the next survival, as with the age mark. */
  gc_handle o = rooted(h, 1, "O");
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, o).space, GC_SPACE_NEW);
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, o).space, GC_SPACE_OLD);
  OK(h, gc_unroot(h, o));
  /* First survival, but To-space already past 25%: promoted at once.
   * 16 KiB semispace: 25% = 4096 bytes = 102 objects of 40 bytes. */
  gc_handle holder = rooted(h, 200, "Holder"); /* 1624 bytes, in new space */
  gc_handle kids[200];
  for (int i = 0; i < 200; i++) {
    kids[i] = alloc_obj(h, 2, "Kid");
    OK(h, gc_slot_set_ref(h, holder, (uint32_t)i, kids[i]));
  }
  gc_heap_stats st;
  gc_stats(h, &st);
  OK(h, gc_scavenge(h));
  const gc_event *ev = last_event(h);
  assert_true(ev->promoted_objects > 0);
  assert_true(ev->copied_objects > 0);
  /* What was copied stayed under the threshold. */
  assert_true(ev->copied_bytes <= c.new_space.semi_space_initial / 4);
  int young = 0, old = 0;
  for (int i = 0; i < 200; i++) {
    if (info_of(h, kids[i]).space == GC_SPACE_NEW) young++;
    else old++;
    assert_int_equal(info_of(h, kids[i]).age, 1);
  }
  assert_true(young > 0 && old > 0);
  gc_heap_free(h);

  /* The same program under the age mark copies all of them. */
  small_config(&c);
  h = new_heap(&c);
  holder = rooted(h, 200, "Holder");
  for (int i = 0; i < 200; i++) {
    gc_handle k = alloc_obj(h, 2, "Kid");
    OK(h, gc_slot_set_ref(h, holder, (uint32_t)i, k));
  }
  OK(h, gc_scavenge(h));
  assert_int_equal(last_event(h)->promoted_objects, 0);
  gc_heap_free(h);
}

static uint64_t remembered_slots(gc_heap *h) { return stats_of(h).old_to_new_slots; }

static void test_remembered_set_keeps_young_alive(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle holder = rooted(h, 1, "Holder");
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
  assert_int_equal(info_of(h, holder).space, GC_SPACE_OLD);
  OK(h, gc_unroot(h, holder));
  OK(h, gc_root(h, holder)); /* still rooted: only the slot keeps the child */
  gc_handle young = alloc_obj(h, 0, "Young");
  OK(h, gc_slot_set_ref(h, holder, 0, young));
  assert_int_equal(remembered_slots(h), 1);
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, young).alive);
  assert_int_equal(info_of(h, young).space, GC_SPACE_NEW);
  assert_int_equal(remembered_slots(h), 1); /* updated, still old->new */
  gc_slot_value v;
  OK(h, gc_slot_get(h, holder, 0, &v));
  assert_int_equal(v.ref_id, info_of(h, young).id);
  OK(h, gc_scavenge(h)); /* promoted: the slot is no longer old->new */
  assert_int_equal(info_of(h, young).space, GC_SPACE_OLD);
  assert_int_equal(remembered_slots(h), 0);
  gc_heap_free(h);
}

static void test_promoted_object_pointing_young_is_remembered(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle parent = rooted(h, 1, "Parent");
  OK(h, gc_scavenge(h)); /* parent age 1 */
  gc_handle kid = alloc_obj(h, 0, "Kid");
  OK(h, gc_slot_set_ref(h, parent, 0, kid));
  OK(h, gc_scavenge(h)); /* parent promoted, kid copied: exactly one OLD_TO_NEW slot */
  assert_int_equal(info_of(h, parent).space, GC_SPACE_OLD);
  assert_int_equal(info_of(h, kid).space, GC_SPACE_NEW);
  assert_int_equal(remembered_slots(h), 1);
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, kid).alive);
  assert_int_equal(remembered_slots(h), 0);
  gc_heap_free(h);
}

static void test_overwritten_old_to_new_slot_lets_young_die(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle holder = rooted(h, 1, "Holder");
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
  gc_handle young = alloc_obj(h, 0, "Young");
  OK(h, gc_slot_set_ref(h, holder, 0, young));
  OK(h, gc_slot_set_smi(h, holder, 0, 7));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, young).alive);
  assert_int_equal(remembered_slots(h), 0);
  gc_heap_free(h);
}

static void test_semispace_growth(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_heap_stats st;
  gc_stats(h, &st);
  assert_int_equal(st.semi_space_capacity, 16384);
  /* Keep everything alive: survivors exceed capacity -> double, up to max. */
  gc_handle head = rooted(h, 1, "Head"), prev = head;
  uint64_t seen[8] = {0};
  int nseen = 0;
  for (int i = 0; i < 20000; i++) {
    gc_handle x = alloc_obj(h, 1, "Node");
    OK(h, gc_slot_set_ref(h, prev, 0, x));
    if (prev != head) OK(h, gc_handle_release(h, prev));
    prev = x;
    gc_stats(h, &st);
    if (nseen == 0 || seen[nseen - 1] != st.semi_space_capacity) {
      if (nseen < 8) seen[nseen++] = st.semi_space_capacity;
    }
  }
  assert_int_equal(nseen, 3);
  assert_int_equal(seen[0], 16384);
  assert_int_equal(seen[1], 32768);
  assert_int_equal(seen[2], 65536); /* the maximum */
  gc_heap_free(h);
}

/* small_config without incremental marking: the full GCs below are the
 * ones the tests ask for. */
static gc_heap *no_marking_heap(uint64_t old_max) {
  gc_config c;
  small_config(&c);
  c.incremental.enabled = false;
  if (old_max) c.old_space.max_size = old_max;
  return new_heap(&c);
}

/* 300 rooted young objects (12,000 bytes), then a full GC that promotes
 * them; returns its event. */
static const gc_event *young_survivors_then_full_gc(gc_heap *h) {
  for (int i = 0; i < 300; i++) rooted(h, 2, "Young");
  OK(h, gc_full_gc(h));
  return last_event(h);
}

/* Issue 16: V8 11.3 decides new space's growth at the start of every GC,
 * a Mark-Compact too (Heap::GarbageCollectionPrologueInSafepoint), and a
 * Mark-Compact's young survivors count toward it as a Scavenge's do
 * (Evacuator::Finalize -> Heap::IncrementYoungSurvivorsCounter).  Each
 * full GC here promotes 300 x 40 = 12,000 young bytes: after two of them
 * 24,000 bytes have survived, more than the 16 KiB capacity, so the third
 * grows new space at its start -- with no Scavenge in between. */
static void test_full_gc_survivors_grow_new_space(void **state) {
  (void)state;
  gc_heap *h = no_marking_heap(0);
  uint64_t capacity[3];
  for (int gc = 0; gc < 3; gc++) {
    const gc_event *ev = young_survivors_then_full_gc(h);
    assert_int_equal(ev->kind, GC_KIND_MARK_COMPACT);
    assert_int_equal(ev->promoted_bytes, 12000);
    capacity[gc] = ev->semi_space_capacity;
  }
  assert_int_equal(gc_event_count(h), 3); /* no Scavenge ran */
  assert_int_equal(capacity[0], 16384);
  assert_int_equal(capacity[1], 16384); /* 12,000 bytes survived before it */
  assert_int_equal(capacity[2], 32768); /* 24,000 > 16,384 before it */
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* A memory-reducing GC neither grows new space nor uses up the bytes that
 * survived: V8 11.3's Heap::ShouldResizeNewSpace returns kShrink when
 * ShouldReduceMemory(), before it looks at (and resets)
 * survived_since_last_expansion_.  The next ordinary GC finds growth due,
 * but after 8.2 s of idle time shrinking is due too (the allocation rate
 * over the tracer's window is under 1000 bytes per ms): V8 then does
 * neither, and resets the count all the same. */
static void test_memory_reducing_gc_never_grows_new_space(void **state) {
  (void)state;
  gc_heap *h = no_marking_heap(64u << 20);
  /* 11 MiB of old large objects: the memory reducer starts after a full GC
   * that leaves at least 10 MB more committed than at its last run. */
  old_large_mib(h, 11);
  for (int gc = 0; gc < 2; gc++) young_survivors_then_full_gc(h); /* 12,000 bytes promoted each */
  gc_heap_stats st;
  gc_stats(h, &st);
  assert_int_equal(st.semi_space_capacity, 16384); /* 24,000 survived since */
  size_t n = gc_event_count(h);
  OK(h, gc_idle(h, 8200)); /* the memory reducer's timer: 8000 ms, then 500 */
  assert_int_equal(gc_event_count(h), n + 1);
  const gc_event *ev = gc_event_get(h, n);
  assert_int_equal(ev->reason, GC_REASON_MEMORY_REDUCER);
  assert_true(ev->reduce_memory);
  assert_int_equal(ev->semi_space_capacity, 16384);
  assert_int_equal(h->new_space.survived_since_growth, 24000);
  OK(h, gc_full_gc(h)); /* an ordinary one: 24,000 > 16,384, and a low rate */
  ev = gc_event_get(h, gc_event_count(h) - 1);
  assert_false(ev->reduce_memory);
  assert_int_equal(ev->semi_space_capacity, 16384);
  assert_int_equal(h->new_space.survived_since_growth, 0);
  gc_heap_free(h);
}

static void test_allocation_failure_scavenges(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  for (int i = 0; i < 2000; i++) {
    gc_handle x = alloc_obj(h, 2, "Garbage");
    OK(h, gc_handle_release(h, x));
  }
  assert_true(gc_event_count(h) >= 4);
  const gc_event *ev = gc_event_get(h, 0);
  assert_int_equal(ev->kind, GC_KIND_SCAVENGE);
  assert_int_equal(ev->reason, GC_REASON_ALLOCATION_FAILURE);
  assert_int_equal(ev->copied_objects, 0);
  assert_true(ev->died_in_new > 0);
  gc_heap_free(h);
}

static void test_handles_follow_and_scopes_root(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_scope s;
  OK(h, gc_scope_open(h, &s));
  gc_handle a = alloc_obj(h, 0, "InScope");
  uint64_t before = info_of(h, a).address;
  assert_true(info_of(h, a).rooted);
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, a).alive);
  assert_true(info_of(h, a).address != before); /* it moved, the handle followed */
  gc_scope inner;
  OK(h, gc_scope_open(h, &inner));
  assert_int_equal(gc_scope_close(h, s), GC_EINVAL); /* not the innermost */
  OK(h, gc_scope_close(h, inner));
  OK(h, gc_scope_close(h, s));
  assert_false(info_of(h, a).rooted);
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, a).alive);
  /* A released handle is unknown; releasing twice is an error, not a crash. */
  OK(h, gc_handle_release(h, a));
  assert_int_equal(gc_handle_release(h, a), GC_EINVAL);
  assert_false(gc_handle_valid(h, a));
  assert_int_equal(gc_root(h, GC_NO_HANDLE), GC_EINVAL);
  /* A handle released while a scope still roots its object keeps it alive. */
  OK(h, gc_scope_open(h, &s));
  gc_handle b = alloc_obj(h, 0, "Scoped");
  gc_handle b2;
  OK(h, gc_handle_dup(h, b, &b2));
  OK(h, gc_handle_release(h, b));
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, b2).alive);
  OK(h, gc_scope_close(h, s));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, b2).alive);
  gc_heap_free(h);
}

static void test_bad_arguments(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  gc_heap *h = new_heap(&c);
  gc_handle x;
  assert_int_equal(gc_alloc(h, 2, 8, "X", &x), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "bytes: expected at least 40"));
  assert_int_equal(gc_alloc(h, 0xffffffffu, 0, "X", &x), GC_EINVAL);
  assert_int_equal(gc_alloc(h, 1, 1ull << 40, "X", &x), GC_EINVAL);
  assert_int_equal(gc_alloc(h, 1, 8u << 20, "X", &x), GC_EOOM); /* larger than the heap */
  assert_non_null(strstr(gc_heap_error(h), GC_OOM_MESSAGE));
  x = rooted(h, 2, "X");
  gc_slot_value v;
  assert_int_equal(gc_slot_get(h, x, 2, &v), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "index: expected 0..1"));
  assert_int_equal(gc_slot_set_smi(h, x, 0, 1ll << 31), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "small integer"));
  OK(h, gc_slot_set_smi(h, x, 0, GC_SMI_MIN));
  OK(h, gc_slot_get(h, x, 0, &v));
  assert_int_equal(v.smi, GC_SMI_MIN);
  assert_int_equal(gc_slot_set_ref(h, x, 0, 12345), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "value:"));
  assert_int_equal(gc_slot_handle(h, x, 0, &x), GC_EINVAL); /* holds a Smi */
  assert_int_equal(gc_unroot(h, alloc_obj(h, 0, "NotRooted")), GC_EINVAL);
  assert_int_equal(gc_mark_compact(h, (gc_compaction)7), GC_EINVAL);
  gc_config bad = c;
  bad.new_space.semi_space_initial = 5000;
  gc_heap *h2 = NULL;
  char err[256];
  assert_int_equal(gc_heap_new(&bad, &h2, err, sizeof err), GC_EINVAL);
  assert_null(h2);
  assert_non_null(strstr(err, "new_space.semi_space.initial"));
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* ----------------------------------------------------- verifier negatives */

static gc_heap *heap_with_graph(gc_handle *root, gc_handle *kid) {
  gc_config c;
  small_config(&c);
  gc_heap *h = new_heap(&c);
  *root = rooted(h, 2, "Root");
  *kid = alloc_obj(h, 1, "Kid");
  OK(h, gc_slot_set_ref(h, *root, 0, *kid));
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h)); /* both old now */
  OK(h, gc_verify(h));
  return h;
}

static obj *raw(gc_heap *h, gc_handle x) { return obj_at(h->base + info_of(h, x).address); }

static void test_verifier_catches_bad_header(void **state) {
  (void)state;
  gc_handle r, k;
  gc_heap *h = heap_with_graph(&r, &k);
  obj *o = raw(h, k);
  uint64_t saved = o->w0;
  o->w0 = (saved & ~0xfffffff8ull) | 16; /* size smaller than its slots */
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "verify:"));
  o->w0 = saved;
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_verifier_catches_interior_pointer(void **state) {
  (void)state;
  gc_handle r, k;
  gc_heap *h = heap_with_graph(&r, &k);
  obj *o = raw(h, r);
  tagged saved = o->slots[0];
  o->slots[0] = saved + 8;
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "not to a live object"));
  o->slots[0] = saved;
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_verifier_catches_missing_remembered_slot(void **state) {
  (void)state;
  gc_handle r, k;
  gc_heap *h = heap_with_graph(&r, &k);
  gc_handle y = alloc_obj(h, 0, "Young");
  OK(h, gc_slot_set_ref(h, r, 1, y));
  OK(h, gc_verify(h));
  obj *o = raw(h, r);
  slot_set_remove(page_of(h, (addr_t)o), (addr_t)&o->slots[1]);
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "remembered set"));
  gc_heap_free(h);
}

static void test_verifier_catches_stray_colour_and_counters(void **state) {
  (void)state;
  gc_handle r, k;
  gc_heap *h = heap_with_graph(&r, &k);
  obj *o = raw(h, k);
  obj_set_color(o, GC_BLACK);
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "outside marking"));
  obj_set_color(o, GC_WHITE);
  h->old.objects++;
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "counters"));
  h->old.objects--;
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void test_verifier_catches_from_space_pointer(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r = rooted(h, 1, "Root");
  gc_handle k = alloc_obj(h, 0, "Kid");
  OK(h, gc_slot_set_ref(h, r, 0, k));
  addr_t old_kid = h->base + info_of(h, k).address;
  OK(h, gc_scavenge(h));
  obj *o = raw(h, r);
  o->slots[0] = (tagged)old_kid; /* a stale pointer into From-space */
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  gc_heap_free(h);
}

static void test_deterministic_addresses(void **state) {
  (void)state;
  uint64_t addrs[2][3];
  for (int run = 0; run < 2; run++) {
    gc_config c;
    small_config(&c);
    gc_heap *h = new_heap(&c);
    gc_handle a = rooted(h, 1, "A");
    for (int i = 0; i < 3000; i++) OK(h, gc_handle_release(h, alloc_obj(h, 2, "G")));
    gc_handle b = rooted(h, 1, "B");
    OK(h, gc_scavenge(h));
    addrs[run][0] = info_of(h, a).address;
    addrs[run][1] = info_of(h, b).address;
    addrs[run][2] = gc_event_count(h);
    gc_heap_free(h);
  }
  assert_memory_equal(addrs[0], addrs[1], sizeof addrs[0]);
}

/* Roots are visited in the order the program rooted them, not in the
 * handle table's slot order, which follows when earlier handles were
 * released (in the bindings, when Lua's collector ran): the same program
 * copies its objects to the same places whatever ran before it.  Run 1
 * releases 64 earlier handles in a scrambled order first, so its new
 * handles take scrambled slots.  (Slot order made a scenario's log differ
 * between two runs in one process: scripts/fidelity/grid-50.lua.) */
static void test_scavenge_copies_in_rooting_order(void **state) {
  (void)state;
  uint64_t addrs[2][10];
  for (int run = 0; run < 2; run++) {
    gc_config c;
    small_config(&c);
    gc_heap *h = new_heap(&c);
    if (run == 1) {
      gc_handle earlier[64];
      for (int i = 0; i < 64; i++) earlier[i] = alloc_obj(h, 0, "Earlier");
      for (int i = 0; i < 64; i++) OK(h, gc_handle_release(h, earlier[(i * 37) % 64]));
    }
    gc_handle x[10];
    for (int i = 0; i < 10; i++) x[i] = rooted(h, 1, "X");
    OK(h, gc_scavenge(h));
    for (int i = 0; i < 10; i++) addrs[run][i] = info_of(h, x[i]).address - info_of(h, x[0]).address;
    OK(h, gc_verify(h));
    gc_heap_free(h);
  }
  assert_memory_equal(addrs[0], addrs[1], sizeof addrs[0]);
}

static void test_young_large_object_promoted_by_relinking(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle big;
  OK(h, gc_alloc(h, 4, 10000, "Big", &big));
  OK(h, gc_root(h, big));
  gc_object_info i0 = info_of(h, big);
  assert_int_equal(i0.space, GC_SPACE_NEW_LARGE);
  gc_handle kid = alloc_obj(h, 0, "Kid");
  OK(h, gc_slot_set_ref(h, big, 0, kid));
  OK(h, gc_scavenge(h));
  gc_object_info i1 = info_of(h, big);
  assert_int_equal(i1.space, GC_SPACE_LARGE);
  assert_int_equal(i1.address, i0.address); /* never copied */
  assert_true(info_of(h, kid).alive);
  assert_int_equal(remembered_slots(h), 1); /* the promoted large object -> young kid */
  gc_handle dead;
  OK(h, gc_alloc(h, 0, 10000, "DeadBig", &dead));
  OK(h, gc_scavenge(h));
  assert_false(info_of(h, dead).alive);
  gc_heap_free(h);
}

/* Young large objects share new space's capacity (V8's
 * NewLargeObjectSpace::AllocateRaw, capacity = the semispace's): the first
 * always fits, one that would pass the capacity is a young allocation
 * failure -- a Scavenge, which promotes the survivor -- before it. */
static void test_young_large_objects_share_new_space_capacity(void **state) {
  (void)state;
  gc_heap *h = small_heap(); /* 16 KiB semispace, 2 KiB large-object threshold */
  gc_handle a, b, c;
  OK(h, gc_alloc(h, 0, 20000, "Big", &a)); /* more than the capacity: the first fits */
  OK(h, gc_root(h, a));
  assert_int_equal(gc_event_count(h), 0);
  assert_int_equal(info_of(h, a).space, GC_SPACE_NEW_LARGE);
  OK(h, gc_alloc(h, 0, 3000, "Small", &b)); /* 20000 + 3000 > 16 KiB */
  assert_int_equal(gc_event_count(h), 1);
  assert_int_equal(last_event(h)->kind, GC_KIND_SCAVENGE);
  assert_int_equal(last_event(h)->reason, GC_REASON_ALLOCATION_FAILURE);
  assert_int_equal(info_of(h, a).space, GC_SPACE_LARGE);
  assert_int_equal(info_of(h, b).space, GC_SPACE_NEW_LARGE);
  OK(h, gc_root(h, b));
  OK(h, gc_alloc(h, 0, 3000, "Fits", &c)); /* 3000 + 3000 fit */
  assert_int_equal(gc_event_count(h), 1);
  gc_heap_free(h);
}

/* A Scavenge copies survivors into 32 KiB buffers (new_space.copy_lab,
 * V8's EvacuationAllocator::kLabSize), whole on a page: 819 objects of 40
 * bytes fill one (32,760 bytes, an 8-byte filler closes it), a page's
 * 257,720 bytes of objects hold seven, and the 28,344 bytes left become a
 * filler; the eighth buffer starts the next page.  The program allocates
 * right after the last survivor. */
static void test_scavenge_copies_into_buffers(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  assert_int_equal(c.new_space.copy_lab, 32u << 10);
  gc_heap *h = new_heap(&c);
  enum { N = 6000 };
  static gc_handle o[N];
  for (int i = 0; i < N; i++) o[i] = rooted(h, 2, "Forty");
  OK(h, gc_scavenge(h));
  addr_t first = info_of(h, o[0]).address;
  assert_int_equal(first % c.page_size, 4424);
  assert_int_equal(info_of(h, o[818]).address - first, 818 * 40);
  assert_int_equal(info_of(h, o[819]).address - first, 32768);
  assert_int_equal(info_of(h, o[7 * 819 - 1]).address - first, 6 * 32768 + 818 * 40);
  addr_t second = info_of(h, o[7 * 819]).address;
  assert_int_equal(second % c.page_size, 4424);
  assert_true(second / c.page_size != first / c.page_size);
  assert_int_equal(info_of(h, o[N - 1]).address - second, (N - 1 - 7 * 819) * 40);
  gc_handle next = alloc_obj(h, 2, "Next");
  assert_int_equal(info_of(h, next).address - second, (N - 7 * 819) * 40);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* When To-space has no room for another copy buffer, the Scavenge
 * promotes the small survivors that are left (V8's EvacuationAllocator:
 * lab_allocation_will_fail_), though their first survival would copy
 * them: 4 pages of 7 buffers hold 22,932 objects of 40 bytes. */
static void test_scavenge_promotes_when_no_buffer_fits(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  gc_heap *h = new_heap(&c);
  enum { N = 25000 };
  gc_scope sc;
  OK(h, gc_scope_open(h, &sc));
  for (int i = 0; i < N; i++) (void)alloc_obj(h, 2, "Forty");
  assert_int_equal(gc_event_count(h), 0);
  OK(h, gc_scavenge(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->copied_objects, 4 * 7 * 819);
  assert_int_equal(ev->promoted_objects, N - 4 * 7 * 819);
  OK(h, gc_scope_close(h, sc));
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* page_header (V8's MemoryChunkLayout::ObjectStartOffsetInDataPage): the
 * default 256 KiB pages hold objects after 4,424 bytes of header, so a 1 MiB
 * semispace takes 1,030,880 bytes of objects -- node v20.20.2's
 * v8.getHeapSpaceStatistics() in a fresh process: new space used +
 * available = 1,030,880 (4,123,520 for 4 MiB).  257,720 = 6,443 x 40, so
 * 25,772 objects of 40 bytes fill it and the next one Scavenges; an old
 * page's first object is 4,424 bytes in, and a large object's pages hold
 * the header too (committed: its units). */
static void test_page_header_is_v8s(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  assert_int_equal(c.page_size, 256u << 10);
  assert_int_equal(c.page_header, 4424);
  assert_int_equal(c.new_space.semi_space_initial, 1u << 20);
  gc_heap *h = new_heap(&c);
  gc_handle x;
  OK(h, gc_alloc_old(h, 2, 0, "Old", &x));
  gc_object_info oi = info_of(h, x);
  assert_int_equal(oi.address % c.page_size, 4424);
  gc_scope sc;
  OK(h, gc_scope_open(h, &sc));
  uint32_t n = 0;
  gc_heap_stats st;
  for (;; n++) {
    gc_stats(h, &st);
    if (st.gcs) break;
    (void)alloc_obj(h, 2, "Forty"); /* 24-byte header + 2 slots */
  }
  assert_int_equal(n, 25772 + 1); /* the 25,773rd ran the Scavenge first */
  OK(h, gc_scope_close(h, sc));
  gc_stats(h, &st);
  uint64_t lo0 = st.space[GC_SPACE_LARGE].committed;
  OK(h, gc_alloc_old(h, 0, 257720, "FitsOnePage", &x));
  gc_stats(h, &st);
  assert_int_equal(st.space[GC_SPACE_LARGE].committed - lo0, 256u << 10);
  OK(h, gc_alloc_old(h, 0, 257728, "NeedsTwo", &x));
  gc_stats(h, &st);
  assert_int_equal(st.space[GC_SPACE_LARGE].committed - lo0, 3 * (256u << 10));
  gc_heap_free(h);

  /* a header of half a page or more, or not a multiple of 8: refused */
  char err[256];
  gc_config bad = c;
  bad.page_header = 128u << 10;
  assert_int_equal(gc_config_validate(&bad, err, sizeof err), GC_EINVAL);
  assert_non_null(strstr(err, "page_header: expected a multiple of 8 below half of page_size (256KiB), got 128KiB"));
  bad.page_header = 4420;
  assert_int_equal(gc_config_validate(&bad, err, sizeof err), GC_EINVAL);
}

/* An object never straddles a new-space page, so objects of 65,552 bytes
 * (a 64 KB string) go three to a page and the rest of each page, 61,064
 * bytes of its 257,720, is a filler.  V8 counts the young generation by
 * its extent, fillers included (SemiSpaceNewSpace::Size()), in the sizes
 * --trace-gc prints (Heap::SizeOfObjects()); the events carry it as
 * young_extent / young_extent_after, and gclab's nvp line prints it. */
static void test_young_extent_counts_page_end_fillers(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  gc_heap *h = new_heap(&c);
  enum { STR = 65552, AREA = 262144 - 4424 };
  gc_handle s[6];
  for (int i = 0; i < 6; i++) {
    OK(h, gc_alloc(h, 0, STR, "SeqOneByteString", &s[i]));
    OK(h, gc_root(h, s[i]));
  }
  assert_int_equal(info_of(h, s[3]).address % c.page_size, 4424); /* the 4th opens page 2 */
  OK(h, gc_scavenge(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->before[GC_SPACE_NEW].size, 6 * STR);
  assert_int_equal(ev->young_extent, AREA + 3 * STR);
  assert_int_equal(ev->after[GC_SPACE_NEW].size, 6 * STR); /* all copied */
  assert_int_equal(ev->young_extent_after, AREA + 3 * STR);
  assert_int_equal(ev->size_of_objects_before, AREA + 3 * STR);
  char line[4096];
  assert_true(gc_format_trace_nvp(h, ev, line, sizeof line) > 0);
  assert_int_equal((uint64_t)nvp_value(line, "total_size_before"), AREA + 3 * STR);
  assert_int_equal((uint64_t)nvp_value(line, "total_size_after"), AREA + 3 * STR);
  assert_int_equal((uint64_t)nvp_value(line, "allocated"), 6 * STR); /* objects' bytes */
  /* A full GC empties new space: nothing young is left to count. */
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  ev = last_event(h);
  assert_int_equal(ev->young_extent, AREA + 3 * STR);
  assert_int_equal(ev->young_extent_after, 0);
  assert_true(gc_format_trace_nvp(h, ev, line, sizeof line) > 0);
  assert_int_equal((uint64_t)nvp_value(line, "total_size_before"), AREA + 3 * STR);
  assert_int_equal((uint64_t)nvp_value(line, "total_size_after"), ev->after[GC_SPACE_OLD].size);
  assert_int_equal(ev->after[GC_SPACE_OLD].size, 6 * STR);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* A default heap whose new space grew past its initial 1 MiB: a list of
 * 80,000 objects (3.2 MB) kept through the Scavenges its allocation
 * causes, then dropped and collected. */
static gc_heap *grown_new_space_heap(void) {
  gc_config c;
  gc_config_default(&c);
  gc_heap *h = new_heap(&c);
  gc_handle holder = rooted(h, 1, "Holder"), prev = GC_NO_HANDLE;
  for (int i = 0; i < 80000; i++) {
    gc_handle o = alloc_obj(h, 2, "Node");
    if (prev != GC_NO_HANDLE) OK(h, gc_slot_set_ref(h, o, 0, prev));
    OK(h, gc_slot_set_ref(h, holder, 0, o));
    prev = o;
  }
  OK(h, gc_slot_clear(h, holder, 0));
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
  gc_heap_stats st;
  gc_stats(h, &st);
  assert_true(st.semi_space_capacity > c.new_space.semi_space_initial);
  return h;
}

/* New space shrinks at a GC that starts after a time of low allocation
 * throughput (under 1000 bytes per ms), measured as V8's GCTracer does
 * (allocation_rate.c): over the interval that GC ended and the ten before
 * it, and counting new space and the old generation but not young large
 * objects.  Intervals of 2 ms that each allocate a 200 KB young large
 * object (dead at once) and 1 KB of small objects: the 11th such GC
 * shrinks new space -- the ten before it still had the list's fast
 * intervals in their window.  The same bytes as small objects are fast
 * allocation: new space keeps its size. */
static void check_low_throughput_shrinks(bool large) {
  gc_heap *h = grown_new_space_heap();
  gc_heap_stats st;
  gc_stats(h, &st);
  uint64_t grown = st.semi_space_capacity;
  for (int gc = 1; gc <= 12; gc++) {
    gc_handle x;
    if (large) {
      OK(h, gc_alloc(h, 0, 200000, "LargeDead", &x));
    } else {
      for (int i = 0; i < 200000 / 1000; i++) OK(h, gc_alloc(h, 0, 1000, "Dead", &x));
    }
    for (int i = 0; i < 25; i++) OK(h, gc_alloc(h, 0, 40, "Small", &x));
    OK(h, gc_compute(h, 2000000));
    OK(h, gc_scavenge(h));
    gc_stats(h, &st);
    if (large && gc >= 11) assert_int_equal(st.semi_space_capacity, 1u << 20);
    else assert_int_equal(st.semi_space_capacity, grown);
  }
  gc_heap_free(h);
}

static void test_low_allocation_throughput_shrinks_new_space(void **state) {
  (void)state;
  check_low_throughput_shrinks(true);
  check_low_throughput_shrinks(false);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_low_allocation_throughput_shrinks_new_space),
      cmocka_unit_test(test_young_extent_counts_page_end_fillers),
      cmocka_unit_test(test_page_header_is_v8s),
      cmocka_unit_test(test_scavenge_copies_into_buffers),
      cmocka_unit_test(test_scavenge_promotes_when_no_buffer_fits),
      cmocka_unit_test(test_young_large_objects_share_new_space_capacity),
      cmocka_unit_test(test_reachable_survive_unreachable_die),
      cmocka_unit_test(test_cycles_die),
      cmocka_unit_test(test_dag_shared_child_copied_once),
      cmocka_unit_test(test_million_list_survives_scavenge),
      cmocka_unit_test(test_age_mark_promotes_on_second_survival),
      cmocka_unit_test(test_classic_promotion),
      cmocka_unit_test(test_remembered_set_keeps_young_alive),
      cmocka_unit_test(test_promoted_object_pointing_young_is_remembered),
      cmocka_unit_test(test_overwritten_old_to_new_slot_lets_young_die),
      cmocka_unit_test(test_semispace_growth),
      cmocka_unit_test(test_full_gc_survivors_grow_new_space),
      cmocka_unit_test(test_memory_reducing_gc_never_grows_new_space),
      cmocka_unit_test(test_allocation_failure_scavenges),
      cmocka_unit_test(test_handles_follow_and_scopes_root),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_verifier_catches_bad_header),
      cmocka_unit_test(test_verifier_catches_interior_pointer),
      cmocka_unit_test(test_verifier_catches_missing_remembered_slot),
      cmocka_unit_test(test_verifier_catches_stray_colour_and_counters),
      cmocka_unit_test(test_verifier_catches_from_space_pointer),
      cmocka_unit_test(test_deterministic_addresses),
      cmocka_unit_test(test_scavenge_copies_in_rooting_order),
      cmocka_unit_test(test_young_large_object_promoted_by_relinking),
  };
  return cmocka_run_group_tests_name("engine.young", tests, NULL, NULL);
}
