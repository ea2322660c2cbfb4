/*
 * lua_heap.c -- heap methods: collections, incremental marking,
 * inspection, and the delivery of GC events to Lua (allocation and roots:
 * lua_objects.c; scopes: lua_scope.c; closing: lua_heap_close.c).
 *
 * Invariants
 *  - Lua code never runs while an engine call is in progress.  The engine's
 *    gc_on_gc callback (lgc_on_engine_gc) only flags the heap; the method
 *    that made the engine call delivers the new events afterwards
 *    (lgc_deliver): first to the runner hook (gclab.defaults on_event), then
 *    to the user's heap:on_gc function.
 *  - While a callback runs (lh->in_callback) collections, incremental
 *    marking calls and close are refused; allocation is allowed (the GCs it
 *    causes are delivered by the same delivery loop, in order).
 */
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

/* --------------------------------------------------------------- events */

void lgc_on_engine_gc(gc_heap *heap, const gc_event *ev, void *ud) {
  (void)heap;
  (void)ev;
  ((lheap *)ud)->gc_pending = true;
}

/* Deliver events not yet seen by Lua.  `heapidx` is the heap userdata.
 * Returns LUA_OK, or a callback's error status with its error object on
 * top of the stack (the caller cleans up, then raises it).  Called while a
 * callback runs (an allocation inside on_gc), it delivers the GCs that
 * allocation caused to the runner hook only: like V8's GCCallbacksScope,
 * GC callbacks are not re-entered, so an on_gc that allocates never
 * recurses, and the runner's event log stays complete and in order. */
int lgc_deliver_status(lua_State *L, int heapidx, lheap *lh) {
  lgc_near_limit_flush(lh);
  if (!lh->gc_pending || lh->in_hook || !lh->heap) return LUA_OK;
  lh->gc_pending = false;
  bool nested = lh->in_callback;
  int top = lua_gettop(L);
  int has_hook = lua_getiuservalue(L, UP_DEFAULTS, DV_ON_EVENT) == LUA_TFUNCTION;
  int has_ongc = lua_getiuservalue(L, heapidx, UV_ONGC) == LUA_TFUNCTION && !nested;
  if (!has_hook && !has_ongc) {
    lh->delivered = gc_event_count(lh->heap);
    lua_settop(L, top);
    return LUA_OK;
  }
  int hook = top + 1, ongc = top + 2;
  int st = LUA_OK;
  lh->in_callback = true;
  while (st == LUA_OK && lh->heap && lh->delivered < gc_event_count(lh->heap)) {
    const gc_event *ev = gc_event_get(lh->heap, lh->delivered++);
    lh->gc_pending = false;
    if (!ev) continue; /* already out of the event ring */
    lgc_push_event(L, ev);
    int evi = lua_gettop(L);
    if (has_hook) {
      lua_pushvalue(L, hook);
      lua_pushvalue(L, heapidx);
      lua_pushvalue(L, evi);
      lh->in_hook = true;
      st = lua_pcall(L, 2, 0, 0);
      lh->in_hook = false;
    }
    if (st == LUA_OK && has_ongc) {
      lua_pushvalue(L, ongc);
      lua_pushvalue(L, evi);
      st = lua_pcall(L, 1, 0, 0);
    }
    if (st == LUA_OK) lua_settop(L, ongc);
  }
  lh->in_callback = nested;
  if (st != LUA_OK) {
    lua_replace(L, top + 1); /* the error object */
    lua_settop(L, top + 1);
    return st;
  }
  lua_settop(L, top);
  return LUA_OK;
}

void lgc_deliver(lua_State *L, int heapidx, lheap *lh) {
  if (lgc_deliver_status(L, heapidx, lh) != LUA_OK) lua_error(L); /* as raised */
}

void lgc_deliver_keeping(lua_State *L, lheap *lh, lhandle *hd) {
  if (!lh->gc_pending) return;
  int top = lua_gettop(L);
  bool rooted = hd && gc_root(lh->heap, hd->h) == GC_OK;
  int st = lgc_deliver_status(L, 1, lh);
  if (rooted && lh->heap) gc_unroot(lh->heap, hd->h);
  if (st != LUA_OK) lua_error(L);
  lua_settop(L, top);
}

void lgc_save_error(const lheap *lh, char *buf, size_t len) {
  const char *m = lh->heap ? gc_heap_error(lh->heap) : NULL;
  snprintf(buf, len, "%s", m ? m : "");
}

int lgc_deliver_then_fail(lua_State *L, int heapidx, lheap *lh, gc_status st, const char *what) {
  char msg[LGC_ERROR_MAX];
  lgc_save_error(lh, msg, sizeof msg);
  lgc_deliver(L, heapidx, lh);
  return lgc_status_error_msg(L, st, msg, what);
}

