/*
 * lua_module.c -- luaopen_gclab: the module table, the metatables, heap
 * creation and the helpers every other file of the binding uses (argument
 * checks, engine status -> Lua error).
 *
 * Metatables are registered once per Lua state (luaL_newmetatable) and
 * reached through upvalues on the hot paths, never by a registry lookup by
 * name.  Both protect themselves with __metatable so a script cannot fetch
 * and call a metamethod on a foreign value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_gclab.h"
#include "boot_heap.h"
#include "lua_internal.h"

#ifndef GCLAB_VERSION
#define GCLAB_VERSION "0.0.0"
#endif

/* ------------------------------------------------------------ heap checks */

lheap *lgc_check_heap_any(lua_State *L, int idx) {
  lheapbox *box = (lheapbox *)lua_touserdata(L, idx);
  if (box && lua_rawlen(L, idx) == sizeof *box && box->tag == LHEAP_TAG) {
    if (!box->lh) luaL_error(L, "heap already finalized");
    return box->lh;
  }
  luaL_typeerror(L, idx, "gclab heap");
  return NULL;
}

lheap *lgc_check_heap_slow(lua_State *L, int idx) {
  lheap *lh = lgc_check_heap_any(L, idx);
  if (!lgc_heap_open(lh)) lgc_heap_closed_error(L, lh);
  return lh;
}


/* __gc of the defaults block: the Lua state is closing.  Heaps whose own
 * __gc already ran are off the open list; the others (a heap made while
 * the state closes gets no finalizer) are freed here.  Their lheap memory
 * stays valid until Lua frees it after the last finalizer. */
static int defaults_gc(lua_State *L) {
  ldefaults *d = (ldefaults *)lua_touserdata(L, 1);
  if (!d) return 0;
  d->closing = true;
  while (d->open) lgc_lheap_free_engine(d->open);
  return 0;
}

/* `msg` without a leading "NAME: " or "gc_NAME: " where `what` is
 * "heap:NAME" or "NAME": the engine names its function, the binding its
 * method; one of them is enough. */
static const char *strip_engine_prefix(const char *msg, const char *what) {
  const char *colon = strrchr(what, ':');
  const char *name = colon ? colon + 1 : what;
  size_t n = strlen(name);
  const char *m = strncmp(msg, "gc_", 3) == 0 ? msg + 3 : msg;
  if (n && strncmp(m, name, n) == 0 && m[n] == ':' && m[n + 1] == ' ') return m + n + 2;
  return msg;
}

int lgc_status_error(lua_State *L, lheap *lh, gc_status st, const char *what) {
  return lgc_status_error_msg(L, st, (lh && lh->heap) ? gc_heap_error(lh->heap) : "", what);
}

int lgc_status_error_msg(lua_State *L, gc_status st, const char *msg, const char *what) {
  if (!msg || !*msg) msg = gc_status_name(st);
  msg = strip_engine_prefix(msg, what);
  if (st == GC_ECORRUPT && strncmp(msg, "verify: ", 8) == 0)
    return luaL_error(L, "%s: heap verification failed: %s", what, msg + 8);
  return luaL_error(L, "%s: %s", what, msg);
}

void lgc_check_options(lua_State *L, int idx, const char *what, const char *const *known) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    size_t len = 0;
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    bool ok = false;
    for (int i = 0; k && !ok && known[i]; i++) ok = strlen(known[i]) == len && memcmp(known[i], k, len) == 0;
    if (!ok) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (int i = 0; known[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, known[i]);
      }
      luaL_pushresult(&b);
      const char *shown = luaL_tolstring(L, -2, NULL);
      luaL_error(L, "%s: unknown option '%s'%s (known: %s)", what, shown, k ? lgc_nul_note(k, len) : "",
                 lua_tostring(L, -2));
    }
  }
}

/* ------------------------------------------------------------ gclab.heap */

/* A heap's own metatable: the prototype's metamethods, and __index a table
 * of the methods whose own __index (for the fields marking, config, ...)
 * is a closure over the heap. */
static void push_heap_metatable(lua_State *L, int hidx) {
  lua_createtable(L, 0, 8);
  int mt = lua_gettop(L);
  lua_createtable(L, 0, 32);
  int methods = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, UP_HEAP_PROTO)) {
    const char *k = lua_tostring(L, -2);
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, (k && k[0] == '_' && k[1] == '_') ? mt : methods);
  }
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, UP_HANDLE_MT);
  lua_pushvalue(L, UP_HEAP_PROTO);
  lua_pushvalue(L, UP_DEFAULTS);
  lua_pushvalue(L, hidx);
  lua_pushcclosure(L, lgc_heap_property, LGC_NUP + 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, methods);
  lua_setfield(L, mt, "__index");
}

