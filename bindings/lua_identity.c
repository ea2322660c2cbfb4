/*
 * lua_identity.c -- the identity cache: at most one handle userdata per
 * object id while it lives (the handle a slot read returns), and the
 * release of the engine handles whose userdata Lua's collector freed.
 *
 * Layout (per heap, in its lheap)
 *  - Cache slots 0..issued_len-1: issued[k] is the engine handle made for
 *    the userdata in slot k and its object id; h == GC_NO_HANDLE marks a
 *    free slot (on the free list).
 *  - The Lua table cache_ref (weak values) maps k + 1 -> that userdata.
 *    It is made with an array part of issued_cap entries (and remade,
 *    twice as large, when issued_cap grows), so every key is in the array
 *    part: storing a handle is an array store, never a rehash -- a table
 *    grown by insertion would keep rehashing as the collector clears its
 *    entries, moving keys between array and hash (that cost more than the
 *    rest of heap:alloc together).
 *  - `index` is an open-addressing hash (linear probing, at most half
 *    full) from object id to slot k + 1 (0: empty), over the used slots.
 *
 * Invariants
 *  - Every used slot's id is in the index exactly once, and no free one's.
 *  - A used slot whose cache entry is not its userdata (Lua cleared it) is
 *    stale: its engine handle is released by the next sweep, or reused in
 *    place when a new userdata for the same id is made first.
 *  - A sweep runs when the used slots have doubled since the last one
 *    (amortised O(1) per handle).
 */
#include <stdlib.h>

#include "lua_internal.h"

#define NONE UINT32_MAX

