/*
 * lua_snapshot.c -- the Lua face of heap snapshots: heap:snapshot(),
 * heap:handle(id), the snapshot userdata (snap.objects, snap:node,
 * snap:retainers, snap:path, snap:summary, snap:diff) and
 * gclab.find_leaks.  docs/lua-api.md, "Snapshots", is the contract.
 *
 * A snapshot userdata owns one analysed gc_snapshot (freed by __gc or
 * __close) and knows nothing of the heap it came from: it may outlive the
 * heap, and a snapshot read from a file is the same kind of value.  Every
 * table it returns is built fresh; ids are the snapshot's (for a gclab
 * object 2 * its object id + 1; `object_id` gives the object's own).
 *
 * The file side (gclab.read_snapshot, snap:write, gclab.heap_from_snapshot)
 * lives in its own file and registers through lgc_snapshot_methods and
 * lgc_snapshot_funcs below; lgc_push_snapshot and lgc_check_snapshot are
 * what it needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

#define LSNAP_TAG 0x676c61622e736e70ull /* "glab.snp" */
#define SNAP_MT "gclab.snapshot"

typedef struct lsnap {
  uint64_t tag; /* LSNAP_TAG */
  gc_snapshot *s; /* NULL once freed */
  const lheap *heap;     /* the heap heap:snapshot took it of (compared, never read); NULL: a file's */
  uint32_t heap_serial;  /* its number, for messages */
} lsnap;

/* ------------------------------------------------------------ the userdata */

void lgc_push_snapshot(lua_State *L, gc_snapshot *s, const char *what) {
  lsnap *u = (lsnap *)lua_newuserdatauv(L, sizeof *u, 0);
  u->tag = LSNAP_TAG;
  u->s = s;
  u->heap = NULL;
  u->heap_serial = 0;
  luaL_setmetatable(L, SNAP_MT);
  if (gc_snapshot_analyze(s) != GC_OK)
    luaL_error(L, "%s: out of process memory analysing the snapshot", what);
}

static lsnap *test_snapshot(lua_State *L, int idx) {
  lsnap *u = (lsnap *)lua_touserdata(L, idx);
  return u && lua_rawlen(L, idx) == sizeof *u && u->tag == LSNAP_TAG ? u : NULL;
}

gc_snapshot *lgc_check_snapshot(lua_State *L, int idx) {
  lsnap *u = test_snapshot(L, idx);
  if (!u) luaL_typeerror(L, idx, "gclab snapshot");
  if (!u->s) luaL_error(L, "snapshot already freed");
  return u->s;
}

static int snap_gc(lua_State *L) {
  lsnap *u = test_snapshot(L, 1);
  if (u && u->s) {
    gc_snapshot_free(u->s);
    u->s = NULL;
  }
  return 0;
}

/* ------------------------------------------------------------------ tables */

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* An edge's label as DevTools shows it: "[3]" for element and hidden
 * edges, else its name. */
static void push_edge_label(lua_State *L, const gc_snapshot *s, uint32_t e) {
  const gc_snap_edge *ed = &gc_snapshot_edges(s)[e];
  if (gc_snap_edge_is_indexed(ed->type)) {
    lua_pushfstring(L, "[%I]", (lua_Integer)ed->name_or_index);
    return;
  }
  size_t len;
  const char *name = gc_snapshot_string(s, ed->name_or_index, &len);
  lua_pushlstring(L, name, len);
}

static void push_node(lua_State *L, const gc_snapshot *s, uint32_t v) {
  const gc_snap_node *n = &gc_snapshot_nodes(s)[v];
  luaL_checkstack(L, 4, "snapshot node");
  lua_createtable(L, 0, 14);
  set_int(L, "id", (lua_Integer)n->id);
  size_t len;
  const char *name = gc_snapshot_string(s, n->name, &len);
  lua_pushlstring(L, name, len);
  lua_setfield(L, -2, "name");
  set_str(L, "class", gc_snapshot_class_name(s, v));
  set_str(L, "type", gc_snap_node_type_name((gc_snap_node_type)n->type));
  set_int(L, "self_size", (lua_Integer)n->self_size);
  set_int(L, "retained_size", (lua_Integer)gc_snapshot_retained(s, v));
  uint32_t d = gc_snapshot_distance(s, v);
  if (d != GC_SNAP_NONE) set_int(L, "distance", d);
  if (v != 0) set_int(L, "dominator", (lua_Integer)gc_snapshot_nodes(s)[gc_snapshot_dominator(s, v)].id);
  lua_pushboolean(L, gc_snapshot_reachable(s, v));
  lua_setfield(L, -2, "reachable");
  set_int(L, "edge_count", n->edge_count);
  set_int(L, "index", (lua_Integer)v); /* 0-based, as in the file */
  if (n->space != GC_SNAP_NO_SPACE && n->space < GC_SPACE_COUNT) {
    set_str(L, "space", gc_space_name((gc_space)n->space));
    set_int(L, "age", n->age);
    set_int(L, "object_id", (lua_Integer)gc_snap_object_of_id(n->id));
  }
}

