/*
 * snapshot_analysis.c -- gc_snapshot_analyze and the per-node answers:
 * the retainer index (every edge into a node), DevTools' distances and the
 * shortest retaining paths they imply, and the getters of dominators.c's
 * results.
 *
 * Invariant: after a successful analyze every cache of snapshot_internal.h
 * is filled and never changes again; a failed analyze frees what it made,
 * so it may be retried.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot_internal.h"

#define NONE GC_SNAP_NONE

/* edge_from, and the edges into each node in source order (counting sort). */
static bool build_retainers(gc_snapshot *s) {
  size_t N = s->nnodes, E = s->nedges;
  s->edge_from = malloc((E ? E : 1) * sizeof *s->edge_from);
  s->rev_first = calloc(N + 1, sizeof *s->rev_first);
  s->rev_edges = malloc((E ? E : 1) * sizeof *s->rev_edges);
  if (!s->edge_from || !s->rev_first || !s->rev_edges) return false;
  for (uint32_t v = 0; v < N; v++) {
    const gc_snap_node *n = &s->nodes[v];
    for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count; e++) s->edge_from[e] = v;
  }
  for (size_t e = 0; e < E; e++) s->rev_first[s->edges[e].to + 1]++;
  for (size_t v = 0; v < N; v++) s->rev_first[v + 1] += s->rev_first[v];
  uint32_t *fill = malloc((N ? N : 1) * sizeof *fill);
  if (!fill) return false;
  memcpy(fill, s->rev_first, N * sizeof *fill);
  for (size_t e = 0; e < E; e++) s->rev_edges[fill[s->edges[e].to]++] = (uint32_t)e;
  free(fill);
  return true;
}

static bool name_is(const gc_snapshot *s, uint32_t str, const char *want) {
  size_t len, wl = strlen(want);
  const char *t = gc_snapshot_string(s, str, &len);
  return t && len == wl && memcmp(t, want, wl) == 0;
}

/* DevTools' distance filter (JSHeapSnapshot.calculateDistances): skip a
 * NativeContext's sloppy_function_map, and the descriptor-array slots that
 * hold maps' own descriptors. */
static bool distance_edge(const gc_snapshot *s, uint32_t from, uint32_t e) {
  const gc_snap_node *n = &s->nodes[from];
  const gc_snap_edge *ed = &s->edges[e];
  if (ed->type == GC_SEDGE_WEAK) return false;
  if (n->type == GC_SNODE_HIDDEN)
    return gc_snap_edge_is_indexed(ed->type) || !name_is(s, ed->name_or_index, "sloppy_function_map") ||
           !name_is(s, n->name, "system / NativeContext");
  if (n->type == GC_SNODE_ARRAY && name_is(s, n->name, "(map descriptors)")) {
    if (!gc_snap_edge_is_indexed(ed->type)) return true; /* a name parses as no index */
    uint32_t index = ed->name_or_index;
    return index < 2 || index % 3 != 1;
  }
  return true;
}

/* BFS from queue[0 .. len), distances already set for them. */
static void bfs(gc_snapshot *s, uint32_t *queue, size_t len) {
  for (size_t head = 0; head < len; head++) {
    uint32_t u = queue[head];
    const gc_snap_node *n = &s->nodes[u];
    uint32_t d = s->distance[u] + 1;
    for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count; e++) {
      uint32_t v = s->edges[e].to;
      if (s->distance[v] != NONE || !distance_edge(s, u, e)) continue;
      s->distance[v] = d;
      s->parent_edge[v] = e;
      queue[len++] = v;
    }
  }
}

static bool distances(gc_snapshot *s) {
  size_t N = s->nnodes;
  uint32_t *queue = malloc(N * sizeof *queue);
  s->distance = malloc(N * sizeof *s->distance);
  s->parent_edge = malloc(N * sizeof *s->parent_edge);
  if (!queue || !s->distance || !s->parent_edge) {
    free(queue);
    return false;
  }
  memset(s->distance, 0xff, N * sizeof *s->distance);
  memset(s->parent_edge, 0xff, N * sizeof *s->parent_edge);
  /* User roots first: the root's non-synthetic children. */
  size_t len = 0;
  const gc_snap_node *root = &s->nodes[0];
  s->distance[0] = 0; /* kept out of the first search; set below */
  for (uint32_t e = root->first_edge; e < root->first_edge + root->edge_count; e++) {
    uint32_t v = s->edges[e].to;
    if (s->nodes[v].type == GC_SNODE_SYNTHETIC || s->distance[v] != NONE) continue;
    s->distance[v] = 1;
    s->parent_edge[v] = e;
    queue[len++] = v;
  }
  bfs(s, queue, len);
  s->distance[0] = len ? GC_SNAP_SYSTEM_DISTANCE : 0;
  queue[0] = 0;
  bfs(s, queue, 1);
  free(queue);
  return true;
}

static void drop_caches(gc_snapshot *s) {
  uint32_t **caches[] = {&s->idom, &s->distance, &s->parent_edge, &s->rev_first,
                         &s->rev_edges, &s->edge_from};
  for (size_t k = 0; k < sizeof caches / sizeof caches[0]; k++) {
    free(*caches[k]);
    *caches[k] = NULL;
  }
  free(s->retained);
  s->retained = NULL;
  free(s->flags);
  s->flags = NULL;
}

gc_status gc_snapshot_analyze(gc_snapshot *s) {
  if (s->analyzed) return GC_OK;
  s->flags = calloc(s->nnodes, 1);
  if (!s->flags || !build_retainers(s) || !snap_dominators(s) || !distances(s)) {
    drop_caches(s);
    return GC_ENOMEM;
  }
  s->analyzed = true;
  return GC_OK;
}

bool gc_snapshot_analyzed(const gc_snapshot *s) { return s->analyzed; }

uint32_t gc_snapshot_dominator(const gc_snapshot *s, uint32_t node) {
  return s->analyzed && node < s->nnodes ? s->idom[node] : NONE;
}

uint64_t gc_snapshot_retained(const gc_snapshot *s, uint32_t node) {
  return s->analyzed && node < s->nnodes ? s->retained[node] : 0;
}

uint32_t gc_snapshot_distance(const gc_snapshot *s, uint32_t node) {
  return s->analyzed && node < s->nnodes ? s->distance[node] : NONE;
}

bool gc_snapshot_reachable(const gc_snapshot *s, uint32_t node) {
  return s->analyzed && node < s->nnodes && (s->flags[node] & SNAP_REACHED);
}

size_t gc_snapshot_retainers(const gc_snapshot *s, uint32_t node, const uint32_t **edges) {
  if (!s->analyzed || node >= s->nnodes) {
    *edges = NULL;
    return 0;
  }
  *edges = s->rev_edges + s->rev_first[node];
  return s->rev_first[node + 1] - s->rev_first[node];
}

uint32_t gc_snapshot_edge_from(const gc_snapshot *s, uint32_t edge) {
  return s->analyzed && edge < s->nedges ? s->edge_from[edge] : NONE;
}

uint32_t gc_snapshot_path(const gc_snapshot *s, uint32_t node, uint32_t *edges, size_t cap) {
  if (!s->analyzed || node >= s->nnodes || s->distance[node] == NONE) return NONE;
  uint32_t len = 0;
  for (uint32_t v = node; v != 0; v = s->edge_from[s->parent_edge[v]]) len++;
  uint32_t k = len;
  for (uint32_t v = node; v != 0; v = s->edge_from[s->parent_edge[v]])
    if (--k < cap) edges[k] = s->parent_edge[v];
  return len;
}
