/*
 * lua_batch.c -- batch operations: many allocations or many slot stores in
 * one call from Lua (heap:alloc_many, heap:set_slots), for scripts that
 * naturally do several at once.  Each crossing from Lua into C costs about
 * as much as the work it does (docs/benchmarks.md), so one call doing n
 * things is cheaper than n calls.
 *
 * Invariants
 *  - A batch means exactly what the equivalent sequence of single calls
 *    means: heap:alloc_many(n, ...) is n heap:alloc(...) calls (same ids,
 *    events, scopes, on_gc deliveries; handles are weak, so objects not
 *    held by a scope or a root may die in a GC a later allocation of the
 *    batch runs), heap:set_slots(h, a, b, ...) is h[1] = a; h[2] = b; ...
 *    through the write barrier, stopping at the first error.
 */
#include "lua_internal.h"

/* heap:alloc_many(count, slots[, bytes[, name]]) -> list of count handles */
int lgc_alloc_many(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer count = luaL_checkinteger(L, 2);
  luaL_argcheck(L, count >= 0 && count <= INT32_MAX, 2, "count must be 0..2147483647");
  lgc_alloc_spec sp;
  lgc_alloc_args(L, 3, &sp);
  lua_settop(L, 5);
  lua_createtable(L, (int)count, 0);
  int list = lua_gettop(L);
  lua_getiuservalue(L, 1, UV_HANDLE_MT);
  int hmt = lua_gettop(L);
  for (lua_Integer i = 1; i <= count; i++) {
    lgc_alloc_push(L, lh, hmt, &sp, "heap:alloc_many");
    lua_rawseti(L, list, i);
    lua_settop(L, hmt);
    if (!lh->heap) return luaL_error(L, "heap %d is closed", (int)lh->serial); /* by a callback */
  }
  lua_settop(L, list);
  return 1;
}

/* heap:set_slots(h, v1, v2, ...) or heap:set_slots(h, {v1, v2, ...}) -> h:
 * slot i = vi, as h[i] = vi does. */
int lgc_set_slots(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *hd = lgc_check_handle(L, 2, lh);
  int top = lua_gettop(L);
  if (top == 3 && lua_type(L, 3) == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, 3, i);
      lgc_slot_write(L, hd, i, 4, "heap:set_slots");
      lua_settop(L, 3);
    }
  } else {
    for (int i = 3; i <= top; i++) lgc_slot_write(L, hd, i - 2, i, "heap:set_slots");
  }
  lua_settop(L, 2);
  return 1;
}