/* The node argument at idx: a handle, a snapshot id or a node table.
 * GC_SNAP_NONE when the snapshot has no such node. */
static uint32_t node_arg(lua_State *L, const gc_snapshot *s, int idx, const char *what) {
  lhandle *hd = lgc_test_handle(L, idx);
  if (hd) {
    /* ids are per heap: another heap's object #N is not this one's */
    const lsnap *u = test_snapshot(L, 1);
    if (u && u->heap && hd->lh != u->heap)
      luaL_argerror(L, idx, lua_pushfstring(L, "%s: the handle of object #%I belongs to %sheap %d, the "
                                               "snapshot is of heap %d",
                                            what, (lua_Integer)hd->id,
                                            hd->lh->serial == u->heap_serial ? "another " : "",
                                            (int)hd->lh->serial, (int)u->heap_serial));
    return gc_snapshot_find_id(s, gc_snap_id_of_object(hd->id));
  }
  int isnum = 0;
  lua_Integer id = 0;
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "id");
    id = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum) luaL_argerror(L, idx, lua_pushfstring(L, "%s: a node table needs an integer id", what));
  } else {
    id = lua_tointegerx(L, idx, &isnum);
    if (!isnum || lua_type(L, idx) != LUA_TNUMBER)
      luaL_argerror(L, idx, lua_pushfstring(L, "%s: expected a handle, a snapshot id or a node, got %s",
                                            what, luaL_typename(L, idx)));
  }
  return id >= 0 ? gc_snapshot_find_id(s, (uint64_t)id) : GC_SNAP_NONE;
}

/* ----------------------------------------------------------------- methods */

static int s_node(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  uint32_t v = node_arg(L, s, 2, "snapshot:node");
  if (v == GC_SNAP_NONE) return lua_pushnil(L), 1;
  push_node(L, s, v);
  return 1;
}

/* Retainers sort nearest the roots first (DevTools' order), then by edge. */
typedef struct ret_key {
  uint32_t distance, edge;
} ret_key;

static int by_distance(const void *a, const void *b) {
  const ret_key *x = a, *y = b;
  if (x->distance != y->distance) return x->distance < y->distance ? -1 : 1;
  return x->edge < y->edge ? -1 : x->edge > y->edge;
}

static void push_edge_fields(lua_State *L, const gc_snapshot *s, uint32_t e) {
  push_edge_label(L, s, e);
  lua_setfield(L, -2, "edge");
  const gc_snap_edge *ed = &gc_snapshot_edges(s)[e];
  set_str(L, "type", gc_snap_edge_type_name((gc_snap_edge_type)ed->type));
  if (gc_snap_edge_is_indexed(ed->type)) set_int(L, "index", ed->name_or_index);
}

