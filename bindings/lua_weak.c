/*
 * lua_weak.c -- the Lua face of the weak mechanisms (docs/lua-api.md,
 * "Weak references"): heap:weak_ref, heap:weak_map, heap:weak_set,
 * heap:finalization_registry, heap:end_job, heap:run_cleanup, and the
 * methods of the objects they return (ordinary handles whose object is a
 * WeakRef, WeakMap, WeakSet or FinalizationRegistry): ref:deref(),
 * map:set/get/has/delete/count, set:add/has/delete/count,
 * registry:register/unregister/cells, and h:set_weak(i, v) on any
 * ordinary object.
 *
 * Methods of handles are found by the handle's __index (lua_handle.c calls
 * lgc_weak_method for a name that is not a field): one table of closures
 * per object kind, made once per Lua state.  Cleanup callbacks are kept in
 * a registry table per heap, by registry object id; they run only inside
 * heap:run_cleanup() and heap:end_job(), never inside an engine call.  A
 * held value is rooted while its callback runs.  A GC that one of these
 * calls runs (a table growing, a cell allocated) is reported through
 * lgc_deliver as allocation's are: the heap userdata is found through a
 * weak table lheap -> heap userdata.
 */
#include <stdio.h>
#include <string.h>

#include "gclab_weak.h"
#include "lua_internal.h"

#define WEAK_METHODS "gclab.weak_methods" /* kind -> {name -> closure} */
#define WEAK_HEAPS "gclab.weak_heaps"     /* lightuserdata lheap -> heap userdata (weak) */
#define WEAK_FNS "gclab.weak_cleanup"     /* heap state userdata (weak key) -> {registry id -> fn} */

/* ------------------------------------------------------------- helpers */

static void remember_heap(lua_State *L, lheap *lh, int heapidx) {
  lua_getfield(L, LUA_REGISTRYINDEX, WEAK_HEAPS);
  lua_pushlightuserdata(L, lh);
  lua_pushvalue(L, heapidx);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* Report GCs the last engine call ran (heap userdata at heapidx, or found). */
static void deliver(lua_State *L, lheap *lh, int heapidx) {
  if (!lh->gc_pending) return;
  int top = lua_gettop(L);
  if (!heapidx) {
    lua_getfield(L, LUA_REGISTRYINDEX, WEAK_HEAPS);
    lua_pushlightuserdata(L, lh);
    if (lua_rawget(L, -2) != LUA_TUSERDATA) {
      lua_settop(L, top);
      return; /* reported at the heap's next call */
    }
    heapidx = lua_gettop(L);
  }
  lgc_deliver(L, heapidx, lh);
  lua_settop(L, top);
}

static int fail(lua_State *L, lheap *lh, int heapidx, gc_status st, const char *what) {
  char msg[LGC_ERROR_MAX]; /* before the callbacks: their heap calls overwrite it */
  lgc_save_error(lh, msg, sizeof msg);
  deliver(L, lh, heapidx);
  if (st == GC_EINVAL || st == GC_EDEAD) return luaL_error(L, "%s: %s", what, msg);
  return lgc_status_error_msg(L, st, msg, what);
}

/* Push the handle metatable of the heap of the heap or handle userdata at
 * `owner`: each heap has its own, and it holds the heap's state
 * (lua_internal.h, "Ownership and lifetimes"). */
static void push_handle_mt(lua_State *L, int owner) {
  if (lgc_test_handle(L, owner)) lua_getmetatable(L, owner);
  else lua_getiuservalue(L, owner, UV_HANDLE_MT);
}

/* Push the state userdata of that heap: what its handles keep alive. */
static void push_state(lua_State *L, int owner) {
  push_handle_mt(L, owner);
  lua_rawgeti(L, -1, HMT_STATE);
  lua_remove(L, -2);
}

/* Push a Lua handle for engine handle eh (consumed): the cached userdata
 * of its object if there is one, else a new one owned by the heap of the
 * heap or handle userdata at `owner`. */
static lhandle *push_engine_handle(lua_State *L, lheap *lh, int owner, gc_handle eh) {
  gc_object_info oi;
  gc_object_info_get(lh->heap, eh, &oi);
  if (lgc_identity_push(L, lh, oi.id)) {
    lua_remove(L, -2);
    gc_handle_release(lh->heap, eh);
    return (lhandle *)lua_touserdata(L, -1);
  }
  push_handle_mt(L, owner);
  lhandle *hd = lgc_new_handle(L, lh, lua_gettop(L));
  lua_remove(L, -2);
  hd->h = eh;
  hd->id = oi.id;
  lgc_issue(L, lh, hd);
  lgc_scope_keep(L, lh); /* as heap:alloc's */
  return hd;
}

/* A value argument: a handle of this heap, an integer (Smi), or nil. */
static gc_value check_value(lua_State *L, int idx, lheap *lh, const char *what) {
  gc_value v = {GC_SLOT_EMPTY, 0, GC_NO_HANDLE};
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
  case LUA_TNONE: return v;
  case LUA_TNUMBER: {
    int ok;
    lua_Integer n = lua_tointegerx(L, idx, &ok);
    if (!ok || n < GC_SMI_MIN || n > GC_SMI_MAX)
      luaL_error(L, "%s: expected a handle, a small integer (%d..%d) or nil, got %s", what,
                 (int)GC_SMI_MIN, (int)GC_SMI_MAX, lua_tostring(L, idx));
    v.kind = GC_SLOT_SMI;
    v.smi = n;
    return v;
  }
  default: {
    lhandle *hd = lgc_test_handle(L, idx);
    if (!hd)
      luaL_error(L, "%s: expected a handle, an integer or nil, got %s", what, luaL_typename(L, idx));
    else if (hd->lh != lh)
      luaL_error(L, "%s: handle of object #%I belongs to heap %d, not heap %d", what, (lua_Integer)hd->id,
                 (int)hd->lh->serial, (int)lh->serial);
    v.kind = GC_SLOT_REF;
    v.ref = hd->h;
    return v;
  }
  }
}

