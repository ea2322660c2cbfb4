/*
 * lua_scope.c -- heap:scope, V8's HandleScope in Lua: the engine scopes a
 * heap has open, the closer that ends them, and the keep stack of handle
 * userdata allocated while they are open.
 *
 * Invariants
 *  - Every object allocated inside heap:scope(fn) is rooted by the engine
 *    scope until fn returns or raises (see lgc_push_closer).
 *  - Scopes belong to the call that opened them and are strictly nested
 *    (lua_internal.h, "Ownership and lifetimes").
 */
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

/* While a scope of lh is open, keep the handle userdata on top of the
 * stack until it closes (keep_ref): reading the object back, as a scope
 * body usually does, is then an identity-cache hit (lua_internal.h). */
void lgc_scope_keep(lua_State *L, lheap *lh) {
  if (!lh->nscopes) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, lh->keep_ref);
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, ++lh->keep_n);
  lua_pop(L, 1);
}

/* Close the innermost open scope of lh. */
static void scope_close_top(lua_State *L, lheap *lh) {
  if (lh->nscopes == 0) return;
  gc_scope s = lh->scopes[--lh->nscopes];
  lua_Integer keep = lh->scope_keep[lh->nscopes];
  if (lh->heap) {
    gc_scope_close(lh->heap, s);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lh->keep_ref);
    for (lua_Integer i = lh->keep_n; i > keep; i--) {
      lua_pushnil(L);
      lua_rawseti(L, -2, i);
    }
    lua_pop(L, 1);
  }
  lh->keep_n = keep;
}

/* The scope closer: one userdata per heap, marked to-be-closed by each
 * heap:scope call on the main thread; closing it closes the innermost open
 * scope (see "Ownership and lifetimes" in lua_internal.h). */
void lgc_push_closer(lua_State *L, lheap *lh, int state) {
  state = lua_absindex(L, state);
  lheap **box = (lheap **)lua_newuserdatauv(L, sizeof *box, 1);
  *box = lh;
  luaL_setmetatable(L, "gclab.scope");
  lua_pushvalue(L, state);
  lua_setiuservalue(L, -2, UV_OWNER);
}

static int closer_close(lua_State *L) {
  lheap **box = (lheap **)luaL_checkudata(L, 1, "gclab.scope");
  if (*box) scope_close_top(L, *box);
  return 0;
}

const luaL_Reg lgc_scope_meta[] = {
    {"__close", closer_close},
    {NULL, NULL},
};

/* The error a yield inside a scope body raises, renamed for the user. */
static bool is_yield_error(lua_State *L) {
  const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  return m && strstr(m, "attempt to yield across a C-call boundary") != NULL;
}

int lgc_scope(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  int nargs = lua_gettop(L) - 2;
  if (lh->nscopes == lh->scopes_cap) {
    size_t cap = lh->scopes_cap ? 2 * lh->scopes_cap : 8;
    gc_scope *v = (gc_scope *)realloc(lh->scopes, cap * sizeof *v);
    if (!v) return luaL_error(L, "heap:scope: out of process memory");
    lh->scopes = v;
    lua_Integer *k = (lua_Integer *)realloc(lh->scope_keep, cap * sizeof *k);
    if (!k) return luaL_error(L, "heap:scope: out of process memory");
    lh->scope_keep = k;
    lh->scopes_cap = cap;
  }
  bool main_thread = lua_pushthread(L) == 1;
  lua_pop(L, 1);
  lua_getiuservalue(L, 1, UV_CLOSER);
  int tok = lua_gettop(L);
  gc_scope s;
  gc_status st = gc_scope_open(lh->heap, &s);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:scope");
  size_t mine = lh->nscopes;
  lh->scope_keep[lh->nscopes] = lh->keep_n;
  lh->scopes[lh->nscopes++] = s;
  if (main_thread) lua_toclose(L, tok);

  /* fn(heap, ...) */
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 1);
  for (int i = 0; i < nargs; i++) lua_pushvalue(L, 3 + i);
  if (main_thread) {
    lua_call(L, nargs + 1, LUA_MULTRET);
    return lua_gettop(L) - tok;
  }
  /* In a coroutine: a coroutine that dies by an error does not close its
   * to-be-closed variables, so close the scope here before the error goes
   * on. */
  int cst = lua_pcall(L, nargs + 1, LUA_MULTRET, 0);
  while (lh->nscopes > mine) scope_close_top(L, lh);
  if (cst != LUA_OK) {
    if (is_yield_error(L))
      return luaL_error(L, "heap:scope: the scope body yielded (coroutine.yield inside "
                           "heap:scope(fn) is not allowed: scopes close in the order they "
                           "open)");
    return lua_error(L);
  }
  return lua_gettop(L) - tok;
}