static int l_heap_new(lua_State *L) {
  ldefaults *d = (ldefaults *)lua_touserdata(L, UP_DEFAULTS);
  if (d->closing) return luaL_error(L, "gclab.heap: the Lua state is closing");
  lgc_close_pending(L, d); /* a safe point: free heaps closed inside finalizers */
  gc_config cfg;
  lgc_build_config(L, 1, &cfg, "gclab.heap");

  lheapbox *box = (lheapbox *)lua_newuserdatauv(L, sizeof *box, HEAP_NUV);
  box->tag = LHEAP_TAG;
  box->lh = NULL;
  int hidx = lua_gettop(L);
  push_heap_metatable(L, hidx);
  lua_setmetatable(L, hidx);

  lheap *lh = (lheap *)lua_newuserdatauv(L, sizeof *lh, 0);
  memset(lh, 0, sizeof *lh);
  int sidx = lua_gettop(L);
  lua_pushvalue(L, sidx);
  lua_setiuservalue(L, hidx, UV_STATE);
  lh->cache_ref = LUA_NOREF;
  lh->keep_ref = LUA_NOREF;
  lh->sweep_at = 4096;
  lh->serial = ++d->serial;
  lh->defaults = d;
  box->lh = lh;

  /* The identity cache: object id -> handle userdata, weak values. */
  lua_createtable(L, 0, 0);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lh->cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  lua_newtable(L);
  lua_setiuservalue(L, hidx, UV_ROOTED);
  lgc_push_closer(L, lh, sidx);
  lua_setiuservalue(L, hidx, UV_CLOSER);
  lua_newtable(L);
  lh->keep_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* This heap's handle metatable: the prototype's fields, and the state. */
  lua_createtable(L, 1, 8);
  lua_pushnil(L);
  while (lua_next(L, UP_HANDLE_MT)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_pushvalue(L, sidx);
  lua_rawseti(L, -2, HMT_STATE);
  lua_setiuservalue(L, hidx, UV_HANDLE_MT);
  if (lua_istable(L, 1)) {
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, hidx, UV_CONFIG);
  }

  char err[512] = "";
  gc_status st = gc_heap_new(&cfg, &lh->heap, err, sizeof err);
  if (st == GC_OK && lh->heap && (st = boot_heap_replay(lh->heap, err, sizeof err)) != GC_OK)
    gc_heap_free(lh->heap); /* the boot heap (config key boot) did not fit or could not be read */
  if (st != GC_OK || !lh->heap) {
    lh->heap = NULL; /* a closed heap from the start: its registry entries go now */
    luaL_unref(L, LUA_REGISTRYINDEX, lh->cache_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, lh->keep_ref);
    lh->cache_ref = lh->keep_ref = LUA_NOREF;
    return luaL_error(L, "gclab.heap: %s", *err ? err : gc_status_name(st));
  }
  gc_program_start(lh->heap); /* the script's first line: after the boot heap */
  lh->open = lh->heap;
  lh->next = d->open;
  if (d->open) d->open->pprev = &lh->next;
  lh->pprev = &d->open;
  d->open = lh;
  gc_on_gc(lh->heap, lgc_on_engine_gc, lh);
  lgc_near_limit_install(lh);
  if (d->verify) gc_set_verify_each_gc(lh->heap, true);
  if (d->stress) gc_set_stress(lh->heap, d->stress);

  if (lua_getiuservalue(L, UP_DEFAULTS, DV_ON_HEAP) == LUA_TFUNCTION) {
    lua_pushvalue(L, hidx);
    lua_call(L, 1, 0);
  } else {
    lua_pop(L, 1);
  }
  lua_settop(L, hidx);
  return 1;
}

/* gclab.config(cfg): the effective configuration gclab.heap(cfg) would use. */
static int l_config(lua_State *L) {
  gc_config cfg;
  lgc_build_config(L, 1, &cfg, "gclab.config");
  lgc_push_config(L, &cfg);
  return 1;
}

static int l_default_size(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 0 || n > (lua_Integer)GC_MAX_SLOTS)
    return luaL_argerror(L, 1, lua_pushfstring(L, "slot count must be 0..%I (gclab.MAX_SLOTS), "
                                                  "got %I", (lua_Integer)GC_MAX_SLOTS, n));
  lua_pushinteger(L, (lua_Integer)gc_default_size((uint32_t)n));
  return 1;
}

static int l_is_handle(lua_State *L) {
  lua_pushboolean(L, lgc_test_handle(L, 1) != NULL);
  return 1;
}