static void push_slot_value(lua_State *L, lheap *lh, int owner, const gc_slot_value *v, gc_handle ref) {
  if (v->kind == GC_SLOT_SMI) lua_pushinteger(L, v->smi);
  else if (v->kind == GC_SLOT_REF && ref) push_engine_handle(L, lh, owner, ref);
  else lua_pushnil(L);
}

/* An object argument (a key, a target, a token): a live handle of lh. */
static lhandle *check_object(lua_State *L, int idx, lheap *lh) { return lgc_check_handle(L, idx, lh); }

/* ------------------------------------------------------- heap methods */

static int new_object(lua_State *L, lheap *lh, gc_status st, gc_handle eh, const char *what) {
  if (st != GC_OK) return fail(L, lh, 1, st, what);
  remember_heap(L, lh, 1);
  lgc_deliver_keeping(L, lh, push_engine_handle(L, lh, 1, eh));
  return 1;
}

static int m_weak_ref(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lhandle *t = check_object(L, 2, lh);
  gc_handle r = GC_NO_HANDLE;
  gc_status st = gc_weak_ref_new(lh->heap, t->h, &r);
  return new_object(L, lh, st, r, "heap:weak_ref");
}

static int weak_collection(lua_State *L, bool set) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_handle m = GC_NO_HANDLE;
  gc_status st = gc_weak_map_new(lh->heap, set, &m);
  return new_object(L, lh, st, m, set ? "heap:weak_set" : "heap:weak_map");
}
static int m_weak_map(lua_State *L) { return weak_collection(L, false); }
static int m_weak_set(lua_State *L) { return weak_collection(L, true); }

/* Push the cleanup functions of the heap of the heap userdata at `owner`,
 * keyed by the heap's state so that they go with it (no stale entry for a
 * later heap whose state reuses the address). */
