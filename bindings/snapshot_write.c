/*
 * snapshot_write.c -- the streaming .heapsnapshot writer: libyajl's
 * generator emitting V8 11.3's layout (the meta block Node 20 writes, then
 * nodes, edges, the empty trace/sample/location arrays DevTools requires,
 * strings) from a gc_snapshot, through a fixed buffer into a file or a
 * gzip stream.  No document is built: each node and edge is formatted
 * straight from the snapshot's arrays.
 *
 * Invariants
 *  - The file says what the snapshot holds, in its order: node i is the
 *    i-th node record, edge j the j-th edge record, string k strings[k].
 *    Interning is the snapshot's business (gc_snapshot_take interns every
 *    name once); a finished snapshot is well formed, so the header's
 *    node_count and edge_count are exact and every to_node is a node.
 *  - Numbers are formatted here (plain unsigned decimals, as V8 writes
 *    them) and handed to yajl_gen_number, which places the separators;
 *    strings go through yajl_gen_string, which escapes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <zlib.h>

#include "snapshot_file.h"

#define OUTBUF (256u * 1024u)
#define NODE_FIELDS 7u

typedef struct writer {
  FILE *fp;       /* plain output, or */
  gzFile gz;      /* gzip output */
  char *buf;
  size_t len;
  bool io_failed;
  int io_errno;
  yajl_gen g;
  size_t bad_string; /* a string yajl refused (not UTF-8) */
} writer;

/* --------------------------------------------------------------- output */

static void sink(writer *w, const char *s, size_t n) {
  if (!n || w->io_failed) return;
  if (w->gz) {
    if (gzwrite(w->gz, s, (unsigned)n) != (int)n) w->io_failed = true;
  } else if (fwrite(s, 1, n, w->fp) != n) {
    w->io_failed = true;
    w->io_errno = errno;
  }
}

static void flush_out(writer *w) {
  sink(w, w->buf, w->len);
  w->len = 0;
}

