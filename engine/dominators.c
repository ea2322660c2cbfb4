/*
 * dominators.c -- the dominator tree and retained sizes of a snapshot.
 *
 * Lengauer and Tarjan, "A Fast Algorithm for Finding Dominators in a
 * Flowgraph" (TOPLAS 1979), the simple version (path compression without
 * balancing, O(E log N)), iterative throughout so that a million-node
 * chain needs no deep C stack.  Everything runs in DFS-number space
 * (0 = the root), which keeps the hot arrays dense.
 *
 * The graph is the snapshot's essential edges (snap_essential).  Nodes
 * the search from the root does not reach are searched from afterwards as
 * if the root had an edge to them -- first those retained only by weak or
 * shortcut edges, then the rest, in index order -- so that every node has
 * a dominator and unreachable ones hang off the root (DevTools' and
 * memlab's rule).  Retained sizes then sum up the tree in reverse DFS
 * order: a node's immediate dominator always has the smaller DFS number.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot_internal.h"

#define NONE GC_SNAP_NONE

/* Page-owned (memlab's flagReachableNodesFromWindow): flooded through
 * non-weak edges from the root's children along its non-shortcut edges,
 * but for element edges to a "(Document DOM trees)" root. */
static bool is_dom_trees_root(const gc_snapshot *s, uint32_t v) {
  static const char name[] = "(Document DOM trees)";
  size_t len;
  const char *t = gc_snapshot_string(s, s->nodes[v].name, &len);
  return len == sizeof name - 1 && memcmp(t, name, len) == 0;
}

static void mark_page_owned(gc_snapshot *s, uint32_t *stack) {
  size_t sp = 0;
  const gc_snap_node *root = &s->nodes[0];
  for (uint32_t e = root->first_edge; e < root->first_edge + root->edge_count; e++) {
    uint32_t v = s->edges[e].to;
    uint8_t t = s->edges[e].type;
    if (t == GC_SEDGE_SHORTCUT || (t == GC_SEDGE_ELEMENT && is_dom_trees_root(s, v))) continue;
    if (!(s->flags[v] & SNAP_PAGE_OWNED)) stack[sp++] = v;
    s->flags[v] |= SNAP_PAGE_OWNED;
  }
  while (sp) {
    const gc_snap_node *n = &s->nodes[stack[--sp]];
    for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count; e++) {
      uint32_t v = s->edges[e].to;
      if (s->edges[e].type == GC_SEDGE_WEAK || (s->flags[v] & SNAP_PAGE_OWNED)) continue;
      s->flags[v] |= SNAP_PAGE_OWNED;
      stack[sp++] = v;
    }
  }
}

typedef struct lt {
  gc_snapshot *s;
  uint32_t n;          /* nodes numbered so far */
  uint32_t *dfn;       /* node -> DFS number + 1 (0: not yet) */
  uint32_t *vertex;    /* DFS number -> node */
  uint32_t *parent;    /* DFS number -> parent's DFS number */
  uint32_t *semi, *ancestor, *best, *idom, *samedom;
  uint32_t *bucket, *bucket_next;
  uint32_t *stack_node, *stack_edge; /* the DFS stack (and eval's) */
} lt;

static void number(lt *t, uint32_t v, uint32_t parent) {
  t->dfn[v] = t->n + 1;
  t->vertex[t->n] = v;
  t->parent[t->n] = parent;
  t->n++;
}

/* Depth-first numbering from `start` along essential edges; start's
 * parent is `parent` (a DFS number). */
static void dfs(lt *t, uint32_t start, uint32_t parent) {
  const gc_snapshot *s = t->s;
  size_t sp = 0;
  number(t, start, parent);
  t->stack_node[sp] = start;
  t->stack_edge[sp++] = s->nodes[start].first_edge;
  while (sp) {
    uint32_t u = t->stack_node[sp - 1];
    uint32_t end = s->nodes[u].first_edge + s->nodes[u].edge_count;
    uint32_t e = t->stack_edge[sp - 1];
    for (; e < end; e++) {
      uint32_t v = s->edges[e].to;
      if (!t->dfn[v] && snap_essential(s, u, e, v)) break;
    }
    if (e == end) {
      sp--;
      continue;
    }
    t->stack_edge[sp - 1] = e + 1;
    uint32_t v = s->edges[e].to;
    number(t, v, t->dfn[u] - 1);
    t->stack_node[sp] = v;
    t->stack_edge[sp++] = s->nodes[v].first_edge;
  }
}