static void fns_table(lua_State *L, int owner) {
  lua_getfield(L, LUA_REGISTRYINDEX, WEAK_FNS);
  push_state(L, owner);
  lua_pushvalue(L, -1);
  if (lua_rawget(L, -3) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -2);
    lua_rawset(L, -5);
  }
  lua_remove(L, -2);
  lua_remove(L, -2);
}

static int m_finalization_registry(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  gc_handle r = GC_NO_HANDLE;
  gc_status st = gc_finreg_new(lh->heap, &r);
  if (st != GC_OK) return fail(L, lh, 1, st, "heap:finalization_registry");
  remember_heap(L, lh, 1);
  lhandle *hd = push_engine_handle(L, lh, 1, r);
  fns_table(L, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, (lua_Integer)hd->id);
  lua_pop(L, 1);
  lgc_deliver_keeping(L, lh, hd);
  return 1;
}

/* Run queued cleanups; returns how many callbacks ran. */
static lua_Integer run_cleanup(lua_State *L, lheap *lh) {
  lua_Integer n = 0;
  for (;;) {
    bool got;
    uint64_t rid = 0;
    gc_slot_value held;
    gc_handle href = GC_NO_HANDLE;
    gc_status st = gc_cleanup_next(lh->heap, &got, &rid, &held, &href);
    if (st != GC_OK) fail(L, lh, 1, st, "heap:run_cleanup");
    if (!got) break;
    int top = lua_gettop(L);
    fns_table(L, 1);
    lua_rawgeti(L, -1, (lua_Integer)rid);
    push_slot_value(L, lh, 1, &held, href);
    lhandle *hv = held.kind == GC_SLOT_REF ? lgc_test_handle(L, -1) : NULL;
    if (hv) gc_root(lh->heap, hv->h); /* an argument is live while its callback runs */
    int cst = lua_pcall(L, 1, 0, 0);
    if (hv && lh->heap) gc_unroot(lh->heap, hv->h);
    if (cst != LUA_OK) lua_error(L);
    lua_settop(L, top);
    n++;
    if (!lgc_heap_open(lh)) break; /* the callback closed the heap: no more cleanups */
    deliver(L, lh, 1);
  }
  return n;
}

static int m_run_cleanup(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_pushinteger(L, run_cleanup(L, lh));
  return 1;
}

static int m_end_job(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_status st = gc_end_job(lh->heap);
  if (st != GC_OK) return fail(L, lh, 1, st, "heap:end_job");
  lua_pushinteger(L, run_cleanup(L, lh));
  return 1;
}

static int m_cleanup_pending(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_pushinteger(L, (lua_Integer)gc_cleanup_pending(lh->heap));
  return 1;
}

static int m_kept(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_pushinteger(L, (lua_Integer)gc_kept_count(lh->heap));
  return 1;
}

const luaL_Reg lgc_weak_heap_methods[] = {
    {"weak_ref", m_weak_ref},
    {"weak_map", m_weak_map},
    {"weak_set", m_weak_set},
    {"finalization_registry", m_finalization_registry},
    {"run_cleanup", m_run_cleanup},
    {"end_job", m_end_job},
    {"cleanup_pending", m_cleanup_pending},
    {"kept", m_kept},
    {NULL, NULL},
};

/* ------------------------------------------------------ handle methods */

static lhandle *self(lua_State *L) { return lgc_check_handle(L, 1, NULL); }

static int h_set_weak(lua_State *L) {
  lhandle *hd = self(L);
  lheap *lh = hd->lh;
  lua_Integer i = luaL_checkinteger(L, 2);
  /* the checks h[i] = v makes, with its words: 1-based, the object named */
  const gc_obj *o = gc_view(lh->heap, hd->h);
  if (!o) return lgc_dead_error(L, hd, "h:set_weak");
  uint32_t n = gc_obj_nslots(o);
  if (i < 1 || i > (lua_Integer)n) {
    const char *name = gc_name_string(lh->heap, gc_obj_name(o));
    return luaL_error(L, "h:set_weak: slot index %I out of range for object #%I (%s) with %d slot%s", i,
                      (lua_Integer)hd->id, name ? name : "?", (int)n, n == 1 ? "" : "s");
  }
  gc_status st;
  if (lua_isnoneornil(L, 3)) {
    st = gc_slot_clear(lh->heap, hd->h, (uint32_t)(i - 1));
  } else {
    lhandle *t = check_object(L, 3, lh);
    if (!gc_view(lh->heap, t->h)) return lgc_dead_error(L, t, "h:set_weak: target");
    st = gc_slot_set_weak(lh->heap, hd->h, (uint32_t)(i - 1), t->h);
  }
  if (st != GC_OK) return fail(L, lh, 0, st, "h:set_weak");
  return 0;
}

