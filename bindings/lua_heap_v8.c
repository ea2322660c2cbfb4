/*
 * lua_heap_v8.c -- the heap methods for what V8 does around a JS program
 * (issue 16): allocation sites (heap:site, heap:site_info; heap:alloc takes
 * the site), the program's time that allocates nothing (heap:compute),
 * the event loop's idle time (heap:idle) and the caches V8 empties at a
 * full GC's start (heap:flush_at_full_gc).  The engine does the work
 * (engine/pretenuring.c, engine/event_loop.c, engine/caches.c); this
 * file checks arguments and builds the result tables.
 */
#include "lua_internal.h"

/* heap:site([name[, {optimize_us = N}]]) -> a new allocation site (an
 * integer) for heap:alloc's 4th argument; optimize_us: the virtual
 * microseconds its code takes to compile (default the profile's
 * allocation_sites.optimize_us; gc_site_new_compiled).
 * heap:site_info(site) -> {name, decision, tenured, reset,
 * mementos_created, mementos_found, optimized, optimize_us}. */
int lgc_heap_site(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  const char *name = lgc_check_cstring(L, 2, "heap:site", "name", true);
  uint32_t optimize_us = gc_heap_config(lh->heap)->allocation_sites.optimize_us;
  if (lua_type(L, 3) == LUA_TTABLE) {
    static const char *const known[] = {"optimize_us", NULL};
    lgc_check_options(L, 3, "heap:site", known);
    lua_getfield(L, 3, "optimize_us");
    if (!lua_isnil(L, -1)) {
      lua_Number v = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
      if (!(v >= 0 && v <= 4294967295.0 && v == (lua_Number)(lua_Integer)v))
        return luaL_argerror(L, 3, "field 'optimize_us' must be a whole number from 0 to 2^32-1");
      optimize_us = (uint32_t)v;
    }
    lua_pop(L, 1);
  } else if (!lua_isnoneornil(L, 3)) {
    return luaL_typeerror(L, 3, "nil or a table {optimize_us = whole number}");
  }
  gc_site s;
  if (gc_site_new_compiled(lh->heap, name, optimize_us, &s) != GC_OK)
    return luaL_error(L, "heap:site: %s", gc_heap_error(lh->heap));
  lua_pushinteger(L, (lua_Integer)s);
  return 1;
}

int lgc_heap_site_info(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer s = luaL_checkinteger(L, 2);
  gc_site_info si;
  luaL_argcheck(L, s >= 1 && s <= (lua_Integer)UINT32_MAX && gc_site_get(lh->heap, (gc_site)s, &si) == GC_OK,
                2, "expected an allocation site of this heap (heap:site)");
  lua_createtable(L, 0, 8);
  lua_pushstring(L, si.name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, gc_pretenure_decision_name(si.decision));
  lua_setfield(L, -2, "decision");
  lua_pushinteger(L, (lua_Integer)si.tenured);
  lua_setfield(L, -2, "tenured");
  lua_pushinteger(L, (lua_Integer)si.reset);
  lua_setfield(L, -2, "reset");
  lua_pushinteger(L, (lua_Integer)si.mementos_created);
  lua_setfield(L, -2, "mementos_created");
  lua_pushinteger(L, (lua_Integer)si.mementos_found);
  lua_setfield(L, -2, "mementos_found");
  lua_pushboolean(L, si.optimized);
  lua_setfield(L, -2, "optimized");
  lua_pushinteger(L, (lua_Integer)si.optimize_us);
  lua_setfield(L, -2, "optimize_us");
  return 1;
}

/* The heap of method `what`, which takes a span of virtual time in
 * `unit`s as its argument 2 (a whole number, 0 to 2^40) into *amount;
 * refused inside on_gc. */
static lheap *check_time_span(lua_State *L, const char *what, const char *unit, uint64_t *amount) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, what);
  lua_Number v = luaL_checknumber(L, 2);
  if (!(v >= 0 && v <= 1099511627776.0 && v == (lua_Number)(lua_Integer)v))
    luaL_argerror(L, 2, lua_pushfstring(L, "%s: a whole number from 0 to 2^40 expected", unit));
  *amount = (uint64_t)v;
  return lh;
}

/* heap:compute(ns): the program works ns virtual nanoseconds without
 * allocating (gc_compute); no GC runs. */
int lgc_heap_compute(lua_State *L) {
  uint64_t ns;
  lheap *lh = check_time_span(L, "compute", "nanoseconds", &ns);
  if (gc_compute(lh->heap, ns) != GC_OK) return luaL_error(L, "heap:compute: %s", gc_heap_error(lh->heap));
  return 0;
}

/* heap:idle(ms) -> the events of the GCs that ran while the program was
 * idle (V8's tasks and memory reducer on the virtual clock: gc_idle). */
int lgc_heap_idle(lua_State *L) {
  uint64_t ms;
  lheap *lh = check_time_span(L, "idle", "milliseconds", &ms);
  size_t n0 = gc_event_count(lh->heap);
  gc_status st = gc_idle(lh->heap, ms);
  if (st != GC_OK) return lgc_deliver_then_fail(L, 1, lh, st, "heap:idle");
  size_t n = gc_event_count(lh->heap);
  lua_createtable(L, (int)(n - n0), 0);
  for (size_t i = n0; i < n; i++) {
    lgc_push_event(L, gc_event_get(lh->heap, i));
    lua_rawseti(L, -2, (lua_Integer)(i - n0 + 1));
  }
  int r = lua_gettop(L);
  lgc_deliver(L, 1, lh);
  lua_settop(L, r);
  return 1;
}

/* heap:flush_at_full_gc(obj[, on]): every full GC empties obj's slots at
 * its start, as V8 empties its number-string cache before a Mark-Compact
 * marks (gc_flush_at_full_gc); on = false takes obj off. */
int lgc_heap_flush_at_full_gc(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *hd = lgc_check_handle(L, 2, lh);
  bool on = true;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TBOOLEAN);
    on = lua_toboolean(L, 3);
  }
  gc_status st = gc_flush_at_full_gc(lh->heap, hd->h, on);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:flush_at_full_gc");
  return 0;
}
