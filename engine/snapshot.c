/*
 * snapshot.c -- the snapshot data model: the builder (strings, nodes,
 * edges), the checks that freeze a builder into a well-formed gc_snapshot,
 * and the plain accessors.  Nothing here knows where a snapshot comes from
 * (a gclab heap, a file) or what is computed from it.
 *
 * Invariants: see snapshot_internal.h.  A builder that failed once stays
 * failed (every later call returns its first error), so a caller may check
 * only at finish.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_internal.h"

#define SNAP_MAX_COUNT ((size_t)UINT32_MAX - 1)
#define SNAP_MAX_TOTAL_SIZE (1ull << 53) /* bytes: all self sizes together */

struct gc_snapshot_builder {
  gc_snap_node *nodes;
  size_t nnodes, cap_nodes;
  gc_snap_edge *edges;
  size_t nedges, cap_edges;
  char *chars;
  size_t nchars, cap_chars;
  uint64_t *off; /* off[i]: start of string i; off[nstrings] == nchars */
  size_t nstrings, cap_off;
  uint32_t *stab; /* string content -> index + 1, open addressing */
  size_t stab_cap;
  gc_status failed;
  char error[256];
};

static const char *const node_type_names[GC_SNODE_TYPE_COUNT] = {
    "hidden",  "array",     "string", "object",   "code",
    "closure", "regexp",    "number", "native",   "synthetic",
    "concatenated string",  "sliced string",      "symbol",
    "bigint",  "object shape", "wasm object"};
static const char *const edge_type_names[GC_SEDGE_TYPE_COUNT] = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak"};

const char *gc_snap_node_type_name(gc_snap_node_type t) {
  return (unsigned)t < GC_SNODE_TYPE_COUNT ? node_type_names[t] : "?";
}

const char *gc_snap_edge_type_name(gc_snap_edge_type t) {
  return (unsigned)t < GC_SEDGE_TYPE_COUNT ? edge_type_names[t] : "?";
}

/* ----------------------------------------------------------------- builder */

static gc_status fail(gc_snapshot_builder *b, gc_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static gc_status fail(gc_snapshot_builder *b, gc_status s, const char *fmt, ...) {
  if (b->failed) return b->failed;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->error, sizeof b->error, fmt, ap);
  va_end(ap);
  b->failed = s;
  return s;
}

/* Grow *v (elements of `elem` bytes, capacity *cap) to hold `need`. */
static bool grow(void **v, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *p = realloc(*v, c * elem);
  if (!p) return false;
  *v = p;
  *cap = c;
  return true;
}

static uint32_t hash_bytes(const char *s, size_t len) {
  uint32_t x = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++) x = (x ^ (uint8_t)s[i]) * 16777619u;
  return x;
}

static const char *bstr(const gc_snapshot_builder *b, uint32_t i, size_t *len) {
  *len = (size_t)(b->off[i + 1] - b->off[i] - 1);
  return b->chars + b->off[i];
}

/* The slot of s[0..len) in the string hash: holding its index + 1, or 0. */
static size_t stab_find(const gc_snapshot_builder *b, const char *s, size_t len, uint32_t h) {
  size_t mask = b->stab_cap - 1, j = h & mask;
  while (b->stab[j]) {
    size_t l;
    const char *t = bstr(b, b->stab[j] - 1, &l);
    if (l == len && memcmp(t, s, len) == 0) return j;
    j = (j + 1) & mask;
  }
  return j;
}

static bool stab_grow(gc_snapshot_builder *b) {
  size_t cap = b->stab_cap ? b->stab_cap * 2 : 1024;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return false;
  free(b->stab);
  b->stab = t;
  b->stab_cap = cap;
  /* Re-insert in index order, so the first copy of a repeated string wins. */
  for (size_t i = 0; i < b->nstrings; i++) {
    size_t l;
    const char *s = bstr(b, (uint32_t)i, &l);
    size_t j = stab_find(b, s, l, hash_bytes(s, l));
    if (!b->stab[j]) b->stab[j] = (uint32_t)i + 1;
  }
  return true;
}

gc_status gc_snapshot_builder_new(gc_snapshot_builder **out) {
  *out = NULL;
  gc_snapshot_builder *b = calloc(1, sizeof *b);
  if (!b) return GC_ENOMEM;
  b->off = malloc(64 * sizeof *b->off);
  if (!b->off || !stab_grow(b)) {
    gc_snapshot_builder_free(b);
    return GC_ENOMEM;
  }
  b->cap_off = 64;
  b->off[0] = 0;
  *out = b;
  return GC_OK;
}