static int r_deref(lua_State *L) {
  lhandle *hd = self(L);
  gc_handle t = GC_NO_HANDLE;
  gc_status st = gc_weak_ref_deref(hd->lh->heap, hd->h, &t);
  if (st != GC_OK) return fail(L, hd->lh, 0, st, "ref:deref");
  if (t) push_engine_handle(L, hd->lh, 1, t);
  else lua_pushnil(L);
  return 1;
}

static int m_set(lua_State *L) {
  lhandle *hd = self(L);
  lheap *lh = hd->lh;
  lhandle *k = check_object(L, 2, lh);
  gc_value v = check_value(L, 3, lh, "map:set (value)");
  gc_status st = gc_weak_map_set(lh->heap, hd->h, k->h, &v);
  if (st != GC_OK) return fail(L, lh, 0, st, "map:set");
  deliver(L, lh, 0);
  lua_settop(L, 1);
  return 1; /* the map, as JavaScript's */
}

static int s_add(lua_State *L) {
  lhandle *hd = self(L);
  lheap *lh = hd->lh;
  lhandle *k = check_object(L, 2, lh);
  gc_status st = gc_weak_map_set(lh->heap, hd->h, k->h, NULL);
  if (st != GC_OK) return fail(L, lh, 0, st, "set:add");
  deliver(L, lh, 0);
  lua_settop(L, 1);
  return 1;
}

static int lookup(lua_State *L, bool want_value) {
  lhandle *hd = self(L);
  lheap *lh = hd->lh;
  lhandle *k = check_object(L, 2, lh);
  bool found;
  gc_slot_value v;
  gc_handle ref = GC_NO_HANDLE;
  gc_status st = gc_weak_map_get(lh->heap, hd->h, k->h, &found, &v, want_value ? &ref : NULL);
  if (st != GC_OK) return fail(L, lh, 0, st, want_value ? "map:get" : "map:has");
  if (want_value) push_slot_value(L, lh, 1, &v, ref);
  else lua_pushboolean(L, found);
  return 1;
}
static int m_get(lua_State *L) { return lookup(L, true); }
static int m_has(lua_State *L) { return lookup(L, false); }

static int m_delete(lua_State *L) {
  lhandle *hd = self(L);
  lhandle *k = check_object(L, 2, hd->lh);
  bool deleted;
  gc_status st = gc_weak_map_delete(hd->lh->heap, hd->h, k->h, &deleted);
  if (st != GC_OK) return fail(L, hd->lh, 0, st, "map:delete");
  lua_pushboolean(L, deleted);
  return 1;
}

