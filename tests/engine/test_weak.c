/*
 * test_weak.c -- weak slots, WeakRef, ephemeron tables and
 * FinalizationRegistry: every rule of docs/weak.md, each heap verified
 * after every GC (test_util.h's new_heap), which checks the weak
 * invariants too (weak.h).
 */
#include <stdlib.h>

#include "gclab_weak.h"
#include "test_util.h"

static void promote(gc_heap *h) {
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
}

static bool alive(gc_heap *h, gc_handle x) { return info_of(h, x).alive; }

static gc_slot_value slot(gc_heap *h, gc_handle x, uint32_t i) {
  gc_slot_value v;
  OK(h, gc_slot_get(h, x, i, &v));
  return v;
}

static gc_value ref_value(gc_handle x) { return (gc_value){GC_SLOT_REF, 0, x}; }
static gc_value smi_value(int64_t n) { return (gc_value){GC_SLOT_SMI, n, GC_NO_HANDLE}; }
static uint64_t map_size(gc_heap *h, gc_handle m);

/* ------------------------------------------------------------ weak slots */

/* V8's test-weak-references: Scavenges treat weak references as strong,
 * full GCs clear them. */
static void weak_slot_strong_in_scavenge_cleared_by_full_gc(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle holder = rooted(h, 2, "Holder");
  gc_handle t = alloc_obj(h, 0, "Target");
  OK(h, gc_slot_set_weak(h, holder, 0, t));
  assert_int_equal(slot(h, holder, 0).kind, GC_SLOT_WEAK);
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, t).id);
  OK(h, gc_scavenge(h));
  assert_true(alive(h, t));
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, t).id);
  assert_int_equal(last_event(h)->weak_slots_cleared, 0);
  OK(h, gc_full_gc(h));
  assert_false(alive(h, t));
  assert_int_equal(slot(h, holder, 0).kind, GC_SLOT_EMPTY);
  assert_int_equal(last_event(h)->weak_slots_cleared, 1);
  gc_heap_free(h);
}

static void weak_slot_follows_scavenge_moves(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle holder = rooted(h, 1, "Holder");
  gc_handle t = rooted(h, 0, "Target");
  OK(h, gc_slot_set_weak(h, holder, 0, t));
  for (int i = 0; i < 2; i++) {
    uint64_t before = info_of(h, t).address;
    OK(h, gc_scavenge(h));
    assert_true(info_of(h, t).address != before); /* copied, then promoted */
    const gc_obj *hv = gc_view(h, holder), *tv = gc_view(h, t);
    assert_ptr_equal(gc_obj_slot_weak_ref(hv, 0), tv);
    assert_null(gc_obj_slot_ref(hv, 0)); /* not a strong reference */
    assert_int_equal(gc_obj_slot_kind(hv, 0), GC_SLOT_WEAK);
  }
  assert_string_equal(gc_space_name(info_of(h, holder).space), "old");
  assert_int_equal(last_event(h)->weak_slots_cleared, 0);
  gc_handle back;
  OK(h, gc_slot_handle(h, holder, 0, &back));
  assert_int_equal(info_of(h, back).id, info_of(h, t).id);
  gc_heap_free(h);
}

/* Weak only, young, chained (and a young large object at the end): each
 * is evacuated because a survivor refers to it weakly. */
static void weak_chain_survives_scavenge(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle root = rooted(h, 1, "Root");
  gc_handle a = alloc_obj(h, 1, "A"), b = alloc_obj(h, 1, "B"), big;
  OK(h, gc_alloc(h, 1, 4096, "Big", &big)); /* above small_config's 2 KiB threshold */
  OK(h, gc_slot_set_weak(h, root, 0, a));
  OK(h, gc_slot_set_weak(h, a, 0, b));
  OK(h, gc_slot_set_weak(h, b, 0, big));
  OK(h, gc_scavenge(h));
  assert_true(alive(h, a) && alive(h, b) && alive(h, big));
  assert_int_equal(slot(h, b, 0).ref_id, info_of(h, big).id);
  OK(h, gc_full_gc(h));
  assert_false(alive(h, a));
  assert_false(alive(h, b));
  assert_false(alive(h, big));
  assert_int_equal(last_event(h)->weak_slots_cleared, 1); /* a and b died with their slots */
  assert_int_equal(slot(h, root, 0).kind, GC_SLOT_EMPTY);
  gc_heap_free(h);
}

/* A young large holder is promoted by relinking in the Scavenge that finds
 * it live: it must leave flagged for its young weak target (the verifier,
 * on after every GC, checks it). */
static void young_large_holder_promoted(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m;
  OK(h, gc_weak_map_new(h, false, &m));
  OK(h, gc_root(h, m));
  gc_handle keys = rooted(h, 200, "Keys");
  for (uint32_t i = 0; i < 200; i++) { /* the table grows past the 2 KiB threshold */
    gc_handle k = alloc_obj(h, 0, "Key");
    OK(h, gc_slot_set_ref(h, keys, i, k));
    gc_value v = smi_value(i);
    OK(h, gc_weak_map_set(h, m, k, &v));
    OK(h, gc_handle_release(h, k));
  }
  gc_handle holder;
  OK(h, gc_alloc(h, 300, 0, "BigHolder", &holder));
  OK(h, gc_root(h, holder));
  assert_string_equal(gc_space_name(info_of(h, holder).space), "new_large");
  gc_handle t = alloc_obj(h, 0, "Target");
  OK(h, gc_slot_set_weak(h, holder, 0, t));
  OK(h, gc_scavenge(h));
  assert_string_equal(gc_space_name(info_of(h, holder).space), "large");
  OK(h, gc_scavenge(h));
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, t).id);
  assert_int_equal(map_size(h, m), 200);
  gc_heap_free(h);
}

/* An old holder's weak slot to a young object: visited by Scavenges. */
static void old_holder_young_target(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle holder = rooted(h, 2, "Holder");
  promote(h);
  gc_handle keep = rooted(h, 0, "Kept");
  gc_handle drop = alloc_obj(h, 0, "Dropped");
  OK(h, gc_slot_set_weak(h, holder, 0, keep));
  OK(h, gc_slot_set_weak(h, holder, 1, drop));
  OK(h, gc_scavenge(h)); /* old -> new weak slots are updated, not cleared */
  assert_true(alive(h, drop));
  assert_int_equal(slot(h, holder, 1).ref_id, info_of(h, drop).id);
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, keep).id);
  OK(h, gc_scavenge(h)); /* both promoted; the slots follow */
  assert_int_equal(slot(h, holder, 1).ref_id, info_of(h, drop).id);
  assert_string_equal(gc_space_name(info_of(h, keep).space), "old");
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, keep).id);
  OK(h, gc_unroot(h, keep));
  OK(h, gc_full_gc(h));
  assert_false(alive(h, keep));
  assert_false(alive(h, drop));
  assert_int_equal(slot(h, holder, 0).kind, GC_SLOT_EMPTY);
  assert_int_equal(slot(h, holder, 1).kind, GC_SLOT_EMPTY);
  assert_int_equal(last_event(h)->weak_slots_cleared, 2);
  gc_heap_free(h);
}

