/*
 * snapshot_parse.c -- what each value of a .heapsnapshot means: libyajl's
 * callbacks for the reader (snapshot_read.c feeds the chunks).  A small
 * stack of contexts says where a value is (the top-level object,
 * snapshot.meta, its field and type lists, nodes, edges, strings, or a
 * section skipped as it streams past); the meta lists give each field of
 * a node or edge record its role; numbers in nodes and edges take a short
 * path (digits, one check, one store) and each completed record goes to
 * the snapshot builder.
 *
 * Invariants: see snapshot_read.c.  Every check names the node or edge,
 * the field and the value, at the byte where it is read.
 */
#include <stdio.h>
#include <string.h>

#include "snapshot_read_internal.h"

/* ------------------------------------------------------------------- meta */

static const char *const node_role_names[NF_ROLES] = {
    "type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"};
static const char *const edge_role_names[EF_ROLES] = {"type", "name_or_index", "to_node"};

static bool str_is(const unsigned char *s, size_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int meta_field(reader *r, const unsigned char *s, size_t n) {
  int which = r->meta_list, at = r->nfields[which]++;
  if (at >= MAX_FIELDS) return FAIL("meta.%s_fields: more than %d fields", which ? "edge" : "node", MAX_FIELDS);
  const char *const *names = which == ML_NODE ? node_role_names : edge_role_names;
  int nroles = which == ML_NODE ? NF_ROLES : EF_ROLES;
  for (int k = 0; k < nroles; k++)
    if (str_is(s, n, names[k])) {
      if (r->role_pos[which][k] >= 0)
        return FAIL("meta.%s_fields: '%s' listed twice", which ? "edge" : "node", names[k]);
      r->role_pos[which][k] = at;
      r->field_role[which][at] = k;
    }
  return 1;
}

/* One name of the node or edge type enumeration. */
static int meta_type(reader *r, const unsigned char *s, size_t n) {
  int which = r->meta_list, at = r->ntypes[which]++;
  if (at >= MAX_TYPES) return FAIL("meta.%s_types: more than %d types", which ? "edge" : "node", MAX_TYPES);
  int count = which == ML_NODE ? GC_SNODE_TYPE_COUNT : GC_SEDGE_TYPE_COUNT;
  for (int k = 0; k < count; k++)
    if (str_is(s, n, which == ML_NODE ? gc_snap_node_type_name((gc_snap_node_type)k)
                                      : gc_snap_edge_type_name((gc_snap_edge_type)k))) {
      r->type_map[which][at] = (uint8_t)k;
      return 1;
    }
  /* A node type newer than V8 11.3 reads as hidden (docs/leaks.md); an
   * unknown edge type changes what retains what, so it is an error. */
  if (which == ML_NODE) {
    r->type_map[which][at] = GC_SNODE_HIDDEN;
    return 1;
  }
  return FAIL("meta.edge_types: unknown edge type '%.*s'", (int)(n > 40 ? 40 : n), s);
}

/* Meta is complete when `nodes` starts: check it and size the arrays. */
static int meta_check(reader *r, bool for_edges) {
  if (!r->have_meta) return FAIL("'%s' before snapshot.meta", for_edges ? "edges" : "nodes");
  if (!r->have_node_count) return FAIL("'%s' before snapshot.node_count", for_edges ? "edges" : "nodes");
  if (!r->have_edge_count) return FAIL("'%s' before snapshot.edge_count", for_edges ? "edges" : "nodes");
  return 1;
}

static int meta_end(reader *r) {
  for (int w = 0; w < 2; w++) {
    const char *what = w ? "edge" : "node";
    if (!r->have_fields[w]) return FAIL("snapshot.meta has no %s_fields", what);
    if (!r->have_types[w]) return FAIL("snapshot.meta has no %s_types list of type names", what);
    int nroles = w == ML_NODE ? NF_REQUIRED : EF_ROLES;
    const char *const *names = w == ML_NODE ? node_role_names : edge_role_names;
    for (int k = 0; k < nroles; k++)
      if (r->role_pos[w][k] < 0) return FAIL("meta.%s_fields has no '%s'", what, names[k]);
    if (r->types_at[w] != r->role_pos[w][0])
      return FAIL("meta.%s_types: the type names are at position %d, the type field at %d", what,
                  r->types_at[w], r->role_pos[w][0]);
  }
  r->have_meta = true;
  return 1;
}

/* ----------------------------------------------------------------- arrays */

static int size_arrays(reader *r, bool edges) {
  uint64_t n = edges ? r->decl_edges : r->decl_nodes;
  int nf = r->nfields[edges ? ML_EDGE : ML_NODE];
  /* Each field is at least one digit and a comma. */
  if (n > UINT32_MAX - 1 || n * (uint64_t)nf > r->input_bound)
    return FAIL("snapshot.%s_count %llu cannot fit in the input", edges ? "edge" : "node",
                (unsigned long long)n);
  if (gc_snapshot_builder_reserve(r->b, edges ? 0 : (size_t)n, edges ? (size_t)n : 0) != GC_OK)
    return FAIL("%s", gc_snapshot_builder_error(r->b));
  r->pos = r->item = 0;
  r->field = 0;
  return 1;
}

/* Remember the largest string index used, to check it against `strings`. */
static void note_name(reader *r, uint64_t v, uint64_t item, bool is_edge) {
  if (r->any_name && v <= r->max_name) return;
  r->any_name = true;
  r->max_name = v;
  r->max_name_at = snapread_here(r);
  r->max_name_item = item;
  r->max_name_is_edge = is_edge;
}

/* The decimal digits of an unsigned integer (what V8 writes and what its
 * consumers read).  Anything else -- a sign, a fraction, an exponent -- is
 * refused rather than misread as DevTools would. */
static bool digits_value(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (n == 0 || n > 20) return false;
  size_t fast = n < 19 ? n : 19; /* 19 digits cannot overflow 64 bits */
  for (size_t i = 0; i < fast; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (n == 20) {
    unsigned d = (unsigned)(s[19] - '0');
    if (d > 9 || v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static int node_number(reader *r, uint64_t v, const char *s, size_t n) {
  int nf = r->nfields[ML_NODE];
  uint64_t node = r->item;
  int field = r->field;
  if (node >= r->decl_nodes)
    return FAIL("nodes: more than snapshot.node_count (%llu) nodes", (unsigned long long)r->decl_nodes);
  gc_snap_node *nd = &r->node;
  switch (r->field_role[ML_NODE][field]) {
  case NF_TYPE:
    if (v >= (uint64_t)r->ntypes[ML_NODE])
      return FAIL("node %llu: type %.*s is not in meta.node_types", (unsigned long long)node, (int)n, s);
    nd->type = r->type_map[ML_NODE][v];
    break;
  case NF_NAME:
    if (v > UINT32_MAX - 1) return FAIL("node %llu: name index %.*s too large", (unsigned long long)node, (int)n, s);
    nd->name = (uint32_t)v;
    note_name(r, v, node, false);
    break;
  case NF_ID: nd->id = v; break;
  case NF_SELF: nd->self_size = v; break;
  case NF_EDGES:
    r->edge_sum += v;
    if (v > UINT32_MAX || r->edge_sum > r->decl_edges)
      return FAIL("node %llu: edge_count %.*s takes the edges beyond snapshot.edge_count (%llu)",
                  (unsigned long long)node, (int)n, s, (unsigned long long)r->decl_edges);
    nd->edge_count = (uint32_t)v;
    break;
  case NF_TRACE: nd->trace_node_id = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; break;
  case NF_DETACHED: nd->detachedness = v > 2 ? 0 : (uint8_t)v; break;
  default: break;
  }
  r->pos++;
  if (++r->field == nf) {
    r->field = 0;
    r->item++;
    nd->space = GC_SNAP_NO_SPACE;
    if (gc_snapshot_add_node(r->b, nd, NULL) != GC_OK)
      return FAIL("%s", gc_snapshot_builder_error(r->b));
    memset(nd, 0, sizeof *nd);
  }
  return 1;
}

static int edge_number(reader *r, uint64_t v, const char *s, size_t n) {
  int nf = r->nfields[ML_EDGE];
  uint64_t edge = r->item;
  int field = r->field;
  if (edge >= r->decl_edges)
    return FAIL("edges: more than snapshot.edge_count (%llu) edges", (unsigned long long)r->decl_edges);
  uint64_t nnf = (uint64_t)r->nfields[ML_NODE];
  switch (r->field_role[ML_EDGE][field]) {
  case EF_TYPE:
    if (v >= (uint64_t)r->ntypes[ML_EDGE])
      return FAIL("edge %llu: type %.*s is not in meta.edge_types", (unsigned long long)edge, (int)n, s);
    r->edge[EF_TYPE] = r->type_map[ML_EDGE][v];
    break;
  case EF_NAME:
    if (v > UINT32_MAX) return FAIL("edge %llu: name_or_index %.*s too large", (unsigned long long)edge, (int)n, s);
    r->edge[EF_NAME] = (uint32_t)v;
    break;
  case EF_TO: {
    uint64_t q = v <= UINT32_MAX ? (uint32_t)v / (uint32_t)nnf : v / nnf; /* one 32-bit divide */
    if (q * nnf != v || q >= r->decl_nodes)
      return FAIL("edge %llu: to_node %.*s is not a node (a multiple of %llu below %llu)",
                  (unsigned long long)edge, (int)n, s, (unsigned long long)nnf,
                  (unsigned long long)(r->decl_nodes * nnf));
    r->edge[EF_TO] = (uint32_t)q;
    break;
  }
  default: break;
  }
  r->pos++;
  if (++r->field == nf) {
    r->field = 0;
    r->item++;
    /* The type field may come after the name in a reordered meta, so the
     * name is classified only once the edge is complete. */
    if (!gc_snap_edge_is_indexed(r->edge[EF_TYPE])) note_name(r, r->edge[EF_NAME], edge, true);
    if (gc_snapshot_add_edge(r->b, r->edge[EF_TYPE], r->edge[EF_NAME], r->edge[EF_TO]) != GC_OK)
      return FAIL("%s", gc_snapshot_builder_error(r->b));
  }
  return 1;
}

static int add_string(reader *r, const unsigned char *s, size_t n) {
  if (gc_snapshot_add_string(r->b, (const char *)s, n, NULL) != GC_OK)
    return FAIL("%s", gc_snapshot_builder_error(r->b));
  r->str_count++;
  return 1;
}

/* -------------------------------------------------------------- callbacks */

static ctx top(reader *r) { return r->depth ? r->stack[r->depth - 1] : C_NONE; }

/* A scalar or the start of a container in context `c` under key r->key. */
static int value_start(reader *r, bool container, bool is_array, ctx *child) {
  ctx c = top(r);
  *child = C_SKIP;
  if (r->skip_depth) return 1;
  switch (c) {
  case C_NONE:
    if (!container || is_array) return FAIL("the file is not a JSON object");
    *child = C_TOP;
    return 1;
  case C_TOP:
    if (strcmp(r->key, "snapshot") == 0) {
      if (r->seen_snapshot) return FAIL("'snapshot' appears twice");
      r->seen_snapshot = true;
      if (!container || is_array) return FAIL("'snapshot' is not an object");
      *child = C_SNAPSHOT;
    } else if (strcmp(r->key, "nodes") == 0 || strcmp(r->key, "edges") == 0) {
      bool edges = r->key[0] == 'e';
      bool *seen = edges ? &r->seen_edges : &r->seen_nodes;
      if (*seen) return FAIL("'%s' appears twice", r->key);
      *seen = true;
      if (!is_array) return FAIL("'%s' is not an array", r->key);
      if (!meta_check(r, edges)) return 0;
      if (edges && !r->seen_nodes) return FAIL("'edges' before 'nodes'");
      if (!size_arrays(r, edges)) return 0;
      *child = edges ? C_EDGES : C_NODES;
    } else if (strcmp(r->key, "strings") == 0) {
      if (r->seen_strings) return FAIL("'strings' appears twice");
      r->seen_strings = true;
      if (!is_array) return FAIL("'strings' is not an array");
      *child = C_STRINGS;
    }
    return 1;
  case C_SNAPSHOT:
    if (strcmp(r->key, "meta") == 0) {
      if (r->have_meta) return FAIL("'snapshot.meta' appears twice");
      if (!container || is_array) return FAIL("'snapshot.meta' is not an object");
      *child = C_META;
    } else if ((strcmp(r->key, "node_count") == 0 || strcmp(r->key, "edge_count") == 0) && container) {
      return FAIL("snapshot.%s is not a number", r->key);
    }
    return 1;
  case C_META: {
    bool edge = strncmp(r->key, "edge_", 5) == 0;
    bool fields = strcmp(r->key + 5, "fields") == 0;
    bool types = strcmp(r->key + 5, "types") == 0;
    if (!(edge || strncmp(r->key, "node_", 5) == 0) || !(fields || types)) return 1;
    r->meta_list = edge ? ML_EDGE : ML_NODE;
    bool *have = fields ? &r->have_fields[r->meta_list] : &r->have_types[r->meta_list];
    if (fields && *have) return FAIL("meta.%s appears twice", r->key);
    if (!is_array) return FAIL("meta.%s is not an array", r->key);
    if (fields) *have = true;
    r->types_index[r->meta_list] = 0;
    *child = fields ? C_META_FIELDS : C_META_TYPES;
    return 1;
  }
  case C_META_TYPES: {
    int w = r->meta_list, at = r->types_index[w]++;
    if (is_array) {
      if (r->have_types[w]) return FAIL("meta.%s_types has two lists of type names", w ? "edge" : "node");
      r->have_types[w] = true;
      r->types_at[w] = at;
      *child = C_META_TYPELIST;
    } else if (container) {
      return FAIL("meta.%s_types: element %d is an object", w ? "edge" : "node", at);
    }
    return 1;
  }
  case C_META_FIELDS:
  case C_META_TYPELIST: {
    /* a null or a number here would be skipped, and every later name
     * would take the wrong position */
    bool list_fields = c == C_META_FIELDS;
    int at = list_fields ? r->nfields[r->meta_list] : r->ntypes[r->meta_list];
    return FAIL("meta.%s_%s: element %d is not a string", r->meta_list ? "edge" : "node",
                list_fields ? "fields" : "types", at);
  }
  case C_NODES:
  case C_EDGES:
    return FAIL("%s: element %llu is not an unsigned integer", c == C_NODES ? "nodes" : "edges",
                (unsigned long long)r->pos);
  case C_STRINGS:
    return FAIL("strings: element %llu is not a string", (unsigned long long)r->str_count);
  case C_SKIP:
    return 1;
  }
  return 1;
}

/* The numbers of nodes and edges take the short way through cb_number. */
static void set_hot(reader *r) {
  ctx c = top(r);
  r->hot = !r->skip_depth && (c == C_NODES || c == C_EDGES) ? c : C_NONE;
}

static int push(reader *r, ctx child) {
  if (r->skip_depth || child == C_SKIP || r->depth >= MAX_DEPTH) {
    r->skip_depth++;
  } else {
    r->stack[r->depth++] = child;
    r->key[0] = '\0';
  }
  set_hot(r);
  return 1;
}

static int cb_scalar(void *ud) {
  reader *r = ud;
  ctx child;
  return value_start(r, false, false, &child);
}
static int cb_boolean(void *ud, int b) { (void)b; return cb_scalar(ud); }

static int cb_number(void *ud, const char *s, size_t n) {
  reader *r = ud;
  ctx c = r->hot;
  uint64_t v;
  if (c != C_NONE) {
    if (!digits_value(s, n, &v))
      return FAIL("%s: element %llu is %.*s, not an unsigned integer", c == C_NODES ? "nodes" : "edges",
                  (unsigned long long)r->pos, (int)(n > 24 ? 24 : n), s);
    return c == C_NODES ? node_number(r, v, s, n) : edge_number(r, v, s, n);
  }
  if (r->skip_depth) return 1;
  c = top(r);
  if (c == C_SNAPSHOT && (strcmp(r->key, "node_count") == 0 || strcmp(r->key, "edge_count") == 0)) {
    bool edges = r->key[0] == 'e';
    if (!digits_value(s, n, &v) || v > UINT32_MAX - 1)
      return FAIL("snapshot.%s is %.*s, not a count", r->key, (int)(n > 24 ? 24 : n), s);
    if (edges) { r->decl_edges = v; r->have_edge_count = true; }
    else { r->decl_nodes = v; r->have_node_count = true; }
    return 1;
  }
  return cb_scalar(ud);
}

static int cb_string(void *ud, const unsigned char *s, size_t n) {
  reader *r = ud;
  if (r->skip_depth) return 1;
  ctx c = top(r);
  if (c == C_STRINGS) return add_string(r, s, n);
  if (c == C_META_FIELDS) return meta_field(r, s, n);
  if (c == C_META_TYPELIST) return meta_type(r, s, n);
  if (c == C_META_TYPES) { r->types_index[r->meta_list]++; return 1; }
  if (c == C_SNAPSHOT && (strcmp(r->key, "node_count") == 0 || strcmp(r->key, "edge_count") == 0))
    return FAIL("snapshot.%s is not a number", r->key);
  return cb_scalar(ud);
}

static int cb_start(reader *r, bool is_array) {
  ctx child;
  if (!value_start(r, true, is_array, &child)) return 0;
  return push(r, child);
}
static int cb_start_map(void *ud) { return cb_start(ud, false); }
static int cb_start_array(void *ud) { return cb_start(ud, true); }

static int cb_key(void *ud, const unsigned char *k, size_t n) {
  reader *r = ud;
  if (r->skip_depth) return 1;
  if (n >= sizeof r->key) n = sizeof r->key - 1; /* no key we act on is this long */
  memcpy(r->key, k, n);
  r->key[n] = '\0';
  if (memchr(k, '\0', n)) r->key[0] = '\x01'; /* "nodes\u0000x" is not "nodes": a key we skip */
  return 1;
}

static int array_end(reader *r, ctx c) {
  if (c == C_NODES) {
    uint64_t want = r->decl_nodes * (uint64_t)r->nfields[ML_NODE];
    if (r->pos != want)
      return FAIL("nodes has %llu numbers; snapshot.node_count %llu times %d fields is %llu",
                  (unsigned long long)r->pos, (unsigned long long)r->decl_nodes,
                  r->nfields[ML_NODE], (unsigned long long)want);
    if (r->edge_sum != r->decl_edges)
      return FAIL("the nodes' edge_count fields add up to %llu, snapshot.edge_count is %llu",
                  (unsigned long long)r->edge_sum, (unsigned long long)r->decl_edges);
  } else if (c == C_EDGES) {
    uint64_t want = r->decl_edges * (uint64_t)r->nfields[ML_EDGE];
    if (r->pos != want)
      return FAIL("edges has %llu numbers; snapshot.edge_count %llu times %d fields is %llu",
                  (unsigned long long)r->pos, (unsigned long long)r->decl_edges,
                  r->nfields[ML_EDGE], (unsigned long long)want);
  } else if (c == C_STRINGS && r->any_name && r->max_name >= r->str_count) {
    return snapread_fail_at(r, r->max_name_at, "%s %llu: name index %llu is beyond strings (%llu strings)",
                   r->max_name_is_edge ? "edge" : "node", (unsigned long long)r->max_name_item,
                   (unsigned long long)r->max_name, (unsigned long long)r->str_count);
  }
  return 1;
}

static int cb_end(void *ud) {
  reader *r = ud;
  if (r->skip_depth) {
    r->skip_depth--;
    set_hot(r);
    return 1;
  }
  ctx c = top(r);
  r->depth--;
  r->key[0] = '\0';
  set_hot(r);
  if (c == C_META) return meta_end(r);
  return array_end(r, c);
}

const yajl_callbacks snapread_callbacks = {
    cb_scalar, cb_boolean, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_key, cb_end, cb_start_array, cb_end};

