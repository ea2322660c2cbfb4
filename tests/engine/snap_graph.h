/* snap_graph.h -- building small snapshots from edge lists, for the
 * analysis tests.  Node 0 is the root; node i is named "N<i>" (class
 * "N<i>") unless a test names it, with self size `sizes[i]` (1 if NULL). */
#ifndef GCLAB_SNAP_GRAPH_H
#define GCLAB_SNAP_GRAPH_H

#include "test_util.h"

typedef struct g_edge {
  uint32_t from, to;
  uint32_t type; /* gc_snap_edge_type; 0 in a list means element (see below) */
} g_edge;

/* type 0 (context) is not used by these tests, so a zero means element. */
static inline uint32_t g_type(uint32_t t) { return t == 0 ? GC_SEDGE_ELEMENT : t; }

/* Build a snapshot of n nodes (types[i] or OBJECT; node 0 SYNTHETIC),
 * names[i] or "N<i>", ids ids[i] or 2i+1, sizes[i] or 1. */
static inline gc_snapshot *g_build(uint32_t n, const g_edge *edges, size_t ne,
                                   const uint64_t *sizes, const uint8_t *types,
                                   const char *const *names, const uint64_t *ids) {
  gc_snapshot_builder *b = NULL;
  assert_int_equal(gc_snapshot_builder_new(&b), GC_OK);
  uint32_t edge_name;
  assert_int_equal(gc_snapshot_intern(b, "e", 1, &edge_name), GC_OK);
  for (uint32_t v = 0; v < n; v++) {
    char buf[32];
    const char *nm = names && names[v] ? names[v] : buf;
    snprintf(buf, sizeof buf, "N%u", v);
    gc_snap_node node = {.type = types ? types[v] : (v == 0 ? GC_SNODE_SYNTHETIC : GC_SNODE_OBJECT),
                         .space = GC_SNAP_NO_SPACE,
                         .id = ids ? ids[v] : 2ull * v + 1,
                         .self_size = sizes ? sizes[v] : 1};
    assert_int_equal(gc_snapshot_intern(b, nm, strlen(nm), &node.name), GC_OK);
    for (size_t k = 0; k < ne; k++) node.edge_count += edges[k].from == v;
    assert_int_equal(gc_snapshot_add_node(b, &node, NULL), GC_OK);
  }
  for (uint32_t v = 0; v < n; v++)
    for (size_t k = 0; k < ne; k++)
      if (edges[k].from == v) {
        uint32_t t = g_type(edges[k].type);
        assert_int_equal(gc_snapshot_add_edge(b, t, gc_snap_edge_is_indexed(t) ? (uint32_t)k : edge_name,
                                              edges[k].to),
                         GC_OK);
      }
  gc_snapshot *s = NULL;
  char err[256];
  if (gc_snapshot_finish(b, &s, err, sizeof err) != GC_OK) fail_msg("finish: %s", err);
  assert_int_equal(gc_snapshot_analyze(s), GC_OK);
  return s;
}

#endif