void gc_snapshot_builder_free(gc_snapshot_builder *b) {
  if (!b) return;
  free(b->nodes);
  free(b->edges);
  free(b->chars);
  free(b->off);
  free(b->stab);
  free(b);
}

gc_status gc_snapshot_builder_reserve(gc_snapshot_builder *b, size_t nodes, size_t edges) {
  if (b->failed) return b->failed;
  if (nodes > SNAP_MAX_COUNT || edges > SNAP_MAX_COUNT)
    return fail(b, GC_EINVAL, "snapshot: cannot reserve %zu nodes and %zu edges (limit %zu)",
                nodes, edges, SNAP_MAX_COUNT);
  if (!grow((void **)&b->nodes, &b->cap_nodes, nodes, sizeof *b->nodes) ||
      !grow((void **)&b->edges, &b->cap_edges, edges, sizeof *b->edges))
    return fail(b, GC_ENOMEM, "snapshot: out of memory reserving %zu nodes and %zu edges",
                nodes, edges);
  return GC_OK;
}

static gc_status append_string(gc_snapshot_builder *b, const char *s, size_t len,
                               uint32_t *out) {
  if (b->nstrings >= SNAP_MAX_COUNT)
    return fail(b, GC_EINVAL, "snapshot: more than %zu strings", SNAP_MAX_COUNT);
  /* s may point into the table itself (a string read back from it): keep
   * its offset across the realloc. */
  uintptr_t base = (uintptr_t)b->chars, at = (uintptr_t)s;
  bool inside = b->chars && at >= base && at < base + b->nchars;
  if (!grow((void **)&b->chars, &b->cap_chars, b->nchars + len + 1, 1) ||
      !grow((void **)&b->off, &b->cap_off, b->nstrings + 2, sizeof *b->off))
    return fail(b, GC_ENOMEM, "snapshot: out of memory adding string %zu", b->nstrings);
  if (inside) s = b->chars + (at - base);
  memmove(b->chars + b->nchars, s, len);
  b->chars[b->nchars + len] = '\0';
  b->nchars += len + 1;
  uint32_t i = (uint32_t)b->nstrings++;
  b->off[b->nstrings] = b->nchars;
  if (b->nstrings * 2 > b->stab_cap && !stab_grow(b))
    return fail(b, GC_ENOMEM, "snapshot: out of memory growing the string table");
  size_t l;
  const char *t = bstr(b, i, &l);
  size_t j = stab_find(b, t, l, hash_bytes(t, l));
  if (!b->stab[j]) b->stab[j] = i + 1;
  if (out) *out = i;
  return GC_OK;
}

gc_status gc_snapshot_add_string(gc_snapshot_builder *b, const char *s, size_t len,
                                 uint32_t *out) {
  if (b->failed) return b->failed;
  if (!s && len) return fail(b, GC_EINVAL, "snapshot: string %zu is NULL", b->nstrings);
  return append_string(b, s ? s : "", len, out);
}

gc_status gc_snapshot_intern(gc_snapshot_builder *b, const char *s, size_t len, uint32_t *out) {
  if (b->failed) return b->failed;
  if (!s && len) return fail(b, GC_EINVAL, "snapshot: interned string is NULL");
  if (!s) s = "";
  size_t j = stab_find(b, s, len, hash_bytes(s, len));
  if (b->stab[j]) {
    *out = b->stab[j] - 1;
    return GC_OK;
  }
  return append_string(b, s, len, out);
}

gc_status gc_snapshot_add_node(gc_snapshot_builder *b, const gc_snap_node *node,
                               uint32_t *index) {
  if (b->failed) return b->failed;
  if (b->nnodes >= SNAP_MAX_COUNT)
    return fail(b, GC_EINVAL, "snapshot: more than %zu nodes", SNAP_MAX_COUNT);
  if (!grow((void **)&b->nodes, &b->cap_nodes, b->nnodes + 1, sizeof *b->nodes))
    return fail(b, GC_ENOMEM, "snapshot: out of memory adding node %zu", b->nnodes);
  b->nodes[b->nnodes] = *node;
  b->nodes[b->nnodes].first_edge = 0;
  if (index) *index = (uint32_t)b->nnodes;
  b->nnodes++;
  return GC_OK;
}

