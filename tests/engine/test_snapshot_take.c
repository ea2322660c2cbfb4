/*
 * test_snapshot_take.c -- gc_snapshot_take on real gclab heaps: the root
 * groups and object graph it copies, that it changes nothing in the heap,
 * that ids are stable across scavenges and both compactions, and the
 * by-class views (summary, diff by id, memlab's leak filter) on them;
 * and memory outside the heap as V8's snapshots show it.
 */
#include <stdlib.h>

#include "test_util.h"

static gc_snapshot *take(gc_heap *h) {
  gc_snapshot *s = NULL;
  OK(h, gc_snapshot_take(h, &s));
  assert_int_equal(gc_snapshot_analyze(s), GC_OK);
  return s;
}

static uint32_t node_of(gc_snapshot *s, gc_heap *h, gc_handle x) {
  uint32_t v = gc_snapshot_find_id(s, gc_snap_id_of_object(info_of(h, x).id));
  assert_int_not_equal(v, GC_SNAP_NONE);
  return v;
}

static void test_take_shape(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 4, "App"), b = alloc_obj(h, 0, "Leaf"), c = alloc_obj(h, 1, "Leaf");
  OK(h, gc_slot_set_ref(h, a, 0, b));
  OK(h, gc_slot_set_smi(h, a, 1, 7));
  OK(h, gc_slot_set_ref(h, a, 2, c));
  OK(h, gc_slot_set_ref(h, c, 0, a)); /* a cycle */
  gc_handle e = alloc_obj(h, 0, "Garbage");
  gc_scope sc;
  OK(h, gc_scope_open(h, &sc));
  gc_handle d = alloc_obj(h, 2, "Temp");
  gc_heap_stats before, after;
  gc_stats(h, &before);
  uint64_t epoch = gc_heap_epoch(h);
  gc_snapshot *s = take(h);
  gc_stats(h, &after);
  /* Taking a snapshot allocates nothing and collects nothing. */
  assert_int_equal(gc_heap_epoch(h), epoch);
  assert_int_equal(after.allocated_bytes, before.allocated_bytes);
  assert_int_equal(after.objects_allocated, before.objects_allocated);
  assert_int_equal(after.total.size, before.total.size);
  assert_int_equal(after.gcs, before.gcs);

  assert_int_equal(gc_snapshot_node_count(s), GC_SNAP_FIRST_OBJECT + before.total.objects);
  const gc_snap_node *n = gc_snapshot_nodes(s);
  const gc_snap_edge *ed = gc_snapshot_edges(s);
  assert_string_equal(gc_snapshot_string(s, 0, NULL), "<dummy>");
  assert_int_equal(n[0].id, GC_SNAP_ROOT_ID);
  assert_int_equal(n[0].type, GC_SNODE_SYNTHETIC);
  assert_string_equal(gc_snapshot_node_name(s, 0), "");
  assert_string_equal(gc_snapshot_node_name(s, 1), "(GC roots)");
  assert_string_equal(gc_snapshot_node_name(s, 2), "(Global handles)");
  assert_string_equal(gc_snapshot_node_name(s, 3), "(Handle scope)");
  assert_int_equal(ed[n[0].first_edge].to, 1);
  assert_int_equal(n[1].edge_count, 2);
  /* (Global handles) -> App; (Handle scope) -> Temp. */
  uint32_t va = node_of(s, h, a), vb = node_of(s, h, b), vc = node_of(s, h, c);
  uint32_t vd = node_of(s, h, d), ve = node_of(s, h, e);
  assert_int_equal(n[2].edge_count, 1);
  assert_int_equal(ed[n[2].first_edge].to, va);
  assert_int_equal(n[3].edge_count, 1);
  assert_int_equal(ed[n[3].first_edge].to, vd);
  /* App: element 0 -> Leaf b, element 2 -> Leaf c; no edge for the smi. */
  gc_object_info ia = info_of(h, a);
  assert_int_equal(n[va].type, GC_SNODE_OBJECT);
  assert_string_equal(gc_snapshot_node_name(s, va), "App");
  assert_int_equal(n[va].self_size, ia.size);
  assert_int_equal(n[va].space, ia.space);
  assert_int_equal(n[va].age, ia.age);
  assert_int_equal(n[va].edge_count, 2);
  assert_int_equal(ed[n[va].first_edge].type, GC_SEDGE_ELEMENT);
  assert_int_equal(ed[n[va].first_edge].name_or_index, 0);
  assert_int_equal(ed[n[va].first_edge].to, vb);
  assert_int_equal(ed[n[va].first_edge + 1].name_or_index, 2);
  assert_int_equal(ed[n[va].first_edge + 1].to, vc);
  /* Analysis: App retains itself and both leaves; Garbage hangs off the
   * root, unreached. */
  assert_int_equal(gc_snapshot_retained(s, va), ia.size + info_of(h, b).size + info_of(h, c).size);
  assert_int_equal(gc_snapshot_dominator(s, vc), va);
  assert_int_equal(gc_snapshot_dominator(s, va), 2);
  assert_false(gc_snapshot_reachable(s, ve));
  assert_int_equal(gc_snapshot_dominator(s, ve), 0);
  assert_int_equal(gc_snapshot_distance(s, va), 3);
  uint32_t path[8];
  assert_int_equal(gc_snapshot_path(s, vc, path, 8), 4);
  assert_int_equal(gc_snapshot_edge_from(s, path[3]), va);
  gc_snapshot_free(s);
  OK(h, gc_scope_close(h, sc));
  gc_heap_free(h);
}

