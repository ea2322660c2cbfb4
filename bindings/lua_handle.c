/*
 * lua_handle.c -- handle userdata: slot reads and writes, properties, and
 * the errors a dead handle raises.
 *
 * Hot paths (h[i], h[i] = v) make one engine call each plus, for a read of
 * a reference, one lookup in the identity cache; an engine handle is only
 * made (gc_slot_handle) on a cache miss.  A handle never keeps its object
 * alive: roots do (heap:root, heap:scope).
 */
#include <stdio.h>
#include <string.h>

#include "lua_internal.h"

/* ------------------------------------------------------------- creation */

lhandle *lgc_new_handle(lua_State *L, lheap *lh, int hmt) {
  lhandle *hd = (lhandle *)lua_newuserdatauv(L, sizeof *hd, 0);
  hd->tag = LHANDLE_TAG;
  hd->h = GC_NO_HANDLE;
  hd->id = 0;
  hd->lh = lh;
  hd->nroots = 0;
  hd->root_slot = 0;
  lua_pushvalue(L, hmt);
  lua_setmetatable(L, -2);
  return hd;
}

/* lgc_check_handle's errors and its lh NULL case. */
lhandle *lgc_check_handle_slow(lua_State *L, int idx, lheap *lh) {
  lhandle *hd = lgc_test_handle(L, idx);
  if (!hd) {
    luaL_typeerror(L, idx, "gclab handle");
    return NULL;
  }
  if (lh && hd->lh != lh)
    luaL_argerror(L, idx,
                  hd->lh->serial == lh->serial
                      ? lua_pushfstring(L, "handle of object #%I belongs to another heap %d (heap "
                                           "numbers restart with each scenario), not this one",
                                        (lua_Integer)hd->id, (int)lh->serial)
                      : lua_pushfstring(L, "handle of object #%I belongs to heap %d, not heap %d",
                                        (lua_Integer)hd->id, (int)hd->lh->serial, (int)lh->serial));
  if (!lgc_heap_open(hd->lh)) lgc_heap_closed_error(L, hd->lh);
  return hd;
}

/* ---------------------------------------------------------- dead objects */

static const char *obj_name(lhandle *hd, gc_object_info *oi, bool have) {
  (void)hd;
  return (have && oi->name) ? oi->name : "?";
}

/* Raise "<what>: object #ID (NAME) is dead: collected by GC #N (KIND, REASON)". */
int lgc_dead_error(lua_State *L, lhandle *hd, const char *what) {
  lheap *lh = hd->lh;
  gc_object_info oi;
  memset(&oi, 0, sizeof oi);
  bool have = gc_object_info_get(lh->heap, hd->h, &oi) == GC_OK;
  const char *name = obj_name(hd, &oi, have);
  if (have && oi.died_in_gc > 0) {
    const gc_event *ev = gc_event_get(lh->heap, oi.died_in_gc - 1);
    if (ev)
      return luaL_error(L, "%s: object #%I (%s) is dead: collected by GC #%d (%s, %s%s%s)", what,
                        (lua_Integer)hd->id, name, (int)ev->seq, gc_kind_name(ev->kind),
                        gc_reason_name(ev->reason),
                        (ev->collector_reason && *ev->collector_reason) ? "; " : "",
                        ev->collector_reason ? ev->collector_reason : "");
  }
  if (have && oi.died_in_gc > 0) /* its event is out of the ring */
    return luaL_error(L, "%s: object #%I (%s) is dead: collected by GC #%d", what,
                      (lua_Integer)hd->id, name, (int)oi.died_in_gc);
  return luaL_error(L, "%s: object #%I (%s) is dead", what, (lua_Integer)hd->id, name);
}

/* The handle a metamethod was called on (arg 1). */
static lhandle *self_handle(lua_State *L) {
  lhandle *hd = lgc_test_handle(L, 1);
  if (!hd) luaL_typeerror(L, 1, "gclab handle");
  if (!lgc_heap_open(hd->lh)) lgc_heap_closed_error(L, hd->lh);
  return hd;
}