void lgc_refuse_in_callback(lua_State *L, lheap *lh, const char *what) {
  if (lh->in_callback)
    luaL_error(L, "heap:%s: not allowed inside an on_gc callback (a GC is being reported)", what);
}

/* Push the table of event `index` (0-based) or nil. */
static void push_event_at(lua_State *L, lheap *lh, size_t index) {
  const gc_event *ev = gc_event_get(lh->heap, index);
  if (ev)
    lgc_push_event(L, ev);
  else
    lua_pushnil(L);
}

/* ----------------------------------------------------------- collections */

static int finish_gc(lua_State *L, lheap *lh, gc_status st, const char *what) {
  size_t n = gc_event_count(lh->heap);
  if (st != GC_OK) return lgc_deliver_then_fail(L, 1, lh, st, what);
  if (n > 0)
    push_event_at(L, lh, n - 1);
  else
    lua_pushnil(L);
  int r = lua_gettop(L);
  lgc_deliver(L, 1, lh);
  lua_settop(L, r);
  return 1;
}

/* heap:scavenge() is V8's young GC (a full GC when a Scavenge might not
 * succeed); heap:scavenge{force = true} always scavenges. */
static int m_scavenge(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "scavenge");
  bool force = false;
  if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const known[] = {"force", NULL};
    lgc_check_options(L, 2, "heap:scavenge", known);
    lua_getfield(L, 2, "force");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
      return luaL_argerror(L, 2, "field 'force' must be a boolean");
    force = lua_toboolean(L, -1);
    lua_pop(L, 1);
  } else if (!lua_isnoneornil(L, 2)) {
    return luaL_typeerror(L, 2, "nil or a table {force = boolean}");
  }
  gc_status st = force ? gc_scavenge_forced(lh->heap) : gc_scavenge(lh->heap);
  return finish_gc(L, lh, st, "heap:scavenge");
}

static int m_mark_sweep(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "mark_sweep");
  return finish_gc(L, lh, gc_mark_sweep(lh->heap), "heap:mark_sweep");
}

static int m_mark_compact(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "mark_compact");
  gc_compaction strategy = gc_heap_config(lh->heap)->old_space.compaction;
  const char *s = NULL;
  if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const known[] = {"strategy", NULL};
    lgc_check_options(L, 2, "heap:mark_compact", known);
    lua_getfield(L, 2, "strategy");
    if (!lua_isnil(L, -1)) {
      if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_argerror(L, 2, "field 'strategy' must be \"evacuate\" or \"slide\"");
      s = lua_tostring(L, -1);
    }
  } else if (lua_type(L, 2) == LUA_TSTRING) {
    s = lua_tostring(L, 2);
  } else if (!lua_isnoneornil(L, 2)) {
    return luaL_typeerror(L, 2, "nil or a table {strategy = \"evacuate\" | \"slide\"}");
  }
  if (s) {
    if (strcmp(s, "evacuate") == 0)
      strategy = GC_COMPACT_EVACUATE;
    else if (strcmp(s, "slide") == 0)
      strategy = GC_COMPACT_SLIDE;
    else
      return luaL_argerror(L, 2,
                           lua_pushfstring(L, "strategy must be \"evacuate\" or \"slide\", got "
                                              "\"%s\"", s));
  }
  lua_settop(L, 1);
  return finish_gc(L, lh, gc_mark_compact(lh->heap, strategy), "heap:mark_compact");
}

static int m_full_gc(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "full_gc");
  return finish_gc(L, lh, gc_full_gc(lh->heap), "heap:full_gc");
}

static int m_incremental_start(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "incremental_start");
  gc_status st = gc_incremental_start(lh->heap);
  if (st != GC_OK) return lgc_deliver_then_fail(L, 1, lh, st, "heap:incremental_start");
  lgc_deliver(L, 1, lh);
  return 0;
}

static int m_incremental_step(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "incremental_step");
  lua_Integer budget =
      luaL_optinteger(L, 2, (lua_Integer)gc_heap_config(lh->heap)->incremental.step_budget);
  luaL_argcheck(L, budget > 0, 2, "step budget must be a positive number of bytes");
  bool done = false;
  gc_status st = gc_incremental_step(lh->heap, (uint64_t)budget, &done);
  if (st != GC_OK) return lgc_deliver_then_fail(L, 1, lh, st, "heap:incremental_step");
  lgc_deliver(L, 1, lh);
  lua_pushboolean(L, done);
  return 1;
}

static int m_incremental_finish(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lgc_refuse_in_callback(L, lh, "incremental_finish");
  return finish_gc(L, lh, gc_incremental_finish(lh->heap), "heap:incremental_finish");
}

/* ------------------------------------------------------------ inspection */

static int m_stats(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_heap_stats st;
  gc_stats(lh->heap, &st);
  lgc_push_stats(L, &st);
  return 1;
}