/* Old pages made sparse so that Mark-Compact moves the weak target. */
static void weak_slot_follows_compaction(gc_compaction how) {
  gc_heap *h = small_heap();
  enum { N = 240 };
  gc_handle arr = rooted(h, N, "Array");
  gc_handle holder = rooted(h, 1, "Holder");
  for (uint32_t i = 0; i < N; i++) {
    gc_handle x;
    OK(h, gc_alloc(h, 0, 200, "Filler", &x));
    OK(h, gc_slot_set_ref(h, arr, i, x));
    OK(h, gc_handle_release(h, x));
  }
  promote(h);
  gc_handle t;
  OK(h, gc_slot_handle(h, arr, N - 3, &t));
  OK(h, gc_slot_set_weak(h, holder, 0, t));
  gc_handle dead;
  OK(h, gc_slot_handle(h, arr, N - 5, &dead));
  gc_handle dholder = rooted(h, 1, "Holder2");
  OK(h, gc_slot_set_weak(h, dholder, 0, dead));
  for (uint32_t i = 0; i < N; i++)
    if (i != N - 3 && i % 9 != 0) OK(h, gc_slot_clear(h, arr, i));
  uint64_t before = info_of(h, t).address;
  OK(h, gc_mark_compact(h, how));
  const gc_event *ev = last_event(h);
  assert_true(ev->moved_objects > 0);
  assert_true(info_of(h, t).address != before);
  assert_int_equal(slot(h, holder, 0).kind, GC_SLOT_WEAK);
  assert_int_equal(slot(h, holder, 0).ref_id, info_of(h, t).id);
  assert_ptr_equal(gc_obj_slot_weak_ref(gc_view(h, holder), 0), gc_view(h, t));
  assert_false(alive(h, dead));
  assert_int_equal(slot(h, dholder, 0).kind, GC_SLOT_EMPTY);
  assert_int_equal(ev->weak_slots_cleared, 1);
  gc_heap_free(h);
}
static void weak_slot_follows_evacuation(void **state) {
  (void)state;
  weak_slot_follows_compaction(GC_COMPACT_EVACUATE);
}
static void weak_slot_follows_slide(void **state) {
  (void)state;
  weak_slot_follows_compaction(GC_COMPACT_SLIDE);
}

static void verifier_catches_bad_weak_slot(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 1, "A"), b = rooted(h, 0, "B");
  /* Forge a weak slot in an object that is not a weak holder. */
  gc_obj *av = (gc_obj *)(uintptr_t)gc_view(h, a);
  av->slots[0] = (gc_tagged)(uintptr_t)gc_view(h, b) | GC_TAG_WEAK;
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "not a weak holder"));
  av->slots[0] = 0;
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* --------------------------------------------------------------- WeakRef */

static void weak_ref_kept_during_job(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle t = alloc_obj(h, 0, "Target");
  gc_handle ref;
  OK(h, gc_weak_ref_new(h, t, &ref));
  OK(h, gc_root(h, ref));
  assert_int_equal(gc_kept_count(h), 1);
  OK(h, gc_full_gc(h)); /* the constructor kept the target for this job */
  assert_true(alive(h, t));
  OK(h, gc_end_job(h));
  assert_int_equal(gc_kept_count(h), 0);
  gc_handle d;
  OK(h, gc_weak_ref_deref(h, ref, &d)); /* a deref keeps it for the next job */
  assert_int_equal(info_of(h, d).id, info_of(h, t).id);
  OK(h, gc_handle_release(h, d));
  OK(h, gc_scavenge(h));
  OK(h, gc_full_gc(h));
  assert_true(alive(h, t));
  OK(h, gc_end_job(h));
  OK(h, gc_full_gc(h));
  assert_false(alive(h, t));
  assert_int_equal(last_event(h)->weak_slots_cleared, 1);
  OK(h, gc_weak_ref_deref(h, ref, &d));
  assert_int_equal(d, GC_NO_HANDLE);
  /* Wrong kind of object: a clear error. */
  assert_int_equal(gc_weak_ref_deref(h, t, &d), GC_EDEAD);
  gc_handle plain = rooted(h, 0, "Plain");
  assert_int_equal(gc_weak_ref_deref(h, plain, &d), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "expected a WeakRef"));
  /* The message names every kind the call takes, with the right article
   * (it said "expected a WeakMap" to a WeakSet's caller, and "a ordinary
   * object"). */
  uint64_t n;
  assert_int_equal(gc_weak_map_size(h, plain, &n), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "expected a WeakMap or WeakSet, got object #"));
  assert_non_null(strstr(gc_heap_error(h), "(Plain, an ordinary object)"));
  assert_int_equal(gc_weak_ref_deref(h, ref, &d), GC_OK);
  assert_int_equal(gc_weak_map_size(h, ref, &n), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "(WeakRef, a WeakRef)"));
  gc_heap_free(h);
}

/* ------------------------------------------------------------ ephemerons */

static gc_handle weak_map(gc_heap *h) {
  gc_handle m;
  OK(h, gc_weak_map_new(h, false, &m));
  OK(h, gc_root(h, m));
  return m;
}

static uint64_t map_size(gc_heap *h, gc_handle m) {
  uint64_t n;
  OK(h, gc_weak_map_size(h, m, &n));
  return n;
}

/* The live objects named `name`: how many, and the last one's size and
 * space. */
typedef struct named {
  const char *name;
  uint32_t count;
  uint64_t size;
  gc_space space;
} named;

static bool count_named(const gc_object_info *o, void *ud) {
  named *n = ud;
  if (strcmp(o->name, n->name) == 0) {
    n->count++;
    n->size = o->size;
    n->space = o->space;
  }
  return true;
}

static named live_named(gc_heap *h, const char *name) {
  OK(h, gc_full_gc(h)); /* only what is reachable */
  named n = {name, 0, 0, GC_SPACE_NEW};
  OK(h, gc_each_object(h, count_named, &n));
  return n;
}

/* A new target and a WeakRef to it, the WeakRef in slot i of `refs`. */
static void weak_ref_in(gc_heap *h, gc_handle refs, uint32_t i) {
  gc_handle t = alloc_obj(h, 0, "Target"), r;
  OK(h, gc_weak_ref_new(h, t, &r));
  OK(h, gc_slot_set_ref(h, refs, i, r));
  OK(h, gc_handle_release(h, r));
  OK(h, gc_handle_release(h, t));
}