/* The same objects have the same ids, names, sizes and edges (by id) after
 * scavenges, an evacuating and a sliding compaction. */
static void test_ids_stable_across_moves(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  enum { N = 300 };
  gc_handle head = rooted(h, 2, "Node"), cur;
  OK(h, gc_handle_dup(h, head, &cur));
  for (int i = 0; i < N; i++) {
    gc_handle next = alloc_obj(h, 2, i % 3 ? "Node" : "Other");
    OK(h, gc_slot_set_ref(h, cur, 0, next));
    OK(h, gc_slot_set_ref(h, next, 1, head));
    for (int k = 0; k < 3; k++) OK(h, gc_handle_release(h, alloc_obj(h, 1, "Garbage")));
    OK(h, gc_handle_release(h, cur));
    cur = next;
  }
  uint64_t addr_before = info_of(h, cur).address;
  gc_snapshot *s1 = take(h);
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h));
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  assert_int_not_equal(info_of(h, cur).address, addr_before); /* it moved */
  gc_snapshot *s2 = take(h);
  const gc_snap_node *n1 = gc_snapshot_nodes(s1), *n2 = gc_snapshot_nodes(s2);
  const gc_snap_edge *e1 = gc_snapshot_edges(s1), *e2 = gc_snapshot_edges(s2);
  size_t live = 0;
  for (uint32_t v = GC_SNAP_FIRST_OBJECT; v < gc_snapshot_node_count(s1); v++) {
    uint32_t w = gc_snapshot_find_id(s2, n1[v].id);
    if (strcmp(gc_snapshot_node_name(s1, v), "Garbage") == 0) {
      assert_int_equal(w, GC_SNAP_NONE);
      continue;
    }
    assert_int_not_equal(w, GC_SNAP_NONE);
    live++;
    assert_string_equal(gc_snapshot_node_name(s1, v), gc_snapshot_node_name(s2, w));
    assert_int_equal(n1[v].self_size, n2[w].self_size);
    assert_int_equal(n1[v].edge_count, n2[w].edge_count);
    for (uint32_t k = 0; k < n1[v].edge_count; k++) {
      assert_int_equal(e1[n1[v].first_edge + k].name_or_index, e2[n2[w].first_edge + k].name_or_index);
      assert_int_equal(n1[e1[n1[v].first_edge + k].to].id, n2[e2[n2[w].first_edge + k].to].id);
    }
    assert_int_equal(gc_snapshot_retained(s1, v), gc_snapshot_retained(s2, w));
  }
  assert_int_equal(live, N + 1);
  assert_int_equal(n2[node_of(s2, h, cur)].space, GC_SPACE_OLD);
  /* The diff by id: only garbage went; nothing is new. */
  gc_snap_diff_row *rows;
  size_t nrows;
  assert_int_equal(gc_snapshot_diff(s1, s2, &rows, &nrows), GC_OK);
  uint64_t garbage_in_s1 = 0;
  for (uint32_t v = 0; v < gc_snapshot_node_count(s1); v++)
    garbage_in_s1 += strcmp(gc_snapshot_node_name(s1, v), "Garbage") == 0;
  assert_int_equal(nrows, 1);
  assert_string_equal(rows[0].name, "Garbage");
  assert_int_equal(rows[0].new_count, 0);
  assert_int_equal(rows[0].deleted_count, garbage_in_s1);
  assert_int_equal(rows[0].delta_count, -(int64_t)garbage_in_s1);
  assert_int_equal(rows[0].freed_size, garbage_in_s1 * gc_default_size(1));
  assert_int_equal(rows[0].size_delta, -(int64_t)(garbage_in_s1 * gc_default_size(1)));
  free(rows);
  gc_snapshot_free(s1);
  gc_snapshot_free(s2);
  OK(h, gc_handle_release(h, cur));
  gc_heap_free(h);
}