static int slot_range_error(lua_State *L, lhandle *hd, lua_Integer i, const char *what) {
  gc_object_info oi;
  if (gc_object_info_get(hd->lh->heap, hd->h, &oi) != GC_OK || !oi.alive)
    return lgc_dead_error(L, hd, what);
  return luaL_error(L, "%s: slot index %I out of range for object #%I (%s) with %d slot%s", what,
                    i, (lua_Integer)hd->id, oi.name ? oi.name : "?", (int)oi.nslots,
                    oi.nslots == 1 ? "" : "s");
}

/* ------------------------------------------------------------ properties */

/* A handle's fields (docs/lua-api.md, *Handles*), in the order of the
 * switch in push_property; matched by length, then bytes. */
enum { F_ALIVE, F_ID, F_NAME, F_SPACE, F_YOUNG, F_AGE, F_SIZE, F_SLOTS, F_ADDRESS, F_PAGE,
       F_COLOR, F_ROOTED, F_INFO, F_COUNT };
static const struct {
  const char *name;
  size_t len;
} fields[F_COUNT] = {
#define FIELD(s) {s, sizeof s - 1}
    FIELD("alive"), FIELD("id"),    FIELD("name"),    FIELD("space"), FIELD("young"),
    FIELD("age"),   FIELD("size"),  FIELD("slots"),   FIELD("address"), FIELD("page"),
    FIELD("color"), FIELD("rooted"), FIELD("info"),
#undef FIELD
};

/* The field named k (len bytes), or -1. */
static int field_of(const char *k, size_t len) {
  for (int f = 0; f < F_COUNT; f++)
    if (fields[f].len == len && fields[f].name[0] == k[0] && memcmp(fields[f].name, k, len) == 0)
      return f;
  return -1;
}

static int push_property(lua_State *L, lhandle *hd, const char *k, size_t len) {
  lheap *lh = hd->lh;
  int f = field_of(k, len);
  if (f == F_ALIVE) { /* the most read field: no full info */
    lua_pushboolean(L, gc_view(lh->heap, hd->h) != NULL);
    return 1;
  }
  if (f == F_ID) {
    lua_pushinteger(L, (lua_Integer)hd->id);
    return 1;
  }
  if (f < 0 && !lgc_has_nul(k, len) && lgc_weak_method(L, hd, k)) return 1;
  if (f < 0)
    return luaL_error(L,
                      "handle has no field '%s'%s (fields: alive id name space young age size "
                      "slots address page color rooted info)",
                      k, lgc_nul_note(k, len));
  gc_object_info oi;
  gc_status st = gc_object_info_get(lh->heap, hd->h, &oi);
  if (f == F_NAME) {
    if (st == GC_OK && oi.name)
      lua_pushstring(L, oi.name);
    else
      lua_pushnil(L);
    return 1;
  }
  if (st != GC_OK || !oi.alive) {
    char what[64];
    snprintf(what, sizeof what, "h.%s", k);
    return lgc_dead_error(L, hd, what);
  }
  switch (f) {
  case F_SPACE: lua_pushstring(L, gc_space_name(oi.space)); break;
  case F_YOUNG: lua_pushboolean(L, oi.space == GC_SPACE_NEW || oi.space == GC_SPACE_NEW_LARGE); break;
  case F_AGE: lua_pushinteger(L, (lua_Integer)oi.age); break;
  case F_SIZE: lua_pushinteger(L, (lua_Integer)oi.size); break;
  case F_SLOTS: lua_pushinteger(L, (lua_Integer)oi.nslots); break;
  case F_ADDRESS: lua_pushinteger(L, (lua_Integer)oi.address); break;
  case F_PAGE: lua_pushinteger(L, (lua_Integer)oi.page); break;
  case F_COLOR: lua_pushstring(L, gc_color_name(oi.color)); break;
  case F_ROOTED: lua_pushboolean(L, oi.rooted); break;
  default: lgc_push_object_info(L, &oi); break;
  }
  return 1;
}

/* ------------------------------------------------------------ metamethods */

/* The fields a handle of a closed heap still answers (docs/lua-api.md):
 * alive (false), id, name (nil: the heap's names are gone).  1 if pushed. */
static int closed_heap_field(lua_State *L, lhandle *hd) {
  size_t len;
  const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
  int f = k ? field_of(k, len) : -1;
  if (f == F_ALIVE)
    lua_pushboolean(L, 0);
  else if (f == F_ID)
    lua_pushinteger(L, (lua_Integer)hd->id);
  else if (f == F_NAME)
    lua_pushnil(L);
  else
    return 0;
  return 1;
}