/* The first GC number still in the heap's event ring (config event_ring). */
static size_t first_kept(lheap *lh) {
  size_t n = gc_event_count(lh->heap), ring = gc_heap_config(lh->heap)->event_ring;
  return n > ring ? n - ring + 1 : 1;
}

static int m_events(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  size_t n = gc_event_count(lh->heap);
  lua_Integer from = luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, from >= 1, 2, "first event number must be >= 1");
  if ((size_t)from < first_kept(lh)) from = (lua_Integer)first_kept(lh);
  lua_createtable(L, (int)(n >= (size_t)from ? n - (size_t)from + 1 : 0), 0);
  lua_Integer k = 0;
  for (size_t i = (size_t)from - 1; i < n; i++) {
    push_event_at(L, lh, i);
    lua_rawseti(L, -2, ++k);
  }
  return 1;
}

static int m_event(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  size_t n = gc_event_count(lh->heap);
  lua_Integer seq = luaL_optinteger(L, 2, (lua_Integer)n);
  if (seq < 1 || (size_t)seq > n) {
    lua_pushnil(L);
    return 1;
  }
  push_event_at(L, lh, (size_t)seq - 1);
  return 1;
}

static int m_pages(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_space sp;
  lgc_space_arg(L, 2, &sp);
  size_t n = 0;
  gc_status st = gc_pages(lh->heap, sp, NULL, 0, &n);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:pages");
  gc_page_info *buf = NULL;
  if (n) {
    buf = (gc_page_info *)lua_newuserdatauv(L, n * sizeof *buf, 0);
    size_t m = 0;
    st = gc_pages(lh->heap, sp, buf, n, &m);
    if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:pages");
    if (m < n) n = m;
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lgc_push_page(L, &buf[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

typedef struct each_ctx {
  lua_State *L;
  lua_Integer n;
  int space; /* -1: all */
} each_ctx;

static bool each_object(const gc_object_info *obj, void *ud) {
  each_ctx *c = (each_ctx *)ud;
  if (c->space >= 0 && (int)obj->space != c->space) return true;
  if (!lua_checkstack(c->L, 4)) return false;
  lgc_push_object_info(c->L, obj);
  lua_rawseti(c->L, -2, ++c->n);
  return true;
}

static int m_objects(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_space sp;
  lgc_space_arg(L, 2, &sp);
  lua_newtable(L);
  each_ctx c = {L, 0, sp == GC_SPACE_COUNT ? -1 : (int)sp};
  gc_status st = gc_each_object(lh->heap, each_object, &c);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:objects");
  return 1;
}

static int m_on_gc(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_getiuservalue(L, 1, UV_ONGC);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, 1, UV_ONGC);
  /* Events from before on_gc was set are not delivered to it. */
  if (!lh->in_callback) {
    lh->delivered = gc_event_count(lh->heap);
    lh->gc_pending = false;
  }
  return 1; /* the previous function */
}

static int m_verify(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_status st = gc_verify(lh->heap);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:verify");
  lua_pushboolean(L, 1);
  return 1;
}

static int m_trace(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  size_t n = gc_event_count(lh->heap);
  lua_Integer seq = luaL_optinteger(L, 2, (lua_Integer)n);
  const char *fmt = luaL_optstring(L, 3, "trace");
  bool nvp = strcmp(fmt, "nvp") == 0;
  luaL_argcheck(L, nvp || strcmp(fmt, "trace") == 0, 3, "format must be \"trace\" or \"nvp\"");
  if (seq < 1 || (size_t)seq > n)
    return luaL_argerror(L, 2, lua_pushfstring(L, "no GC #%I (%d so far)", seq, (int)n));
  const gc_event *ev = gc_event_get(lh->heap, (size_t)seq - 1);
  if (!ev)
    return luaL_argerror(L, 2, lua_pushfstring(L, "GC #%I is no longer kept (the heap keeps the "
                                                  "last %d: config event_ring)",
                                               seq, (int)gc_heap_config(lh->heap)->event_ring));
  char buf[1024];
  int len = nvp ? gc_format_trace_nvp(lh->heap, ev, buf, sizeof buf)
                : gc_format_trace(lh->heap, ev, false, buf, sizeof buf);
  if (len < 0) len = 0;
  if ((size_t)len < sizeof buf) {
    lua_pushlstring(L, buf, (size_t)len);
    return 1;
  }
  char *big = (char *)lua_newuserdatauv(L, (size_t)len + 1, 0);
  len = nvp ? gc_format_trace_nvp(lh->heap, ev, big, (size_t)len + 1)
            : gc_format_trace(lh->heap, ev, false, big, (size_t)len + 1);
  lua_pushlstring(L, big, len > 0 ? (size_t)len : 0);
  return 1;
}

/* --------------------------------------------------------------- tuning */

static int m_set_verify_each_gc(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_set_verify_each_gc(lh->heap, lua_toboolean(L, 2));
  return 0;
}

static int m_set_stress(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer n = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, n >= 0 && n <= (lua_Integer)UINT32_MAX, 2, "expected 0 (off) or a count");
  gc_set_stress(lh->heap, (uint32_t)n);
  return 0;
}

static int m_set_marking_barrier(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  gc_set_marking_barrier(lh->heap, lua_toboolean(L, 2));
  return 0;
}

static int m_set_old_max(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n > 0, 2, "expected a positive number of bytes");
  gc_status st = gc_set_old_max(lh->heap, (uint64_t)n);
  if (st != GC_OK) return lgc_status_error(L, lh, st, "heap:set_old_max");
  return 0;
}

const luaL_Reg lgc_heap_methods[] = {
    {"alloc", lgc_alloc},
    {"alloc_many", lgc_alloc_many},
    {"alloc_old", lgc_alloc_old},
    {"alloc_external", lgc_alloc_external},
    {"set_slots", lgc_set_slots},
    {"init_slots", lgc_init_slots},
    {"root", lgc_root},
    {"unroot", lgc_unroot},
    {"scope", lgc_scope},
    {"scavenge", m_scavenge},
    {"mark_sweep", m_mark_sweep},
    {"mark_compact", m_mark_compact},
    {"full_gc", m_full_gc},
    {"incremental_start", m_incremental_start},
    {"incremental_step", m_incremental_step},
    {"incremental_finish", m_incremental_finish},
    {"stats", m_stats},
    {"events", m_events},
    {"event", m_event},
    {"pages", m_pages},
    {"objects", m_objects},
    {"snapshot", lgc_heap_snapshot},
    {"handle", lgc_heap_handle},
    {"on_gc", m_on_gc},
    {"verify", m_verify},
    {"trace", m_trace},
    {"close", lgc_heap_close},
    {"set_verify_each_gc", m_set_verify_each_gc},
    {"set_stress", m_set_stress},
    {"set_marking_barrier", m_set_marking_barrier},
    {"set_old_max", m_set_old_max},
    {"map", lgc_heap_map},
    {"layout", lgc_heap_layout},
    {"site", lgc_heap_site},
    {"idle", lgc_heap_idle},
    {"compute", lgc_heap_compute},
    {"site_info", lgc_heap_site_info},
    {"flush_at_full_gc", lgc_heap_flush_at_full_gc},
    {NULL, NULL},
};

/* ---------------------------------------------------- heap metamethods */

/* __index of a heap's method table: the fields.  Upvalue 4 is the heap. */
int lgc_heap_property(lua_State *L) {
  lheap *lh = lgc_check_heap_any(L, lua_upvalueindex(LGC_NUP + 1));
  size_t len;
  const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
  if (!k)
    return luaL_error(L, "heap index: expected a method or field name, got %s",
                      luaL_typename(L, 2));
  if (lgc_has_nul(k, len)) return luaL_error(L, "heap has no method or field '%s'%s", k, lgc_nul_note(k, len));
  if (strcmp(k, "closed") == 0) { /* also while the engine heap waits for a safe point */
    lua_pushboolean(L, !lgc_heap_open(lh));
    return 1;
  }
  if (strcmp(k, "serial") == 0) {
    lua_pushinteger(L, lh->serial);
    return 1;
  }
  bool marking = strcmp(k, "marking") == 0, config = strcmp(k, "config") == 0;
  if (!marking && !config)
    return luaL_error(L, "heap has no method or field '%s'", k);
  if (!lgc_heap_open(lh)) return lgc_heap_closed_error(L, lh);
  if (marking) {
    lua_pushstring(L, gc_marking_state_name(gc_marking(lh->heap)));
    return 1;
  }
  /* The configuration now in force: heap:set_old_max (or a near-heap-limit
   * raise) changed the old-generation maximum since creation, so that
   * gclab.heap(heap.config) is an equal configuration. */
  gc_config now = *gc_heap_config(lh->heap);
  gc_heap_stats st;
  gc_stats(lh->heap, &st);
  now.old_space.max_size = st.old_max;
  lgc_push_config(L, &now);
  return 1;
}


int lgc_heap_tostring(lua_State *L) {
  lheap *lh = lgc_check_heap_any(L, 1);
  if (!lgc_heap_open(lh)) {
    lua_pushfstring(L, "gclab.heap %d (closed)", (int)lh->serial);
    return 1;
  }
  gc_heap_stats st;
  gc_stats(lh->heap, &st);
  lua_pushfstring(L, "gclab.heap %d (%I bytes in %I objects, %d GCs)", (int)lh->serial,
                  (lua_Integer)st.total.size, (lua_Integer)st.total.objects, (int)st.gcs);
  return 1;
}
