/*
 * snapshot_replay.c -- build a live gclab heap from any snapshot (a Node
 * heap read from a .heapsnapshot, or a gclab one), so that V8's collectors
 * can be run on that heap shape under another configuration.
 *
 * The rules (docs/leaks.md, "Replaying a snapshot"):
 *  - every node that is not synthetic becomes one object, named by its
 *    DevTools class (gc_snapshot_class_name), in node order -- but a
 *    backing store (a native "system / JSArrayBufferData"), which is
 *    memory outside V8's heap: the object that reaches it by an internal
 *    edge "backing_store" (a JSArrayBuffer) owns its bytes as external
 *    memory (gc_alloc_external; none for a store of 0 bytes);
 *  - its slots are its edges that retain in a heap: not weak, not shortcut
 *    (a shortcut repeats a reference held elsewhere), and not to a
 *    synthetic node or a backing store; slot k is the k-th such edge, in
 *    edge order;
 *  - its size is its self size, rounded up to 8 bytes and raised to what
 *    its slots need (gc_default_size) when the file's is smaller, capped
 *    at the engine's largest object;
 *  - the roots: every object a synthetic node points at through a
 *    retaining edge is rooted (gc_root), for the heap's lifetime.
 * While building, one scope roots everything allocated, so a GC that an
 * allocation runs cannot collect an object not yet linked; objects nothing
 * roots are garbage from the first GC after the replay, as in the heap the
 * snapshot came from.  Failures (heap out of memory under this
 * configuration, process out of memory) leave the heap usable, with the
 * objects allocated so far.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_replay.h"

/* A backing store: memory outside the heap, V8's "system /
 * JSArrayBufferData" native node. */
static bool is_store(const gc_snapshot *s, uint32_t v) {
  return gc_snapshot_nodes(s)[v].type == GC_SNODE_NATIVE &&
         strcmp(gc_snapshot_node_name(s, v), GC_SNAP_STORE_NAME) == 0;
}

static bool retains(const gc_snapshot *s, const gc_snap_edge *e, const gc_snap_node *nodes) {
  return e->type != GC_SEDGE_WEAK && e->type != GC_SEDGE_SHORTCUT &&
         nodes[e->to].type != GC_SNODE_SYNTHETIC && !is_store(s, e->to);
}

/* The bytes of the backing store node n owns (its internal edge
 * "backing_store", as a JSArrayBuffer's), 0 if none. */
static uint64_t owned_store(const gc_snapshot *s, const gc_snap_node *n) {
  const gc_snap_edge *edges = gc_snapshot_edges(s);
  for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count; e++)
    if (edges[e].type == GC_SEDGE_INTERNAL && is_store(s, edges[e].to) &&
        strcmp(gc_snapshot_string(s, edges[e].name_or_index, NULL), GC_SNAP_STORE_EDGE) == 0)
      return gc_snapshot_nodes(s)[edges[e].to].self_size;
  return 0;
}

uint64_t snap_object_size(const gc_snap_node *n, uint32_t nslots, bool *resized) {
  uint64_t need = gc_default_size(nslots), size = (n->self_size + 7) & ~(uint64_t)7;
  if (resized) *resized = size < need;
  if (size < need) size = need;
  if (size > GC_OBJ_MAX_SIZE - 8) size = GC_OBJ_MAX_SIZE - 8;
  return size;
}

uint32_t snap_slots_fitting(uint64_t size, uint32_t nslots) {
  return gc_default_size(nslots) > size ? (uint32_t)((size - GC_OBJ_HEADER_SIZE) / 8) : nslots;
}

static gc_status failed(gc_heap *heap, gc_status st, uint64_t id, const char *what, char *err,
                        size_t errlen) {
  snprintf(err, errlen, "%s of node @%llu: %s: %s", what, (unsigned long long)id,
           gc_status_name(st), gc_heap_error(heap));
  return st;
}

