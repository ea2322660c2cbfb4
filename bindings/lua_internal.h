/*
 * lua_internal.h -- shared between the files of the Lua module.
 *
 * Ownership and lifetimes (the rules a change to this binding must keep)
 *  - Per-heap state (`lheap`) lives in its own full userdata, the heap's
 *    "state", whose memory Lua manages.  The heap userdata (uservalue
 *    UV_STATE), every handle userdata (through its metatable: each heap has
 *    its own handle metatable, uservalue UV_HANDLE_MT, whose [1] is the
 *    state) and the scope closer (its uservalue 1) reference it, so an
 *    lheap outlives everything that points to it, and Lua frees it only
 *    when none of them is reachable.  (Handles have no uservalue: Lua's
 *    collector marks a userdata without uservalues at once, and making one
 *    costs no extra store.)
 *    At lua_close Lua runs every pending finalizer before freeing any
 *    memory, so a finalizer that touches a heap or a handle -- in any order
 *    relative to the module's own finalizers -- reads valid memory and sees
 *    either a usable heap or "heap N is closed".
 *  - The engine heap and the lheap's malloc'd arrays (issued handles,
 *    scopes) are freed when the heap is closed: heap:close(), <close>, the
 *    heap userdata's __gc, or -- for a heap whose __gc Lua could not
 *    register (made while the state closes) -- the defaults block's __gc,
 *    which frees every engine heap still open (ldefaults.open lists them).
 *    After that lh->heap is NULL and everything refuses with "heap N is
 *    closed", except the documented always-available fields.  A heap cannot
 *    be made once the defaults block is finalized (d->closing).
 *  - Handle userdata have no finalizer: a finalizer per object made Lua's
 *    collector several times slower.  Instead every engine handle the
 *    binding makes is listed in lh->issued, and the identity cache (a
 *    weak-valued table id -> userdata, registry ref cache_ref:
 *    lua_identity.c) tells which userdata still live: its sweep releases
 *    the engine handles whose userdata the Lua collector has cleared, when
 *    the list has doubled since the last sweep (amortised O(1) per handle)
 *    and a Lua collection has cleared the cache since (its canary).
 *  - Identity: one userdata per object id while it lives (the cache).
 *  - Rooted handles are kept strongly (heap uservalue UV_ROOTED, an array:
 *    rooted[hd->root_slot] = userdata while its nroots > 0) so their engine
 *    handle, which holds the root, stays.  The count lives in the userdata;
 *    a handle takes a slot when it goes 0 -> 1 and keeps it when it goes
 *    back to 0: the slot is only queued (lh->root_pending) and released in
 *    a batch later or taken over by the next handle that needs a slot,
 *    unless the handle was rooted again meanwhile, so a root/unroot pair
 *    touches no table.  Freed slots are reused
 *    (lh->root_free), so it stays an array, not a hash.  An unrooted handle
 *    is thus kept a little longer (at most LGC_ROOT_PENDING_MAX of them):
 *    the engine object is unrooted at once, only the userdata waits.
 *  - Objects allocated in an open scope are rooted by the engine scope (an
 *    engine handle released while its scope is open stays a root until
 *    the scope closes: gc_handle_release).  The binding also keeps their
 *    userdata until the scope closes (keep_ref, a stack cut back at each
 *    close), for speed only: reading them back, as a scope body usually
 *    does, is then an identity-cache hit instead of a new userdata.
 *  - Scopes belong to the C frame of the heap:scope call that opened them:
 *    on the main thread the heap's one "closer" userdata is marked
 *    to-be-closed (no allocation per scope; Lua closes it when the body
 *    returns or raises, also through a pcall further up); inside a
 *    coroutine the body runs under lua_pcall and the scope is closed before
 *    the error goes on, because Lua does not close a dead coroutine's
 *    pending to-be-closed variables.  A scope body cannot yield (it runs
 *    under a C call), so scopes stay strictly nested across coroutines and
 *    "innermost" is always the scope whose body just ended.
 *  - Lua code never runs inside an engine call.  The engine's on_gc callback
 *    only sets lh->gc_pending; events are delivered to Lua (runner hook,
 *    then the user's on_gc) after the engine call returned (lgc_deliver).
 *    GCs caused while a callback runs reach the runner hook but not on_gc
 *    (V8's GCCallbacksScope), so an on_gc that allocates cannot recurse.
 *  - An object heap:alloc returns is rooted while events are delivered, so
 *    a callback that allocates cannot collect it before the caller has it.
 *
 * Every C function of the module has three upvalues: the handle metatable
 * prototype (copied into each heap's own handle metatable),
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
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "gclab.h"

#define UP_HANDLE_MT lua_upvalueindex(1)
#define UP_HEAP_PROTO lua_upvalueindex(2)
#define UP_DEFAULTS lua_upvalueindex(3)
#define LGC_NUP 3

/* Heap userdata uservalues. */
#define UV_ROOTED 1 /* array: root slot -> handle userdata (the rooted ones) */
#define UV_ONGC 2   /* the user's on_gc function or nil */
#define UV_CONFIG 3 /* the config table given to gclab.heap (for messages) */
#define UV_CLOSER 4 /* the scope closer (to-be-closed value of heap:scope) */
#define UV_STATE 5  /* the lheap userdata (see "Ownership and lifetimes") */
#define UV_HANDLE_MT 6 /* this heap's handle metatable ([1] = the lheap userdata) */
#define HEAP_NUV 6
/* Closer userdata: uservalue 1 is their heap's lheap userdata. */
#define UV_OWNER 1
/* Key of the lheap userdata in a heap's handle metatable. */
#define HMT_STATE 1

