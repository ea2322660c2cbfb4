/*
 * gclab_snapshot.h -- heap snapshots: the public data model, its builder,
 * and the analyses that run on any snapshot (included from gclab.h).
 *
 * A snapshot is a frozen copy of an object graph, laid out as V8's
 * .heapsnapshot format lays it out (docs/leaks.md, and the facts in
 * shared/heapsnapshot-facts.md), but in typed flat arrays:
 *
 *  - a string table: every distinct string once, addressed by index
 *    (strings may hold NUL bytes; each also ends in a NUL);
 *  - nodes: type (V8's node type enum, in V8's order), name (a string
 *    index), a stable id, self size, and the node's run of edges
 *    (first_edge, edge_count: CSR, the edges of node i follow those of
 *    node i-1), plus gclab's own space and age;
 *  - edges: type (V8's edge type enum, in V8's order), name_or_index (a
 *    string index for every type except ELEMENT and HIDDEN, whose value is
 *    a plain number), and the target node's index (not its id).
 *
 * Node 0 is the root, as in V8 and as memlab and DevTools assume: every
 * analysis starts there.  gc_snapshot_take() gives V8's shape: node 0 a
 * synthetic "" root (id 1) with an element edge to a synthetic
 * "(GC roots)" (id 3), whose children are the root groups.
 *
 * Anything may build a snapshot through the builder: gclab's own heaps
 * (gc_snapshot_take) and a reader of .heapsnapshot files (bindings/).  The
 * builder validates on finish (every edge target and string index in
 * range, edge counts summing to the edges added), so a finished snapshot
 * is always well formed and every analysis may trust it.
 *
 * A snapshot is immutable once finished.  Analyses cache what they compute
 * (dominators, retained sizes, distances, retainers) inside it, so the
 * const-ness of a finished snapshot is logical: two threads must not use
 * one snapshot at once.
 */
#ifndef GCLAB_SNAPSHOT_H
#define GCLAB_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gclab.h" /* gc_status, gc_heap */

