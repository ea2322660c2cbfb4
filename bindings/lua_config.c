/*
 * lua_config.c -- heap configurations from Lua: nil (the built-in default),
 * a YAML file path, or a table shaped like the YAML; gclab.defaults, which
 * sets what every later heap starts from (the runner's --config, --set,
 * --verify, --stress and its event hook); and heap.config as a table.
 *
 * A table's list part holds whole layers applied before its named keys:
 * gclab.heap{"configs/tiny.yaml", old_space = {max_size = "1MiB"}}.
 *
 * Layering, lowest first: the built-in default (node20), the defaults'
 * `config` (the runner's --config), the heap's own cfg argument, then the
 * defaults' `set` list (the runner's --set).  A table cfg is flattened to
 * dotted keys in sorted order (so errors are deterministic), each value
 * turned into the text a YAML file would hold, and applied with
 * gclab_config_set_kv_novalidate: one parser for YAML and Lua alike.  The
 * relations between keys are checked once, on the final result, so a table
 * may raise semi_space.initial and semi_space.max together in any order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

#ifdef GCLAB_HAVE_CONFIG
#include "gclab_config.h"
#endif

/* ------------------------------------------------- tables -> key paths */

/* A config table is bounded like a YAML file (config_yaml.c): named keys
 * nest only as deep as the schema's sections (a deeper path is an unknown
 * key, so a table that names itself, c.new_space = c, stops there); list
 * layers nest at most CFG_LUA_MAX_LAYER_DEPTH deep and may not contain
 * themselves; and one config reads at most CFG_LUA_MAX_ITEMS keys and
 * layers in all. */
#define CFG_LUA_MAX_LAYER_DEPTH 16
#define CFG_LUA_MAX_ITEMS 65536

typedef struct walk {
  const char *what; /* "gclab.heap", for messages */
  int visiting;     /* stack index of a table: layer table -> true while applied */
  size_t items;     /* keys and layers read so far */
} walk;

static void count_item(lua_State *L, walk *w) {
  if (++w->items > CFG_LUA_MAX_ITEMS)
    luaL_error(L, "%s: config table too large (more than %d keys and layers)", w->what,
               CFG_LUA_MAX_ITEMS);
}

/* Is `key` a full key path (a value, not a section)?  A section (a prefix
 * of key paths)? */
static bool is_leaf_key(const char *key) {
#ifdef GCLAB_HAVE_CONFIG
  for (size_t i = 0; gclab_config_key(i); i++)
    if (strcmp(gclab_config_key(i), key) == 0) return true;
#else
  (void)key;
#endif
  return false;
}

static bool is_section(const char *key) {
#ifdef GCLAB_HAVE_CONFIG
  size_t n = strlen(key);
  for (size_t i = 0; gclab_config_key(i); i++)
    if (strncmp(gclab_config_key(i), key, n) == 0 && gclab_config_key(i)[n] == '.') return true;
#else
  (void)key;
#endif
  return false;
}

/* Raise "WHAT: KEY: <the loader's message for an unknown key>" (the
 * loader's messages start with the key: one prefix each). */
static void unknown_key_error(lua_State *L, const walk *w, const char *key) {
#ifdef GCLAB_HAVE_CONFIG
  char err[512] = "";
  gc_config scratch;
  gc_config_default(&scratch);
  if (gclab_config_set_kv_novalidate(&scratch, key, "0", err, sizeof err) != 0 && *err)
    luaL_error(L, "%s: %s", w->what, err);
#endif
  luaL_error(L, "%s: %s: found an unknown key", w->what, key);
}

/* The string at `idx`, which must hold no NUL byte: C reads a string up to
 * its first NUL, so "tiny.yaml\0junk" would load tiny.yaml and
 * "4KiB\0junk" read as 4KiB without a word.  `what`: the key or role, for
 * the message (as a YAML file's "found a NUL byte"). */
