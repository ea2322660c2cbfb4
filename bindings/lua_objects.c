/*
 * lua_objects.c -- the heap methods that make and hold objects, the hot
 * ones of the front door: heap:alloc (and heap:alloc_old,
 * heap:alloc_external), heap:root,
 * heap:unroot, and their batch forms heap:alloc_many and heap:set_slots
 * for scripts that naturally do several at once (each crossing from Lua
 * into C costs about as much as the work it does, docs/benchmarks.md, so
 * one call doing n things is cheaper than n calls).
 *
 * Invariants
 *  - Lua code never runs inside an engine call: the GCs an allocation ran
 *    are delivered after it (lgc_deliver_status), with the new object
 *    rooted meanwhile.
 *  - A handle's root count is hd->nroots; the heap's rooted array
 *    (UV_ROOTED) holds the userdata while it is positive, and a little
 *    after: a slot whose count went back to 0 is queued (root_pending)
 *    and released LGC_ROOT_PENDING_MAX at a time, or taken over by a
 *    handle rooted for the first time (lua_internal.h).
 *  - A batch means exactly what the equivalent sequence of single calls
 *    means: heap:alloc_many(n, ...) is n heap:alloc(...) calls (same ids,
 *    events, scopes, on_gc deliveries; handles are weak, so objects not
 *    held by a scope or a root may die in a GC a later allocation of the
 *    batch runs), heap:set_slots(h, a, b, ...) is h[1] = a; h[2] = b; ...
 *    through the write barrier, stopping at the first error;
 *    heap:init_slots is the same with initializing stores.
 */
#include <stdlib.h>

#include "lua_internal.h"

/* ----------------------------------------------------------- allocation */

typedef struct lgc_alloc_spec {
  uint32_t slots;
  uint64_t bytes; /* 0: gc_default_size */
  const char *name;
  gc_site site; /* GC_NO_SITE, or a site of heap:site (allocation-site pretenuring) */
  bool old;     /* heap:alloc_old: straight into the old generation (gc_alloc_old) */
  uint64_t external; /* heap:alloc_external: bytes it owns outside the heap (0: none) */
} lgc_alloc_spec;

/* Arguments slots[, bytes[, name[, site]]] at stack index `idx` (heap:alloc,
 * heap:alloc_old, heap:alloc_many); inline, as heap:alloc(slots) is the
 * hottest call of the binding. */
static inline void alloc_args(lua_State *L, int idx, lgc_alloc_spec *out) {
  lua_Integer slots = lua_isinteger(L, idx) ? lua_tointeger(L, idx) : luaL_checkinteger(L, idx);
  if (slots < 0 || slots > (lua_Integer)GC_MAX_SLOTS)
    luaL_argerror(L, idx, lua_pushfstring(L, "slot count must be 0..%I (gclab.MAX_SLOTS), "
                                             "got %I", (lua_Integer)GC_MAX_SLOTS, slots));
  out->slots = (uint32_t)slots;
  out->bytes = 0;
  out->name = NULL;
  out->site = GC_NO_SITE;
  out->old = false;
  out->external = 0;
  if (lua_gettop(L) == idx) return; /* the common call: the slot count alone */
  lua_Integer bytes = luaL_optinteger(L, idx + 1, 0);
  luaL_argcheck(L, bytes >= 0, idx + 1, "byte size must not be negative");
  out->bytes = (uint64_t)bytes;
  out->name = lgc_check_cstring(L, idx + 2, "heap:alloc", "type name", true);
  if (!lua_isnoneornil(L, idx + 3)) {
    lua_Integer s = luaL_checkinteger(L, idx + 3);
    luaL_argcheck(L, s >= 1 && (size_t)s <= gc_site_count(lgc_check_heap(L, 1)->heap), idx + 3,
                  "expected an allocation site of this heap (heap:site)");
    out->site = (gc_site)s;
  }
}

/* Allocate one object of the heap at stack index 1 and push its handle;
 * `hmt` is the index of lh's handle metatable.  GCs the allocation ran are
 * delivered before it returns, with the new object rooted meanwhile. */
