/*
 * lua_heap_close.c -- closing heaps: heap:close(), `<close>` and the heap
 * value's __gc, at once or deferred.
 *
 * A close asked for inside a finalizer (the heap value's own __gc, or
 * heap:close() called from a __gc) cannot free the engine heap there: a
 * finalizer runs inside whatever call allocated Lua memory, and that may
 * be a call on this very heap or one of its handles (h[1] making a new
 * handle), which goes on using the engine heap after the finalizer.  Such
 * a close makes the heap closed for Lua at once (lheap.open = NULL, so
 * every method and handle says "heap N is closed") and keeps the lheap
 * alive through the registry (PENDING_KEY) until lgc_close_pending frees
 * it at a safe point: the start of gclab.heap or of a call that finds a
 * closed heap, outside finalizers, for every pending heap that is not
 * inside its own callback.  At the Lua state's close everything is freed
 * at once (lua_module.c's defaults_gc).
 */
#include <stdlib.h>

#include "lua_internal.h"

#define PENDING_KEY "gclab.close_pending" /* registry: lightuserdata lheap -> its state */

bool lgc_in_finalizer(lua_State *L, const lheap *lh) {
  return lua_gc(L, LUA_GCISRUNNING) < 0 && !(lh->defaults && lh->defaults->closing);
}

void lgc_defer_close(lua_State *L, lheap *lh, int boxidx) {
  if (!lh->heap || lh->close_pending) return;
  boxidx = lua_absindex(L, boxidx);
  lh->close_pending = true;
  lh->open = NULL;
  if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
  }
  lua_pushlightuserdata(L, lh);
  lua_getiuservalue(L, boxidx, UV_STATE);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void lgc_heap_release(lua_State *L, lheap *lh) {
  if (!lh->heap) return;
  if (lh->close_pending) { /* the lheap need not be kept any longer */
    if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY) == LUA_TTABLE) {
      lua_pushlightuserdata(L, lh);
      lua_pushnil(L);
      lua_rawset(L, -3);
    }
    lua_pop(L, 1);
  }
  lgc_lheap_free_engine(lh);
  luaL_unref(L, LUA_REGISTRYINDEX, lh->cache_ref);
  lh->cache_ref = LUA_NOREF;
  luaL_unref(L, LUA_REGISTRYINDEX, lh->keep_ref);
  lh->keep_ref = LUA_NOREF;
  lh->keep_n = 0;
}

void lgc_close_pending(lua_State *L, ldefaults *d) {
  if (!d || lua_gc(L, LUA_GCISRUNNING) < 0) return;
  for (lheap *lh = d->open, *next; lh; lh = next) {
    next = lh->next; /* releasing unlinks lh */
    if (lh->close_pending && !lh->in_callback) lgc_heap_release(L, lh);
  }
}

int lgc_heap_closed_error(lua_State *L, lheap *lh) {
  lgc_close_pending(L, lh->defaults);
  return luaL_error(L, "heap %d is closed", (int)lh->serial);
}

void lgc_lheap_free_engine(lheap *lh) {
  lh->open = NULL;
  if (lh->heap) {
    gc_heap *h = lh->heap;
    lh->heap = NULL;
    gc_on_gc(h, NULL, NULL);
    gc_heap_free(h);
  }
  if (lh->pprev) {
    *lh->pprev = lh->next;
    if (lh->next) lh->next->pprev = lh->pprev;
    lh->next = NULL;
    lh->pprev = NULL;
  }
  lgc_identity_free(lh);
  free(lh->scopes);
  free(lh->scope_keep);
  lh->scope_keep = NULL;
  free(lh->root_free);
  lh->root_free = NULL;
  lh->nroot_free = lh->root_len = lh->nroot_pending = 0;
  lh->scopes = NULL;
  lh->nscopes = lh->scopes_cap = 0;
}

/* Free the engine heap of the heap userdata at `idx` (idempotent). */
static void free_engine_heap(lua_State *L, int idx, lheap *lh) {
  if (!lh->heap) return;
  lgc_heap_release(L, lh);
  lua_pushnil(L);
  lua_setiuservalue(L, idx, UV_ROOTED);
  lua_pushnil(L);
  lua_setiuservalue(L, idx, UV_ONGC);
}

/* heap:close() and __close (`local heap <close> = gclab.heap()`). */
int lgc_heap_close(lua_State *L) {
  lheap *lh = lgc_check_heap_any(L, 1);
  /* In a finalizer, before the on_gc check: a finalizer runs whenever Lua
   * allocates, also while on_gc runs, and an error raised in it is only a
   * warning -- the close would be lost.  Deferred, it waits for the
   * callback to end (lgc_close_pending skips heaps inside one). */
  if (lgc_in_finalizer(L, lh)) {
    lgc_defer_close(L, lh, 1); /* a call on this heap may be running under the finalizer */
    return 0;
  }
  if (lh->heap) lgc_refuse_in_callback(L, lh, "close"); /* also when a close is pending */
  free_engine_heap(L, 1, lh);
  return 0;
}

/* __gc: the heap value is gone, so the heap is closed.  This runs inside
 * whatever call allocated Lua memory -- a call on one of this heap's
 * handles among them (h[1] making a new handle), still using the engine
 * heap -- so the engine heap is freed at the next safe point
 * (lgc_close_pending); at the state's close, at once. */
int lgc_heap_gc(lua_State *L) {
  lheapbox *box = (lheapbox *)lua_touserdata(L, 1);
  if (!box || lua_rawlen(L, 1) != sizeof *box || box->tag != LHEAP_TAG || !box->lh) return 0;
  lheap *lh = box->lh;
  if (lgc_in_finalizer(L, lh)) {
    lgc_defer_close(L, lh, 1);
    return 0;
  }
  lh->in_callback = false;
  free_engine_heap(L, 1, lh);
  return 0;
}