static const char *checked_text(lua_State *L, int idx, const walk *w, const char *what) {
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  if (s && lgc_has_nul(s, len))
    luaL_error(L, "%s: %s: found a NUL byte at position %d of the string, expected text", w->what,
               what, (int)strlen(s) + 1);
  return s;
}

/* The text a YAML file would hold for the number at `vi`, pushed; or an
 * error for a number no key accepts (NaN, infinities, beyond 64 bits). */
static void push_number_text(lua_State *L, int vi, const walk *w, const char *key) {
  if (lua_isinteger(L, vi)) {
    lua_pushfstring(L, "%I", lua_tointeger(L, vi));
    return;
  }
  lua_Number n = lua_tonumber(L, vi);
  if (n != n)
    luaL_error(L, "%s: %s: found nan (not a number), expected a number", w->what,
               key);
  lua_Integer i;
  if (lua_numbertointeger(n, &i) && (lua_Number)i == n) {
    lua_pushfstring(L, "%I", i);
    return;
  }
  if (n >= 0x1p63 || n <= -0x1p63) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.14g", (double)n);
    luaL_error(L, "%s: %s: found %s (too large: at most 2^63 - 1), expected a "
                  "number", w->what, key, buf);
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.14g", (double)n);
  lua_pushstring(L, buf);
}

/* A key that is not a string, shown: "boolean key true", "number key 2.5". */
static const char *show_key(lua_State *L, int ki) {
  int t = lua_type(L, ki);
  if (t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
    luaL_tolstring(L, ki, NULL);
    const char *s = lua_pushfstring(L, "%s key %s", luaL_typename(L, ki), lua_tostring(L, -1));
    lua_remove(L, -2);
    return s;
  }
  return lua_pushfstring(L, "a %s key", luaL_typename(L, ki));
}

/* Collect the leaves of the table at `tidx` into the table at `acc` as
 * acc["a.b.c"] = "text".  Integer keys 1..layers are list layers, applied
 * already. */
static void flatten(lua_State *L, int tidx, int acc, const char *prefix, walk *w,
                    lua_Integer layers) {
  luaL_checkstack(L, 8, "config table too deep");
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    if (layers > 0 && lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
        lua_tointeger(L, -2) <= layers) {
      lua_pop(L, 1); /* a layer, applied already */
      continue;
    }
    count_item(L, w);
    if (lua_type(L, -2) != LUA_TSTRING) {
      const char *shown = show_key(L, lua_gettop(L) - 1);
      if (*prefix)
        luaL_error(L, "%s: config keys must be strings, got %s under '%s'", w->what, shown,
                   prefix);
      luaL_error(L, "%s: config keys must be strings, got %s (list entries 1..n are layers)",
                 w->what, shown);
    }
    const char *k = checked_text(L, -2, w, *prefix ? prefix : "a config key");
    const char *key = *prefix ? lua_pushfstring(L, "%s.%s", prefix, k) : lua_pushstring(L, k);
    int keyi = lua_gettop(L);
    int vi = keyi - 1;
    /* one key reached twice -- dotted and nested, {["a.b"] = 1, a = {b = 2}}
     * -- would take whichever lua_next visits last: an order that changes
     * from run to run */
    if (lua_type(L, vi) != LUA_TTABLE && lua_getfield(L, acc, key) != LUA_TNIL)
      luaL_error(L, "%s: %s: given twice (as a dotted key and nested), expected each key once",
                 w->what, key);
    lua_settop(L, keyi);
    switch (lua_type(L, vi)) {
    case LUA_TTABLE:
      if (is_leaf_key(key))
        luaL_error(L, "%s: %s: expected a value, got a table", w->what, key);
      if (!is_section(key)) unknown_key_error(L, w, key);
      flatten(L, lua_absindex(L, vi), acc, key, w, 0);
      break;
    case LUA_TSTRING:
      checked_text(L, vi, w, key);
      lua_pushvalue(L, vi);
      lua_setfield(L, acc, key);
      break;
    case LUA_TBOOLEAN:
      lua_pushstring(L, lua_toboolean(L, vi) ? "true" : "false");
      lua_setfield(L, acc, key);
      break;
    case LUA_TNUMBER:
      push_number_text(L, vi, w, key);
      lua_setfield(L, acc, key);
      break;
    default:
      luaL_error(L, "%s: %s: expected a string, number, boolean or table, got %s",
                 w->what, key, luaL_typename(L, vi));
    }
    lua_settop(L, vi - 1); /* keep the key for lua_next */
  }
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void apply_layer_at(lua_State *L, int idx, gc_config *cfg, walk *w, int depth);