/* Push slot i (1-based) of hd, the handle at stack index 1: a handle, an
 * integer or nil.  The result is the top value (see lgc_push_handle_for). */
static int slot_read(lua_State *L, lhandle *hd, lua_Integer i) {
  if (i < 1 || i > (lua_Integer)UINT32_MAX) return slot_range_error(L, hd, i, "slot read");
  gc_slot_value v;
  gc_status st = gc_slot_get(hd->lh->heap, hd->h, (uint32_t)(i - 1), &v);
  if (st != GC_OK) {
    if (st == GC_EDEAD) return lgc_dead_error(L, hd, "slot read");
    if (st == GC_EINVAL) return slot_range_error(L, hd, i, "slot read");
    return lgc_status_error(L, hd->lh, st, "slot read");
  }
  switch (v.kind) {
  case GC_SLOT_SMI: lua_pushinteger(L, v.smi); break;
  case GC_SLOT_REF:
  case GC_SLOT_WEAK: lgc_push_handle_for(L, 1, hd, (uint32_t)(i - 1), v.ref_id); break;
  default: lua_pushnil(L); break;
  }
  return 1;
}

/* h[i] -> handle | integer | nil ;  h.field -> property */
static int h_index(lua_State *L) {
  lhandle *hd = lgc_test_handle(L, 1);
  /* The hot path: an integer key on a handle of an open heap. */
  if (hd && lgc_heap_open(hd->lh) && lua_isinteger(L, 2)) return slot_read(L, hd, lua_tointeger(L, 2));
  if (hd && !lgc_heap_open(hd->lh) && closed_heap_field(L, hd)) return 1;
  hd = self_handle(L);
  int isnum = 0;
  lua_Integer i = lua_type(L, 2) == LUA_TNUMBER ? lua_tointegerx(L, 2, &isnum) : 0;
  if (isnum) return slot_read(L, hd, i);
  if (lua_type(L, 2) == LUA_TSTRING) {
    size_t len;
    const char *k = lua_tolstring(L, 2, &len);
    return push_property(L, hd, k, len);
  }
  return luaL_error(L, "handle index: expected a slot number (an integer) or a field name, got %s",
                    lua_type(L, 2) == LUA_TNUMBER ? lua_tostring(L, 2) : luaL_typename(L, 2));
}

/* h[i] = handle | integer | nil  (through the write barrier) */
static int h_newindex(lua_State *L) {
  lhandle *hd = self_handle(L);
  int isnum = lua_isinteger(L, 2); /* the hot path: one call for the key */
  lua_Integer i = isnum ? lua_tointeger(L, 2)
                        : lua_type(L, 2) == LUA_TNUMBER ? lua_tointegerx(L, 2, &isnum) : 0;
  if (!isnum) {
    if (lua_type(L, 2) == LUA_TSTRING)
      return luaL_error(L, "cannot assign field '%s' of a handle (only slots h[i] are writable)",
                        lua_tostring(L, 2));
    return luaL_error(L, "handle index: expected a slot number (an integer), got %s",
                      lua_type(L, 2) == LUA_TNUMBER ? lua_tostring(L, 2) : luaL_typename(L, 2));
  }
  lgc_slot_write(L, hd, i, 3, "slot write");
  return 0;
}

void lgc_slot_write(lua_State *L, lhandle *hd, lua_Integer i, int vidx, const char *what) {
  lgc_slot_store(L, hd, i, vidx, what, false);
}