static const gc_snap_summary_row *row_named(const gc_snap_summary_row *rows, size_t n,
                                            const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(rows[i].name, name) == 0) return &rows[i];
  fail_msg("no row %s", name);
  return NULL;
}

/* Summary: a class's retained size counts each byte once. */
static void test_summary(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle list = rooted(h, 1, "Node"), cur;
  OK(h, gc_handle_dup(h, list, &cur));
  for (int i = 0; i < 4; i++) {
    gc_handle next = alloc_obj(h, 2, "Node");
    gc_handle payload = alloc_obj(h, 0, "Payload");
    OK(h, gc_slot_set_ref(h, cur, 0, next));
    OK(h, gc_slot_set_ref(h, next, 1, payload));
    OK(h, gc_handle_release(h, payload));
    OK(h, gc_handle_release(h, cur));
    cur = next;
  }
  gc_snapshot *s = take(h);
  gc_snap_summary_row *rows;
  size_t n;
  assert_int_equal(gc_snapshot_summary(s, &rows, &n), GC_OK);
  assert_int_equal(n, 2);
  uint64_t node1 = gc_default_size(1), node2 = gc_default_size(2), pay = gc_default_size(0);
  assert_string_equal(rows[0].name, "Node"); /* by retained size */
  assert_int_equal(rows[0].count, 5);
  assert_int_equal(rows[0].shallow, node1 + 4 * node2);
  /* Not the sum of the five retained sizes: the head retains it all. */
  assert_int_equal(rows[0].retained, node1 + 4 * node2 + 4 * pay);
  assert_int_equal(rows[0].node, node_of(s, h, list));
  const gc_snap_summary_row *p = row_named(rows, n, "Payload");
  assert_int_equal(p->count, 4);
  assert_int_equal(p->retained, 4 * pay);
  free(rows);
  gc_snapshot_free(s);
  OK(h, gc_handle_release(h, cur));
  gc_heap_free(h);
}

/* memlab's three snapshots: what was allocated after base and is still
 * alive in final, grouped by class, with a path to the representative. */
static void test_find_leaks(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle cache = rooted(h, 16, "Cache");
  gc_handle old = alloc_obj(h, 0, "Leak"); /* before base: not a leak */
  OK(h, gc_slot_set_ref(h, cache, 15, old));
  gc_snapshot *base = take(h);
  for (int i = 0; i < 6; i++) {
    gc_handle leak = alloc_obj(h, 1, "Leak");
    gc_handle payload;
    OK(h, gc_alloc(h, 0, 200, "Payload", &payload));
    OK(h, gc_slot_set_ref(h, leak, 0, payload));
    /* Three stay in the cache; the rest are dropped before final. */
    OK(h, gc_slot_set_ref(h, cache, (uint32_t)i, leak));
    OK(h, gc_handle_release(h, leak));
    OK(h, gc_handle_release(h, payload));
    OK(h, gc_handle_release(h, alloc_obj(h, 0, "Temp")));
  }
  gc_snapshot *target = take(h);
  for (uint32_t i = 3; i < 6; i++) OK(h, gc_slot_clear(h, cache, i));
  OK(h, gc_full_gc(h));
  gc_handle late = alloc_obj(h, 0, "Late"); /* after target: not a leak */
  OK(h, gc_slot_set_ref(h, cache, 14, late));
  gc_snapshot *final = take(h);
  gc_snap_summary_row *rows;
  size_t n;
  assert_int_equal(gc_snapshot_find_leaks(base, target, final, &rows, &n), GC_OK);
  assert_int_equal(n, 2);
  uint64_t leak = gc_default_size(1), pay = 200;
  assert_string_equal(rows[0].name, "Leak");
  assert_int_equal(rows[0].count, 3);
  assert_int_equal(rows[0].shallow, 3 * leak);
  assert_int_equal(rows[0].retained, 3 * (leak + pay));
  assert_string_equal(rows[1].name, "Payload");
  assert_int_equal(rows[1].count, 3);
  /* The representative's path: root, (GC roots), (Global handles), Cache. */
  uint32_t path[8];
  assert_int_equal(gc_snapshot_path(final, rows[0].node, path, 8), 4);
  assert_string_equal(gc_snapshot_node_name(final, gc_snapshot_edge_from(final, path[3])), "Cache");
  assert_string_equal(gc_snapshot_node_name(final, gc_snapshot_edges(final)[path[3]].to), "Leak");
  free(rows);
  gc_snapshot_free(base);
  gc_snapshot_free(target);
  gc_snapshot_free(final);
  OK(h, gc_handle_release(h, late));
  OK(h, gc_handle_release(h, old));
  gc_heap_free(h);
}