/* The named keys of the table at `idx` (its first `nl` list entries are
 * layers), flattened, sorted and applied. */
static void apply_named_keys(lua_State *L, int idx, lua_Integer nl, gc_config *cfg, walk *w) {
#ifdef GCLAB_HAVE_CONFIG
  lua_newtable(L);
  int acc = lua_gettop(L);
  flatten(L, idx, acc, "", w, nl);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, acc)) {
    n++;
    lua_pop(L, 1);
  }
  const char **keys = n ? (const char **)lua_newuserdatauv(L, n * sizeof *keys, 0) : NULL;
  size_t i = 0;
  lua_pushnil(L);
  while (lua_next(L, acc)) {
    lua_pop(L, 1);
    keys[i++] = lua_tostring(L, -1); /* anchored in acc */
  }
  if (n) qsort(keys, n, sizeof *keys, cmp_str);
  const char **vals = n ? (const char **)lua_newuserdatauv(L, n * sizeof *vals, 0) : NULL;
  for (i = 0; i < n; i++) {
    lua_getfield(L, acc, keys[i]);
    vals[i] = lua_tostring(L, -1); /* anchored in acc */
    lua_pop(L, 1);
  }
  /* one layer: the Node keys (flags, physical_memory) first, then the rest;
   * the loader's messages start "KEY: " */
  char err[512] = "";
  if (gclab_config_set_layer_novalidate(cfg, keys, vals, n, err, sizeof err) != 0)
    luaL_error(L, "%s: %s", w->what, *err ? err : "rejected");
#else
  (void)L, (void)idx, (void)nl, (void)cfg, (void)w;
#endif
}

/* Apply one layer: nil, a YAML path, or a table (whose list part holds
 * layers applied first).  `depth` counts enclosing list layers. */
static void apply_layer_at(lua_State *L, int idx, gc_config *cfg, walk *w, int depth) {
  int t = lua_type(L, idx);
  if (t == LUA_TNIL || t == LUA_TNONE) return;
#ifdef GCLAB_HAVE_CONFIG
  char err[512] = "";
  if (t == LUA_TSTRING) {
    const char *path = checked_text(L, idx, w, "the config file path");
    if (gclab_config_load_file(path, cfg, err, sizeof err) != 0)
      luaL_error(L, "%s: %s", w->what, *err ? err : path);
    return;
  }
  if (t == LUA_TTABLE) {
    luaL_checkstack(L, 8, "config layers too deep");
    int top = lua_gettop(L);
    idx = lua_absindex(L, idx);
    if (depth > CFG_LUA_MAX_LAYER_DEPTH)
      luaL_error(L, "%s: config layers nested too deep (more than %d)", w->what,
                 CFG_LUA_MAX_LAYER_DEPTH);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, w->visiting) != LUA_TNIL)
      luaL_error(L, "%s: config layer contains itself (a table in its own list part)", w->what);
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, w->visiting);
    /* A list part holds whole layers, applied first: {"tiny.yaml", {...}, key = ...}. */
    lua_Integer nl = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= nl; i++) {
      count_item(L, w);
      lua_rawgeti(L, idx, i);
      if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "%s: config layer [%I] must be a YAML path or a table, got %s", w->what, i,
                   luaL_typename(L, -1));
      apply_layer_at(L, -1, cfg, w, depth + 1);
      lua_pop(L, 1);
    }
    apply_named_keys(L, idx, nl, cfg, w);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, w->visiting);
    lua_settop(L, top);
    return;
  }