/* init: an initializing store (gc_slot_init_ref) for a handle value. */
void lgc_slot_store(lua_State *L, lhandle *hd, lua_Integer i, int vidx, const char *what, bool init) {
  lheap *lh = hd->lh;
  if (i < 1 || i > (lua_Integer)UINT32_MAX) {
    slot_range_error(L, hd, i, what);
    return;
  }
  uint32_t slot = (uint32_t)(i - 1);
  gc_status st;
  lhandle *val = NULL;
  switch (lua_type(L, vidx)) {
  case LUA_TNIL: st = gc_slot_clear(lh->heap, hd->h, slot); break;
  case LUA_TNUMBER: {
    int ok;
    lua_Integer n = lua_tointegerx(L, vidx, &ok);
    if (!ok)
      luaL_error(L, "%s: bad value for slot %I: number %s has no integer representation (slots "
                 "hold handles, small integers or nil)", what, i, lua_tostring(L, vidx));
    if (n < GC_SMI_MIN || n > GC_SMI_MAX)
      luaL_error(L, "%s: bad value for slot %I: integer %I out of Smi range (%d..%d)", what, i, n,
                 (int)GC_SMI_MIN, (int)GC_SMI_MAX);
    st = gc_slot_set_smi(lh->heap, hd->h, slot, n);
    break;
  }
  case LUA_TUSERDATA:
    val = lgc_test_handle(L, vidx);
    if (val) {
      if (val->lh != lh)
        luaL_error(L, "%s: bad value for slot %I: handle of object #%I belongs to heap %d, not "
                   "heap %d", what, i, (lua_Integer)val->id, (int)val->lh->serial,
                   (int)lh->serial);
      st = init ? gc_slot_init_ref(lh->heap, hd->h, slot, val->h)
                : gc_slot_set_ref(lh->heap, hd->h, slot, val->h);
      break;
    }
    /* fallthrough */
  default:
    luaL_error(L, "%s: bad value for slot %I: expected a handle, an integer or nil, got %s", what,
               i, luaL_typename(L, vidx));
    return;
  }
  if (st == GC_OK) return;
  if (st == GC_EDEAD) {
    gc_object_info oi;
    if (val && gc_object_info_get(lh->heap, hd->h, &oi) == GC_OK && oi.alive) {
      char vwhat[64];
      snprintf(vwhat, sizeof vwhat, "%s (value)", what);
      lgc_dead_error(L, val, vwhat);
    }
    lgc_dead_error(L, hd, what);
  }
  if (st == GC_EINVAL) {
    gc_object_info oi;
    if (gc_object_info_get(lh->heap, hd->h, &oi) == GC_OK && oi.alive && i > oi.nslots)
      slot_range_error(L, hd, i, what);
  }
  lgc_status_error(L, lh, st, what);
}

static int h_len(lua_State *L) {
  lhandle *hd = self_handle(L);
  gc_object_info oi;
  gc_status st = gc_object_info_get(hd->lh->heap, hd->h, &oi);
  if (st != GC_OK || !oi.alive) return lgc_dead_error(L, hd, "#h");
  lua_pushinteger(L, (lua_Integer)oi.nslots);
  return 1;
}

static int h_tostring(lua_State *L) {
  lhandle *hd = lgc_test_handle(L, 1);
  if (!hd) return luaL_typeerror(L, 1, "gclab handle");
  if (!lgc_heap_open(hd->lh)) {
    lua_pushfstring(L, "gclab.handle #%I (heap %d closed)", (lua_Integer)hd->id,
                    (int)hd->lh->serial);
    return 1;
  }
  gc_object_info oi;
  if (gc_object_info_get(hd->lh->heap, hd->h, &oi) != GC_OK) {
    lua_pushfstring(L, "gclab.handle #%I (?)", (lua_Integer)hd->id);
  } else if (!oi.alive) {
    lua_pushfstring(L, "gclab.handle #%I %s (dead, GC #%d)", (lua_Integer)hd->id,
                    oi.name ? oi.name : "?", (int)oi.died_in_gc);
  } else {
    lua_pushfstring(L, "gclab.handle #%I %s (%s, %I bytes, @%I)", (lua_Integer)hd->id,
                    oi.name ? oi.name : "?", gc_space_name(oi.space),
                    (lua_Integer)oi.size, (lua_Integer)oi.address);
  }
  return 1;
}

static int h_eq(lua_State *L) {
  lhandle *a = lgc_test_handle(L, 1), *b = lgc_test_handle(L, 2);
  lua_pushboolean(L, a && b && a->lh == b->lh && a->id == b->id);
  return 1;
}

const luaL_Reg lgc_handle_meta[] = {
    {"__index", h_index}, {"__newindex", h_newindex}, {"__len", h_len},
    {"__tostring", h_tostring}, {"__eq", h_eq},
    {NULL, NULL},
};
