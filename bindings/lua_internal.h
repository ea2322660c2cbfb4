/*
 * lua_internal.h -- shared between the files of the Lua module.
 *
 * Ownership and lifetimes
 *  - A heap userdata holds a pointer to an `lheap` (malloc'd).  lheaps are
 *    owned by the module's defaults block and freed only when the Lua state
 *    closes, so a handle userdata may outlive its heap userdata safely.
 *    Closing a heap (heap:close(), <close> or the heap userdata's __gc)
 *    frees the engine heap and sets lh->heap to NULL; handles then report
 *    "heap is closed".
 *  - Handle userdata (`lhandle`) have no finalizer: a finalizer per object
 *    made Lua's collector several times slower.  Instead every engine handle
 *    the binding makes is listed in lh->issued, and the identity cache (a
 *    weak-valued table id -> userdata, registry ref cache_ref) tells which
 *    userdata still live: lgc_issued_sweep releases the engine handles whose
 *    userdata the Lua collector has cleared, when the list has doubled
 *    since the last sweep (amortised O(1) per handle).
 *  - Identity: one userdata per object id while it lives (the cache).
 *  - Rooted handles are kept strongly (heap uservalue UV_ROOTED, userdata ->
 *    root count) so their engine handle, which holds the root, stays.
 *  - heap:scope marks the heap's one "closer" userdata to-be-closed, so the
 *    innermost engine scope closes when the body returns or raises, with no
 *    allocation per scope (the engine roots scoped objects itself, whether
 *    or not their handles are released meanwhile).
 *  - Lua code never runs inside an engine call.  The engine's on_gc callback
 *    only sets lh->gc_pending; events are delivered to Lua (runner hook,
 *    then the user's on_gc) after the engine call returned (lgc_deliver).
 *
 * Every C function of the module has three upvalues: the handle metatable,
 * the heap prototype (methods and metamethods, copied into each heap's own
 * metatable so that heap:method() is a plain table lookup while heap.marking
 * and heap.config still reach the heap), and the module's defaults block.
 *
 * Type checks on the hot paths compare a tag inside the userdata, after
 * checking its exact size, instead of fetching and comparing metatables:
 * two API calls instead of five.  Only C code can make a userdata, so a
 * script cannot forge one.
 */
#ifndef GCLAB_LUA_INTERNAL_H
#define GCLAB_LUA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "gclab.h"

#define UP_HANDLE_MT lua_upvalueindex(1)
#define UP_HEAP_PROTO lua_upvalueindex(2)
#define UP_DEFAULTS lua_upvalueindex(3)
#define LGC_NUP 3

/* Heap userdata uservalues. */
#define UV_ROOTED 1 /* table: handle userdata -> root count */
#define UV_ONGC 2   /* the user's on_gc function or nil */
#define UV_CONFIG 3 /* the config table given to gclab.heap (for messages) */
#define UV_CLOSER 4 /* the scope closer (to-be-closed value of heap:scope) */
#define HEAP_NUV 4

/* Defaults userdata uservalues (set by gclab.defaults). */
#define DV_SET 1      /* list of "key=value" applied after every heap's own config */
#define DV_ON_EVENT 2 /* runner hook: fn(heap, event) after every GC, before on_gc */
#define DV_ON_HEAP 3  /* runner hook: fn(heap) when a heap is created */
#define DEFAULTS_NUV 3

typedef struct lissued {
  gc_handle h;
  uint64_t id;
} lissued;

typedef struct lheap {
  gc_heap *heap;      /* NULL once closed */
  struct lheap *next; /* all lheaps of the Lua state (ldefaults.heaps) */
  lissued *issued;    /* engine handles made and not yet released */
  size_t nissued, issued_cap, sweep_at;
  int cache_ref;      /* registry ref of the weak id -> handle table */
  uint32_t serial;    /* 1-based heap number within this Lua state */
  bool gc_pending;    /* the engine ran a GC not yet delivered to Lua */
  bool in_callback;   /* running on_gc or the runner hook */
  size_t delivered;   /* events already delivered */
  gc_scope *scopes;   /* open engine scopes, innermost last (malloc'd) */
  lua_Integer *scope_keep; /* keep_n when each scope opened */
  size_t nscopes, scopes_cap;
  int keep_ref;       /* registry ref: handles allocated in open scopes (a stack) */
  lua_Integer keep_n;
  uint32_t near_limit_snapshots; /* written for heapsnapshot_near_heap_limit (lua_snapshot_file.c) */
  bool near_limit_pending;       /* the limit was neared: write one after the engine call */
} lheap;

