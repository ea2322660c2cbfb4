/*
 * test_snapshot.c -- the snapshot data model (gclab_snapshot.h): the
 * builder's string table, CSR edge runs, forward references, the checks
 * made on finish, and the accessors of a finished snapshot.
 */
#include "test_util.h"

static gc_snapshot_builder *builder(void) {
  gc_snapshot_builder *b = NULL;
  assert_int_equal(gc_snapshot_builder_new(&b), GC_OK);
  assert_non_null(b);
  return b;
}

static uint32_t intern(gc_snapshot_builder *b, const char *s) {
  uint32_t i;
  assert_int_equal(gc_snapshot_intern(b, s, strlen(s), &i), GC_OK);
  return i;
}

static void node(gc_snapshot_builder *b, uint32_t type, uint32_t name, uint64_t id,
                 uint64_t size, uint32_t nedges) {
  gc_snap_node n = {.type = (uint8_t)type, .space = GC_SNAP_NO_SPACE, .name = name, .id = id,
                    .self_size = size, .edge_count = nedges};
  assert_int_equal(gc_snapshot_add_node(b, &n, NULL), GC_OK);
}

static gc_snapshot *finish_ok(gc_snapshot_builder *b) {
  gc_snapshot *s = NULL;
  char err[256];
  gc_status st = gc_snapshot_finish(b, &s, err, sizeof err);
  if (st != GC_OK) fail_msg("finish: %s", err);
  return s;
}

/* finish fails with GC_EINVAL and a message containing `want`. */
static void finish_fails(gc_snapshot_builder *b, const char *want) {
  gc_snapshot *s = (gc_snapshot *)&s;
  char err[256] = "";
  assert_int_equal(gc_snapshot_finish(b, &s, err, sizeof err), GC_EINVAL);
  assert_null(s);
  if (!strstr(err, want)) fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_strings(void **state) {
  (void)state;
  gc_snapshot_builder *b = builder();
  uint32_t dummy = intern(b, "<dummy>");
  uint32_t a = intern(b, "Leak");
  assert_int_equal(dummy, 0);
  assert_int_equal(a, 1);
  assert_int_equal(intern(b, "Leak"), 1); /* interned once */
  /* add_string keeps a file's own indexes, even for a repeat. */
  uint32_t again;
  assert_int_equal(gc_snapshot_add_string(b, "Leak", 4, &again), GC_OK);
  assert_int_equal(again, 2);
  assert_int_equal(intern(b, "Leak"), 1); /* the first copy still wins */
  /* A string with a NUL inside is a string of its own. */
  uint32_t nul;
  assert_int_equal(gc_snapshot_intern(b, "a\0b", 3, &nul), GC_OK);
  assert_int_equal(nul, 3);
  uint32_t a_only = intern(b, "a");
  assert_int_equal(a_only, 4);
  /* Many strings: the table grows and keeps every index. */
  char buf[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(buf, sizeof buf, "s%d", i);
    assert_int_equal(intern(b, buf), 5 + (uint32_t)i);
  }
  assert_int_equal(intern(b, "s1234"), 5 + 1234);
  /* Interning a string read back from the table itself. */
  node(b, GC_SNODE_SYNTHETIC, 0, 1, 0, 0);
  gc_snapshot *s = finish_ok(b);
  assert_int_equal(gc_snapshot_string_count(s), 5005);
  size_t len;
  assert_string_equal(gc_snapshot_string(s, 1, &len), "Leak");
  assert_int_equal(len, 4);
  const char *t = gc_snapshot_string(s, 3, &len);
  assert_int_equal(len, 3);
  assert_memory_equal(t, "a\0b", 4);
  assert_null(gc_snapshot_string(s, 5005, NULL));
  gc_snapshot_free(s);
}

/* A root, two objects, edges in CSR order with a forward reference. */
static void test_graph(void **state) {
  (void)state;
  gc_snapshot_builder *b = builder();
  assert_int_equal(gc_snapshot_builder_reserve(b, 3, 3), GC_OK);
  uint32_t empty = intern(b, ""), obj = intern(b, "Thing"), next = intern(b, "next");
  node(b, GC_SNODE_SYNTHETIC, empty, 1, 0, 1);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 1, 1), GC_OK);
  node(b, GC_SNODE_OBJECT, obj, 7, 40, 2);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_PROPERTY, next, 2), GC_OK); /* forward */
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_WEAK, next, 0), GC_OK);
  node(b, GC_SNODE_ARRAY, obj, 9, 24, 0);
  assert_int_equal(gc_snapshot_builder_node_count(b), 3);
  assert_int_equal(gc_snapshot_builder_edge_count(b), 3);
  gc_snapshot *s = finish_ok(b);
  assert_int_equal(gc_snapshot_node_count(s), 3);
  assert_int_equal(gc_snapshot_edge_count(s), 3);
  assert_int_equal(gc_snapshot_total_size(s), 64);
  const gc_snap_node *n = gc_snapshot_nodes(s);
  const gc_snap_edge *e = gc_snapshot_edges(s);
  assert_int_equal(n[0].first_edge, 0);
  assert_int_equal(n[1].first_edge, 1);
  assert_int_equal(n[2].first_edge, 3);
  assert_int_equal(e[n[1].first_edge].to, 2);
  assert_int_equal(e[n[1].first_edge + 1].type, GC_SEDGE_WEAK);
  assert_string_equal(gc_snapshot_node_name(s, 1), "Thing");
  assert_string_equal(gc_snapshot_node_name(s, 3), "");
  assert_int_equal(gc_snapshot_find_id(s, 9), 2);
  assert_int_equal(gc_snapshot_find_id(s, 1), 0);
  assert_int_equal(gc_snapshot_find_id(s, 8), GC_SNAP_NONE);
  assert_string_equal(gc_snap_node_type_name(GC_SNODE_CONCATENATED_STRING), "concatenated string");
  assert_string_equal(gc_snap_edge_type_name(GC_SEDGE_SHORTCUT), "shortcut");
  gc_snapshot_free(s);
}