/* Defaults userdata uservalues (set by gclab.defaults). */
#define DV_SET 1      /* list of "key=value" applied after every heap's own config */
#define DV_ON_EVENT 2 /* runner hook: fn(heap, event) after every GC, before on_gc */
#define DV_ON_HEAP 3  /* runner hook: fn(heap) when a heap is created */
#define DEFAULTS_NUV 3

/* Slots of UV_ROOTED queued for release before a batch releases them. */
#define LGC_ROOT_PENDING_MAX 64

typedef struct lissued {
  gc_handle h;
  uint64_t id;
} lissued;

struct ldefaults;

typedef struct lheap {
  gc_heap *heap;      /* NULL once closed */
  gc_heap *open;      /* heap while Lua may use it, else NULL: closed or close_pending
                       * (one load on the hot paths, lgc_heap_open) */
  struct lheap *next, **pprev; /* in ldefaults.open while heap != NULL */
  /* The identity cache (lua_identity.c has its layout and invariants). */
  lissued *issued;    /* engine handles made and not yet released */
  size_t nissued, issued_cap, sweep_at;
  int cache_ref;      /* registry ref of the weak id -> handle table */
  uint32_t serial;    /* 1-based heap number within this Lua state */
  bool gc_pending;    /* the engine ran a GC not yet delivered to Lua */
  bool in_callback;   /* running on_gc or the runner hook */
  bool in_hook;       /* running the runner hook */
  size_t delivered;   /* events already delivered */
  uint32_t *root_free; /* free slots of UV_ROOTED, a stack (malloc'd, cap root_len) */
  uint32_t nroot_free, root_len; /* root_len: slots 1..root_len used so far */
  uint32_t root_pending[LGC_ROOT_PENDING_MAX]; /* slots whose handle went back to 0 roots */
  uint32_t nroot_pending;
  gc_scope *scopes;   /* open engine scopes, innermost last (malloc'd) */
  lua_Integer *scope_keep; /* keep_n when each scope opened */
  size_t nscopes, scopes_cap;
  int keep_ref;       /* registry ref: handles allocated in open scopes (a stack) */
  lua_Integer keep_n;
  uint32_t near_limit_snapshots; /* written for heapsnapshot_near_heap_limit (lua_snapshot_file.c) */
  bool near_limit_pending;       /* the limit was neared: write one after the engine call */
  /* Closed for Lua, engine heap not freed yet: a close asked for inside a
   * finalizer (the heap's own __gc, or heap:close() in a __gc), which may
   * run inside any call that allocates Lua memory -- a call on this heap
   * among them, still using its engine heap.  Freed at the next safe
   * point (lgc_close_pending). */
  bool close_pending;
  struct ldefaults *defaults; /* the module's block (lua_module.c) */
} lheap;

/* Whether Lua may use lh: its engine heap exists and no close is pending. */
static inline bool lgc_heap_open(const lheap *lh) { return lh->open != NULL; }

#define LHANDLE_TAG 0x676c61622e68646cull /* "glab.hdl" */
#define LHEAP_TAG 0x676c61622e686570ull   /* "glab.hep" */

typedef struct lhandle {
  uint64_t tag; /* LHANDLE_TAG */
  gc_handle h;  /* GC_NO_HANDLE until the engine handed one out */
  uint64_t id;
  lheap *lh;
  uint32_t nroots;    /* heap:root calls not yet undone (UV_ROOTED holds it while > 0) */
  uint32_t root_slot; /* its index in UV_ROOTED, 0 if none (kept while queued in root_pending),
                       * | LGC_ROOT_QUEUED while queued there */
} lhandle; /* 40 bytes: a Lua block of 72, two cache lines */
#define LGC_ROOT_QUEUED 0x80000000u

typedef struct lheapbox { /* the heap userdata */
  uint64_t tag; /* LHEAP_TAG */
  lheap *lh;
} lheapbox;

