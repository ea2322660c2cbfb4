/*
 * snapshot_file.h -- V8's .heapsnapshot file format (Chrome DevTools,
 * memlab, Node's v8.writeHeapSnapshot): read and write, streaming.
 *
 * The format (see docs/leaks.md, "The file format"): one JSON object whose
 * `snapshot.meta` names the fields of the flat integer arrays `nodes` and
 * `edges`; node 0 is the synthetic root; an edge's `to_node` is the target's
 * ordinal times the number of node fields; `strings` comes last and holds
 * every name once.
 *
 * hs_file is the file's content in flat arrays, one array per field, in
 * file order: what the reader produces and the writer consumes.  It holds
 * no DOM: a node costs 25 bytes and an edge 9, plus the string bytes.
 * Node and edge types are V8's canonical codes (HS_NODE_*, HS_EDGE_*),
 * whatever order a file's meta lists them in.
 *
 * JSON goes through libyajl (callback parser, generator), gzip through zlib
 * (docs/dependencies.md).  Errors are written to err as "FILE: byte N:
 * what was wrong" (N counts uncompressed bytes).
 */
#ifndef GCLAB_SNAPSHOT_FILE_H
#define GCLAB_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* meta.node_types[0] of V8 11.3, in V8's order. */
enum {
  HS_NODE_HIDDEN, HS_NODE_ARRAY, HS_NODE_STRING, HS_NODE_OBJECT, HS_NODE_CODE,
  HS_NODE_CLOSURE, HS_NODE_REGEXP, HS_NODE_NUMBER, HS_NODE_NATIVE, HS_NODE_SYNTHETIC,
  HS_NODE_CONCATENATED_STRING, HS_NODE_SLICED_STRING, HS_NODE_SYMBOL, HS_NODE_BIGINT,
  HS_NODE_OBJECT_SHAPE, HS_NODE_WASM_OBJECT, HS_NODE_TYPE_COUNT
};
/* meta.edge_types[0] of V8 11.3, in V8's order. */
enum {
  HS_EDGE_CONTEXT, HS_EDGE_ELEMENT, HS_EDGE_PROPERTY, HS_EDGE_INTERNAL, HS_EDGE_HIDDEN,
  HS_EDGE_SHORTCUT, HS_EDGE_WEAK, HS_EDGE_TYPE_COUNT
};
extern const char *const hs_node_type_names[HS_NODE_TYPE_COUNT];
extern const char *const hs_edge_type_names[HS_EDGE_TYPE_COUNT];

/* element and hidden edges carry a number; all others a string index. */
static inline bool hs_edge_named(unsigned type) {
  return type != HS_EDGE_ELEMENT && type != HS_EDGE_HIDDEN;
}

typedef struct hs_file {
  uint32_t node_count, edge_count, string_count;
  /* nodes */
  uint8_t *node_type;
  uint32_t *node_name;   /* string index */
  uint64_t *node_id;
  uint64_t *node_self;   /* self_size */
  uint32_t *node_edges;  /* edge_count: the node's edges follow its predecessors' */
  /* edges, grouped by source node in node order */
  uint8_t *edge_type;
  uint32_t *edge_name;   /* string index, or the element/hidden index */
  uint32_t *edge_to;     /* target node ordinal (not the file's array index) */
  /* strings: string i is str_bytes + str_off[i], str_off[i+1]-str_off[i]-1
   * bytes long and NUL-terminated */
  char *str_bytes;
  uint64_t *str_off;     /* string_count + 1 offsets */
} hs_file;

void hs_file_free(hs_file *f);
static inline const char *hs_string(const hs_file *f, uint32_t i) {
  return f->str_bytes + f->str_off[i];
}

/* Read FILE (plain or gzip, told apart by its magic bytes).  On success
 * fills *out and returns true; on failure *out is empty and err says
 * "PATH: byte N: what".  Never more than one pass; memory is the arrays
 * above plus a fixed input buffer. */
bool hs_read_file(const char *path, hs_file *out, char *err, size_t errlen);
/* The same on a memory buffer; `name` stands for the file in messages. */
bool hs_read_buffer(const char *name, const void *data, size_t len, hs_file *out, char *err,
                    size_t errlen);

/* The writer's source: node and edge accessors so that any graph (an
 * hs_file, an engine snapshot) streams out without being copied. */
typedef struct hs_source {
  void *ud;
  uint32_t node_count, edge_count;
  /* node i: type, name (a NUL-terminated string), id, self size, edge count */
  void (*node)(void *ud, uint32_t i, unsigned *type, const char **name, uint64_t *id,
               uint64_t *self_size, uint32_t *edges);
  /* edge j (grouped by source node in node order): type, name (for
   * hs_edge_named types) or index, target node ordinal */
  void (*edge)(void *ud, uint32_t j, unsigned *type, const char **name, uint32_t *index,
               uint32_t *to);
} hs_source;

/* Write `src` to PATH as a .heapsnapshot (gzip-compressed when PATH ends in
 * ".gz").  Streams: memory is a string-intern table and a fixed buffer. */
bool hs_write_file(const char *path, const hs_source *src, char *err, size_t errlen);
/* An hs_source reading an hs_file. */
void hs_file_source(const hs_file *f, hs_source *out);

#endif /* GCLAB_SNAPSHOT_FILE_H */