static void alloc_push(lua_State *L, lheap *lh, int hmt, const lgc_alloc_spec *sp,
                       const char *what) {
  lhandle *hd = lgc_new_handle(L, lh, hmt);
  gc_status st = sp->old        ? gc_alloc_old(lh->heap, sp->slots, sp->bytes, sp->name, &hd->h)
                 : sp->external ? gc_alloc_external(lh->heap, sp->site, sp->external, sp->slots, sp->bytes,
                                                    sp->name, &hd->h)
                                : gc_alloc_at(lh->heap, sp->site, sp->slots, sp->bytes, sp->name, &hd->h);
  if (st != GC_OK) {
    hd->h = GC_NO_HANDLE;
    char msg[LGC_ERROR_MAX];
    lgc_save_error(lh, msg, sizeof msg);
    int ud = lua_gettop(L);
    lgc_deliver(L, 1, lh); /* the last-resort GCs ran; report them first */
    lua_settop(L, ud);
    if (st == GC_EINVAL) luaL_error(L, "%s: %s", what, *msg ? msg : "invalid argument");
    lgc_status_error_msg(L, st, msg, what);
    return;
  }
  /* A fresh object is alive: its view gives the id without a full info. */
  const gc_obj *view = gc_view(lh->heap, hd->h);
  if (view) hd->id = gc_obj_id(view);
  lgc_issue(L, lh, hd);
  lgc_scope_keep(L, lh);
  if (lh->gc_pending) lgc_deliver_keeping(L, lh, hd); /* no call on the common path */
}

int lgc_alloc(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_alloc_spec sp;
  alloc_args(L, 2, &sp);
  lua_getiuservalue(L, 1, UV_HANDLE_MT); /* stays below the result: returned is the top */
  alloc_push(L, lh, lua_gettop(L), &sp, "heap:alloc");
  return 1;
}

/* heap:alloc_old(slots[, bytes[, name]]): V8's AllocationType::kOld, as
 * its runtime allocates an object next to an old one (a Map's rehashed
 * table, OrderedHashTable::Rehash). */
int lgc_alloc_old(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  luaL_argcheck(L, lua_isnoneornil(L, 5), 5, "heap:alloc_old takes no allocation site");
  lgc_alloc_spec sp;
  alloc_args(L, 2, &sp);
  sp.old = true;
  lua_getiuservalue(L, 1, UV_HANDLE_MT);
  alloc_push(L, lh, lua_gettop(L), &sp, "heap:alloc_old");
  return 1;
}

/* heap:alloc_external(external, slots[, bytes[, name[, site]]]): an object
 * that owns `external` bytes outside the heap, V8's JSArrayBuffer and its
 * backing store (engine/external.c: the GCs external memory causes). */
int lgc_alloc_external(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer ext = luaL_checkinteger(L, 2);
  luaL_argcheck(L, ext >= 1 && (uint64_t)ext <= GC_EXTERNAL_MAX, 2, "external bytes must be 1..2^50");
  lgc_alloc_spec sp;
  alloc_args(L, 3, &sp);
  sp.external = (uint64_t)ext;
  lua_getiuservalue(L, 1, UV_HANDLE_MT);
  alloc_push(L, lh, lua_gettop(L), &sp, "heap:alloc_external");
  return 1;
}

/* ----------------------------------------------------------------- roots */

/* A free slot of the heap's rooted array (0: out of memory). */
static uint32_t root_slot_take(lheap *lh) {
  if (lh->nroot_free) return lh->root_free[--lh->nroot_free];
  if (lh->root_len == LGC_ROOT_QUEUED - 1) return 0;
  uint32_t n = lh->root_len + 1; /* the free stack can hold every slot */
  if ((n & (n - 1)) == 0 || !lh->root_free) {
    uint32_t cap = n < 16 ? 16 : 2 * n;
    uint32_t *v = (uint32_t *)realloc(lh->root_free, (size_t)cap * sizeof *v);
    if (!v) return 0;
    lh->root_free = v;
  }
  return lh->root_len = n;
}

/* Queued slot k of the rooted array (at the top of the stack) leaves the
 * queue: true if its handle is still at 0 roots, which then gives the slot
 * up (its userdata is no longer kept once the slot is cleared or reused). */
static bool dequeue_slot(lua_State *L, uint32_t k) {
  lua_rawgeti(L, -1, k);
  lhandle *hd = lgc_test_handle(L, -1); /* each queued slot holds its handle */
  lua_pop(L, 1);
  if (!hd) return false;
  hd->root_slot &= ~LGC_ROOT_QUEUED;
  if (hd->nroots > 0) return false; /* rooted again: keeps its slot */
  hd->root_slot = 0;
  return true;
}

/* Release the queued slots of handles still at 0 roots (the rooted array
 * at the top of the stack). */
static void root_flush(lua_State *L, lheap *lh) {
  for (uint32_t i = 0; i < lh->nroot_pending; i++) {
    uint32_t k = lh->root_pending[i];
    if (!dequeue_slot(L, k)) continue;
    lua_pushnil(L);
    lua_rawseti(L, -2, k);
    lh->root_free[lh->nroot_free++] = k;
  }
  lh->nroot_pending = 0;
}