gc_status gc_snapshot_add_edge(gc_snapshot_builder *b, uint32_t type, uint32_t name_or_index,
                               uint32_t to) {
  if (b->failed) return b->failed;
  if (b->nedges >= SNAP_MAX_COUNT)
    return fail(b, GC_EINVAL, "snapshot: more than %zu edges", SNAP_MAX_COUNT);
  if (!grow((void **)&b->edges, &b->cap_edges, b->nedges + 1, sizeof *b->edges))
    return fail(b, GC_ENOMEM, "snapshot: out of memory adding edge %zu", b->nedges);
  gc_snap_edge *e = &b->edges[b->nedges++];
  e->type = (uint8_t)(type > 255 ? 255 : type);
  e->name_or_index = name_or_index;
  e->to = to;
  return GC_OK;
}

size_t gc_snapshot_builder_node_count(const gc_snapshot_builder *b) { return b->nnodes; }
size_t gc_snapshot_builder_edge_count(const gc_snapshot_builder *b) { return b->nedges; }
const char *gc_snapshot_builder_error(const gc_snapshot_builder *b) { return b->error; }

/* Check every node and edge (see snapshot_internal.h); set first_edge. */
static gc_status check(gc_snapshot_builder *b) {
  if (b->nnodes == 0) return fail(b, GC_EINVAL, "snapshot: no nodes (node 0 is the root)");
  uint64_t at = 0;
  for (size_t i = 0; i < b->nnodes; i++) {
    gc_snap_node *n = &b->nodes[i];
    if (n->type >= GC_SNODE_TYPE_COUNT)
      return fail(b, GC_EINVAL, "snapshot: node %zu: type %u out of range 0..%d", i, n->type,
                  GC_SNODE_TYPE_COUNT - 1);
    if (n->name >= b->nstrings)
      return fail(b, GC_EINVAL, "snapshot: node %zu: name %u is not a string index (%zu strings)",
                  i, n->name, b->nstrings);
    n->first_edge = (uint32_t)(at > UINT32_MAX ? UINT32_MAX : at);
    at += n->edge_count;
    if (at > b->nedges)
      return fail(b, GC_EINVAL,
                  "snapshot: node %zu: edge counts reach %llu but only %zu edges were added", i,
                  (unsigned long long)at, b->nedges);
  }
  if (at != b->nedges)
    return fail(b, GC_EINVAL, "snapshot: node edge counts sum to %llu but %zu edges were added",
                (unsigned long long)at, b->nedges);
  /* Sizes: the total (and so every sum and difference of self sizes the
   * analyses make, in 64 bits signed) at most 2^53 bytes. */
  uint64_t total = 0;
  for (size_t i = 0; i < b->nnodes; i++) {
    uint64_t sz = b->nodes[i].self_size;
    if (sz > SNAP_MAX_TOTAL_SIZE - total)
      return fail(b, GC_EINVAL,
                  "snapshot: node %zu: self_size %llu takes the snapshot's total beyond 2^53 bytes",
                  i, (unsigned long long)sz);
    total += sz;
  }
  for (size_t i = 0; i < b->nedges; i++) {
    const gc_snap_edge *e = &b->edges[i];
    if (e->type >= GC_SEDGE_TYPE_COUNT)
      return fail(b, GC_EINVAL, "snapshot: edge %zu: type %u out of range 0..%d", i, e->type,
                  GC_SEDGE_TYPE_COUNT - 1);
    if (e->to >= b->nnodes)
      return fail(b, GC_EINVAL, "snapshot: edge %zu: target node %u out of range (%zu nodes)", i,
                  e->to, b->nnodes);
    if (!gc_snap_edge_is_indexed(e->type) && e->name_or_index >= b->nstrings)
      return fail(b, GC_EINVAL,
                  "snapshot: edge %zu (%s): name %u is not a string index (%zu strings)", i,
                  edge_type_names[e->type], e->name_or_index, b->nstrings);
  }
  return GC_OK;
}

/* The id -> node table.  Ids are unique (DevTools and diffs match objects
 * by id): a second node with an id is an error.  GC_OK, GC_ENOMEM, or
 * GC_EINVAL with *dup and *first set. */