static int l_is_heap(lua_State *L) {
  lheapbox *box = (lheapbox *)lua_touserdata(L, 1);
  lua_pushboolean(L, box && lua_rawlen(L, 1) == sizeof *box && box->tag == LHEAP_TAG);
  return 1;
}

static const luaL_Reg module_funcs[] = {
    {"heap", l_heap_new},
    {"config", l_config},
    {"defaults", lgc_defaults},
    {"default_size", l_default_size},
    {"is_handle", l_is_handle},
    {"is_heap", l_is_heap},
    {"xml_writer", lgc_xml_writer_new},
    {"on_map", lgc_on_map},
    {"json_encode", lgc_json_encode},
    {"csv_row", lgc_csv_row},
    {NULL, NULL},
};

/* ---------------------------------------------------------- scope tokens */
/* Defined in lua_heap.c; registered here with the other metatables. */
extern const luaL_Reg lgc_scope_meta[];

/* Fill the table at `tidx` with `l`, each function getting the 3 upvalues. */
static void setfuncs_up(lua_State *L, int tidx, const luaL_Reg *l, int hmt, int pmt, int dud) {
  lua_pushvalue(L, tidx);
  lua_pushvalue(L, hmt);
  lua_pushvalue(L, pmt);
  lua_pushvalue(L, dud);
  luaL_setfuncs(L, l, LGC_NUP);
  lua_pop(L, 1);
}

int luaopen_gclab(lua_State *L) {
  luaL_checkversion(L);

  luaL_newmetatable(L, "gclab.handle");
  int hmt = lua_gettop(L);
  luaL_newmetatable(L, "gclab.heap"); /* the prototype of every heap's metatable */
  int pmt = lua_gettop(L);
  luaL_newmetatable(L, "gclab.scope");
  luaL_setfuncs(L, lgc_scope_meta, 0);
  lua_pop(L, 1);

  /* One defaults block per Lua state, shared if the module is loaded again. */
  if (lua_getfield(L, LUA_REGISTRYINDEX, "gclab.defaults") != LUA_TUSERDATA) {
    lua_pop(L, 1);
    ldefaults *d = (ldefaults *)lua_newuserdatauv(L, sizeof *d, DEFAULTS_NUV);
    memset(d, 0, sizeof *d);
    gc_config_default(&d->base);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, defaults_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_newtable(L);
    lua_setiuservalue(L, -2, DV_SET);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "gclab.defaults");
  }
  int dud = lua_gettop(L);

  setfuncs_up(L, hmt, lgc_handle_meta, hmt, pmt, dud);
  lua_pushliteral(L, "gclab.handle");
  lua_setfield(L, hmt, "__metatable");

  /* The heap prototype: methods and metamethods (see push_heap_metatable). */
  setfuncs_up(L, pmt, lgc_heap_methods, hmt, pmt, dud);
  setfuncs_up(L, pmt, lgc_weak_heap_methods, hmt, pmt, dud);
  lgc_weak_register(L, hmt, pmt, dud);
  static const luaL_Reg heap_meta[] = {
      {"__gc", lgc_heap_gc},
      {"__close", lgc_heap_close},
      {"__tostring", lgc_heap_tostring},
      {NULL, NULL},
  };
  setfuncs_up(L, pmt, heap_meta, hmt, pmt, dud);
  lua_pushliteral(L, "gclab.heap");
  lua_setfield(L, pmt, "__metatable");

  lua_newtable(L);
  int mod = lua_gettop(L);
  setfuncs_up(L, mod, module_funcs, hmt, pmt, dud);
  lgc_open_snapshot(L, mod); /* the snapshot metatable, gclab.find_leaks */
  lua_pushliteral(L, GCLAB_VERSION);
  lua_setfield(L, mod, "version");
  lua_pushliteral(L, GC_OOM_MESSAGE);
  lua_setfield(L, mod, "OOM_MESSAGE");
  lua_pushliteral(L, GC_OOM_INEFFECTIVE_MESSAGE);
  lua_setfield(L, mod, "OOM_INEFFECTIVE_MESSAGE");
  lua_pushliteral(L, GC_OOM_RETRY_MESSAGE);
  lua_setfield(L, mod, "OOM_RETRY_MESSAGE");
  lua_pushinteger(L, GC_SMI_MIN);
  lua_setfield(L, mod, "SMI_MIN");
  lua_pushinteger(L, GC_SMI_MAX);
  lua_setfield(L, mod, "SMI_MAX");
  lua_pushinteger(L, (lua_Integer)GC_MAX_SLOTS);
  lua_setfield(L, mod, "MAX_SLOTS");
  return 1;
}