/* The open heap at idx, or an error (inline: every method starts here). */
lheap *lgc_check_heap_slow(lua_State *L, int idx);
static inline lheap *lgc_check_heap(lua_State *L, int idx) {
  lheapbox *box = (lheapbox *)lua_touserdata(L, idx);
  if (box && lua_rawlen(L, idx) == sizeof *box && box->tag == LHEAP_TAG && box->lh &&
      lgc_heap_open(box->lh))
    return box->lh;
  return lgc_check_heap_slow(L, idx);
}

typedef struct ldefaults {
  gc_config base;   /* the profile every heap starts from */
  bool verify;      /* gc_set_verify_each_gc on new heaps */
  uint32_t stress;  /* gc_set_stress on new heaps */
  uint32_t serial;  /* heaps created so far */
  lheap *open;      /* every lheap whose engine heap is still open */
  bool closing;     /* the block was finalized: the Lua state is closing */
} ldefaults;

/* lua_module.c */
lheap *lgc_check_heap_any(lua_State *L, int idx);    /* open or closed */
int lgc_status_error(lua_State *L, lheap *lh, gc_status st, const char *what);
/* The same with the engine's message given (saved before callbacks ran). */
int lgc_status_error_msg(lua_State *L, gc_status st, const char *msg, const char *what);
/* Errors when called from an on_gc callback (a GC is being reported). */
void lgc_refuse_in_callback(lua_State *L, lheap *lh, const char *what);
/* Every key of the options table at idx must be one of `known` (a NULL-
 * terminated list); raises "WHAT: unknown option 'K' (known: A, B)" for
 * another, so that a misspelt option is not silently ignored. */
void lgc_check_options(lua_State *L, int idx, const char *what, const char *const *known);

/* lua_heap_close.c: closing heaps (lheap's close_pending).
 * lgc_heap_close: heap:close() and __close; lgc_heap_gc: the heap value's
 * __gc.  lgc_in_finalizer: running a __gc finalizer (Lua's lua_gc answers
 * -1 there) while the state is not closing.  lgc_defer_close: mark lh
 * closed for Lua and keep its lheap (the state userdata, uservalue
 * UV_STATE of the heap at boxidx) alive until lgc_close_pending frees it:
 * at a binding call's start, outside finalizers, for every pending heap
 * not inside its own callback.  lgc_heap_closed_error: that, then "heap N
 * is closed".  lgc_heap_release: free lh's engine heap and its registry
 * entries.  lgc_lheap_free_engine: free lh's engine heap and malloc'd
 * arrays and unlink it from the open list (idempotent; no Lua calls). */
int lgc_heap_close(lua_State *L);
int lgc_heap_gc(lua_State *L);
bool lgc_in_finalizer(lua_State *L, const lheap *lh);
void lgc_defer_close(lua_State *L, lheap *lh, int boxidx);
void lgc_close_pending(lua_State *L, struct ldefaults *d);
int lgc_heap_closed_error(lua_State *L, lheap *lh);
void lgc_heap_release(lua_State *L, lheap *lh);
void lgc_lheap_free_engine(lheap *lh);

/* lua_heap_v8.c: heap:site, heap:site_info, heap:idle */
int lgc_heap_site(lua_State *L);
int lgc_heap_site_info(lua_State *L);
int lgc_heap_idle(lua_State *L);
int lgc_heap_compute(lua_State *L);
int lgc_heap_flush_at_full_gc(lua_State *L);

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
/* Pushes an empty handle userdata of lh; `hmt` is the stack index of lh's
 * handle metatable (which holds lh's state userdata). */
lhandle *lgc_new_handle(lua_State *L, lheap *lh, int hmt);
/* lua_identity.c */
/* hd (on top of the stack) got engine handle hd->h for object hd->id, of
 * which no other userdata lives (lgc_identity_push said so): list it and
 * enter it in the identity cache (may sweep). */
void lgc_issue(lua_State *L, lheap *lh, lhandle *hd);
/* Push the userdata of object `id` if one lives (true), leaving the cache
 * table below it; else push nothing (false). */
bool lgc_identity_push(lua_State *L, lheap *lh, uint64_t id);
void lgc_identity_free(lheap *lh); /* the C arrays; no Lua calls */
/* The handle of object `id`, which slot `slot` of `from` (the handle
 * userdata at stack index `fromidx`) references. */
void lgc_push_handle_for(lua_State *L, int fromidx, lhandle *from, uint32_t slot, uint64_t id);
lhandle *lgc_check_handle_slow(lua_State *L, int idx, lheap *lh);
/* Store the value at stack index vidx into slot i (1-based) of hd, through
 * the write barrier; errors say `what` ("slot write", "heap:set_slots"). */