/* A queued slot whose handle is still at 0 roots, taken from it (the
 * rooted array at the top of the stack), or 0: one store into the array
 * then replaces its handle, where releasing it and taking a free slot
 * made two (a tree built with root/unroot per node roots a new handle
 * about as often as it unroots one). */
static uint32_t root_slot_steal(lua_State *L, lheap *lh) {
  while (lh->nroot_pending) {
    uint32_t k = lh->root_pending[--lh->nroot_pending];
    if (dequeue_slot(L, k)) return k;
  }
  return 0;
}

int lgc_root(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *hd = lgc_check_handle(L, 2, lh);
  if (hd->nroots == UINT32_MAX)
    return luaL_error(L, "heap:root: object #%I is rooted %I times already", (lua_Integer)hd->id,
                      (lua_Integer)hd->nroots);
  gc_status st = gc_root(lh->heap, hd->h);
  if (st == GC_EDEAD) return lgc_dead_error(L, hd, "heap:root");
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:root");
  if (hd->root_slot == 0) { /* first root: keep the userdata (and so its engine handle) */
    lua_getiuservalue(L, 1, UV_ROOTED);
    uint32_t k = root_slot_steal(L, lh);
    if (!k) k = root_slot_take(lh);
    if (!k) {
      gc_unroot(lh->heap, hd->h);
      return luaL_error(L, "heap:root: out of process memory");
    }
    hd->root_slot = k;
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, k);
  }
  hd->nroots++; /* a slot queued for release stays: root_flush sees the count */
  if (lua_gettop(L) != 2) lua_settop(L, 2);
  return 1;
}

int lgc_unroot(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *hd = lgc_check_handle(L, 2, lh);
  if (hd->nroots == 0)
    return luaL_argerror(L, 2, lua_pushfstring(L, "object #%I was not rooted with heap:root",
                                               (lua_Integer)hd->id));
  gc_status st = gc_unroot(lh->heap, hd->h);
  if (st != GC_OK && st != GC_EDEAD) return lgc_status_error(L, lh, st, "heap:unroot");
  if (--hd->nroots == 0 && !(hd->root_slot & LGC_ROOT_QUEUED)) { /* queue its slot for a batch */
    if (lh->nroot_pending == LGC_ROOT_PENDING_MAX) {
      lua_getiuservalue(L, 1, UV_ROOTED);
      root_flush(L, lh);
    }
    lh->root_pending[lh->nroot_pending++] = hd->root_slot;
    hd->root_slot |= LGC_ROOT_QUEUED;
  }
  return 0;
}

/* --------------------------------------------------------------- batches */


/* heap:alloc_many(count, slots[, bytes[, name]]) -> list of count handles */
int lgc_alloc_many(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer count = luaL_checkinteger(L, 2);
  luaL_argcheck(L, count >= 0 && count <= INT32_MAX, 2, "count must be 0..2147483647");
  lgc_alloc_spec sp;
  alloc_args(L, 3, &sp);
  lua_settop(L, 5);
  lua_createtable(L, (int)count, 0);
  int list = lua_gettop(L);
  lua_getiuservalue(L, 1, UV_HANDLE_MT);
  int hmt = lua_gettop(L);
  for (lua_Integer i = 1; i <= count; i++) {
    alloc_push(L, lh, hmt, &sp, "heap:alloc_many");
    lua_rawseti(L, list, i);
    lua_settop(L, hmt);
    if (!lgc_heap_open(lh)) return lgc_heap_closed_error(L, lh); /* by a callback or a finalizer */
  }
  lua_settop(L, list);
  return 1;
}

/* heap:set_slots(h, v1, v2, ...) or heap:set_slots(h, {v1, v2, ...}) -> h:
 * slot i = vi, as h[i] = vi does. */
static int store_slots(lua_State *L, const char *what, bool init) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *hd = lgc_check_handle(L, 2, lh);
  int top = lua_gettop(L);
  if (top == 3 && lua_type(L, 3) == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, 3, i);
      lgc_slot_store(L, hd, i, 4, what, init);
      lua_settop(L, 3);
    }
  } else {
    for (int i = 3; i <= top; i++) lgc_slot_store(L, hd, i - 2, i, what, init);
  }
  lua_settop(L, 2);
  return 1;
}

int lgc_set_slots(lua_State *L) { return store_slots(L, "heap:set_slots", false); }

/* heap:init_slots(h, v1, ...) or heap:init_slots(h, {v1, ...}) -> h: as
 * set_slots, but initializing stores (a literal's fields): no marking
 * barrier while h is young and white (gc_slot_init_ref). */
int lgc_init_slots(lua_State *L) { return store_slots(L, "heap:init_slots", true); }
