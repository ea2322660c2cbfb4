/*
 * lua_internal.h -- shared between the files of the Lua module.
 *
 * Ownership and lifetimes
 *  - A heap userdata holds a pointer to an `lheap` (malloc'd).  The lheap
 *    outlives the userdata while handle userdata still point at it: it is
 *    reference counted (one count for the heap userdata, one per handle).
 *    Closing the heap (heap:close() or its __gc) frees the engine heap and
 *    sets lh->heap to NULL; handles then report "heap is closed".
 *  - A handle userdata (`lhandle`) owns one engine handle and releases it in
 *    __gc.  Identity: one userdata per object id while the userdata lives,
 *    through a weak-valued table id -> userdata (registry ref cache_ref).
 *  - Rooted handles are kept strongly (heap uservalue UV_ROOTED, userdata ->
 *    root count) so Lua never releases an engine handle that holds a root.
 *  - Lua code never runs inside an engine call.  The engine's on_gc callback
 *    only sets lh->gc_pending; events are delivered to Lua (runner hook,
 *    then the user's on_gc) after the engine call returned (lgc_deliver).
 *
 * Every C function of the module has three upvalues: the handle metatable,
 * the heap metatable, and the module's defaults userdata.
 */
#ifndef GCLAB_LUA_INTERNAL_H
#define GCLAB_LUA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "gclab.h"

#define UP_HANDLE_MT lua_upvalueindex(1)
#define UP_HEAP_MT lua_upvalueindex(2)
#define UP_DEFAULTS lua_upvalueindex(3)
#define LGC_NUP 3

/* Heap userdata uservalues. */
#define UV_ROOTED 1 /* table: handle userdata -> root count */
#define UV_ONGC 2   /* the user's on_gc function or nil */
#define UV_CONFIG 3 /* the config table given to gclab.heap (for messages) */
#define HEAP_NUV 3

/* Defaults userdata uservalues (set by gclab.defaults). */
#define DV_SET 1      /* list of "key=value" applied after every heap's own config */
#define DV_ON_EVENT 2 /* runner hook: fn(heap, event) after every GC, before on_gc */
#define DV_ON_HEAP 3  /* runner hook: fn(heap) when a heap is created */
#define DEFAULTS_NUV 3

typedef struct lheap {
  gc_heap *heap;      /* NULL once closed */
  unsigned refs;      /* heap userdata + handle userdata pointing here */
  int cache_ref;      /* registry ref of the weak id -> handle table */
  uint32_t serial;    /* 1-based heap number within this Lua state */
  bool gc_pending;    /* the engine ran a GC not yet delivered to Lua */
  bool in_callback;   /* running on_gc or the runner hook */
  size_t delivered;   /* events already delivered */
  int keep_ref;       /* registry ref of the innermost scope's keep-alive list, or LUA_NOREF */
  lua_Integer keep_n; /* entries in that list */
} lheap;

typedef struct lhandle {
  gc_handle h; /* GC_NO_HANDLE until the engine handed one out */
  uint64_t id;
  lheap *lh;
} lhandle;

typedef struct ldefaults {
  gc_config base;   /* the profile every heap starts from */
  bool verify;      /* gc_set_verify_each_gc on new heaps */
  uint32_t stress;  /* gc_set_stress on new heaps */
  uint32_t serial;  /* heaps created so far */
} ldefaults;

/* lua_module.c */
lheap *lgc_check_heap(lua_State *L, int idx);        /* open heap or error */
lheap *lgc_check_heap_any(lua_State *L, int idx);    /* open or closed */
void lgc_lheap_unref(lheap *lh);
int lgc_status_error(lua_State *L, lheap *lh, gc_status st, const char *what);

/* lua_handle.c */
extern const luaL_Reg lgc_handle_meta[];
lhandle *lgc_new_handle(lua_State *L, lheap *lh); /* pushes an empty handle userdata */
void lgc_push_handle_for(lua_State *L, lheap *lh, lhandle *from, uint32_t slot, uint64_t id);
lhandle *lgc_check_handle(lua_State *L, int idx, lheap *lh);
lhandle *lgc_test_handle(lua_State *L, int idx);
int lgc_dead_error(lua_State *L, lhandle *hd, const char *what);

/* lua_heap.c */
extern const luaL_Reg lgc_heap_methods[];
int lgc_heap_index(lua_State *L);
int lgc_heap_gc(lua_State *L);
int lgc_heap_close(lua_State *L);
int lgc_heap_tostring(lua_State *L);
void lgc_deliver(lua_State *L, int heapidx, lheap *lh);
void lgc_on_engine_gc(gc_heap *heap, const gc_event *ev, void *ud);

/* lua_config.c */
void lgc_build_config(lua_State *L, int cfgidx, gc_config *out, const char *what);
void lgc_push_config(lua_State *L, const gc_config *cfg);
int lgc_defaults(lua_State *L);

/* lua_tables.c */
void lgc_push_event(lua_State *L, const gc_event *ev);
void lgc_push_stats(lua_State *L, const gc_heap_stats *st);
void lgc_push_page(lua_State *L, const gc_page_info *pg);
void lgc_push_object_info(lua_State *L, const gc_object_info *oi);
int lgc_space_arg(lua_State *L, int idx, gc_space *out); /* accepts nil -> GC_SPACE_COUNT */
const char *lgc_handle_space_name(gc_space s);          /* new_large reported as "large" */

#endif /* GCLAB_LUA_INTERNAL_H */
