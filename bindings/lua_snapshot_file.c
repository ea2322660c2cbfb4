/*
 * lua_snapshot_file.c -- the file side of the snapshot Lua face:
 * gclab.read_snapshot(path), snap:write(path) and
 * gclab.heap_from_snapshot(snap[, cfg | heap]).  The snapshot userdata
 * itself is lua_snapshot.c's; this file only moves snapshots between
 * files (bindings/snapshot_read.c, snapshot_write.c) and heaps
 * (snapshot_replay.c).  docs/lua-api.md, "Snapshots", is the contract.
 */
#define _POSIX_C_SOURCE 200809L /* localtime_r, getpid */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lua_internal.h"
#include "snapshot_file.h"
#include "snapshot_replay.h"

/* gclab.read_snapshot(path) -> snapshot */
int lgc_read_snapshot(lua_State *L) {
  const char *path = lgc_check_path(L, 1, "gclab.read_snapshot");
  char err[512];
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (!s) return luaL_error(L, "gclab.read_snapshot: %s", err);
  lgc_push_snapshot(L, s, "gclab.read_snapshot");
  return 1;
}

/* snap:write(path) -> snap */
int lgc_snapshot_write(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  const char *path = lgc_check_path(L, 2, "snap:write");
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
 * cfg is what gclab.heap takes (a table, a YAML file, nothing), with
 * boot: none over it; a heap is filled as it is. */
int lgc_heap_from_snapshot(lua_State *L) {
  gc_snapshot *s = lgc_check_snapshot(L, 1);
  int heapidx = 2; /* a heap given: lgc_check_heap checks it */
  int t2 = lua_type(L, 2);
  if (t2 != LUA_TUSERDATA && t2 != LUA_TNONE && t2 != LUA_TNIL && t2 != LUA_TTABLE && t2 != LUA_TSTRING)
    return luaL_typeerror(L, 2, "a config (table or YAML path) or a gclab heap");
  if (t2 != LUA_TUSERDATA) {
    /* gclab.heap(cfg), from the loaded module. */
    lua_settop(L, 2);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "gclab") != LUA_TTABLE || lua_getfield(L, -1, "heap") != LUA_TFUNCTION)
      return luaL_error(L, "gclab.heap_from_snapshot: the gclab module is not loaded (require \"gclab\")");
    /* {cfg, {boot = "none"}}: the heap holds the snapshot, not also the
     * boot heap (docs/configuration.md, "The boot heap"). */
    lua_createtable(L, 2, 0);
    int n = 0;
    if (!lua_isnil(L, 2)) {
      lua_pushvalue(L, 2);
      lua_rawseti(L, -2, ++n);
    }
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "none");
    lua_setfield(L, -2, "boot");
    lua_rawseti(L, -2, ++n);
    /* its errors are ours, said at our caller's line */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
      const char *msg = lua_tostring(L, -1);
      if (!msg) return lua_error(L);
      if (strncmp(msg, "gclab.heap: ", 12) == 0) msg += 12;
      return luaL_error(L, "gclab.heap_from_snapshot: %s", msg);
    }
    heapidx = lua_gettop(L);
  }
  lheap *lh = lgc_check_heap(L, heapidx);
  snap_replay_info info;
  char err[512];
  gc_status st = snap_replay(lh->heap, s, &info, err, sizeof err);
  if (st != GC_OK) return luaL_error(L, "gclab.heap_from_snapshot: %s", err);
  lua_pushvalue(L, heapidx);
  lua_createtable(L, 0, 8);
  set_count(L, "objects", info.objects);
  set_count(L, "bytes", info.bytes);
  set_count(L, "slots", info.slots);
  set_count(L, "roots", info.roots);
  set_count(L, "resized", info.resized);
  set_count(L, "slots_dropped", info.slots_dropped);
  set_count(L, "stores", info.stores);
  set_count(L, "external", info.external);
  return 2;
}

/* ------------------------------------- heapsnapshot_near_heap_limit */

/*
 * Node's --heapsnapshot-near-heap-limit=N (src/env.cc,
 * Environment::NearHeapLimitCallback): when the old generation nears its
 * limit, raise the limit by the young generation's maximum size (3
 * semispaces in V8 11.3) and write a snapshot, up to N times per heap.
 * Node writes it inside the callback; the engine allows no snapshot while
 * it is in a GC decision, so the callback only raises the limit and asks,
 * and the file is written when the engine call returns (lgc_deliver calls
 * lgc_near_limit_flush), with the allocation that neared the limit done.
 * The raised limit stays (V8 restores the initial one below 95% of it;
 * gclab does not model that).
 */
static uint64_t near_limit(void *ud, uint64_t current, uint64_t initial) {
  lheap *lh = ud;
  const gc_config *c = gc_heap_config(lh->heap);
  (void)initial;
  if (lh->near_limit_snapshots + lh->near_limit_pending >= c->heapsnapshot_near_heap_limit)
    return current;
  lh->near_limit_pending = true;
  lh->gc_pending = true; /* makes the binding call lgc_deliver after this engine call */
  return current + 3 * c->new_space.semi_space_max;
}

void lgc_near_limit_install(lheap *lh) {
  if (gc_heap_config(lh->heap)->heapsnapshot_near_heap_limit > 0)
    gc_on_near_heap_limit(lh->heap, near_limit, lh);
}

void lgc_near_limit_flush(lheap *lh) {
  if (!lh->near_limit_pending || !lh->heap) return;
  lh->near_limit_pending = false;
  /* Node's DiagnosticFilename: Heap.YYYYMMDD.HHMMSS.PID.TID.SEQ.heapsnapshot
   * (TID 0: the main thread), in the current directory. */
  time_t now = time(NULL);
  struct tm tm;
  char stamp[32] = "00000000.000000", name[128], err[512];
  if (localtime_r(&now, &tm)) strftime(stamp, sizeof stamp, "%Y%m%d.%H%M%S", &tm);
  snprintf(name, sizeof name, "Heap.%s.%ld.0.%03u.heapsnapshot", stamp, (long)getpid(),
           lh->near_limit_snapshots + 1);
  gc_snapshot *s = NULL;
  gc_status st = gc_snapshot_take(lh->heap, &s);
  if (st != GC_OK) {
    fprintf(stderr, "gclab: heapsnapshot_near_heap_limit: %s\n", gc_heap_error(lh->heap));
  } else if (!snapfile_write(name, s, err, sizeof err)) {
    fprintf(stderr, "gclab: heapsnapshot_near_heap_limit: %s\n", err);
  } else {
    lh->near_limit_snapshots++;
    fprintf(stderr, "Wrote snapshot to %s\n", name);
  }
  gc_snapshot_free(s);
}