static int s_retainers(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  uint32_t v = node_arg(L, s, 2, "snapshot:retainers");
  if (v == GC_SNAP_NONE) return lua_pushnil(L), 1;
  const uint32_t *edges;
  size_t n = gc_snapshot_retainers(s, v, &edges);
  ret_key *sorted = (ret_key *)lua_newuserdatauv(L, (n ? n : 1) * sizeof *sorted, 0);
  for (size_t i = 0; i < n; i++)
    sorted[i] = (ret_key){gc_snapshot_distance(s, gc_snapshot_edge_from(s, edges[i])), edges[i]};
  qsort(sorted, n, sizeof *sorted, by_distance);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    push_node(L, s, gc_snapshot_edge_from(s, sorted[i].edge));
    lua_setfield(L, -2, "from");
    push_edge_fields(L, s, sorted[i].edge);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* The path to node v as a list of steps {from, edge, type, to}; nil when
 * no path reaches it. */
static void push_path(lua_State *L, const gc_snapshot *s, uint32_t v) {
  uint32_t len = gc_snapshot_path(s, v, NULL, 0);
  if (len == GC_SNAP_NONE) {
    lua_pushnil(L);
    return;
  }
  uint32_t *edges = (uint32_t *)lua_newuserdatauv(L, (len ? len : 1) * sizeof *edges, 0);
  gc_snapshot_path(s, v, edges, len);
  lua_createtable(L, (int)len, 0);
  for (uint32_t k = 0; k < len; k++) {
    lua_createtable(L, 0, 5);
    push_node(L, s, gc_snapshot_edge_from(s, edges[k]));
    lua_setfield(L, -2, "from");
    push_node(L, s, gc_snapshot_edges(s)[edges[k]].to);
    lua_setfield(L, -2, "to");
    push_edge_fields(L, s, edges[k]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  lua_remove(L, -2);
}

static int s_path(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  uint32_t v = node_arg(L, s, 2, "snapshot:path");
  if (v == GC_SNAP_NONE) return lua_pushnil(L), 1;
  push_path(L, s, v);
  return 1;
}

/* Move a malloc'ed array of `bytes` into a userdata pushed on the stack
 * (so no Lua error that follows can leak it). */
static void *own_rows(lua_State *L, void *rows, size_t bytes) {
  void *copy = lua_newuserdatauv(L, bytes ? bytes : 1, 0);
  memcpy(copy, rows, bytes);
  free(rows);
  return copy;
}

/* Rows of Summary or find_leaks (the first `limit`), with their paths. */
static void push_summary_rows(lua_State *L, const gc_snapshot *s, gc_snap_summary_row *rows,
                              size_t n, size_t limit, bool with_path) {
  size_t k = n < limit ? n : limit;
  gc_snap_summary_row *copy = (gc_snap_summary_row *)own_rows(L, rows, k * sizeof *copy);
  lua_createtable(L, (int)k, 0);
  for (size_t i = 0; i < k; i++) {
    lua_createtable(L, 0, 6);
    set_str(L, "name", copy[i].name);
    set_int(L, "count", (lua_Integer)copy[i].count);
    set_int(L, "shallow_size", (lua_Integer)copy[i].shallow);
    set_int(L, "retained_size", (lua_Integer)copy[i].retained);
    set_int(L, "id", (lua_Integer)gc_snapshot_nodes(s)[copy[i].node].id);
    if (with_path) {
      push_path(L, s, copy[i].node);
      lua_setfield(L, -2, "path");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_remove(L, -2);
}

static int s_summary(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  lua_Integer limit = luaL_optinteger(L, 2, LUA_MAXINTEGER);
  luaL_argcheck(L, limit > 0, 2, "snapshot:summary: expected a positive number of rows");
  gc_snap_summary_row *rows;
  size_t n;
  if (gc_snapshot_summary(s, &rows, &n) != GC_OK)
    return luaL_error(L, "snapshot:summary: out of process memory");
  push_summary_rows(L, s, rows, n, (size_t)limit, false);
  return 1;
}

static int s_diff(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1), *other = lgc_check_snapshot(L, 2);
  gc_snap_diff_row *rows;
  size_t n;
  if (gc_snapshot_diff(s, other, &rows, &n) != GC_OK)
    return luaL_error(L, "snapshot:diff: out of process memory");
  gc_snap_diff_row *copy = (gc_snap_diff_row *)own_rows(L, rows, n * sizeof *copy);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 7);
    set_str(L, "name", copy[i].name);
    set_int(L, "new", (lua_Integer)copy[i].new_count);
    set_int(L, "deleted", (lua_Integer)copy[i].deleted_count);
    set_int(L, "delta", copy[i].delta_count);
    set_int(L, "alloc_size", (lua_Integer)copy[i].alloc_size);
    set_int(L, "freed_size", (lua_Integer)copy[i].freed_size);
    set_int(L, "size_delta", copy[i].size_delta);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int s_tostring(lua_State *L) {
  lsnap *u = test_snapshot(L, 1);
  if (!u || !u->s) return lua_pushliteral(L, "gclab.snapshot (freed)"), 1;
  lua_pushfstring(L, "gclab.snapshot (%I nodes, %I edges, %I bytes)",
                  (lua_Integer)gc_snapshot_node_count(u->s), (lua_Integer)gc_snapshot_edge_count(u->s),
                  (lua_Integer)gc_snapshot_total_size(u->s));
  return 1;
}

/* Methods of a snapshot.  The file side adds its own here ("write"). */
static const luaL_Reg lgc_snapshot_methods[] = {
    {"node", s_node},
    {"retainers", s_retainers},
    {"path", s_path},
    {"summary", s_summary},
    {"diff", s_diff},
    {"write", lgc_snapshot_write}, /* lua_snapshot_file.c */
    {NULL, NULL},
};

/* snap.field: methods, then objects, nodes, edges, total_size. */
static int s_index(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {
    size_t len;
    const char *k = lua_tolstring(L, 2, &len);
    if (lgc_has_nul(k, len)) return luaL_error(L, "snapshot has no method or field '%s'%s", k, lgc_nul_note(k, len));
    if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL) return 1;
    if (strcmp(k, "nodes") == 0) return lua_pushinteger(L, (lua_Integer)gc_snapshot_node_count(s)), 1;
    if (strcmp(k, "edges") == 0) return lua_pushinteger(L, (lua_Integer)gc_snapshot_edge_count(s)), 1;
    if (strcmp(k, "total_size") == 0) return lua_pushinteger(L, (lua_Integer)gc_snapshot_total_size(s)), 1;
    if (strcmp(k, "objects") == 0) {
      const gc_snap_node *n = gc_snapshot_nodes(s);
      lua_Integer count = 0;
      for (size_t v = 0; v < gc_snapshot_node_count(s); v++) count += n[v].type != GC_SNODE_SYNTHETIC;
      return lua_pushinteger(L, count), 1;
    }
    return luaL_error(L, "snapshot has no method or field '%s'", k);
  }
  return luaL_error(L, "snapshot index: expected a method or field name, got %s", luaL_typename(L, 2));
}

/* ------------------------------------------------------ heap and module */

/* heap:snapshot() */
int lgc_heap_snapshot(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_snapshot *s = NULL;
  gc_status st = gc_snapshot_take(lh->heap, &s);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:snapshot");
  lgc_push_snapshot(L, s, "heap:snapshot");
  lsnap *u = test_snapshot(L, -1);
  u->heap = lh;
  u->heap_serial = lh->serial;
  return 1;
}

/* heap:handle(object_id | node): a handle, or nil when no live object has
 * the id. */
int lgc_heap_handle(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  int isnum = 0;
  lua_Integer id;
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_getfield(L, 2, "id");
    int node = lua_isinteger(L, -1);
    lua_pop(L, 1);
    luaL_argcheck(L, node, 2, "heap:handle: a node table needs an integer id");
    lua_getfield(L, 2, "object_id");
    id = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum) return lua_pushnil(L), 1; /* a node that is no gclab object */
  } else {
    id = lua_tointegerx(L, 2, &isnum);
    if (!isnum || lua_type(L, 2) != LUA_TNUMBER)
      return luaL_argerror(L, 2, lua_pushfstring(L, "heap:handle: expected an object id or a snapshot node, got %s",
                                                 lgc_test_handle(L, 2) ? "a handle (h.id is its id)"
                                                                       : luaL_typename(L, 2)));
  }
  luaL_argcheck(L, id > 0, 2, "heap:handle: an object id is a positive integer");
  if (lgc_identity_push(L, lh, (uint64_t)id)) {
    lhandle *hd = (lhandle *)lua_touserdata(L, -1);
    gc_object_info oi;
    if (gc_object_info_get(lh->heap, hd->h, &oi) == GC_OK && oi.alive) return 1;
    lua_pop(L, 2);
  }
  gc_handle h;
  gc_status st = gc_object_handle(lh->heap, (uint64_t)id, &h);
  if (st == GC_EDEAD || st == GC_EINVAL) return lua_pushnil(L), 1;
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:handle");
  lua_getiuservalue(L, 1, UV_HANDLE_MT);
  lhandle *nh = lgc_new_handle(L, lh, lua_gettop(L));
  lua_remove(L, -2);
  nh->h = h;
  nh->id = (uint64_t)id;
  lgc_issue(L, lh, nh);
  return 1;
}

/* gclab.find_leaks(base, target, final) */
static int l_find_leaks(lua_State *L) {
  gc_snapshot *base = lgc_check_snapshot(L, 1), *target = lgc_check_snapshot(L, 2);
  gc_snapshot *final = lgc_check_snapshot(L, 3);
  gc_snap_summary_row *rows;
  size_t n;
  if (gc_snapshot_find_leaks(base, target, final, &rows, &n) != GC_OK)
    return luaL_error(L, "gclab.find_leaks: out of process memory");
  push_summary_rows(L, final, rows, n, n, true);
  return 1;
}

/* Module functions.  The file side adds gclab.read_snapshot and
 * gclab.heap_from_snapshot here. */
static const luaL_Reg lgc_snapshot_funcs[] = {
    {"find_leaks", l_find_leaks},
    {"read_snapshot", lgc_read_snapshot},           /* lua_snapshot_file.c */
    {"heap_from_snapshot", lgc_heap_from_snapshot}, /* lua_snapshot_file.c */
    {NULL, NULL},
};

void lgc_open_snapshot(lua_State *L, int mod) {
  if (luaL_newmetatable(L, SNAP_MT)) {
    lua_newtable(L);
    luaL_setfuncs(L, lgc_snapshot_methods, 0);
    lua_pushcclosure(L, s_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, snap_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, snap_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, s_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, SNAP_MT);
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  lua_pushvalue(L, mod);
  luaL_setfuncs(L, lgc_snapshot_funcs, 0);
  lua_pop(L, 1);
}
