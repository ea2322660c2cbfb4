/*
 * lua_snapshot_file.c -- the file side of the snapshot Lua face:
 * gclab.read_snapshot(path), snap:write(path) and
 * gclab.heap_from_snapshot(snap[, cfg | heap]).  The snapshot userdata
 * itself is lua_snapshot.c's; this file only moves snapshots between
 * files (bindings/snapshot_read.c, snapshot_write.c) and heaps
 * (snapshot_replay.c).  docs/lua-api.md, "Snapshots", is the contract.
 */
#include <lauxlib.h>

#include "lua_internal.h"
#include "snapshot_file.h"
#include "snapshot_replay.h"

/* gclab.read_snapshot(path) -> snapshot */
int lgc_read_snapshot(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char err[512];
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (!s) return luaL_error(L, "gclab.read_snapshot: %s", err);
  lgc_push_snapshot(L, s, "gclab.read_snapshot");
  return 1;
}

/* snap:write(path) -> snap */
int lgc_snapshot_write(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  const char *path = luaL_checkstring(L, 2);
  char err[512];
  if (!snapfile_write(path, s, err, sizeof err)) return luaL_error(L, "snap:write: %s", err);
  lua_settop(L, 1);
  return 1;
}

static void set_count(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

/* gclab.heap_from_snapshot(snap[, cfg | heap]) -> heap, info
 * cfg is what gclab.heap takes (a table, a YAML file, nothing); a heap
 * is filled as it is. */
int lgc_heap_from_snapshot(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  int heapidx = 2; /* a heap given: lgc_check_heap checks it */
  if (lua_type(L, 2) != LUA_TUSERDATA) {
    /* gclab.heap(cfg), from the loaded module. */
    lua_settop(L, 2);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "gclab") != LUA_TTABLE || lua_getfield(L, -1, "heap") != LUA_TFUNCTION)
      return luaL_error(L, "gclab.heap_from_snapshot: the gclab module is not loaded (require \"gclab\")");
    lua_pushvalue(L, 2);
    lua_call(L, 1, 1);
    heapidx = lua_gettop(L);
  }
  lheap *lh = lgc_check_heap(L, heapidx);
  snap_replay_info info;
  char err[512];
  gc_status st = snap_replay(lh->heap, s, &info, err, sizeof err);
  if (st != GC_OK) return luaL_error(L, "gclab.heap_from_snapshot: %s", err);
  lua_pushvalue(L, heapidx);
  lua_createtable(L, 0, 6);
  set_count(L, "objects", info.objects);
  set_count(L, "bytes", info.bytes);
  set_count(L, "slots", info.slots);
  set_count(L, "roots", info.roots);
  set_count(L, "resized", info.resized);
  set_count(L, "slots_dropped", info.slots_dropped);
  return 2;
}
