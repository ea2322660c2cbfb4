/*
 * snapshot_internal.h -- the layout of a gc_snapshot, shared by the engine
 * files that build and analyse snapshots (snapshot*.c, dominators.c).
 *
 * Invariants of a finished snapshot (snapshot.c's finish checks them):
 *  - nnodes >= 1; node i's edges are edges[first_edge .. first_edge +
 *    edge_count), first_edge(i+1) = first_edge(i) + edge_count(i), and the
 *    last run ends at nedges;
 *  - every edge's `to` < nnodes; every node name and every string-named
 *    edge's name_or_index < nstrings; every type is within its enum.
 * The analysis caches are NULL until first asked for, and are computed
 * from the arrays alone, so they never disagree with them.
 */
#ifndef GCLAB_SNAPSHOT_INTERNAL_H
#define GCLAB_SNAPSHOT_INTERNAL_H

#include "gclab.h"

struct gc_snapshot {
  gc_snap_node *nodes;
  size_t nnodes;
  gc_snap_edge *edges;
  size_t nedges;
  /* strings: string i is chars[off[i] .. off[i+1] - 1), NUL-terminated */
  char *chars;
  uint64_t *off;
  size_t nstrings;
  uint64_t total_size;
  /* id -> node index + 1, open addressing (capacity a power of two) */
  uint32_t *id_table;
  size_t id_cap;

  /* analysis caches (dominators.c, snapshot_paths.c) */
  uint32_t *idom;      /* immediate dominator; idom[0] = 0 */
  uint64_t *retained;  /* retained size */
  uint32_t *distance;  /* BFS distance from the roots; GC_SNAP_NONE if unreached */
  uint32_t *parent_edge; /* the edge on a shortest path that reaches the node */
  /* retainers: reverse CSR; the edges into node i are
   * rev_edges[rev_first[i] .. rev_first[i+1]) (edge indexes) */
  uint32_t *rev_first;
  uint32_t *rev_edges;
  uint32_t *edge_from; /* the node each edge leaves from */
  uint8_t *flags;      /* SNAP_PAGE_OWNED | SNAP_REACHED per node */
  bool analyzed;
};

enum snap_flags {
  SNAP_PAGE_OWNED = 1, /* reached from the root's non-shortcut children */
  SNAP_REACHED = 2     /* reached from the root along essential edges */
};

/* Does edge e (of node `from`, into node `to`) decide dominance?  (See
 * gclab_snapshot.h, "analysis".)  Needs s->flags. */
static inline bool snap_essential(const gc_snapshot *s, uint32_t from, uint32_t e, uint32_t to) {
  uint8_t t = s->edges[e].type;
  if (t == GC_SEDGE_WEAK || (t == GC_SEDGE_SHORTCUT && from != 0)) return false;
  return from == 0 || !(s->flags[to] & SNAP_PAGE_OWNED) || (s->flags[from] & SNAP_PAGE_OWNED);
}

/* dominators.c: page-owned flags, then idom, retained and SNAP_REACHED.
 * Needs the reverse index (rev_first, rev_edges, edge_from). */
bool snap_dominators(gc_snapshot *s);

/* 64-bit mix for id hashing (splitmix64's finaliser). */
static inline uint64_t snap_hash64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

#endif /* GCLAB_SNAPSHOT_INTERNAL_H */