gc_status snap_replay(gc_heap *heap, const gc_snapshot *s, snap_replay_info *info, char *err,
                      size_t errlen) {
  const gc_snap_node *nodes = gc_snapshot_nodes(s);
  const gc_snap_edge *edges = gc_snapshot_edges(s);
  size_t nn = gc_snapshot_node_count(s);
  snap_replay_info out = {0};
  gc_handle *h = calloc(nn ? nn : 1, sizeof *h);
  if (!h) {
    snprintf(err, errlen, "out of process memory for %zu handles", nn);
    return GC_ENOMEM;
  }
  gc_scope scope;
  gc_status st = gc_scope_open(heap, &scope);
  if (st != GC_OK) {
    free(h);
    snprintf(err, errlen, "cannot open a scope: %s", gc_heap_error(heap));
    return st;
  }
  /* Objects. */
  for (size_t i = 0; i < nn && st == GC_OK; i++) {
    const gc_snap_node *n = &nodes[i];
    if (n->type == GC_SNODE_SYNTHETIC || is_store(s, (uint32_t)i)) continue;
    uint32_t nslots = 0;
    for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count; e++)
      nslots += retains(s, &edges[e], nodes);
    bool resized;
    uint64_t size = snap_object_size(n, nslots, &resized);
    uint32_t fitting = snap_slots_fitting(size, nslots);
    out.slots_dropped += fitting < nslots; /* more slots than the largest object holds */
    nslots = fitting;
    uint64_t store = owned_store(s, n);
    if (store > GC_EXTERNAL_MAX) store = GC_EXTERNAL_MAX;
    const char *name = gc_snapshot_class_name(s, (uint32_t)i);
    st = store ? gc_alloc_external(heap, GC_NO_SITE, store, nslots, size, name, &h[i])
               : gc_alloc(heap, nslots, size, name, &h[i]);
    if (st != GC_OK) {
      failed(heap, st, n->id, "allocating", err, errlen);
      break;
    }
    out.objects++;
    out.bytes += size;
    out.resized += resized;
    out.stores += store != 0;
    out.external += store;
  }
  /* Slots and roots. */
  for (size_t i = 0; i < nn && st == GC_OK; i++) {
    const gc_snap_node *n = &nodes[i];
    uint32_t slot = 0, nslots = 0;
    gc_object_info oi;
    if (h[i] && gc_object_info_get(heap, h[i], &oi) == GC_OK) nslots = oi.nslots;
    for (uint32_t e = n->first_edge; e < n->first_edge + n->edge_count && st == GC_OK; e++) {
      const gc_snap_edge *ed = &edges[e];
      if (n->type == GC_SNODE_SYNTHETIC) {
        if (ed->type != GC_SEDGE_WEAK && nodes[ed->to].type != GC_SNODE_SYNTHETIC && h[ed->to]) {
          st = gc_root(heap, h[ed->to]);
          if (st != GC_OK) failed(heap, st, nodes[ed->to].id, "rooting", err, errlen);
          out.roots++;
        }
        continue;
      }
      if (!retains(s, ed, nodes)) continue;
      if (slot >= nslots) break; /* dropped: the object could not hold them */
      st = gc_slot_set_ref(heap, h[i], slot++, h[ed->to]);
      if (st != GC_OK) failed(heap, st, n->id, "storing a slot", err, errlen);
      else out.slots++;
    }
  }
  gc_status cst = gc_scope_close(heap, scope);
  if (st == GC_OK && cst != GC_OK) {
    st = cst;
    snprintf(err, errlen, "closing the scope: %s", gc_heap_error(heap));
  }
  /* Rooted objects keep their handle (it holds the root); the rest go. */
  for (size_t i = 0; i < nn; i++)
    if (h[i]) {
      gc_object_info oi;
      if (gc_object_info_get(heap, h[i], &oi) == GC_OK && oi.rooted && oi.alive) continue;
      gc_handle_release(heap, h[i]);
    }
  free(h);
  if (info) *info = out;
  return st;
}