void lgc_slot_write(lua_State *L, lhandle *hd, lua_Integer i, int vidx, const char *what);
void lgc_slot_store(lua_State *L, lhandle *hd, lua_Integer i, int vidx, const char *what, bool init);
/* The handle userdata at idx, or NULL (inline: every metamethod starts here). */
static inline lhandle *lgc_test_handle(lua_State *L, int idx) {
  lhandle *hd = (lhandle *)lua_touserdata(L, idx);
  if (hd && lua_rawlen(L, idx) == sizeof *hd && hd->tag == LHANDLE_TAG) return hd;
  return NULL;
}
int lgc_dead_error(lua_State *L, lhandle *hd, const char *what);
/* A handle argument of heap `lh` (lh NULL: of any open heap), or an error
 * (inline: the hot methods start here; a handle of an open lh is open). */
static inline lhandle *lgc_check_handle(lua_State *L, int idx, lheap *lh) {
  lhandle *hd = lgc_test_handle(L, idx);
  if (hd && lh && hd->lh == lh) return hd;
  return lgc_check_handle_slow(L, idx, lh);
}

/* lua_heap.c */
extern const luaL_Reg lgc_heap_methods[];
int lgc_heap_property(lua_State *L); /* upvalue 4: the heap */
int lgc_heap_tostring(lua_State *L);
void lgc_deliver(lua_State *L, int heapidx, lheap *lh); /* raises a callback's error */
/* lgc_deliver (heap userdata at 1) for a call that made object hd: hd
 * stays rooted while callbacks run -- they may allocate, and so collect --
 * so that it is returned alive. */
void lgc_deliver_keeping(lua_State *L, lheap *lh, lhandle *hd);
/* A call failed after running GCs: deliver them (callbacks run), then
 * raise the call's error.  The engine's message is saved first -- any
 * heap call a callback makes, even h.alive, overwrites it (an out of
 * memory read as a stale "is dead"). */
#define LGC_ERROR_MAX 1024
void lgc_save_error(const lheap *lh, char *buf, size_t len);
int lgc_deliver_then_fail(lua_State *L, int heapidx, lheap *lh, gc_status st, const char *what);
int lgc_deliver_status(lua_State *L, int heapidx, lheap *lh); /* leaves it on top */
/* lua_scope.c */
int lgc_scope(lua_State *L); /* heap:scope */
void lgc_push_closer(lua_State *L, lheap *lh, int state); /* a new scope closer for lh */
/* Keep the handle userdata on top while lh has an open scope (its keep stack). */
void lgc_scope_keep(lua_State *L, lheap *lh);
void lgc_on_engine_gc(gc_heap *heap, const gc_event *ev, void *ud);

/* lua_weak.c */
extern const luaL_Reg lgc_weak_heap_methods[];
/* Push the method `name` of hd's weak object (WeakRef, WeakMap, ...) and
 * return 1, or return 0 if it has none. */
int lgc_weak_method(lua_State *L, lhandle *hd, const char *name);
void lgc_weak_register(lua_State *L, int hmt, int pmt, int dud);
/* lua_objects.c: heap methods */
int lgc_alloc(lua_State *L);
int lgc_alloc_old(lua_State *L);
int lgc_alloc_external(lua_State *L);
int lgc_alloc_many(lua_State *L);
int lgc_set_slots(lua_State *L);
int lgc_init_slots(lua_State *L);
int lgc_root(lua_State *L);
int lgc_unroot(lua_State *L);

/* Whether a Lua string of len bytes holds a NUL byte (C reads it only up
 * to there). */
static inline bool lgc_has_nul(const char *s, size_t len) { return strlen(s) != len; }
/* A string argument the engine or libc takes as a C string: it must hold
 * no NUL byte (C would read the part before it: a file named by it, a
 * type name cut short).  Raises "WHAT: the KIND has a NUL byte at
 * position N (...)" otherwise; NULL for nil when `optional`. */
static inline const char *lgc_check_cstring(lua_State *L, int idx, const char *what, const char *kind,
                                            bool optional) {
  if (optional && lua_isnoneornil(L, idx)) return NULL;
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  if (lgc_has_nul(s, len))
    luaL_error(L, "%s: the %s has a NUL byte at position %d (a C string cannot hold one)", what, kind,
               (int)strlen(s) + 1);
  return s;
}
/* A field or option name (a Lua string of len bytes) matches no C name
 * when it holds a NUL byte; this is what an "unknown name" error adds
 * after the quoted name, which C prints up to the NUL. */
static inline const char *lgc_nul_note(const char *s, size_t len) {
  return lgc_has_nul(s, len) ? " followed by a NUL byte" : "";
}
/* A file path argument (lgc_check_cstring). */
static inline const char *lgc_check_path(lua_State *L, int idx, const char *what) {
  return lgc_check_cstring(L, idx, what, "path", false);
}

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

#endif /* GCLAB_LUA_INTERNAL_H */