/* Are all edges into v weak or shortcut (or none at all)? */
static bool only_weak_retainers(const gc_snapshot *s, uint32_t v) {
  for (uint32_t r = s->rev_first[v]; r < s->rev_first[v + 1]; r++) {
    uint8_t type = s->edges[s->rev_edges[r]].type;
    if (type != GC_SEDGE_WEAK && type != GC_SEDGE_SHORTCUT) return false;
  }
  return true;
}

/* The ancestor of v (DFS numbers) with the lowest semidominator, on the
 * forest path below its root, compressing the path on the way. */
static uint32_t eval(lt *t, uint32_t v) {
  uint32_t *stack = t->stack_node, sp = 0, x = v;
  while (t->ancestor[x] != NONE && t->ancestor[t->ancestor[x]] != NONE) {
    stack[sp++] = x;
    x = t->ancestor[x];
  }
  while (sp) {
    x = stack[--sp];
    uint32_t a = t->ancestor[x];
    if (t->semi[t->best[a]] < t->semi[t->best[x]]) t->best[x] = t->best[a];
    t->ancestor[x] = t->ancestor[a];
  }
  return t->best[v];
}

static void semidominators(lt *t) {
  const gc_snapshot *s = t->s;
  uint32_t N = t->n;
  for (uint32_t i = 0; i < N; i++) {
    t->semi[i] = i;
    t->best[i] = i;
    t->ancestor[i] = t->idom[i] = t->samedom[i] = t->bucket[i] = NONE;
  }
  for (uint32_t i = N - 1; i >= 1; i--) {
    uint32_t w = t->vertex[i], p = t->parent[i], sd = p;
    for (uint32_t r = s->rev_first[w]; r < s->rev_first[w + 1]; r++) {
      uint32_t e = s->rev_edges[r], u = s->edge_from[e];
      if (!snap_essential(s, u, e, w)) continue;
      uint32_t d = t->dfn[u] - 1;
      uint32_t cand = d <= i ? d : t->semi[eval(t, d)];
      if (cand < sd) sd = cand;
    }
    t->semi[i] = sd;
    t->bucket_next[i] = t->bucket[sd];
    t->bucket[sd] = i;
    t->ancestor[i] = p; /* link */
    for (uint32_t v = t->bucket[p]; v != NONE; v = t->bucket_next[v]) {
      uint32_t y = eval(t, v);
      if (t->semi[y] == t->semi[v]) t->idom[v] = p;
      else t->samedom[v] = y;
    }
    t->bucket[p] = NONE;
  }
  t->idom[0] = 0;
  for (uint32_t i = 1; i < N; i++)
    if (t->samedom[i] != NONE) t->idom[i] = t->idom[t->samedom[i]];
}

bool snap_dominators(gc_snapshot *s) {
  size_t N = s->nnodes;
  lt t = {.s = s};
  uint32_t **arrays[] = {&t.dfn,  &t.vertex,  &t.parent,  &t.semi,        &t.ancestor,
                         &t.best, &t.idom,    &t.samedom, &t.bucket,      &t.bucket_next,
                         &t.stack_node, &t.stack_edge};
  size_t narrays = sizeof arrays / sizeof arrays[0];
  bool ok = true;
  for (size_t k = 0; k < narrays; k++) {
    *arrays[k] = k == 0 ? calloc(N, sizeof(uint32_t)) : malloc(N * sizeof(uint32_t));
    ok = ok && *arrays[k];
  }
  s->idom = malloc(N * sizeof *s->idom);
  s->retained = malloc(N * sizeof *s->retained);
  if (ok && s->idom && s->retained) {
    mark_page_owned(s, t.stack_node);
    dfs(&t, 0, NONE);
    for (uint32_t v = 0; v < N; v++) s->flags[v] |= t.dfn[v] ? SNAP_REACHED : 0;
    for (uint32_t v = 1; v < N; v++)
      if (!t.dfn[v] && only_weak_retainers(s, v)) dfs(&t, v, 0);
    for (uint32_t v = 1; v < N; v++)
      if (!t.dfn[v]) dfs(&t, v, 0);
    semidominators(&t);
    for (uint32_t i = 0; i < N; i++) s->idom[t.vertex[i]] = t.vertex[t.idom[i]];
    for (uint32_t v = 0; v < N; v++) s->retained[v] = s->nodes[v].self_size;
    for (uint32_t i = (uint32_t)N - 1; i >= 1; i--) {
      uint32_t v = t.vertex[i];
      s->retained[s->idom[v]] += s->retained[v];
    }
  } else {
    ok = false;
  }
  for (size_t k = 0; k < narrays; k++) free(*arrays[k]);
  return ok;
}