#else
  (void)cfg;
  (void)depth;
  if (t == LUA_TSTRING || t == LUA_TTABLE)
    luaL_error(L, "%s: this build has no config loader (YAML and table configs unavailable)",
               w->what);
#endif
  luaL_typeerror(L, idx, "nil, a YAML file path or a config table");
}

static void apply_layer(lua_State *L, int idx, gc_config *cfg, const char *what) {
  if (lua_isnoneornil(L, idx)) return;
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  walk w = {what, lua_gettop(L), 0};
  apply_layer_at(L, idx, cfg, &w, 0);
  lua_pop(L, 1);
}

/* The `set` list of the defaults ("key=value" strings), on top of cfg. */
static void apply_set_list(lua_State *L, int listidx, gc_config *cfg, const char *what) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, listidx);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, listidx, i);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "%s: set[%I] must be a \"key=value\" string", what, i);
    walk w = {what, 0, 0};
    const char *s = checked_text(L, -1, &w, "a set entry");
#ifdef GCLAB_HAVE_CONFIG
    char err[512] = "";
    if (gclab_config_set_novalidate(cfg, s, err, sizeof err) != 0)
      luaL_error(L, "%s: %s", what, *err ? err : "rejected"); /* err names --set KEY */
#else
    (void)cfg;
    luaL_error(L, "%s: this build has no config loader (--set unavailable)", what);
#endif
    lua_pop(L, 1);
  }
}

static void validate(lua_State *L, gc_config *cfg, const char *what) {
  char err[512] = "";
#ifdef GCLAB_HAVE_CONFIG
  if (gclab_config_finish(cfg, err, sizeof err) != 0) /* derived defaults follow, then validate */
#else
  if (gc_config_validate(cfg, err, sizeof err) != GC_OK)
#endif
    luaL_error(L, "%s: %s", what, *err ? err : "invalid configuration");
}

void lgc_build_config(lua_State *L, int cfgidx, gc_config *out, const char *what) {
  ldefaults *d = (ldefaults *)lua_touserdata(L, UP_DEFAULTS);
  cfgidx = lua_absindex(L, cfgidx);
  *out = d->base;
  apply_layer(L, cfgidx, out, what);
  lua_getiuservalue(L, UP_DEFAULTS, DV_SET);
  apply_set_list(L, lua_gettop(L), out, what);
  lua_pop(L, 1);
  validate(L, out, what);
}