static uint32_t id_hash(uint64_t id, uint32_t mask) {
  return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static uint32_t index_find(const lheap *lh, uint64_t id) {
  if (!lh->index_cap) return NONE;
  uint32_t mask = lh->index_cap - 1;
  for (uint32_t i = id_hash(id, mask);; i = (i + 1) & mask) {
    uint32_t v = lh->index[i];
    if (v == 0) return NONE;
    if (lh->issued[v - 1].id == id) return v - 1;
  }
}

static void index_put(lheap *lh, uint64_t id, uint32_t k) {
  uint32_t mask = lh->index_cap - 1, i = id_hash(id, mask);
  while (lh->index[i]) i = (i + 1) & mask;
  lh->index[i] = k + 1;
}

/* Room for one more entry in the index (false: out of memory). */
static bool index_reserve(lheap *lh) {
  if ((size_t)(lh->nused + 1) * 2 <= lh->index_cap) return true;
  uint32_t cap = lh->index_cap ? 2 * lh->index_cap : 2048;
  uint32_t *v = (uint32_t *)calloc(cap, sizeof *v);
  if (!v) return false;
  free(lh->index);
  lh->index = v;
  lh->index_cap = cap;
  for (uint32_t k = 0; k < lh->issued_len; k++)
    if (lh->issued[k].h != GC_NO_HANDLE) index_put(lh, lh->issued[k].id, k);
  return true;
}

/* Remove `id` (present) from the index: backward-shift deletion. */
static void index_remove(lheap *lh, uint64_t id) {
  uint32_t mask = lh->index_cap - 1, i = id_hash(id, mask);
  while (lh->issued[lh->index[i] - 1].id != id) i = (i + 1) & mask;
  for (uint32_t j = (i + 1) & mask; lh->index[j]; j = (j + 1) & mask) {
    uint32_t home = id_hash(lh->issued[lh->index[j] - 1].id, mask);
    /* Entry j may move to the hole i unless its home lies in (i, j]. */
    if (((j - home) & mask) >= ((j - i) & mask)) {
      lh->index[i] = lh->index[j];
      i = j;
    }
  }
  lh->index[i] = 0;
}

/* Is the userdata in cache slot k (the cache on top of the stack) the one
 * slot k was issued for? */
static bool slot_live(lua_State *L, const lheap *lh, uint32_t k) {
  bool live = lua_rawgeti(L, -1, (lua_Integer)k + 1) == LUA_TUSERDATA &&
              ((lhandle *)lua_touserdata(L, -1))->h == lh->issued[k].h;
  lua_pop(L, 1);
  return live;
}

/* Release the engine handles of stale slots (the cache on top of the stack). */
static void sweep(lua_State *L, lheap *lh) {
  for (uint32_t k = 0; k < lh->issued_len; k++) {
    if (lh->issued[k].h == GC_NO_HANDLE || slot_live(L, lh, k)) continue;
    gc_handle_release(lh->heap, lh->issued[k].h);
    index_remove(lh, lh->issued[k].id);
    lh->issued[k].h = GC_NO_HANDLE;
    lh->free_slots[lh->nfree++] = k;
    lh->nused--;
  }
  lh->sweep_at = lh->nused * 2 > 4096 ? lh->nused * 2 : 4096;
}

/* Replace the cache (on top of the stack) by one with an array part of
 * `cap` entries holding the same entries. */
static void cache_grow(lua_State *L, lheap *lh, uint32_t cap) {
  int old = lua_gettop(L);
  lua_createtable(L, (int)cap, 0);
  lua_getmetatable(L, old);
  lua_setmetatable(L, -2);
  for (uint32_t k = 1; k <= lh->issued_len; k++) {
    if (lua_rawgeti(L, old, (lua_Integer)k) != LUA_TNIL)
      lua_rawseti(L, -2, (lua_Integer)k);
    else
      lua_pop(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_rawseti(L, LUA_REGISTRYINDEX, lh->cache_ref);
  lua_replace(L, old);
}

/* A free cache slot (false: out of memory); the cache is on top. */
static bool slot_take(lua_State *L, lheap *lh, uint32_t *out) {
  if (lh->nfree) {
    *out = lh->free_slots[--lh->nfree];
    return true;
  }
  if (lh->issued_len == lh->issued_cap) {
    if (lh->issued_cap >= (uint32_t)INT32_MAX / 2) return false;
    uint32_t cap = lh->issued_cap ? 2 * lh->issued_cap : 1024;
    lissued *v = (lissued *)realloc(lh->issued, cap * sizeof *v);
    if (!v) return false;
    lh->issued = v;
    uint32_t *f = (uint32_t *)realloc(lh->free_slots, cap * sizeof *f);
    if (!f) return false; /* issued grew; the capacity is recorded only with both */
    lh->free_slots = f;
    cache_grow(L, lh, cap); /* may raise (Lua out of memory): nothing changed yet */
    lh->issued_cap = cap;
  }
  *out = lh->issued_len++;
  return true;
}

void lgc_issue(lua_State *L, lheap *lh, lhandle *hd) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, lh->cache_ref);
  if (lh->nused >= lh->sweep_at) sweep(L, lh);
  uint32_t k = index_find(lh, hd->id);
  if (k != NONE) { /* a stale slot of the same object: reuse it */
    gc_handle_release(lh->heap, lh->issued[k].h);
    lh->issued[k].h = hd->h;
  } else {
    if (!index_reserve(lh) || !slot_take(L, lh, &k)) {
      gc_handle_release(lh->heap, hd->h);
      hd->h = GC_NO_HANDLE;
      luaL_error(L, "out of process memory for handles");
      return;
    }
    lh->issued[k].h = hd->h;
    lh->issued[k].id = hd->id;
    index_put(lh, hd->id, k);
    lh->nused++;
  }
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)k + 1);
  lua_pop(L, 1);
}

bool lgc_identity_push(lua_State *L, lheap *lh, uint64_t id) {
  uint32_t k = index_find(lh, id);
  if (k == NONE) return false;
  lua_rawgeti(L, LUA_REGISTRYINDEX, lh->cache_ref);
  /* A userdata in slot k is the one issued for it: a slot is reused only
   * once its entry was cleared (the sweep) or for the same object. */
  if (lua_rawgeti(L, -1, (lua_Integer)k + 1) == LUA_TUSERDATA) return true; /* the cache stays below */
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
  free(lh->free_slots);
  free(lh->index);
  lh->issued = NULL;
  lh->free_slots = NULL;
  lh->index = NULL;
  lh->issued_len = lh->issued_cap = lh->nfree = lh->nused = lh->index_cap = 0;
}