#ifdef __cplusplus
extern "C" {
#endif

/* V8's HeapGraphNode::Type, in V8's order (meta.node_types[0]). */
typedef enum gc_snap_node_type {
  GC_SNODE_HIDDEN = 0,
  GC_SNODE_ARRAY = 1,
  GC_SNODE_STRING = 2,
  GC_SNODE_OBJECT = 3,
  GC_SNODE_CODE = 4,
  GC_SNODE_CLOSURE = 5,
  GC_SNODE_REGEXP = 6,
  GC_SNODE_NUMBER = 7,
  GC_SNODE_NATIVE = 8,
  GC_SNODE_SYNTHETIC = 9,
  GC_SNODE_CONCATENATED_STRING = 10,
  GC_SNODE_SLICED_STRING = 11,
  GC_SNODE_SYMBOL = 12,
  GC_SNODE_BIGINT = 13,
  GC_SNODE_OBJECT_SHAPE = 14,
  GC_SNODE_WASM_OBJECT = 15,
  GC_SNODE_TYPE_COUNT = 16
} gc_snap_node_type;
/* V8's spelling: "hidden", "array", ..., "concatenated string", ... */
const char *gc_snap_node_type_name(gc_snap_node_type t);

/* V8's HeapGraphEdge::Type, in V8's order (meta.edge_types[0]). */
typedef enum gc_snap_edge_type {
  GC_SEDGE_CONTEXT = 0,
  GC_SEDGE_ELEMENT = 1,  /* name_or_index is an index */
  GC_SEDGE_PROPERTY = 2,
  GC_SEDGE_INTERNAL = 3,
  GC_SEDGE_HIDDEN = 4,   /* name_or_index is an index */
  GC_SEDGE_SHORTCUT = 5, /* retains only from the root */
  GC_SEDGE_WEAK = 6,     /* never retains */
  GC_SEDGE_TYPE_COUNT = 7
} gc_snap_edge_type;
const char *gc_snap_edge_type_name(gc_snap_edge_type t); /* "context", ... */
/* Is name_or_index of an edge of this type a number (ELEMENT, HIDDEN)
 * rather than a string index? */
static inline bool gc_snap_edge_is_indexed(uint32_t type) {
  return type == GC_SEDGE_ELEMENT || type == GC_SEDGE_HIDDEN;
}

/* gclab's space of a node that is not a gclab heap object (synthetic
 * roots; every node of a snapshot read from a file). */
#define GC_SNAP_NO_SPACE 255u

typedef struct gc_snap_node {
  uint8_t type;          /* gc_snap_node_type */
  uint8_t space;         /* gc_space, or GC_SNAP_NO_SPACE */
  uint8_t age;           /* scavenges survived (gclab objects), else 0 */
  uint8_t detachedness;  /* V8's detachedness field (0 unknown, 1 attached, 2 detached) */
  uint32_t name;         /* string index */
  uint64_t id;           /* stable id: the same object, the same id */
  uint64_t self_size;    /* bytes */
  uint32_t first_edge;   /* set by the builder */
  uint32_t edge_count;   /* declared when added; edges follow in order */
  uint32_t trace_node_id;/* V8's allocation-trace node, 0 if none */
} gc_snap_node;

typedef struct gc_snap_edge {
  uint8_t type;           /* gc_snap_edge_type */
  uint32_t name_or_index; /* string index, or a number (gc_snap_edge_is_indexed) */
  uint32_t to;            /* target node index */
} gc_snap_edge;

#define GC_SNAP_NONE UINT32_MAX /* "no node" wherever a node index is returned */

typedef struct gc_snapshot gc_snapshot;
typedef struct gc_snapshot_builder gc_snapshot_builder;

/* ----------------------------------------------------------------- builder */

/*
 * Building: add strings, then nodes in order (node 0 first), each declaring
 * its edge_count; add edges in the same order (all edges of node 0, then of
 * node 1, ...) at any time after or between the nodes -- a reader of V8's
 * format adds every node, then every edge, then every string.  Edge targets
 * and string indexes may refer to nodes and strings added later; finish
 * checks them all.  Calls fail with GC_ENOMEM (out of memory) or GC_EINVAL
 * (a limit: more than 2^32-2 nodes, edges or strings); gc_snapshot_builder_error
 * then says what.  After a failure the builder may only be freed.
 */
gc_status gc_snapshot_builder_new(gc_snapshot_builder **out);
/* Optional: reserve room for this many nodes and edges (a reader knows the
 * counts from the file's header). */
gc_status gc_snapshot_builder_reserve(gc_snapshot_builder *b, size_t nodes, size_t edges);
/* The index of string s[0..len) in the table, adding it if new. */
gc_status gc_snapshot_intern(gc_snapshot_builder *b, const char *s, size_t len, uint32_t *out);
/* Append s[0..len) as the next string index even if it is already in the
 * table (a reader keeps the file's own string indexes this way; intern
 * still finds the first copy). */
gc_status gc_snapshot_add_string(gc_snapshot_builder *b, const char *s, size_t len,
                                 uint32_t *out);
/* Append a node (its first_edge is ignored and set on finish).  *index
 * (may be NULL) gets its node index. */
gc_status gc_snapshot_add_node(gc_snapshot_builder *b, const gc_snap_node *node,
                               uint32_t *index);
/* Append the next edge (see the order above). */
gc_status gc_snapshot_add_edge(gc_snapshot_builder *b, uint32_t type, uint32_t name_or_index,
                               uint32_t to);
size_t gc_snapshot_builder_node_count(const gc_snapshot_builder *b);
size_t gc_snapshot_builder_edge_count(const gc_snapshot_builder *b);
/* The message of the last failure ("" if none). */
const char *gc_snapshot_builder_error(const gc_snapshot_builder *b);
/* Check and freeze.  On success *out is the snapshot and the builder is
 * freed; on GC_EINVAL (no nodes; a node or edge type out of range; an edge
 * target, name or string index out of range; edge counts that do not sum
 * to the edges added) or GC_ENOMEM, *out is NULL, err gets a message
 * naming the node or edge, and the builder is freed too. */
gc_status gc_snapshot_finish(gc_snapshot_builder *b, gc_snapshot **out, char *err,
                             size_t errlen);
void gc_snapshot_builder_free(gc_snapshot_builder *b);

/* ------------------------------------------------------------------ access */

void gc_snapshot_free(gc_snapshot *s);
size_t gc_snapshot_node_count(const gc_snapshot *s);
size_t gc_snapshot_edge_count(const gc_snapshot *s);
size_t gc_snapshot_string_count(const gc_snapshot *s);
/* The arrays themselves, valid while the snapshot lives. */
const gc_snap_node *gc_snapshot_nodes(const gc_snapshot *s);
const gc_snap_edge *gc_snapshot_edges(const gc_snapshot *s);
/* String i (NUL-terminated; *len, if non-NULL, gets its length, which
 * counts any NUL bytes inside).  NULL if i is out of range. */
const char *gc_snapshot_string(const gc_snapshot *s, uint32_t i, size_t *len);
/* The name of node i ("" if i is out of range). */
const char *gc_snapshot_node_name(const gc_snapshot *s, uint32_t i);
/* The node with this id, or GC_SNAP_NONE (a hash lookup). */
uint32_t gc_snapshot_find_id(const gc_snapshot *s, uint64_t id);
/* Sum of every node's self size. */
uint64_t gc_snapshot_total_size(const gc_snapshot *s);

/* ---------------------------------------------------------------- analysis */

/*
 * The analyses of any snapshot, with the semantics memlab and DevTools
 * give them (docs/leaks.md):
 *  - An edge is essential (may retain) unless it is weak, or a shortcut
 *    from any node but the root, or it leads from a node that is not
 *    page-owned into a page-owned one (but from the root).  Page-owned
 *    nodes are memlab's: those reached, through non-weak edges, from the
 *    root's children along its non-shortcut edges (an element edge to a
 *    "(Document DOM trees)" root excepted).  In a gclab heap that is
 *    everything reachable, so garbage never decides who dominates a live
 *    object; in a Node heap, edges from what only the global's shortcut
 *    reaches.  Checked against memlab 2.0.5 on two Node 20 snapshots:
 *    every node's dominator and retained size equal (docs/leaks.md).
 *  - The dominator tree (Lengauer-Tarjan, O(E log N)) is over essential
 *    edges from node 0.  Nodes not reachable that way hang off the root:
 *    first those whose retainers are all weak or shortcut edges, then the
 *    rest, each a search root of its own under node 0, in index order.
 *  - A node's retained size is the sum of the self sizes of the nodes it
 *    dominates, itself included (root: the total).
 *  - Distance is DevTools' BFS over non-weak edges: from the root's
 *    non-synthetic children (user roots, distance 1) when there are any,
 *    the root then counting as 100000000 for the rest; else from the root
 *    (distance 0).  GC_SNAP_NONE when not reached.
 * gc_snapshot_analyze computes all of it once (O(N + E) memory, about 40
 * bytes a node and 8 an edge); the getters below read the results and must
 * only be called after it succeeded.
 */
#define GC_SNAP_SYSTEM_DISTANCE 100000000u
gc_status gc_snapshot_analyze(gc_snapshot *s); /* GC_OK or GC_ENOMEM */
bool gc_snapshot_analyzed(const gc_snapshot *s);
uint32_t gc_snapshot_dominator(const gc_snapshot *s, uint32_t node); /* root: 0 */
uint64_t gc_snapshot_retained(const gc_snapshot *s, uint32_t node);
uint32_t gc_snapshot_distance(const gc_snapshot *s, uint32_t node);
/* Is there an essential path from the root (not an orphan)? */
bool gc_snapshot_reachable(const gc_snapshot *s, uint32_t node);
/* The edges into `node` (every type, weak ones too), as edge indexes in
 * the order of their source nodes; *edges points into the snapshot. */
size_t gc_snapshot_retainers(const gc_snapshot *s, uint32_t node, const uint32_t **edges);
/* The node edge e leaves from. */
uint32_t gc_snapshot_edge_from(const gc_snapshot *s, uint32_t edge);
/* The shortest retaining path from the root to `node` along the distance
 * BFS: writes up to cap edge indexes, root side first, and returns the
 * path's length in edges (0 for the root; GC_SNAP_NONE if unreached). */
uint32_t gc_snapshot_path(const gc_snapshot *s, uint32_t node, uint32_t *edges, size_t cap);

/* DevTools' class of a node: its name for objects and natives, else its
 * type in parentheses ("(array)", "(string)", "(closure)"), "(system)"
 * for hidden nodes and "(compiled code)" for code. */
const char *gc_snapshot_class_name(const gc_snapshot *s, uint32_t node);

/* A Summary row (DevTools' Summary view): objects of one class.  retained
 * counts each retained byte once per class (an object dominated by
 * another of its class adds nothing).  `node` is the class's largest
 * object by retained size (lowest id on a tie). */
typedef struct gc_snap_summary_row {
  const char *name;   /* valid while the snapshot lives */
  uint64_t count;
  uint64_t shallow;
  uint64_t retained;
  uint32_t node;
} gc_snap_summary_row;

/* Rows for every class of non-synthetic nodes, by retained size (then
 * count, then name).  *rows is malloc'ed: free() it.  Analyses first if
 * needed.  GC_ENOMEM. */
gc_status gc_snapshot_summary(gc_snapshot *s, gc_snap_summary_row **rows, size_t *n);

/* A Comparison row (DevTools' Comparison view) of `s` against `base`,
 * matched by id: objects new in s, objects of base deleted in s. */
typedef struct gc_snap_diff_row {
  const char *name;
  uint64_t new_count, deleted_count;
  int64_t delta_count;
  uint64_t alloc_size, freed_size; /* self sizes of the new, the deleted */
  int64_t size_delta;
} gc_snap_diff_row;
/* Rows for every class with a new or deleted object, by size delta
 * (largest growth first, then name).  free() *rows. */
gc_status gc_snapshot_diff(const gc_snapshot *base, const gc_snapshot *s, gc_snap_diff_row **rows,
                           size_t *n);

/* memlab's leak filter: the non-synthetic nodes of `target` whose id is
 * not in `base` (allocated after it) and is in `final`, reachable there
 * (still alive).  Grouped by class as in `final`, as Summary rows of
 * `final` (count, shallow, retained there; `node` the representative: a
 * final node index whose gc_snapshot_path is the group's retainer path).
 * Analyses `final` if needed.  free() *rows. */
gc_status gc_snapshot_find_leaks(const gc_snapshot *base, const gc_snapshot *target,
                                 gc_snapshot *final, gc_snap_summary_row **rows, size_t *n);

/* ------------------------------------------------------------ gclab heaps */

/*
 * Ids in a snapshot of a gclab heap follow V8's convention: heap objects
 * have odd ids, synthetic and native nodes even ones (but the root, 1).
 * The native node of an object's external memory (gc_alloc_external) has
 * 2 * the owner's object id + 8.  A gclab
 * object's snapshot id is 2 * its object id + 1 (gc_object_info.id), so it
 * is the same in every snapshot of the heap, across moves.
 */
#define GC_SNAP_ROOT_ID 1u          /* node 0: synthetic "" */
#define GC_SNAP_GC_ROOTS_ID 2u      /* node 1: synthetic "(GC roots)" */
#define GC_SNAP_GLOBAL_HANDLES_ID 4u/* node 2: "(Global handles)": gc_root'ed handles */
#define GC_SNAP_HANDLE_SCOPE_ID 6u  /* node 3: "(Handle scope)": handles of open scopes */
#define GC_SNAP_FIRST_OBJECT 4u     /* node index of the first heap object */
/* V8's names for an ArrayBuffer's backing store in a snapshot: a native
 * node of this name, reached from the JSArrayBuffer by an internal edge of
 * that one (gc_snapshot_take writes them, the replay reads them). */
#define GC_SNAP_STORE_NAME "system / JSArrayBufferData"
#define GC_SNAP_STORE_EDGE "backing_store"
static inline uint64_t gc_snap_id_of_object(uint64_t object_id) { return 2 * object_id + 1; }
/* The object id of a snapshot id, or 0 if it is not a heap object's. */
static inline uint64_t gc_snap_object_of_id(uint64_t snap_id) {
  return (snap_id & 1) && snap_id > 1 ? (snap_id - 1) / 2 : 0;
}

/*
 * Take a snapshot of `heap` as it is now (no GC is run: take one first to
 * leave out garbage, as DevTools does).  Nodes, in order: the root (0),
 * "(GC roots)" (1), "(Global handles)" (2) and "(Handle scope)" (3), then
 * every object in gc_each_object's order (new, old, large, new_large;
 * address order within each), type OBJECT, named by its allocation name,
 * self_size its size, with its space and age.  Edges: root -> (GC roots)
 * (element 1); (GC roots) -> each group (element 1, 2); a group -> each
 * rooted object (element k, one per handle, in handle-table order); an
 * object -> what its slot i references (element i; empty slots and small
 * integers make no edge).  After the objects, one native node "system /
 * JSArrayBufferData" per owner of external memory (gc_alloc_external),
 * self_size its bytes, which the owner reaches by an internal edge
 * "backing_store" after its element edges, as V8's JSArrayBuffer does.
 * String 0 is "<dummy>", as in V8's files.
 * Reads only: allocates nothing in the heap, moves nothing, and costs
 * O(objects + slots + handles).  GC_ESTATE during a GC; GC_ENOMEM when
 * the process is out of memory; the heap's message says which.
 */
gc_status gc_snapshot_take(gc_heap *heap, gc_snapshot **out);

/* A new handle to the live object with this object id (gc_object_info.id;
 * gc_snap_object_of_id of a snapshot id), for its owner to release.
 * GC_EDEAD if it was collected, GC_EINVAL if no object ever had the id.
 * O(objects): a walk of the heap.  Allocates nothing in the heap. */
gc_status gc_object_handle(gc_heap *heap, uint64_t id, gc_handle *out);

#ifdef __cplusplus
}
#endif
#endif /* GCLAB_SNAPSHOT_H */