static void print_cb(void *ud, const char *s, size_t n) {
  writer *w = ud;
  if (w->len + n > OUTBUF) flush_out(w);
  if (n > OUTBUF) { /* a string longer than the buffer goes straight through */
    sink(w, s, n);
    return;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
}

/* ---------------------------------------------------------------- values */

static void num(writer *w, uint64_t v) {
  char tmp[24];
  int i = (int)sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  yajl_gen_number(w->g, tmp + i, sizeof tmp - (size_t)i);
}

static void str(writer *w, const char *s) {
  yajl_gen_string(w->g, (const unsigned char *)s, strlen(s));
}

static const char *node_type_name(size_t i) { return gc_snap_node_type_name((gc_snap_node_type)i); }
static const char *edge_type_name(size_t i) { return gc_snap_edge_type_name((gc_snap_edge_type)i); }

static void str_list(writer *w, const char *const *names, size_t n) {
  yajl_gen_array_open(w->g);
  for (size_t i = 0; i < n; i++) str(w, names[i]);
  yajl_gen_array_close(w->g);
}

/* A field list, as V8's meta has it. */
static void field_meta(writer *w, const char *fields_key, const char *const *fields, size_t n) {
  str(w, fields_key);
  str_list(w, fields, n);
}

/* A record's field types, as V8's meta has them: the list of the type
 * field's values (the engine's `ntypes` type names), then the other fields'
 * types. */
static void types_meta(writer *w, const char *types_key, const char *(*name)(size_t),
                       size_t ntypes, const char *const *rest, size_t nrest) {
  str(w, types_key);
  yajl_gen_array_open(w->g);
  yajl_gen_array_open(w->g);
  for (size_t i = 0; i < ntypes; i++) str(w, name(i));
  yajl_gen_array_close(w->g);
  for (size_t i = 0; i < nrest; i++) str(w, rest[i]);
  yajl_gen_array_close(w->g);
}

static void write_meta(writer *w) {
  static const char *const node_fields[] = {"type", "name", "id", "self_size", "edge_count",
                                            "trace_node_id", "detachedness"};
  static const char *const node_types_rest[] = {"string", "number", "number", "number",
                                                "number", "number"};
  static const char *const edge_fields[] = {"type", "name_or_index", "to_node"};
  static const char *const edge_types_rest[] = {"string_or_number", "node"};
  static const char *const tfi[] = {"function_id", "name", "script_name", "script_id", "line", "column"};
  static const char *const tn[] = {"id", "function_info_index", "count", "size", "children"};
  static const char *const sf[] = {"timestamp_us", "last_assigned_id"};
  static const char *const lf[] = {"object_index", "script_id", "line", "column"};
  yajl_gen g = w->g;
  str(w, "meta");
  yajl_gen_map_open(g);
  field_meta(w, "node_fields", node_fields, 7);
  types_meta(w, "node_types", node_type_name, GC_SNODE_TYPE_COUNT, node_types_rest, 6);
  field_meta(w, "edge_fields", edge_fields, 3);
  types_meta(w, "edge_types", edge_type_name, GC_SEDGE_TYPE_COUNT, edge_types_rest, 2);
  field_meta(w, "trace_function_info_fields", tfi, 6);
  field_meta(w, "trace_node_fields", tn, 5);
  field_meta(w, "sample_fields", sf, 2);
  field_meta(w, "location_fields", lf, 4);
  yajl_gen_map_close(g);
}

static bool write_body(writer *w, const gc_snapshot *s) {
  yajl_gen g = w->g;
  size_t nn = gc_snapshot_node_count(s), ne = gc_snapshot_edge_count(s);
  size_t ns = gc_snapshot_string_count(s);
  const gc_snap_node *nodes = gc_snapshot_nodes(s);
  const gc_snap_edge *edges = gc_snapshot_edges(s);
  yajl_gen_map_open(g);
  str(w, "snapshot");
  yajl_gen_map_open(g);
  write_meta(w);
  str(w, "node_count");
  num(w, nn);
  str(w, "edge_count");
  num(w, ne);
  str(w, "trace_function_count");
  num(w, 0);
  yajl_gen_map_close(g);

  str(w, "nodes");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < nn && !w->io_failed; i++) {
    const gc_snap_node *n = &nodes[i];
    num(w, n->type);
    num(w, n->name);
    num(w, n->id);
    num(w, n->self_size);
    num(w, n->edge_count);
    num(w, n->trace_node_id);
    num(w, n->detachedness);
  }
  yajl_gen_array_close(g);

  str(w, "edges");
  yajl_gen_array_open(g);
  for (size_t j = 0; j < ne && !w->io_failed; j++) {
    num(w, edges[j].type);
    num(w, edges[j].name_or_index);
    num(w, (uint64_t)edges[j].to * NODE_FIELDS);
  }
  yajl_gen_array_close(g);

  static const char *const empty[] = {"trace_function_infos", "trace_tree", "samples", "locations"};
  for (size_t i = 0; i < 4; i++) {
    str(w, empty[i]);
    yajl_gen_array_open(g);
    yajl_gen_array_close(g);
  }
  str(w, "strings");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < ns && !w->io_failed; i++) {
    size_t len;
    const char *t = gc_snapshot_string(s, (uint32_t)i, &len);
    if (yajl_gen_string(g, (const unsigned char *)t, len) != yajl_gen_status_ok) {
      w->bad_string = i;
      return false;
    }
  }
  yajl_gen_array_close(g);
  return yajl_gen_map_close(g) == yajl_gen_status_ok;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool snapfile_write(const char *path, const gc_snapshot *s, char *err, size_t errlen) {
  if (errlen) err[0] = '\0';
  writer w;
  memset(&w, 0, sizeof w);
  bool gz = ends_with(path, ".gz");
  errno = 0;
  if (gz) w.gz = gzopen(path, "wb6");
  else w.fp = fopen(path, "wb");
  if (!w.gz && !w.fp) {
    snprintf(err, errlen, "%s: cannot create: %s", path, errno ? strerror(errno) : "out of memory");
    return false;
  }
  w.buf = malloc(OUTBUF);
  w.g = yajl_gen_alloc(NULL);
  bool ok = w.buf && w.g;
  if (ok) {
    yajl_gen_config(w.g, yajl_gen_print_callback, print_cb, &w);
    yajl_gen_config(w.g, yajl_gen_validate_utf8, 1);
    ok = write_body(&w, s);
    if (!ok && !w.io_failed)
      snprintf(err, errlen, "%s: string %zu is not valid UTF-8 (JSON cannot carry it)", path,
               w.bad_string);
    flush_out(&w);
  } else {
    snprintf(err, errlen, "%s: out of memory", path);
  }
  int close_rc = gz ? gzclose(w.gz) : fclose(w.fp);
  if (ok && (w.io_failed || close_rc != 0)) {
    ok = false;
    snprintf(err, errlen, "%s: write failed: %s", path,
             w.io_errno ? strerror(w.io_errno) : "I/O error");
  }
  if (w.g) yajl_gen_free(w.g);
  free(w.buf);
  if (!ok) remove(path);
  return ok;
}