/* gclab.defaults{config=, set=, verify=, stress=, on_event=, on_heap=} */
int lgc_defaults(lua_State *L) {
  ldefaults *d = (ldefaults *)lua_touserdata(L, UP_DEFAULTS);
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  static const char *const known[] = {"config", "set", "verify", "stress", "on_event", "on_heap",
                                      NULL};
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    size_t len = 0;
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    bool ok = false, named = k && !lgc_has_nul(k, len);
    for (int i = 0; named && known[i] && !ok; i++) ok = strcmp(k, known[i]) == 0;
    if (!ok)
      return luaL_argerror(L, 1, lua_pushfstring(L, "unknown option %s (known: config, set, "
                                                    "verify, stress, on_event, on_heap)",
                                                 k ? lua_pushfstring(L, "'%s'%s", k, lgc_nul_note(k, len))
                                                   : show_key(L, lua_gettop(L))));
  }
  lua_getfield(L, 1, "config"); /* 2 */
  lua_getfield(L, 1, "set");    /* 3 */
  if (lua_isnil(L, 3)) {
    lua_pop(L, 1);
    lua_newtable(L);
  } else {
    luaL_argcheck(L, lua_istable(L, 3), 1, "field 'set' must be a list of \"key=value\" strings");
  }
  lua_getfield(L, 1, "stress"); /* 4 */
  lua_Integer stress = 0;
  if (!lua_isnil(L, 4)) {
    int isnum;
    stress = lua_tointegerx(L, 4, &isnum);
    luaL_argcheck(L, isnum && stress >= 0 && stress <= (lua_Integer)UINT32_MAX, 1,
                  "field 'stress' must be a non-negative integer");
  }
  lua_getfield(L, 1, "verify");
  luaL_argcheck(L, lua_isnil(L, -1) || lua_isboolean(L, -1), 1,
                "field 'verify' must be a boolean");
  lua_pop(L, 1);
  lua_getfield(L, 1, "on_event"); /* 5 */
  lua_getfield(L, 1, "on_heap");  /* 6 */
  luaL_argcheck(L, lua_isnil(L, 5) || lua_isfunction(L, 5), 1,
                "field 'on_event' must be a function");
  luaL_argcheck(L, lua_isnil(L, 6) || lua_isfunction(L, 6), 1,
                "field 'on_heap' must be a function");

  /* Build and check everything before changing anything. */
  gc_config base;
  gc_config_default(&base);
  apply_layer(L, 2, &base, "config");
  gc_config probe = base;
  apply_set_list(L, 3, &probe, "config");
  validate(L, &probe, "config");

  d->base = base;
  d->serial = 0; /* heap numbers in messages restart: runs are reproducible */
  lua_getfield(L, 1, "verify");
  d->verify = lua_toboolean(L, -1);
  lua_pop(L, 1);
  d->stress = (uint32_t)stress;
  lua_pushvalue(L, 3);
  lua_setiuservalue(L, UP_DEFAULTS, DV_SET);
  lua_pushvalue(L, 5);
  lua_setiuservalue(L, UP_DEFAULTS, DV_ON_EVENT);
  lua_pushvalue(L, 6);
  lua_setiuservalue(L, UP_DEFAULTS, DV_ON_HEAP);
  return 0;
}

/* ------------------------------------------------ gc_config -> table */

static void f_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

static void f_x100(lua_State *L, const char *k, uint32_t v) {
  lua_pushnumber(L, (lua_Number)v / 100.0);
  lua_setfield(L, -2, k);
}

