/*
 * snapshot_write.c -- the streaming .heapsnapshot writer: libyajl's
 * generator emitting V8 11.3's layout (the meta block Node 20 writes, then
 * nodes, edges, the empty trace/sample/location arrays DevTools requires,
 * strings) from an hs_source, through a fixed buffer into a file or a gzip
 * stream.  No document is built: nodes and edges are written as they are
 * read from the source.
 *
 * Invariants
 *  - strings[0] is "<dummy>" and every other string appears once (interned
 *    in a hash table of pointers into the source's names, in order of first
 *    use), so the strings section can only be written after the edges.
 *  - node_count and edge_count in the header are exact: the source's node
 *    edge counts must add up to its edge count and every target must be a
 *    node, or nothing is left behind but an error.
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
  const char *path;
  FILE *fp;       /* plain output, or */
  gzFile gz;      /* gzip output */
  char *buf;
  size_t len;
  bool io_failed;
  int io_errno;
  yajl_gen g;
  /* intern table: strings[i] is a pointer into the source's names */
  const char **strings;
  uint32_t nstrings, strings_cap;
  uint32_t *slots; /* open addressing: string index + 1, 0 empty */
  uint32_t nslots;
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

/* --------------------------------------------------------------- strings */

static uint32_t hash_str(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static bool intern_grow(writer *w) {
  uint32_t ns = w->nslots ? w->nslots * 2 : 1024;
  uint32_t *slots = calloc(ns, sizeof *slots);
  if (!slots) return false;
  for (uint32_t i = 0; i < w->nstrings; i++) {
    uint32_t k = hash_str(w->strings[i]) & (ns - 1);
    while (slots[k]) k = (k + 1) & (ns - 1);
    slots[k] = i + 1;
  }
  free(w->slots);
  w->slots = slots;
  w->nslots = ns;
  return true;
}

/* The string index of s, adding it on first use; UINT32_MAX when out of
 * memory. */
static uint32_t intern(writer *w, const char *s) {
  if (!s) s = "";
  if ((w->nstrings + 1) * 2 > w->nslots && !intern_grow(w)) return UINT32_MAX;
  uint32_t k = hash_str(s) & (w->nslots - 1);
  for (; w->slots[k]; k = (k + 1) & (w->nslots - 1))
    if (strcmp(w->strings[w->slots[k] - 1], s) == 0) return w->slots[k] - 1;
  if (w->nstrings == w->strings_cap) {
    uint32_t cap = w->strings_cap ? w->strings_cap * 2 : 1024;
    const char **ns = realloc(w->strings, cap * sizeof *ns);
    if (!ns) return UINT32_MAX;
    w->strings = ns;
    w->strings_cap = cap;
  }
  w->strings[w->nstrings] = s;
  w->slots[k] = w->nstrings + 1;
  return w->nstrings++;
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

static void str_list(writer *w, const char *const *names, size_t n) {
  yajl_gen_array_open(w->g);
  for (size_t i = 0; i < n; i++) str(w, names[i]);
  yajl_gen_array_close(w->g);
}

/* A field list and its types, as V8's meta has them. */
static void field_meta(writer *w, const char *fields_key, const char *const *fields, size_t n) {
  str(w, fields_key);
  str_list(w, fields, n);
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
  str(w, "node_types");
  yajl_gen_array_open(g);
  str_list(w, hs_node_type_names, HS_NODE_TYPE_COUNT);
  for (size_t i = 0; i < 6; i++) str(w, node_types_rest[i]);
  yajl_gen_array_close(g);
  field_meta(w, "edge_fields", edge_fields, 3);
  str(w, "edge_types");
  yajl_gen_array_open(g);
  str_list(w, hs_edge_type_names, HS_EDGE_TYPE_COUNT);
  for (size_t i = 0; i < 2; i++) str(w, edge_types_rest[i]);
  yajl_gen_array_close(g);
  field_meta(w, "trace_function_info_fields", tfi, 6);
  field_meta(w, "trace_node_fields", tn, 5);
  field_meta(w, "sample_fields", sf, 2);
  field_meta(w, "location_fields", lf, 4);
  yajl_gen_map_close(g);
}

/* Check the source's shape before a byte is written. */
static bool check_source(const hs_source *src, char *err, size_t errlen, const char *path) {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < src->node_count; i++) {
    unsigned type;
    const char *name;
    uint64_t id, self;
    uint32_t ne;
    src->node(src->ud, i, &type, &name, &id, &self, &ne);
    if (type >= HS_NODE_TYPE_COUNT) {
      snprintf(err, errlen, "%s: node %u has type %u, not a V8 node type", path, i, type);
      return false;
    }
    sum += ne;
  }
  for (uint32_t j = 0; j < src->edge_count; j++) {
    unsigned type;
    const char *name = NULL;
    uint32_t index = 0, to;
    src->edge(src->ud, j, &type, &name, &index, &to);
    if (type >= HS_EDGE_TYPE_COUNT || to >= src->node_count) {
      snprintf(err, errlen, "%s: edge %u has type %u and target %u (%u nodes)", path, j, type, to,
               src->node_count);
      return false;
    }
  }
  if (sum != src->edge_count) {
    snprintf(err, errlen, "%s: the nodes own %llu edges but the snapshot has %u", path,
             (unsigned long long)sum, src->edge_count);
    return false;
  }
  if (src->node_count == 0) {
    snprintf(err, errlen, "%s: a snapshot needs at least its root node", path);
    return false;
  }
  return true;
}

static bool write_body(writer *w, const hs_source *src) {
  yajl_gen g = w->g;
  if (intern(w, "<dummy>") == UINT32_MAX) return false;
  yajl_gen_map_open(g);
  str(w, "snapshot");
  yajl_gen_map_open(g);
  write_meta(w);
  str(w, "node_count");
  num(w, src->node_count);
  str(w, "edge_count");
  num(w, src->edge_count);
  str(w, "trace_function_count");
  num(w, 0);
  yajl_gen_map_close(g);

  str(w, "nodes");
  yajl_gen_array_open(g);
  for (uint32_t i = 0; i < src->node_count && !w->io_failed; i++) {
    unsigned type;
    const char *name;
    uint64_t id, self;
    uint32_t ne;
    src->node(src->ud, i, &type, &name, &id, &self, &ne);
    uint32_t si = intern(w, name);
    if (si == UINT32_MAX) return false;
    num(w, type);
    num(w, si);
    num(w, id);
    num(w, self);
    num(w, ne);
    num(w, 0); /* trace_node_id */
    num(w, 0); /* detachedness: unknown */
  }
  yajl_gen_array_close(g);

  str(w, "edges");
  yajl_gen_array_open(g);
  for (uint32_t j = 0; j < src->edge_count && !w->io_failed; j++) {
    unsigned type;
    const char *name = NULL;
    uint32_t index = 0, to;
    src->edge(src->ud, j, &type, &name, &index, &to);
    uint32_t noi = index;
    if (hs_edge_named(type)) {
      noi = intern(w, name);
      if (noi == UINT32_MAX) return false;
    }
    num(w, type);
    num(w, noi);
    num(w, (uint64_t)to * NODE_FIELDS);
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
  for (uint32_t i = 0; i < w->nstrings && !w->io_failed; i++)
    if (yajl_gen_string(g, (const unsigned char *)w->strings[i], strlen(w->strings[i])) !=
        yajl_gen_status_ok)
      return false;
  yajl_gen_array_close(g);
  return yajl_gen_map_close(g) == yajl_gen_status_ok;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool hs_write_file(const char *path, const hs_source *src, char *err, size_t errlen) {
  if (errlen) err[0] = '\0';
  if (!check_source(src, err, errlen, path)) return false;
  writer w;
  memset(&w, 0, sizeof w);
  w.path = path;
  bool gz = ends_with(path, ".gz");
  if (gz) w.gz = gzopen(path, "wb6");
  else w.fp = fopen(path, "wb");
  if (!w.gz && !w.fp) {
    snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
    return false;
  }
  w.buf = malloc(OUTBUF);
  w.g = yajl_gen_alloc(NULL);
  bool ok = w.buf && w.g;
  if (ok) {
    yajl_gen_config(w.g, yajl_gen_print_callback, print_cb, &w);
    yajl_gen_config(w.g, yajl_gen_validate_utf8, 1);
    ok = write_body(&w, src);
    if (!ok && !w.io_failed)
      snprintf(err, errlen, "%s: a name is not valid UTF-8, or memory ran out", path);
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
  free(w.strings);
  free(w.slots);
  if (!ok) remove(path);
  return ok;
}

/* ------------------------------------------------------ hs_file as source */

static void file_node(void *ud, uint32_t i, unsigned *type, const char **name, uint64_t *id,
                      uint64_t *self_size, uint32_t *edges) {
  const hs_file *f = ud;
  *type = f->node_type[i];
  *name = hs_string(f, f->node_name[i]);
  *id = f->node_id[i];
  *self_size = f->node_self[i];
  *edges = f->node_edges[i];
}

static void file_edge(void *ud, uint32_t j, unsigned *type, const char **name, uint32_t *index,
                      uint32_t *to) {
  const hs_file *f = ud;
  *type = f->edge_type[j];
  *to = f->edge_to[j];
  if (hs_edge_named(*type)) *name = hs_string(f, f->edge_name[j]);
  else *index = f->edge_name[j];
}

void hs_file_source(const hs_file *f, hs_source *out) {
  out->ud = (void *)f;
  out->node_count = f->node_count;
  out->edge_count = f->edge_count;
  out->node = file_node;
  out->edge = file_edge;
}