/* V8's KeepDuringJob set is an OrderedHashSet in the heap (Heap::
 * KeepDuringJob): 4 entries at first, doubled when full into a new table
 * (OrderedHashTable::EnsureGrowable), young while the one it replaces is
 * young, else old (Rehash); dropped whole at the end of the job
 * (ClearKeptObjects).  A table of capacity c is a FixedArray of 3 + c/2 +
 * 2c slots. */
static void keep_during_job_table_in_heap(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle refs = rooted(h, 300, "Refs");
  for (uint32_t i = 0; i < 5; i++) weak_ref_in(h, refs, i);
  /* 5 targets: capacity 8, 3 + 4 + 16 slots; the first table is garbage */
  named set = live_named(h, "OrderedHashSet");
  assert_int_equal(set.count, 1);
  assert_int_equal(set.size, gc_default_size(3 + 4 + 16));
  assert_int_equal(live_named(h, "Target").count, 5);
  /* now old (the full GCs promoted it): its successor is old too */
  for (uint32_t i = 5; i < 300; i++) {
    weak_ref_in(h, refs, i);
    if (i == 8) { /* the 9th outgrew capacity 8 */
      named grown = {"OrderedHashSet", 0, 0, GC_SPACE_NEW};
      OK(h, gc_each_object(h, count_named, &grown));
      assert_true(grown.space == GC_SPACE_OLD || grown.space == GC_SPACE_LARGE);
    }
  }
  set = live_named(h, "OrderedHashSet");
  assert_int_equal(set.count, 1);
  assert_int_equal(set.size, gc_default_size(3 + 256 + 1024)); /* capacity 512 */
  assert_int_equal(gc_kept_count(h), 300);
  assert_int_equal(live_named(h, "Target").count, 300);
  OK(h, gc_end_job(h));
  assert_int_equal(live_named(h, "OrderedHashSet").count, 0);
  assert_int_equal(live_named(h, "Target").count, 0);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void ephemeron_value_lives_with_key(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m = weak_map(h);
  gc_handle k1 = rooted(h, 0, "Key"), k2 = alloc_obj(h, 0, "Key");
  gc_handle v1 = alloc_obj(h, 1, "Value"), v2 = alloc_obj(h, 1, "Value");
  /* v2 refers to its own key: a cycle through the table is still garbage. */
  OK(h, gc_slot_set_ref(h, v2, 0, k2));
  gc_value a = ref_value(v1), b = ref_value(v2);
  OK(h, gc_weak_map_set(h, m, k1, &a));
  OK(h, gc_weak_map_set(h, m, k2, &b));
  assert_int_equal(map_size(h, m), 2);
  OK(h, gc_full_gc(h));
  assert_true(alive(h, v1));
  assert_false(alive(h, v2));
  assert_false(alive(h, k2));
  assert_int_equal(map_size(h, m), 1);
  assert_int_equal(last_event(h)->ephemerons_removed, 1);
  bool found;
  gc_slot_value out;
  gc_handle r;
  OK(h, gc_weak_map_get(h, m, k1, &found, &out, &r));
  assert_true(found);
  assert_int_equal(out.kind, GC_SLOT_REF);
  assert_int_equal(info_of(h, r).id, info_of(h, v1).id);
  /* delete, has, integers */
  bool deleted;
  OK(h, gc_weak_map_delete(h, m, k1, &deleted));
  assert_true(deleted);
  OK(h, gc_weak_map_get(h, m, k1, &found, &out, NULL));
  assert_false(found);
  gc_value seven = smi_value(7);
  OK(h, gc_weak_map_set(h, m, k1, &seven));
  OK(h, gc_weak_map_get(h, m, k1, &found, &out, NULL));
  assert_true(found && out.kind == GC_SLOT_SMI && out.smi == 7);
  OK(h, gc_full_gc(h));
  assert_false(alive(h, v1));
  gc_heap_free(h);
}

/* V8's Scavenge: a young key that dies removes its entry
 * (ClearYoungEphemerons); values are strong there, so the value outlives
 * the Scavenge and dies in the next GC. */
static void ephemeron_in_scavenge(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m = weak_map(h);
  gc_handle k1 = rooted(h, 0, "Key"), k2 = alloc_obj(h, 0, "Key");
  gc_handle v1 = alloc_obj(h, 0, "Value"), v2 = alloc_obj(h, 0, "Value");
  gc_value a = ref_value(v1), b = ref_value(v2);
  OK(h, gc_weak_map_set(h, m, k1, &a));
  OK(h, gc_weak_map_set(h, m, k2, &b));
  OK(h, gc_scavenge(h));
  assert_false(alive(h, k2));
  assert_true(alive(h, v2)); /* strong in the Scavenge that removed its entry */
  assert_int_equal(last_event(h)->ephemerons_removed, 1);
  assert_int_equal(map_size(h, m), 1);
  OK(h, gc_scavenge(h));
  assert_false(alive(h, v2));
  assert_true(alive(h, v1));
  /* An old table with a young key (V8's ephemeron remembered set). */
  gc_handle k3 = alloc_obj(h, 0, "Key");
  gc_value c = smi_value(3);
  OK(h, gc_weak_map_set(h, m, k3, &c));
  OK(h, gc_scavenge(h));
  assert_false(alive(h, k3));
  assert_int_equal(map_size(h, m), 1);
  gc_heap_free(h);
}

/* Keys reachable only from values, one by one: k[i] -> v[i] -> k[i+1].
 * Entries are inserted last key first, so every table scan finds one
 * newly live key: a fixpoint over rounds of table scans would need n
 * rounds (quadratic); the key -> values map needs one. */
static void build_chain(gc_heap *h, gc_handle m, uint32_t n, gc_handle *first, gc_handle *last) {
  gc_handle prev = GC_NO_HANDLE; /* the key built just before: the next in the chain */
  for (uint32_t i = 0; i < n; i++) {
    gc_handle k, v;
    OK(h, gc_alloc(h, 0, 0, "ChainKey", &k));
    OK(h, gc_root(h, k)); /* the chain hangs from its newest key */
    OK(h, gc_alloc(h, 1, 0, "ChainValue", &v));
    if (prev) OK(h, gc_slot_set_ref(h, v, 0, prev));
    gc_value val = ref_value(v);
    OK(h, gc_weak_map_set(h, m, k, &val));
    OK(h, gc_handle_release(h, v));
    if (prev) {
      OK(h, gc_unroot(h, prev));
      OK(h, gc_handle_release(h, prev));
    } else {
      OK(h, gc_handle_dup(h, k, last));
    }
    prev = k;
  }
  *first = prev;
}

static void ephemeron_chain_100k(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.page_size = 256u << 10;
  c.new_space.semi_space_initial = 1u << 20;
  c.new_space.semi_space_max = 8u << 20;
  c.old_space.max_size = 512u << 20;
  c.large_object.threshold = 128u << 10;
  c.incremental.enabled = false;
  gc_heap *h = new_heap(&c);
  gc_set_verify_each_gc(h, false); /* verified once below: 100k entries */
  enum { N = 100000 };
  gc_handle m = weak_map(h), first, last;
  build_chain(h, m, N, &first, &last);
  assert_int_equal(map_size(h, m), N);
  OK(h, gc_full_gc(h));
  assert_int_equal(map_size(h, m), N);
  assert_int_equal(last_event(h)->ephemerons_removed, 0);
  assert_true(alive(h, last));
  OK(h, gc_verify(h));
  /* Cut the chain at its root: every entry goes. */
  OK(h, gc_unroot(h, first));
  OK(h, gc_full_gc(h));
  assert_int_equal(map_size(h, m), 0);
  assert_int_equal(last_event(h)->ephemerons_removed, N);
  assert_false(alive(h, last));
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* Incremental marking with the program changing tables between steps. */
static void ephemeron_incremental_mutations(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m = weak_map(h);
  gc_handle root = rooted(h, 4, "Root");
  gc_handle keys[6], vals[6];
  for (int i = 0; i < 6; i++) {
    keys[i] = alloc_obj(h, 0, "Key");
    vals[i] = alloc_obj(h, 0, "Value");
  }
  OK(h, gc_slot_set_ref(h, root, 0, keys[0]));
  OK(h, gc_slot_set_ref(h, root, 1, keys[1]));
  gc_value v0 = ref_value(vals[0]), v1 = ref_value(vals[1]), v2 = ref_value(vals[2]);
  OK(h, gc_weak_map_set(h, m, keys[0], &v0));
  OK(h, gc_weak_map_set(h, m, keys[1], &v1));
  OK(h, gc_weak_map_set(h, m, keys[2], &v2));
  gc_handle held[] = {keys[2], keys[3], keys[4], vals[3], vals[4]};
  for (int i = 0; i < 5; i++) OK(h, gc_root(h, held[i]));
  promote(h);
  for (int i = 0; i < 5; i++) OK(h, gc_unroot(h, held[i])); /* white at the start */
  OK(h, gc_incremental_start(h));
  bool done = false;
  OK(h, gc_incremental_step(h, 64, &done));
  /* Between steps: key 2 becomes reachable (the barrier greys it), key 1
   * unreachable (marked already or not: it survives this cycle only if
   * marked), a new entry whose key is only in the table, and one scavenge. */
  OK(h, gc_slot_set_ref(h, root, 2, keys[2]));
  gc_value v3 = ref_value(vals[3]);
  OK(h, gc_weak_map_set(h, m, keys[3], &v3)); /* barrier: survives this cycle, as V8's */
  OK(h, gc_scavenge(h));
  OK(h, gc_incremental_step(h, 64, &done));
  gc_value v4 = ref_value(vals[4]);
  OK(h, gc_weak_map_set(h, m, keys[4], &v4));
  OK(h, gc_slot_set_ref(h, root, 3, keys[4]));
  while (!done) OK(h, gc_incremental_step(h, 64, &done));
  OK(h, gc_incremental_finish(h));
  assert_true(last_event(h)->incremental);
  for (int i = 0; i < 5; i++) assert_true(alive(h, vals[i]));
  OK(h, gc_full_gc(h)); /* keys[3] was only in the table: now it goes */
  assert_false(alive(h, keys[3]));
  assert_false(alive(h, vals[3]));
  assert_true(alive(h, vals[4]));
  assert_int_equal(map_size(h, m), 4);
  gc_heap_free(h);
}

/* A pending record made before a Scavenge follows its young key. */
static void ephemeron_pending_across_scavenge(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m = weak_map(h);
  gc_handle holder = rooted(h, 1, "Holder");
  gc_handle k = alloc_obj(h, 0, "Key"), v = alloc_obj(h, 0, "Value");
  OK(h, gc_slot_set_ref(h, holder, 0, k)); /* keeps k through the Scavenge */
  gc_value val = ref_value(v);
  OK(h, gc_weak_map_set(h, m, k, &val));
  OK(h, gc_incremental_start(h));
  OK(h, gc_slot_clear(h, holder, 0)); /* k is white and unreachable from black objects */
  OK(h, gc_slot_set_ref(h, holder, 0, k)); /* ... and reachable again: the barrier greys it */
  bool done = false;
  while (!done) OK(h, gc_incremental_step(h, 48, &done));
  OK(h, gc_scavenge(h));
  OK(h, gc_incremental_finish(h));
  assert_true(alive(h, v));
  assert_int_equal(map_size(h, m), 1);
  gc_heap_free(h);
}

/* The marking barrier covers stores into tables: without it the verifier
 * sees a black table whose black key maps to a white value. */
static void ephemeron_barrier_needed(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m = weak_map(h);
  gc_handle k = rooted(h, 0, "Key");
  promote(h);
  gc_handle v = alloc_obj(h, 0, "Value"); /* before: an allocation would end a complete cycle */
  OK(h, gc_incremental_start(h));
  bool done = false;
  while (!done) OK(h, gc_incremental_step(h, 4096, &done));
  gc_set_verify_each_gc(h, false);
  gc_set_marking_barrier(h, false);
  gc_value val = ref_value(v);
  OK(h, gc_weak_map_set(h, m, k, &val));
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_non_null(strstr(gc_heap_error(h), "ephemeron invariant broken"));
  gc_heap_free(h);
}

static void weak_set_and_growth(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle s;
  OK(h, gc_weak_map_new(h, true, &s));
  OK(h, gc_root(h, s));
  gc_handle arr = rooted(h, 64, "Array");
  for (uint32_t i = 0; i < 64; i++) {
    gc_handle k = alloc_obj(h, 0, "Key");
    OK(h, gc_weak_map_set(h, s, k, NULL));
    if (i % 2 == 0) OK(h, gc_slot_set_ref(h, arr, i, k));
    OK(h, gc_handle_release(h, k));
  }
  gc_value one = smi_value(1);
  gc_handle k0;
  OK(h, gc_slot_handle(h, arr, 0, &k0));
  assert_int_equal(gc_weak_map_set(h, s, k0, &one), GC_EINVAL);
  assert_int_equal(map_size(h, s), 64);
  OK(h, gc_full_gc(h));
  assert_int_equal(map_size(h, s), 32);
  assert_int_equal(last_event(h)->ephemerons_removed, 32);
  gc_heap_free(h);
}

/* The table behind a WeakMap (slot 0): its capacity, its counts (slots 0
 * and 1: entries, deleted entries) and where it is. */
static gc_object_info table_info(gc_heap *h, gc_handle m, uint64_t *cap, int64_t *elements, int64_t *deleted) {
  gc_handle t;
  OK(h, gc_slot_handle(h, m, 0, &t));
  gc_object_info i = info_of(h, t);
  *cap = (i.nslots - 2) / 2;
  if (elements) *elements = slot(h, t, 0).smi;
  if (deleted) *deleted = slot(h, t, 1).smi;
  OK(h, gc_handle_release(h, t));
  return i;
}

static uint64_t table_capacity(gc_heap *h, gc_handle m) {
  uint64_t cap;
  table_info(h, m, &cap, NULL, NULL);
  return cap;
}

/* small_config with 4 MiB semispaces: no GC while a test fills a map. */
static gc_heap *roomy_heap(void) {
  gc_config c;
  small_config(&c);
  c.new_space.semi_space_initial = c.new_space.semi_space_max = 4u << 20;
  return new_heap(&c);
}

/* A rooted WeakMap with n rooted keys (kept in keys[], which must hold n). */
static gc_handle filled_map(gc_heap *h, uint32_t n, gc_handle *keys) {
  gc_handle m;
  OK(h, gc_weak_map_new(h, false, &m));
  OK(h, gc_root(h, m));
  for (uint32_t i = 0; i < n; i++) {
    keys[i] = rooted(h, 0, "Key");
    gc_value v = smi_value(i);
    OK(h, gc_weak_map_set(h, m, keys[i], &v));
  }
  return m;
}

/* V8's HashTable::EnsureCapacity: a table grows when, after the add, less
 * than half of it would be free (HasSufficientCapacityToAdd), into
 * ComputeCapacity(entries): 50% slack rounded up to a power of two.  So 4
 * -> 8 at the 4th entry, 8 -> 16 at the 6th, and 1024 -> 2048 at the 684th
 * (683 + 341 fit in 1024, 684 + 342 do not). */
static void weak_map_capacity_as_v8(void **state) {
  (void)state;
  gc_heap *h = roomy_heap();
  gc_handle m;
  OK(h, gc_weak_map_new(h, false, &m));
  OK(h, gc_root(h, m));
  assert_int_equal(table_capacity(h, m), 4);
  static gc_handle keys[684];
  const struct { uint32_t entries, cap; } want[] = {{3, 4}, {4, 8}, {5, 8}, {6, 16}, {683, 1024}, {684, 2048}};
  uint32_t n = 0;
  for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
    for (; n < want[w].entries; n++) {
      keys[n] = rooted(h, 0, "Key");
      OK(h, gc_weak_map_set(h, m, keys[n], NULL));
    }
    assert_int_equal(table_capacity(h, m), want[w].cap);
  }
  assert_int_equal(gc_event_count(h), 0);
  gc_heap_free(h);
}

/* V8's HashTable::ElementAdded counts the entries only: a key set again
 * after its delete takes its old, deleted entry (the first free one on its
 * probe path), and the deleted count stays -- it counts the deletions since
 * the table was made or rehashed, and only a rehash resets it.  (gclab
 * gave the entry back until the key map, which shares these rules, showed
 * V8's count.) */
static void weak_map_deleted_count_as_v8(void **state) {
  (void)state;
  gc_heap *h = roomy_heap();
  gc_handle keys[5];
  gc_handle m = filled_map(h, 5, keys); /* capacity 8 */
  bool deleted;
  OK(h, gc_weak_map_delete(h, m, keys[2], &deleted));
  assert_true(deleted);
  uint64_t cap;
  int64_t n, del;
  table_info(h, m, &cap, &n, &del);
  assert_true(cap == 8 && n == 4 && del == 1);
  gc_value v = smi_value(9);
  OK(h, gc_weak_map_set(h, m, keys[2], &v)); /* into its deleted entry */
  table_info(h, m, &cap, &n, &del);
  assert_true(cap == 8 && n == 5 && del == 1);
  assert_int_equal(gc_event_count(h), 0);
  gc_heap_free(h);
}

/* V8's ObjectHashTableBase::Put: a table with more than a third of its
 * used entries deleted is rehashed in place before the add -- the same
 * table, its deleted entries gone, nothing allocated. */
static void weak_map_rehash_in_place(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  static gc_handle keys[100];
  gc_handle m = filled_map(h, 100, keys);
  gc_handle t0;
  OK(h, gc_slot_handle(h, m, 0, &t0));
  for (uint32_t i = 0; i < 60; i++) OK(h, gc_unroot(h, keys[i]));
  OK(h, gc_full_gc(h));
  uint64_t cap;
  int64_t elements, deleted;
  table_info(h, m, &cap, &elements, &deleted);
  assert_int_equal(elements, 40);
  assert_int_equal(deleted, 60);
  gc_handle k = rooted(h, 0, "Key");
  OK(h, gc_weak_map_set(h, m, k, NULL));
  gc_object_info after = table_info(h, m, &cap, &elements, &deleted);
  assert_int_equal(after.id, info_of(h, t0).id);
  assert_int_equal(elements, 41);
  assert_int_equal(deleted, 0);
  for (uint32_t i = 60; i < 100; i++) {
    bool found;
    gc_slot_value v;
    OK(h, gc_weak_map_get(h, m, keys[i], &found, &v, NULL));
    assert_true(found);
    assert_int_equal(v.smi, i);
  }
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static bool young_space(gc_space s) { return s == GC_SPACE_NEW || s == GC_SPACE_NEW_LARGE; }

/* HashTable::EnsureCapacity's should_pretenure: the table that replaces
 * an old one of more than 256 entries is allocated old; a young one's
 * successor is young. */
static void weak_map_grown_table_old_when_replacing_old(void **state) {
  (void)state;
  gc_heap *h = roomy_heap();
  static gc_handle keys[700];
  gc_handle m = filled_map(h, 300, keys); /* 300 entries: capacity 512 */
  assert_int_equal(table_capacity(h, m), 512);
  uint64_t cap;
  assert_true(young_space(table_info(h, m, &cap, NULL, NULL).space));
  for (uint32_t i = 300; i < 342; i++) {
    keys[i] = rooted(h, 0, "Key");
    OK(h, gc_weak_map_set(h, m, keys[i], NULL));
  }
  assert_int_equal(table_capacity(h, m), 1024); /* 342 + 171 > 512 */
  assert_true(young_space(table_info(h, m, &cap, NULL, NULL).space)); /* replaced a young one */
  promote(h);
  assert_false(young_space(table_info(h, m, &cap, NULL, NULL).space));
  for (uint32_t i = 342; i < 684; i++) {
    keys[i] = rooted(h, 0, "Key");
    OK(h, gc_weak_map_set(h, m, keys[i], NULL));
  }
  assert_int_equal(table_capacity(h, m), 2048);
  assert_false(young_space(table_info(h, m, &cap, NULL, NULL).space)); /* replaced an old one */
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* WeakMap.prototype.delete shrinks a table left at most a quarter full
 * with at least 16 entries to ComputeCapacity(entries): 100 entries
 * (capacity 256) deleted down to 64 shrink it to 128, to 32 to 64; at 20
 * it stays 64. */
static void weak_map_delete_shrinks(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  static gc_handle keys[100];
  gc_handle m = filled_map(h, 100, keys);
  assert_int_equal(table_capacity(h, m), 256);
  for (uint32_t i = 0; i < 80; i++) {
    bool was;
    OK(h, gc_weak_map_delete(h, m, keys[i], &was));
    assert_true(was);
    uint32_t left = 99 - i;
    uint64_t want = left > 64 ? 256 : left > 32 ? 128 : 64;
    assert_int_equal(table_capacity(h, m), want);
  }
  assert_int_equal(map_size(h, m), 20);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* ------------------------------------------------- FinalizationRegistry */

static gc_handle registry(gc_heap *h) {
  gc_handle r;
  OK(h, gc_finreg_new(h, &r));
  OK(h, gc_root(h, r));
  return r;
}

static int64_t next_held(gc_heap *h) {
  bool got;
  gc_slot_value held;
  OK(h, gc_cleanup_next(h, &got, NULL, &held, NULL));
  if (!got) return -1;
  assert_int_equal(held.kind, GC_SLOT_SMI);
  return held.smi;
}

/* V8 allocates a WeakCell old ("new (Pretenured) WeakCell" in
 * FinalizationRegistryRegister), so a Scavenge never copies or promotes
 * one; its young target survives Scavenges through the old cell's weak
 * slot (weak references are strong in Scavenges) and dies at a full GC. */
static void weak_cell_allocated_old(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r;
  OK(h, gc_finreg_new(h, &r));
  OK(h, gc_root(h, r));
  gc_handle t = alloc_obj(h, 0, "Target");
  gc_value held = smi_value(7);
  size_t events = gc_event_count(h);
  OK(h, gc_finreg_register(h, r, t, &held, GC_NO_HANDLE));
  assert_int_equal(gc_event_count(h), events);
  named cell = {"WeakCell", 0, 0, GC_SPACE_NEW};
  OK(h, gc_each_object(h, count_named, &cell));
  assert_int_equal(cell.count, 1);
  assert_int_equal(cell.space, GC_SPACE_OLD);
  OK(h, gc_scavenge(h));
  assert_true(alive(h, t));
  OK(h, gc_verify(h));
  OK(h, gc_full_gc(h));
  assert_false(alive(h, t));
  assert_int_equal(next_held(h), 7);
  gc_heap_free(h);
}

static void finalization_order_and_queue(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r = registry(h);
  gc_handle t[5];
  for (int i = 0; i < 5; i++) {
    t[i] = alloc_obj(h, 0, "Target");
    gc_value held = smi_value(i + 1);
    OK(h, gc_finreg_register(h, r, t[i], &held, GC_NO_HANDLE));
  }
  OK(h, gc_root(h, t[3]));
  OK(h, gc_root(h, t[4]));
  OK(h, gc_full_gc(h)); /* nothing runs inside the GC: cells are queued */
  assert_int_equal(last_event(h)->cells_queued, 3);
  assert_int_equal(gc_cleanup_pending(h), 3);
  uint64_t active, queued;
  OK(h, gc_finreg_counts(h, r, &active, &queued));
  assert_int_equal(active, 2);
  assert_int_equal(queued, 3);
  /* A later GC's cells come first (pushed at the head of cleared_cells). */
  OK(h, gc_unroot(h, t[3]));
  OK(h, gc_full_gc(h));
  assert_int_equal(next_held(h), 4);
  assert_int_equal(next_held(h), 1); /* one GC's cells: oldest registration first */
  assert_int_equal(next_held(h), 2);
  assert_int_equal(next_held(h), 3);
  assert_int_equal(next_held(h), -1);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

static void finalization_held_value_strong(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r = registry(h);
  gc_handle t = alloc_obj(h, 0, "Target"), held = alloc_obj(h, 0, "Held");
  gc_value hv = ref_value(held);
  OK(h, gc_finreg_register(h, r, t, &hv, GC_NO_HANDLE));
  gc_value self = ref_value(t);
  assert_int_equal(gc_finreg_register(h, r, t, &self, GC_NO_HANDLE), GC_EINVAL);
  OK(h, gc_scavenge(h)); /* strong in a Scavenge */
  assert_true(alive(h, t));
  OK(h, gc_full_gc(h));
  assert_false(alive(h, t));
  assert_int_equal(last_event(h)->cells_queued, 1);
  OK(h, gc_unroot(h, r)); /* the queue keeps the registry */
  OK(h, gc_full_gc(h));
  OK(h, gc_full_gc(h));
  assert_true(alive(h, held));
  assert_true(alive(h, r));
  bool got;
  gc_slot_value out;
  gc_handle href;
  uint64_t rid;
  OK(h, gc_cleanup_next(h, &got, &rid, &out, &href));
  assert_true(got);
  assert_int_equal(rid, info_of(h, r).id);
  assert_int_equal(info_of(h, href).id, info_of(h, held).id);
  OK(h, gc_handle_release(h, href));
  OK(h, gc_full_gc(h));
  assert_false(alive(h, held));
  assert_false(alive(h, r));
  gc_heap_free(h);
}

static void finalization_unregister(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r = registry(h);
  gc_handle tok = rooted(h, 0, "Token");
  gc_handle t1 = alloc_obj(h, 0, "Target"), t2 = alloc_obj(h, 0, "Target"), t3 = alloc_obj(h, 0, "Target");
  gc_value one = smi_value(1), two = smi_value(2), three = smi_value(3);
  OK(h, gc_finreg_register(h, r, t1, &one, tok));
  OK(h, gc_finreg_register(h, r, t2, &two, GC_NO_HANDLE));
  bool removed;
  OK(h, gc_finreg_unregister(h, r, tok, &removed));
  assert_true(removed);
  OK(h, gc_finreg_unregister(h, r, tok, &removed));
  assert_false(removed);
  OK(h, gc_finreg_register(h, r, t3, &three, tok));
  OK(h, gc_full_gc(h));
  assert_int_equal(last_event(h)->cells_queued, 2);
  OK(h, gc_finreg_unregister(h, r, tok, &removed)); /* also takes queued cells */
  assert_true(removed);
  assert_int_equal(next_held(h), 2);
  assert_int_equal(next_held(h), -1);
  gc_heap_free(h);
}

/* unregister finds a token's cells through an index (V8's key_map), not
 * by walking the registry: the cells of one token in one registry, active
 * or queued, go; another registry's cells with the same token stay; a
 * cell whose cleanup already ran is not taken out twice; thousands of
 * registrations and unregistrations (the index rebuilt many times) leave
 * exactly the registrations that were not undone. */
static void finalization_unregister_index(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle r1 = registry(h), r2 = registry(h);
  gc_handle tok = rooted(h, 0, "Token");
  gc_handle kept = rooted(h, 0, "Target");
  gc_value v = smi_value(1);
  OK(h, gc_finreg_register(h, r1, kept, &v, tok));
  OK(h, gc_finreg_register(h, r2, kept, &v, tok));
  OK(h, gc_finreg_register(h, r1, alloc_obj(h, 0, "Target"), &v, tok)); /* dies: queued */
  OK(h, gc_full_gc(h));
  uint64_t active, queued;
  OK(h, gc_finreg_counts(h, r1, &active, &queued));
  assert_true(active == 1 && queued == 1);
  bool removed;
  OK(h, gc_finreg_unregister(h, r1, tok, &removed));
  assert_true(removed);
  OK(h, gc_finreg_counts(h, r1, &active, &queued));
  assert_true(active == 0 && queued == 0);
  OK(h, gc_finreg_counts(h, r2, &active, &queued));
  assert_true(active == 1 && queued == 0); /* the other registry's cell stays */
  /* a cell cleaned up already is not unlinked again */
  gc_handle tok2 = rooted(h, 0, "Token");
  OK(h, gc_finreg_register(h, r2, alloc_obj(h, 0, "Target"), &v, tok2));
  OK(h, gc_full_gc(h));
  assert_int_equal(next_held(h), 1);
  OK(h, gc_finreg_unregister(h, r2, tok2, &removed));
  assert_false(removed);
  OK(h, gc_finreg_counts(h, r2, &active, &queued));
  assert_true(active == 1 && queued == 0);
  /* 3000 registrations, two of three undone at once, the rest later */
  static gc_handle toks[3000];
  for (uint32_t i = 0; i < 3000; i++) {
    toks[i] = rooted(h, 0, "Token");
    OK(h, gc_finreg_register(h, r1, toks[i], &v, toks[i]));
    if (i % 3) {
      OK(h, gc_finreg_unregister(h, r1, toks[i], &removed));
      assert_true(removed);
    }
  }
  OK(h, gc_full_gc(h));
  OK(h, gc_finreg_counts(h, r1, &active, &queued));
  assert_int_equal(active, 1000);
  for (uint32_t i = 0; i < 3000; i += 3) {
    OK(h, gc_finreg_unregister(h, r1, toks[i], &removed));
    assert_true(removed);
  }
  OK(h, gc_finreg_counts(h, r1, &active, &queued));
  assert_int_equal(active, 0);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* A registry's key map (its slot 4; docs/weak.md), with its capacity, its
 * counts (slots 0 and 1: entries, deleted entries) and its object. */
#define REG_SLOT_KEY_MAP 4
static gc_object_info key_map_info(gc_heap *h, gc_handle r, uint64_t *cap, int64_t *elements, int64_t *deleted) {
  gc_handle m;
  OK(h, gc_slot_handle(h, r, REG_SLOT_KEY_MAP, &m));
  gc_object_info i = info_of(h, m);
  *cap = (i.nslots - 2) / 2;
  *elements = slot(h, m, 0).smi;
  *deleted = slot(h, m, 1).smi;
  OK(h, gc_handle_release(h, m));
  return i;
}

static void register_token(gc_heap *h, gc_handle r, gc_handle target, gc_handle token) {
  gc_value v = smi_value(7);
  OK(h, gc_finreg_register(h, r, target, &v, token));
}

/* V8's JSFinalizationRegistry::key_map is a SimpleNumberDictionary in the
 * heap: none until the first token (undefined), then New(1): capacity 4,
 * V8's 40 + 16 * 4 bytes.  Dictionary::Add's EnsureCapacity rebuilds it
 * into ComputeCapacity(entries + 1) when the add would leave less than
 * half free or more than half of the free entries deleted; an unregister
 * only marks its entry deleted (RemoveUnregisterToken), so a rebuild after
 * deletions can keep the capacity.  A full GC that finds a token dead takes
 * its entry out (ClearJSWeakRefs), and so does taking a cell's cleanup
 * (PopClearedCellHoldings).  Past 256 entries an old map's successor is
 * old.  (Each heap is verified after every GC: key_map_verify checks the
 * counts and that every cell with a token has its entry.) */
static void finalization_key_map_as_v8(void **state) {
  (void)state;
  gc_heap *h = roomy_heap();
  gc_handle r = registry(h), kept = rooted(h, 0, "Target");
  uint64_t cap;
  int64_t n, del;
  register_token(h, r, kept, GC_NO_HANDLE);
  assert_int_equal(slot(h, r, REG_SLOT_KEY_MAP).kind, GC_SLOT_EMPTY); /* no token: no map */
  gc_handle tok[300];
  for (int i = 0; i < 3; i++) register_token(h, r, kept, tok[i] = rooted(h, 0, "Token"));
  gc_object_info mi = key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 4 && n == 3 && del == 0);
  assert_string_equal(mi.name, "SimpleNumberDictionary");
  assert_int_equal(mi.size, 40 + 16 * 4);
  assert_int_equal(mi.space, GC_SPACE_NEW);
  register_token(h, r, kept, tok[3] = rooted(h, 0, "Token")); /* 4 + 2 > 4 */
  key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 8 && n == 4 && del == 0);
  bool removed;
  OK(h, gc_finreg_unregister(h, r, tok[0], &removed));
  OK(h, gc_finreg_unregister(h, r, tok[1], &removed));
  key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 8 && n == 2 && del == 2); /* deleted, not shrunk */
  register_token(h, r, kept, tok[0]);
  register_token(h, r, kept, tok[1]); /* 4 entries, 2 deleted: 2 <= (8 - 4) / 2 */
  uint64_t id = key_map_info(h, r, &cap, &n, &del).id;
  assert_true(cap == 8 && n == 4 && del == 2);
  register_token(h, r, kept, tok[4] = rooted(h, 0, "Token")); /* 2 > (8 - 5) / 2: rebuilt */
  mi = key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 8 && n == 5 && del == 0 && mi.id != id);
  /* a dead token's entry goes in a full GC; the cell stays registered */
  register_token(h, r, kept, alloc_obj(h, 0, "Token"));
  OK(h, gc_full_gc(h));
  key_map_info(h, r, &cap, &n, &del);
  assert_true(n == 5 && del == 1);
  uint64_t active, queued;
  OK(h, gc_finreg_counts(h, r, &active, &queued));
  assert_int_equal(active, 7);
  /* a dead target's cell keeps its entry until its cleanup is taken */
  register_token(h, r, alloc_obj(h, 0, "Target"), tok[2]);
  OK(h, gc_full_gc(h));
  key_map_info(h, r, &cap, &n, &del);
  assert_int_equal(n, 6);
  assert_int_equal(next_held(h), 7);
  key_map_info(h, r, &cap, &n, &del);
  assert_int_equal(n, 5);
  OK(h, gc_finreg_unregister(h, r, tok[2], &removed)); /* its other cell */
  assert_true(removed);
  /* 300 tokens: the map is old after a full GC, its successor too */
  for (int i = 5; i < 300; i++) register_token(h, r, kept, tok[i] = rooted(h, 0, "Token"));
  key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 512 && n == 299); /* 172 + 86 > 256: 512 */
  OK(h, gc_full_gc(h));
  gc_space sp = key_map_info(h, r, &cap, &n, &del).space; /* past small_config's large-object threshold */
  assert_true(sp == GC_SPACE_OLD || sp == GC_SPACE_LARGE);
  for (int i = 0; i < 43; i++) register_token(h, r, kept, rooted(h, 0, "Token")); /* 342 + 171 > 512 */
  mi = key_map_info(h, r, &cap, &n, &del);
  assert_true(cap == 1024 && n == 342);
  assert_true(mi.space == GC_SPACE_OLD || mi.space == GC_SPACE_LARGE);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* The slots of a WeakMap, its table, a registry and its cells belong to
 * the engine: a store through the slot API is refused (it broke their
 * invariants -- a table's count, a cell's links -- and later calls
 * dereferenced null or looped).  Reads stay allowed; a WK_PLAIN holder
 * (an object given weak slots) stays writable. */
static void internal_slots_refuse_stores(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle m, r = registry(h);
  OK(h, gc_weak_map_new(h, false, &m));
  gc_handle t = alloc_obj(h, 0, "Target"), held_h = alloc_obj(h, 0, "Held");
  gc_value held = smi_value(1);
  OK(h, gc_finreg_register(h, r, t, &held, GC_NO_HANDLE));
  gc_handle table;
  OK(h, gc_slot_handle(h, m, 0, &table));
  gc_handle key_map;
  OK(h, gc_finreg_register(h, r, alloc_obj(h, 0, "Target"), &held, t));
  OK(h, gc_slot_handle(h, r, REG_SLOT_KEY_MAP, &key_map));
  const gc_handle internal[] = {m, table, r, key_map};
  for (size_t i = 0; i < sizeof internal / sizeof *internal; i++) {
    assert_int_equal(gc_slot_clear(h, internal[i], 0), GC_EINVAL);
    assert_non_null(strstr(gc_heap_error(h), "its slots belong to the engine"));
    assert_int_equal(gc_slot_set_smi(h, internal[i], 0, -5), GC_EINVAL);
    assert_int_equal(gc_slot_set_ref(h, internal[i], 0, held_h), GC_EINVAL);
  }
  gc_slot_value v;
  OK(h, gc_slot_get(h, m, 0, &v)); /* reads are fine */
  assert_int_equal(v.kind, GC_SLOT_REF);
  gc_handle plain = alloc_obj(h, 2, "Plain");
  OK(h, gc_slot_set_weak(h, plain, 0, t));
  OK(h, gc_slot_set_ref(h, plain, 1, held_h)); /* an ordinary object with a weak slot */
  OK(h, gc_weak_map_set(h, m, t, &held)); /* the map still works */
  assert_int_equal(gc_slot_set_weak(h, key_map, 2, t), GC_EINVAL);
  OK(h, gc_verify(h));
  gc_handle_release(h, table);
  gc_handle_release(h, key_map);
  gc_heap_free(h);
}

/* Out of memory: the last-resort GCs queue cells like any GC; after OOM
 * the heap is consistent and the cleanup still runs. */
static void finalization_under_oom(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.old_space.max_size = 1u << 20;
  gc_heap *h = new_heap(&c);
  gc_handle r = registry(h);
  gc_handle list = rooted(h, 1, "Head");
  int registered = 0;
  gc_status st = GC_OK;
  for (int i = 0; st == GC_OK && i < 100000; i++) {
    gc_handle x;
    st = gc_alloc(h, 1, 512, "Node", &x);
    if (st != GC_OK) break;
    if (i % 50 == 0) { /* garbage that is watched */
      gc_value held = smi_value(i);
      st = gc_finreg_register(h, r, x, &held, GC_NO_HANDLE);
      registered++;
    } else {
      if (slot(h, list, 0).kind == GC_SLOT_REF) {
        gc_handle head;
        OK(h, gc_slot_handle(h, list, 0, &head));
        OK(h, gc_slot_set_ref(h, x, 0, head));
        OK(h, gc_handle_release(h, head));
      }
      OK(h, gc_slot_set_ref(h, list, 0, x));
    }
    OK(h, gc_handle_release(h, x));
  }
  assert_int_equal(st, GC_EOOM);
  OK(h, gc_verify(h));
  size_t pending = gc_cleanup_pending(h);
  assert_true(pending > 0);
  size_t ran = 0;
  while (next_held(h) >= 0) ran++;
  assert_int_equal(ran, pending);
  uint64_t active;
  OK(h, gc_finreg_counts(h, r, &active, NULL));
  assert_true(active + ran <= (uint64_t)registered);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(weak_slot_strong_in_scavenge_cleared_by_full_gc),
      cmocka_unit_test(weak_slot_follows_scavenge_moves),
      cmocka_unit_test(weak_chain_survives_scavenge),
      cmocka_unit_test(young_large_holder_promoted),
      cmocka_unit_test(old_holder_young_target),
      cmocka_unit_test(weak_slot_follows_evacuation),
      cmocka_unit_test(weak_slot_follows_slide),
      cmocka_unit_test(verifier_catches_bad_weak_slot),
      cmocka_unit_test(weak_ref_kept_during_job),
      cmocka_unit_test(keep_during_job_table_in_heap),
      cmocka_unit_test(ephemeron_value_lives_with_key),
      cmocka_unit_test(ephemeron_in_scavenge),
      cmocka_unit_test(ephemeron_chain_100k),
      cmocka_unit_test(ephemeron_incremental_mutations),
      cmocka_unit_test(ephemeron_pending_across_scavenge),
      cmocka_unit_test(ephemeron_barrier_needed),
      cmocka_unit_test(weak_set_and_growth),
      cmocka_unit_test(weak_map_capacity_as_v8),
      cmocka_unit_test(weak_map_deleted_count_as_v8),
      cmocka_unit_test(weak_map_rehash_in_place),
      cmocka_unit_test(weak_map_grown_table_old_when_replacing_old),
      cmocka_unit_test(weak_map_delete_shrinks),
      cmocka_unit_test(finalization_order_and_queue),
      cmocka_unit_test(weak_cell_allocated_old),
      cmocka_unit_test(finalization_unregister_index),
      cmocka_unit_test(finalization_key_map_as_v8),
      cmocka_unit_test(finalization_held_value_strong),
      cmocka_unit_test(finalization_unregister),
      cmocka_unit_test(finalization_under_oom),
      cmocka_unit_test(internal_slots_refuse_stores),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
