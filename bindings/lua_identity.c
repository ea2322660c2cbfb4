/*
 * lua_identity.c -- the identity cache: at most one handle userdata per
 * object id while it lives (the handle a slot read returns), and the
 * release of the engine handles whose userdata Lua's collector freed.
 *
 * Layout (per heap, in its lheap)
 *  - issued[0..nissued-1]: every engine handle the binding made and has not
 *    released, with its object id.
 *  - The Lua table cache_ref (weak values) maps object id -> userdata, and
 *    0 (no object's id) -> the sweep's canary, a table placed by each sweep
 *    that the next collection clearing the cache clears too.
 *
 * Invariants
 *  - An issued entry whose id maps to no userdata, or to a userdata holding
 *    another engine handle, is stale: the userdata was collected.  A sweep
 *    releases the stale entries' engine handles; it runs when the list has
 *    doubled since the last one (amortised O(1) per handle), and only if a
 *    Lua collection cleared the cache since the last one (the canary is
 *    gone): otherwise it would release nothing, and only read the hash
 *    node and the userdata header of every entry, out of the caches when
 *    a large scope keeps them alive (binary-trees with scopes, depth 16:
 *    about 0.89x the time; docs/benchmarks.md).  The list then grows by a
 *    quarter before the canary is looked at again.
 *  - Tried and dropped (docs/benchmarks.md, "The Lua front door"): a weak
 *    array indexed through a C hash id -> slot.  It ran fewer instructions
 *    per allocation, but at binary-trees depth 16 its two extra random
 *    memory reads per lookup (the hash, then the slot's id) made the scope
 *    pattern 1.6x slower than this table.
 */
#include <stdlib.h>

#include "lua_internal.h"

/* Release the engine handles whose userdata the Lua collector cleared from
 * the identity cache (the cache at the top of the stack). */
static void sweep(lua_State *L, lheap *lh) {
  /* The canary (cache[0], a table nothing else holds; ids start at 1) is
   * cleared by every collection that clears the cache: while it is there,
   * no entry was cleared since the last sweep, and a sweep would release
   * nothing -- it would only read every entry's hash node and userdata. */
  if (lua_rawgeti(L, -1, 0) == LUA_TTABLE) {
    lua_pop(L, 1);
    lh->sweep_at = lh->nissued + lh->nissued / 4;
    return;
  }
  lua_pop(L, 1);
  size_t w = 0;
  for (size_t i = 0; i < lh->nissued; i++) {
    lissued e = lh->issued[i];
    bool live = false;
    if (lua_rawgeti(L, -1, (lua_Integer)e.id) == LUA_TUSERDATA)
      live = ((lhandle *)lua_touserdata(L, -1))->h == e.h;
    lua_pop(L, 1);
    if (live)
      lh->issued[w++] = e;
    else
      gc_handle_release(lh->heap, e.h);
  }
  lh->nissued = w;
  lh->sweep_at = w * 2 > 4096 ? w * 2 : 4096;
  lua_newtable(L);
  lua_rawseti(L, -2, 0);
}

void lgc_issue(lua_State *L, lheap *lh, lhandle *hd) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, lh->cache_ref);
  if (lh->nissued >= lh->sweep_at) sweep(L, lh);
  if (lh->nissued == lh->issued_cap) {
    size_t cap = lh->issued_cap ? 2 * lh->issued_cap : 1024;
    lissued *v = (lissued *)realloc(lh->issued, cap * sizeof *v);
    if (!v) {
      gc_handle_release(lh->heap, hd->h);
      hd->h = GC_NO_HANDLE;
      luaL_error(L, "out of process memory for handles");
      return;
    }
    lh->issued = v;
    lh->issued_cap = cap;
  }
  lh->issued[lh->nissued].h = hd->h;
  lh->issued[lh->nissued].id = hd->id;
  lh->nissued++;
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)hd->id);
  lua_pop(L, 1);
}

bool lgc_identity_push(lua_State *L, lheap *lh, uint64_t id) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, lh->cache_ref);
  if (lua_rawgeti(L, -1, (lua_Integer)id) == LUA_TUSERDATA) return true; /* the cache stays below */
  lua_pop(L, 2);
  return false;
}

/* Push the handle of object `id`, which slot `slot` of `from` references:
 * the cached userdata if there is one, else a new one.  Leaves one or two
 * values below it: callers return the top value. */
void lgc_push_handle_for(lua_State *L, int fromidx, lhandle *from, uint32_t slot, uint64_t id) {
  lheap *lh = from->lh;
  if (lgc_identity_push(L, lh, id)) return;
  lua_getmetatable(L, fromidx); /* the heap's handle metatable */
  lhandle *nh = lgc_new_handle(L, lh, lua_gettop(L)); /* the metatable stays below */
  gc_status st = gc_slot_handle(lh->heap, from->h, slot, &nh->h);
  if (st != GC_OK) {
    nh->h = GC_NO_HANDLE;
    lgc_status_error(L, lh, st, "slot read");
  }
  nh->id = id;
  lgc_issue(L, lh, nh);
}

void lgc_identity_free(lheap *lh) {
  free(lh->issued);
  lh->issued = NULL;
  lh->nissued = lh->issued_cap = 0;
}