static void f_str(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

static void f_bool(lua_State *L, const char *k, bool v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

void lgc_push_config(lua_State *L, const gc_config *c) {
  lua_createtable(L, 0, 8);
  f_int(L, "page_size", c->page_size);
  f_int(L, "page_header", c->page_header);

  lua_createtable(L, 0, 3); /* new_space */
  lua_createtable(L, 0, 3);
  f_int(L, "initial", c->new_space.semi_space_initial);
  f_int(L, "max", c->new_space.semi_space_max);
  f_int(L, "growth_factor", c->new_space.growth_factor);
  lua_setfield(L, -2, "semi_space");
  lua_createtable(L, 0, 3);
  f_str(L, "policy", c->new_space.promotion == GC_PROMOTE_CLASSIC ? "classic" : "age_mark");
  f_int(L, "age", c->new_space.promotion_age);
  f_int(L, "classic_to_space", c->new_space.classic_to_space_pct);
  lua_setfield(L, -2, "promotion");
  f_int(L, "copy_lab", c->new_space.copy_lab);
  lua_setfield(L, -2, "new_space");

  lua_createtable(L, 0, 10); /* old_space */
  f_int(L, "max_size", c->old_space.max_size);
  f_int(L, "initial_limit", c->old_space.initial_limit);
  f_bool(L, "shrink_initial_limit", c->old_space.shrink_initial_limit);
  f_bool(L, "promotion_limit_gc", c->old_space.promotion_limit_gc);
  f_str(L, "full_gc", c->old_space.full_gc == GC_FULL_MARK_SWEEP ? "mark_sweep" : "mark_compact");
  lua_createtable(L, 0, 4);
  f_int(L, "min_step", c->old_space.min_growing_step);
  f_x100(L, "min_factor", c->old_space.min_growing_factor_x100);
  f_x100(L, "max_factor", c->old_space.max_growing_factor_x100);
  f_x100(L, "target_mu", c->old_space.target_mu_x100);
  lua_setfield(L, -2, "growing");
  lua_createtable(L, 0, 4);
  f_str(L, "strategy", c->old_space.compaction == GC_COMPACT_SLIDE ? "slide" : "evacuate");
  f_int(L, "free_threshold", c->old_space.evacuation_free_pct);
  f_int(L, "free_threshold_reducing", c->old_space.evacuation_free_pct_reducing);
  f_int(L, "quota", c->old_space.evacuation_quota);
  lua_setfield(L, -2, "compaction");
  f_bool(L, "always_promote_young", c->old_space.always_promote_young);
  f_int(L, "page_promotion_threshold", c->old_space.page_promotion_pct);
  f_int(L, "last_resort_gcs", c->old_space.last_resort_gcs);
  f_int(L, "ineffective_mark_compacts", c->old_space.ineffective_mark_compacts);
  f_int(L, "concurrent_sweepers", c->old_space.concurrent_sweepers);
  f_int(L, "empty_pages_kept", c->old_space.empty_pages_kept);
  lua_setfield(L, -2, "old_space");

  lua_createtable(L, 0, 1);
  f_int(L, "threshold", c->large_object.threshold);
  lua_setfield(L, -2, "large_object");

  lua_createtable(L, 0, 9);
  f_bool(L, "enabled", c->incremental.enabled);
  f_int(L, "activation_size", c->incremental.activation_size);
  f_int(L, "young_step", c->incremental.young_step);
  f_int(L, "old_step", c->incremental.old_step);
  f_int(L, "step_budget", c->incremental.step_budget);
  f_int(L, "concurrent_markers", c->incremental.concurrent_markers);
  f_int(L, "marker_tasks", c->incremental.marker_tasks);
  f_int(L, "interrupt_ns", c->incremental.interrupt_ns);
  f_int(L, "interrupt_optimize", c->incremental.interrupt_optimize);
  lua_setfield(L, -2, "incremental");

  lua_createtable(L, 0, 6);
  f_int(L, "alloc_ns", c->cost.alloc_ns);
  f_int(L, "store_ns", c->cost.store_ns);
  f_int(L, "mark_ns_per_kb", c->cost.mark_ns_per_kb);
  f_int(L, "mark_scalar_ns_per_kb", c->cost.mark_scalar_ns_per_kb);
  f_int(L, "copy_ns_per_kb", c->cost.copy_ns_per_kb);
  f_int(L, "sweep_ns_per_kb", c->cost.sweep_ns_per_kb);
  lua_setfield(L, -2, "cost");

  f_int(L, "event_ring", c->event_ring);
  lua_createtable(L, 0, 1);
  f_int(L, "exit_idle_ms", c->event_loop.exit_idle_ms);
  lua_setfield(L, -2, "event_loop");
  lua_createtable(L, 0, 2);
  f_int(L, "optimize_us", c->allocation_sites.optimize_us);
  f_int(L, "tiering_allocations", c->allocation_sites.tiering_allocations);
  lua_setfield(L, -2, "allocation_sites");
  lua_createtable(L, 0, 2);
  f_int(L, "soft_limit", c->external.soft_limit);
  f_int(L, "young_gc_bytes", c->external.young_gc_bytes);
  lua_setfield(L, -2, "external");
  f_int(L, "heapsnapshot_near_heap_limit", c->heapsnapshot_near_heap_limit);
  f_str(L, "boot", c->boot == GC_BOOT_NONE ? "none" : "node20");

  f_int(L, "seed", c->seed);
}