static int m_count(lua_State *L) {
  lhandle *hd = self(L);
  uint64_t n;
  gc_status st = gc_weak_map_size(hd->lh->heap, hd->h, &n);
  if (st != GC_OK) return fail(L, hd->lh, 0, st, "map:count");
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int f_register(lua_State *L) {
  lhandle *hd = self(L);
  lheap *lh = hd->lh;
  lhandle *t = check_object(L, 2, lh);
  gc_value held = check_value(L, 3, lh, "registry:register (held value)");
  gc_handle token = lua_isnoneornil(L, 4) ? GC_NO_HANDLE : check_object(L, 4, lh)->h;
  gc_status st = gc_finreg_register(lh->heap, hd->h, t->h, &held, token);
  if (st != GC_OK) return fail(L, lh, 0, st, "registry:register");
  deliver(L, lh, 0);
  return 0;
}

static int f_unregister(lua_State *L) {
  lhandle *hd = self(L);
  lhandle *tok = check_object(L, 2, hd->lh);
  bool removed;
  gc_status st = gc_finreg_unregister(hd->lh->heap, hd->h, tok->h, &removed);
  if (st != GC_OK) return fail(L, hd->lh, 0, st, "registry:unregister");
  lua_pushboolean(L, removed);
  return 1;
}

static int f_cells(lua_State *L) {
  lhandle *hd = self(L);
  uint64_t active, queued;
  gc_status st = gc_finreg_counts(hd->lh->heap, hd->h, &active, &queued);
  if (st != GC_OK) return fail(L, hd->lh, 0, st, "registry:cells");
  lua_pushinteger(L, (lua_Integer)active);
  lua_pushinteger(L, (lua_Integer)queued);
  return 2;
}

static const luaL_Reg plain_methods[] = {{"set_weak", h_set_weak}, {NULL, NULL}};
static const luaL_Reg ref_methods[] = {{"deref", r_deref}, {NULL, NULL}};
static const luaL_Reg map_methods[] = {{"set", m_set},       {"get", m_get},     {"has", m_has},
                                       {"delete", m_delete}, {"count", m_count}, {NULL, NULL}};
static const luaL_Reg set_methods[] = {
    {"add", s_add}, {"has", m_has}, {"delete", m_delete}, {"count", m_count}, {NULL, NULL}};
static const luaL_Reg registry_methods[] = {
    {"register", f_register}, {"unregister", f_unregister}, {"cells", f_cells}, {NULL, NULL}};

int lgc_weak_method(lua_State *L, lhandle *hd, const char *name) {
  gc_weak_kind kind;
  bool dead = gc_weak_kind_of(hd->lh->heap, hd->h, &kind) != GC_OK;
  if (lua_getfield(L, LUA_REGISTRYINDEX, WEAK_METHODS) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  if (dead) { /* a method of some weak kind on a dead object: say it is dead */
    int base = lua_gettop(L);
    for (lua_Integer k = GC_WEAK_NONE; k <= GC_WEAK_REGISTRY; k++) {
      lua_settop(L, base);
      if (lua_rawgeti(L, base, k) == LUA_TTABLE && lua_getfield(L, -1, name) == LUA_TFUNCTION) {
        char what[64];
        snprintf(what, sizeof what, "h:%s", name);
        return lgc_dead_error(L, hd, what);
      }
    }
    lua_settop(L, base - 1);
    return 0;
  }
  lua_rawgeti(L, -1, (lua_Integer)kind);
  lua_remove(L, -2);
  if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, name) != LUA_TFUNCTION) {
    lua_pop(L, lua_type(L, -1) == LUA_TTABLE ? 1 : 2);
    return 0;
  }
  lua_remove(L, -2);
  return 1;
}

void lgc_weak_register(lua_State *L, int hmt, int pmt, int dud) {
  static const struct {
    gc_weak_kind kind;
    const luaL_Reg *l;
  } kinds[] = {{GC_WEAK_NONE, plain_methods},
               {GC_WEAK_REF, ref_methods},
               {GC_WEAK_MAP, map_methods},
               {GC_WEAK_SET, set_methods},
               {GC_WEAK_REGISTRY, registry_methods}};
  lua_newtable(L);
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    lua_newtable(L);
    lua_pushvalue(L, hmt);
    lua_pushvalue(L, pmt);
    lua_pushvalue(L, dud);
    luaL_setfuncs(L, kinds[i].l, LGC_NUP);
    lua_rawseti(L, -2, (lua_Integer)kinds[i].kind);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, WEAK_METHODS);
  if (lua_getfield(L, LUA_REGISTRYINDEX, WEAK_HEAPS) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, WEAK_HEAPS);
  } else {
    lua_pop(L, 1);
  }
  if (lua_getfield(L, LUA_REGISTRYINDEX, WEAK_FNS) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, WEAK_FNS);
  } else {
    lua_pop(L, 1);
  }
}