static void test_find_id_many(void **state) {
  (void)state;
  gc_snapshot_builder *b = builder();
  uint32_t nm = intern(b, "x");
  for (uint64_t i = 0; i < 20000; i++) node(b, GC_SNODE_OBJECT, nm, 2 * i + 1, 8, 0);
  gc_snapshot *s = finish_ok(b);
  for (uint64_t i = 0; i < 20000; i++) assert_int_equal(gc_snapshot_find_id(s, 2 * i + 1), i);
  assert_int_equal(gc_snapshot_find_id(s, 2), GC_SNAP_NONE);
  assert_int_equal(gc_snapshot_total_size(s), 8 * 20000);
  gc_snapshot_free(s);
}

static void test_finish_errors(void **state) {
  (void)state;
  gc_snapshot_builder *b = builder();
  finish_fails(b, "no nodes");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 1);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 1, 5), GC_OK);
  finish_fails(b, "edge 0: target node 5 out of range (1 nodes)");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 2);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 1, 0), GC_OK);
  finish_fails(b, "edge counts reach 2 but only 1 edges were added");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 0);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 1, 0), GC_OK);
  finish_fails(b, "edge counts sum to 0 but 1 edges were added");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, 3, 1, 0, 0);
  finish_fails(b, "node 0: name 3 is not a string index");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 1);
  /* A property edge names a string; an element edge's 99 is an index. */
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_PROPERTY, 99, 0), GC_OK);
  finish_fails(b, "edge 0 (property): name 99 is not a string index");

  b = builder();
  node(b, 16, intern(b, ""), 1, 0, 0);
  finish_fails(b, "node 0: type 16 out of range");

  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 1);
  assert_int_equal(gc_snapshot_add_edge(b, 7, 0, 0), GC_OK);
  finish_fails(b, "edge 0: type 7 out of range");

  /* An element edge's index needs no string. */
  b = builder();
  node(b, GC_SNODE_SYNTHETIC, intern(b, ""), 1, 0, 1);
  assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_ELEMENT, 99, 0), GC_OK);
  gc_snapshot_free(finish_ok(b));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_graph),
      cmocka_unit_test(test_find_id_many),
      cmocka_unit_test(test_finish_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