/* gc_object_handle: a handle from an id, for a live object only. */
/* An owner of external memory (gc_alloc_external) reaches a native node
 * "system / JSArrayBufferData" of its bytes by an internal edge
 * "backing_store" (V8's JSArrayBuffer in a Node 20 snapshot), so that its
 * retained size counts them; the native node's id is even and stable. */
static void test_external_memory_is_native(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle buf = rooted(h, 1, "Buffer"), ab, dead;
  OK(h, gc_alloc_external(h, GC_NO_SITE, 65536, 0, 88, "ArrayBuffer", &ab));
  OK(h, gc_slot_set_ref(h, buf, 0, ab));
  OK(h, gc_alloc_external(h, GC_NO_SITE, 100, 0, 88, "ArrayBuffer", &dead));
  OK(h, gc_handle_release(h, dead));
  OK(h, gc_scavenge(h)); /* the second owner dies: no native node for it */
  gc_snapshot *s = take(h);
  gc_heap_stats st = stats_of(h);
  assert_int_equal(gc_snapshot_node_count(s), GC_SNAP_FIRST_OBJECT + st.total.objects + 1);
  const gc_snap_node *n = gc_snapshot_nodes(s);
  const gc_snap_edge *ed = gc_snapshot_edges(s);
  uint32_t vab = node_of(s, h, ab), vbuf = node_of(s, h, buf);
  assert_int_equal(n[vab].edge_count, 1);
  const gc_snap_edge *e = &ed[n[vab].first_edge];
  assert_int_equal(e->type, GC_SEDGE_INTERNAL);
  assert_string_equal(gc_snapshot_string(s, e->name_or_index, NULL), "backing_store");
  uint32_t native = e->to;
  assert_int_equal(native, gc_snapshot_node_count(s) - 1); /* after the objects */
  assert_int_equal(n[native].type, GC_SNODE_NATIVE);
  assert_string_equal(gc_snapshot_node_name(s, native), "system / JSArrayBufferData");
  assert_int_equal(n[native].self_size, 65536);
  assert_int_equal(n[native].id % 2, 0);
  assert_int_equal(gc_snapshot_retained(s, vab), 88 + 65536);
  assert_int_equal(gc_snapshot_retained(s, vbuf), info_of(h, buf).size + 88 + 65536);
  uint64_t id = n[native].id;
  gc_snapshot_free(s);
  /* the same id after the owner moves */
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  s = take(h);
  n = gc_snapshot_nodes(s);
  ed = gc_snapshot_edges(s);
  assert_int_equal(n[ed[n[node_of(s, h, ab)].first_edge].to].id, id);
  gc_snapshot_free(s);
  gc_heap_free(h);
}

static void test_object_handle(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle a = rooted(h, 1, "Kept"), b = alloc_obj(h, 0, "Gone");
  uint64_t ida = info_of(h, a).id, idb = info_of(h, b).id;
  OK(h, gc_scavenge(h));
  OK(h, gc_scavenge(h)); /* a is promoted: found in old space */
  gc_handle x;
  OK(h, gc_object_handle(h, ida, &x));
  assert_int_not_equal(x, a);
  assert_int_equal(info_of(h, x).id, ida);
  assert_int_equal(info_of(h, x).address, info_of(h, a).address);
  assert_false(info_of(h, x).rooted); /* a new handle does not root */
  OK(h, gc_handle_release(h, x));
  assert_int_equal(gc_object_handle(h, idb, &x), GC_EDEAD);
  assert_int_equal(x, GC_NO_HANDLE);
  assert_non_null(strstr(gc_heap_error(h), "is dead"));
  assert_int_equal(gc_object_handle(h, 999, &x), GC_EINVAL);
  assert_non_null(strstr(gc_heap_error(h), "no object #999"));
  assert_int_equal(gc_object_handle(h, 0, &x), GC_EINVAL);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_take_shape),
      cmocka_unit_test(test_ids_stable_across_moves),
      cmocka_unit_test(test_summary),
      cmocka_unit_test(test_find_leaks),
      cmocka_unit_test(test_object_handle),
      cmocka_unit_test(test_external_memory_is_native),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
