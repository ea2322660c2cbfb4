/* bench_graph.h -- the live graph the old-generation benchmarks collect:
 * complete binary trees of depth 15 (65,535 nodes each) and singly linked
 * lists, every node a 40-byte object with two slots (V8's {l, r}
 * JSObject), built through the public API and rooted at the tree roots and
 * list heads only. */
#ifndef GCLAB_BENCH_GRAPH_H
#define GCLAB_BENCH_GRAPH_H

#include <stdint.h>
#include <stdlib.h>

#include "bench_util.h"
#include "gclab.h"

#define BG_NODE_BYTES 40
#define BG_TREE_DEPTH 15u
#define BG_TREE_NODES ((1u << (BG_TREE_DEPTH + 1)) - 1)

/* A complete tree in breadth-first order: node i's children are 2i+1 and
 * 2i+2.  A scope keeps the nodes alive while they are linked; the root is
 * rooted, the rest only reachable from it once the scope closes.  tmp
 * holds BG_TREE_NODES handles. */
static inline void bg_build_tree(gc_heap *h, gc_handle *tmp) {
  gc_scope sc;
  G(h, gc_scope_open(h, &sc));
  for (uint32_t i = 0; i < BG_TREE_NODES; i++) G(h, gc_alloc(h, 2, BG_NODE_BYTES, "Tree", &tmp[i]));
  for (uint32_t i = 0; 2 * i + 2 < BG_TREE_NODES; i++) {
    G(h, gc_slot_set_ref(h, tmp[i], 0, tmp[2 * i + 1]));
    G(h, gc_slot_set_ref(h, tmp[i], 1, tmp[2 * i + 2]));
  }
  G(h, gc_root(h, tmp[0]));
  for (uint32_t i = 1; i < BG_TREE_NODES; i++) G(h, gc_handle_release(h, tmp[i]));
  G(h, gc_scope_close(h, sc));
}

/* A list of n nodes linked through slot 0; the head is rooted.  Every
 * keep_every-th node's handle is kept in keep[] (up to *nkeep < cap), a
 * weak handle the caller may use to mutate the graph. */
static inline void bg_build_list(gc_heap *h, uint32_t n, uint32_t keep_every, gc_handle *keep, size_t cap,
                                 size_t *nkeep) {
  gc_handle head, tail;
  G(h, gc_alloc(h, 2, BG_NODE_BYTES, "List", &head));
  G(h, gc_root(h, head));
  G(h, gc_handle_dup(h, head, &tail));
  for (uint32_t i = 1; i < n; i++) {
    gc_handle x;
    G(h, gc_alloc(h, 2, BG_NODE_BYTES, "List", &x));
    G(h, gc_slot_set_ref(h, tail, 0, x));
    if (keep_every && i % keep_every == 0 && *nkeep < cap) keep[(*nkeep)++] = tail;
    else G(h, gc_handle_release(h, tail));
    tail = x;
  }
  G(h, gc_handle_release(h, tail));
}

/* `objects` nodes: `trees` trees, the rest in `lists` lists, then one
 * Mark-Sweep promotes them all: the old generation is the graph. */
static inline void bg_build(gc_heap *h, uint32_t objects, uint32_t trees, uint32_t lists, uint32_t keep_every,
                            gc_handle *keep, size_t cap, size_t *nkeep) {
  gc_handle *tmp = malloc(BG_TREE_NODES * sizeof *tmp);
  if (!tmp) exit(1);
  for (uint32_t t = 0; t < trees; t++) bg_build_tree(h, tmp);
  free(tmp);
  uint32_t rest = objects - trees * BG_TREE_NODES;
  for (uint32_t l = 0; l < lists; l++)
    bg_build_list(h, rest / lists + (l < rest % lists), keep_every, keep, cap, nkeep);
  G(h, gc_mark_sweep(h));
  gc_heap_stats s;
  gc_stats(h, &s);
  if (s.space[GC_SPACE_OLD].objects != objects) {
    fprintf(stderr, "bench: expected %u old objects, found %llu\n", objects,
            (unsigned long long)s.space[GC_SPACE_OLD].objects);
    exit(1);
  }
}

static inline uint32_t bg_list_len(uint32_t objects, uint32_t trees, uint32_t lists, uint32_t i) {
  uint32_t rest = objects - trees * BG_TREE_NODES;
  return rest / lists + (i < rest % lists);
}

/* A heap for the graph: default configuration but a 1 GiB old generation
 * and no incremental marking starting by itself. */
static inline gc_heap *bg_heap(gc_config *c) {
  c->old_space.max_size = 1024ull << 20;
  c->old_space.initial_limit = 768ull << 20;
  c->incremental.enabled = false;
  gc_heap *h = NULL;
  char err[256];
  if (gc_heap_new(c, &h, err, sizeof err) != GC_OK) {
    fprintf(stderr, "bench: %s\n", err);
    exit(1);
  }
  return h;
}

#endif
