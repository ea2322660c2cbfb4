/*
 * snapshot_read_internal.h -- shared by the two files of the .heapsnapshot
 * reader: snapshot_read.c (input, chunks, gzip, errors, the whole file)
 * and snapshot_parse.c (yajl's callbacks: what each value of the file
 * means, checked and handed to the snapshot builder).
 */
#ifndef GCLAB_SNAPSHOT_READ_INTERNAL_H
#define GCLAB_SNAPSHOT_READ_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <yajl/yajl_parse.h>

#include "gclab.h"

#define MAX_DEPTH 64 /* nesting we track; deeper values are skipped by count */
#define MAX_FIELDS 32
#define MAX_TYPES 64

/* What the value at a nesting level is. */
typedef enum ctx {
  C_NONE, C_TOP, C_SNAPSHOT, C_META, C_META_FIELDS, C_META_TYPES, C_META_TYPELIST,
  C_NODES, C_EDGES, C_STRINGS, C_SKIP
} ctx;

/* Which meta list is being read. */
enum { ML_NODE, ML_EDGE };

/* Field roles in nodes / edges. */
enum { NF_TYPE, NF_NAME, NF_ID, NF_SELF, NF_EDGES, NF_TRACE, NF_DETACHED, NF_ROLES };
#define NF_REQUIRED NF_TRACE /* the roles before it must be present */
enum { EF_TYPE, EF_NAME, EF_TO, EF_ROLES };

typedef struct reader {
  const char *name;
  gc_snapshot_builder *b;
  char *err;
  size_t errlen;
  bool failed;
  yajl_handle yh;
  uint64_t chunk_base; /* uncompressed bytes before the current chunk */
  uint64_t input_bound; /* most numbers the input can hold */

  ctx stack[MAX_DEPTH];
  int depth;        /* stack[depth-1] is the innermost container */
  int skip_depth;   /* nesting inside a skipped value */
  ctx hot;          /* C_NODES or C_EDGES while directly inside one, else C_NONE */
  char key[32];     /* the pending key in the innermost map */
  int meta_list;    /* ML_NODE / ML_EDGE while in a meta list */

  /* meta */
  int nfields[2];                  /* node_fields / edge_fields length */
  int role_pos[2][NF_ROLES];       /* field position of each role, -1 if absent */
  int field_role[2][MAX_FIELDS];   /* role of each field position, -1 if none */
  int types_at[2];                 /* position of the nested type list in *_types */
  int types_index[2];              /* element index while reading *_types */
  int ntypes[2];
  uint8_t type_map[2][MAX_TYPES];  /* file type index -> canonical code */
  bool have_meta, have_fields[2], have_types[2];
  bool have_node_count, have_edge_count;
  uint64_t decl_nodes, decl_edges;
  bool seen_nodes, seen_edges, seen_strings, seen_snapshot;

  /* array fill state */
  uint64_t pos;        /* numbers consumed in the current array */
  uint64_t item;       /* pos / fields: the node or edge being read */
  int field;           /* pos % fields: its field */
  uint64_t edge_sum;   /* sum of nodes' edge_count */
  gc_snap_node node;   /* the node being read */
  uint32_t edge[EF_ROLES]; /* the edge being read */
  uint64_t str_count;
  /* the largest string index used, where, and by which node or edge */
  uint64_t max_name, max_name_at, max_name_item;
  bool max_name_is_edge, any_name;
} reader;

/* Uncompressed bytes read up to the current token. */
static inline uint64_t snapread_here(reader *r) {
  return r->chunk_base + (r->yh ? yajl_get_bytes_consumed(r->yh) : 0);
}
/* Record the first failure as "NAME: byte AT: message"; returns 0 (yajl's
 * "stop"). */
int snapread_fail_at(reader *r, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define FAIL(...) snapread_fail_at(r, snapread_here(r), __VA_ARGS__)

/* snapshot_parse.c: the callbacks, with a reader as their context. */
extern const yajl_callbacks snapread_callbacks;

#endif /* GCLAB_SNAPSHOT_READ_INTERNAL_H */