#define LHANDLE_TAG 0x676c61622e68646cull /* "glab.hdl" */
#define LHEAP_TAG 0x676c61622e686570ull   /* "glab.hep" */

typedef struct lhandle {
  uint64_t tag; /* LHANDLE_TAG */
  gc_handle h;  /* GC_NO_HANDLE until the engine handed one out */
  uint64_t id;
  lheap *lh;
} lhandle;

typedef struct lheapbox { /* the heap userdata */
  uint64_t tag; /* LHEAP_TAG */
  lheap *lh;
} lheapbox;

typedef struct ldefaults {
  gc_config base;   /* the profile every heap starts from */
  bool verify;      /* gc_set_verify_each_gc on new heaps */
  uint32_t stress;  /* gc_set_stress on new heaps */
  uint32_t serial;  /* heaps created so far */
  lheap *heaps;     /* every lheap of this state, freed by the block's __gc */
} ldefaults;

/* lua_module.c */
lheap *lgc_check_heap(lua_State *L, int idx);        /* open heap or error */
lheap *lgc_check_heap_any(lua_State *L, int idx);    /* open or closed */
void lgc_lheap_release_all(lheap *lh); /* forget lh->issued (the heap is gone) */
void lgc_push_closer(lua_State *L, lheap *lh); /* a new scope closer for lh */
int lgc_status_error(lua_State *L, lheap *lh, gc_status st, const char *what);
/* Errors when called from an on_gc callback (a GC is being reported). */
void lgc_refuse_in_callback(lua_State *L, lheap *lh, const char *what);

/* lua_heap_v8.c: heap:site, heap:site_info, heap:idle */
int lgc_heap_site(lua_State *L);
int lgc_heap_site_info(lua_State *L);
int lgc_heap_idle(lua_State *L);

/* lua_heapmap.c, lua_xml.c: pictures (heap:map, heap:layout, gclab.on_map,
 * gclab.xml_writer) */
int lgc_heap_map(lua_State *L);
int lgc_heap_layout(lua_State *L);
int lgc_on_map(lua_State *L);
int lgc_xml_writer_new(lua_State *L);
int lgc_json_encode(lua_State *L); /* lua_formats.c */
int lgc_csv_row(lua_State *L);

/* lua_handle.c */
extern const luaL_Reg lgc_handle_meta[];
lhandle *lgc_new_handle(lua_State *L, lheap *lh); /* pushes an empty handle userdata */
/* hd (on top of the stack) got engine handle hd->h for object hd->id:
 * list it and enter it in the identity cache (may sweep). */
void lgc_issue(lua_State *L, lheap *lh, lhandle *hd);
void lgc_push_handle_for(lua_State *L, lheap *lh, lhandle *from, uint32_t slot, uint64_t id);
lhandle *lgc_check_handle(lua_State *L, int idx, lheap *lh);
lhandle *lgc_test_handle(lua_State *L, int idx);
int lgc_dead_error(lua_State *L, lhandle *hd, const char *what);

/* lua_heap.c */
extern const luaL_Reg lgc_heap_methods[];
int lgc_heap_property(lua_State *L); /* upvalue 4: the heap */
int lgc_heap_gc(lua_State *L);
int lgc_heap_close(lua_State *L);
int lgc_heap_tostring(lua_State *L);
void lgc_deliver(lua_State *L, int heapidx, lheap *lh);
void lgc_on_engine_gc(gc_heap *heap, const gc_event *ev, void *ud);

/* lua_snapshot.c */
void lgc_open_snapshot(lua_State *L, int mod); /* metatable; gclab.find_leaks */
/* Push a snapshot userdata owning s (analysed now); `what` names the caller
 * in the out-of-memory error. */
void lgc_push_snapshot(lua_State *L, gc_snapshot *s, const char *what);
gc_snapshot *lgc_check_snapshot(lua_State *L, int idx);
int lgc_heap_snapshot(lua_State *L); /* heap:snapshot() */

/* lua_snapshot_file.c */
int lgc_read_snapshot(lua_State *L);      /* gclab.read_snapshot(path) */
int lgc_snapshot_write(lua_State *L);     /* snap:write(path) */
int lgc_heap_from_snapshot(lua_State *L); /* gclab.heap_from_snapshot(snap[, cfg | heap]) */
void lgc_near_limit_install(lheap *lh);   /* heapsnapshot_near_heap_limit, on a new heap */
void lgc_near_limit_flush(lheap *lh);     /* write the snapshot the callback asked for */
int lgc_heap_handle(lua_State *L);   /* heap:handle(id) */

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