static gc_status build_id_table(gc_snapshot *s, size_t *dup, size_t *first) {
  size_t cap = 16;
  while (cap < s->nnodes * 2) cap *= 2;
  s->id_table = calloc(cap, sizeof *s->id_table);
  if (!s->id_table) return GC_ENOMEM;
  s->id_cap = cap;
  for (size_t i = 0; i < s->nnodes; i++) {
    size_t j = snap_hash64(s->nodes[i].id) & (cap - 1);
    while (s->id_table[j] && s->nodes[s->id_table[j] - 1].id != s->nodes[i].id)
      j = (j + 1) & (cap - 1);
    if (s->id_table[j]) {
      *dup = i, *first = s->id_table[j] - 1;
      return GC_EINVAL;
    }
    s->id_table[j] = (uint32_t)i + 1;
  }
  return GC_OK;
}

gc_status gc_snapshot_finish(gc_snapshot_builder *b, gc_snapshot **out, char *err,
                             size_t errlen) {
  *out = NULL;
  gc_status st = b->failed ? b->failed : check(b);
  gc_snapshot *s = NULL;
  if (st == GC_OK) {
    s = calloc(1, sizeof *s);
    if (!s) st = fail(b, GC_ENOMEM, "snapshot: out of memory");
  }
  if (st == GC_OK) {
    /* Hand the arrays over, trimmed to size. */
    s->nodes = b->nodes;
    s->nnodes = b->nnodes;
    s->edges = b->edges;
    s->nedges = b->nedges;
    s->chars = b->chars;
    s->off = b->off;
    s->nstrings = b->nstrings;
    b->nodes = NULL;
    b->edges = NULL;
    b->chars = NULL;
    b->off = NULL;
    gc_snap_node *n = realloc(s->nodes, s->nnodes * sizeof *n);
    if (n) s->nodes = n;
    if (s->nedges) {
      gc_snap_edge *e = realloc(s->edges, s->nedges * sizeof *e);
      if (e) s->edges = e;
    }
    for (size_t i = 0; i < s->nnodes; i++) s->total_size += s->nodes[i].self_size;
    size_t dup = 0, first = 0;
    gc_status ids = build_id_table(s, &dup, &first);
    if (ids == GC_ENOMEM) st = fail(b, GC_ENOMEM, "snapshot: out of memory indexing ids");
    if (ids == GC_EINVAL)
      st = fail(b, GC_EINVAL, "snapshot: node %zu: id %llu is node %zu's too (ids are unique)", dup,
                (unsigned long long)s->nodes[dup].id, first);
  }
  if (st != GC_OK) {
    if (err && errlen) snprintf(err, errlen, "%s", b->error);
    gc_snapshot_free(s);
    s = NULL;
  }
  gc_snapshot_builder_free(b);
  *out = s;
  return st;
}

/* ------------------------------------------------------------------ access */

void gc_snapshot_free(gc_snapshot *s) {
  if (!s) return;
  free(s->nodes);
  free(s->edges);
  free(s->chars);
  free(s->off);
  free(s->id_table);
  free(s->idom);
  free(s->retained);
  free(s->distance);
  free(s->parent_edge);
  free(s->rev_first);
  free(s->rev_edges);
  free(s->edge_from);
  free(s->flags);
  free(s);
}

size_t gc_snapshot_node_count(const gc_snapshot *s) { return s->nnodes; }
size_t gc_snapshot_edge_count(const gc_snapshot *s) { return s->nedges; }
size_t gc_snapshot_string_count(const gc_snapshot *s) { return s->nstrings; }
const gc_snap_node *gc_snapshot_nodes(const gc_snapshot *s) { return s->nodes; }
const gc_snap_edge *gc_snapshot_edges(const gc_snapshot *s) { return s->edges; }
uint64_t gc_snapshot_total_size(const gc_snapshot *s) { return s->total_size; }

const char *gc_snapshot_string(const gc_snapshot *s, uint32_t i, size_t *len) {
  if (i >= s->nstrings) return NULL;
  if (len) *len = (size_t)(s->off[i + 1] - s->off[i] - 1);
  return s->chars + s->off[i];
}

const char *gc_snapshot_node_name(const gc_snapshot *s, uint32_t i) {
  return i < s->nnodes ? s->chars + s->off[s->nodes[i].name] : "";
}

uint32_t gc_snapshot_find_id(const gc_snapshot *s, uint64_t id) {
  size_t j = snap_hash64(id) & (s->id_cap - 1);
  while (s->id_table[j]) {
    uint32_t i = s->id_table[j] - 1;
    if (s->nodes[i].id == id) return i;
    j = (j + 1) & (s->id_cap - 1);
  }
  return GC_SNAP_NONE;
}
