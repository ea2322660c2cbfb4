/*
 * lua_formats.c -- gclab.json_encode and gclab.csv_row: tables of results
 * as JSON (libyajl's generator) and CSV (libcsv's csv_write), so that no
 * gclab code escapes a string by hand.
 *
 *   gclab.json_encode(value [, {pretty = true}]) -> text
 *       nil -> null; booleans; integers; floats (Lua's %.14g); strings;
 *       a table with t[1] ~= nil (or an empty table) -> an array of
 *       t[1..#t]; any other table -> an object, keys (strings) sorted, so
 *       output is deterministic.  Nesting deeper than 64 is an error.
 *   gclab.csv_row({v1, v2, ...}) -> one RFC 4180 line, no line ending;
 *       every field quoted by libcsv when it needs quoting.
 */
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <lauxlib.h>
#include <yajl/yajl_gen.h>

#include "lua_internal.h"

#define JSON_MAX_DEPTH 64

typedef struct json_ctx {
  lua_State *L;
  yajl_gen g;
} json_ctx;

static void gen_check(json_ctx *c, yajl_gen_status st) {
  if (st != yajl_gen_status_ok) {
    yajl_gen_free(c->g);
    c->g = NULL;
    luaL_error(c->L, "gclab.json_encode: the JSON generator failed (status %d)", (int)st);
  }
}

typedef struct json_key {
  const char *s;
  size_t n; /* a key may hold NUL bytes (JSON's \u0000) */
} json_key;

static int cmp_keys(const void *a, const void *b) {
  const json_key *x = a, *y = b;
  int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void json_fail(json_ctx *c, const char *fmt, const char *detail) {
  yajl_gen_free(c->g);
  c->g = NULL;
  luaL_error(c->L, fmt, detail);
}

static void encode(json_ctx *c, int idx, int depth) {
  lua_State *L = c->L;
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TNIL: gen_check(c, yajl_gen_null(c->g)); return;
  case LUA_TBOOLEAN: gen_check(c, yajl_gen_bool(c->g, lua_toboolean(L, idx))); return;
  case LUA_TNUMBER: {
    if (lua_isinteger(L, idx)) {
      gen_check(c, yajl_gen_integer(c->g, (long long)lua_tointeger(L, idx)));
      return;
    }
    lua_Number n = lua_tonumber(L, idx);
    if (n != n || n - n != 0) {
      yajl_gen_free(c->g);
      c->g = NULL;
      luaL_error(L, "gclab.json_encode: %s has no JSON form", n != n ? "nan" : "an infinity");
    }
    size_t len;
    lua_pushvalue(L, idx);
    const char *s = lua_tolstring(L, -1, &len);
    gen_check(c, yajl_gen_number(c->g, s, len));
    lua_pop(L, 1);
    return;
  }
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    gen_check(c, yajl_gen_string(c->g, (const unsigned char *)s, len));
    return;
  }
  case LUA_TTABLE: break;
  default:
    yajl_gen_free(c->g);
    c->g = NULL;
    luaL_error(L, "gclab.json_encode: a %s has no JSON form", luaL_typename(L, idx));
  }
  if (depth >= JSON_MAX_DEPTH) {
    yajl_gen_free(c->g);
    c->g = NULL;
    luaL_error(L, "gclab.json_encode: nested deeper than %d (a cycle?)", JSON_MAX_DEPTH);
  }
  luaL_checkstack(L, 4, "gclab.json_encode");
  lua_pushnil(L);
  bool empty = lua_next(L, idx) == 0;
  if (!empty) lua_pop(L, 2);
  if (empty || lua_rawgeti(L, idx, 1) != LUA_TNIL) {
    if (!empty) lua_pop(L, 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    /* a list: keys 1..n and nothing else (JSON has no form for a table
     * that is both; the other keys were dropped without a word) */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      lua_pop(L, 1);
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
        const char *shown = luaL_tolstring(L, -1, NULL); /* 1.5, true, x, table: 0x... */
        json_fail(c, "gclab.json_encode: a table with list entries and the key %s has no JSON "
                     "form (a list has keys 1..n only, an object string keys only)", shown);
      }
    }
    gen_check(c, yajl_gen_array_open(c->g));
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, i);
      encode(c, -1, depth + 1);
      lua_pop(L, 1);
    }
    gen_check(c, yajl_gen_array_close(c->g));
    return;
  }
  lua_pop(L, 1);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      yajl_gen_free(c->g);
      c->g = NULL;
      luaL_error(L, "gclab.json_encode: object keys must be strings (got a %s key)", luaL_typename(L, -1));
    }
    n++;
  }
  json_key *keys = (json_key *)lua_newuserdatauv(L, n * sizeof *keys, 0);
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    keys[k].s = lua_tolstring(L, -1, &keys[k].n); /* anchored in the table */
    k++;
  }
  qsort(keys, n, sizeof *keys, cmp_keys);
  gen_check(c, yajl_gen_map_open(c->g));
  for (size_t i = 0; i < n; i++) {
    gen_check(c, yajl_gen_string(c->g, (const unsigned char *)keys[i].s, keys[i].n));
    lua_pushlstring(L, keys[i].s, keys[i].n);
    lua_rawget(L, idx);
    encode(c, -1, depth + 1);
    lua_pop(L, 1);
  }
  gen_check(c, yajl_gen_map_close(c->g));
  lua_pop(L, 1); /* keys */
}

int lgc_json_encode(lua_State *L) {
  luaL_checkany(L, 1);
  if (lua_istable(L, 2)) { /* before the generator is made: this may raise */
    static const char *const known[] = {"pretty", NULL};
    lgc_check_options(L, 2, "gclab.json_encode", known);
  }
  json_ctx c = {L, yajl_gen_alloc(NULL)};
  if (!c.g) return luaL_error(L, "gclab.json_encode: out of memory");
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "pretty");
    if (lua_toboolean(L, -1)) {
      yajl_gen_config(c.g, yajl_gen_beautify, 1);
      yajl_gen_config(c.g, yajl_gen_indent_string, "  ");
    }
    lua_pop(L, 1);
  }
  encode(&c, 1, 0);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(c.g, &buf, &len);
  lua_pushlstring(L, (const char *)buf, len);
  yajl_gen_free(c.g);
  return 1;
}

/* gclab.csv_row({fields...}) -> "a,b,\"c,d\"" */
int lgc_csv_row(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  if (n == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  for (lua_Integer i = 1; i <= n; i++) {
    luaL_checkstack(L, 4, "gclab.csv_row");
    if (i > 1) lua_pushliteral(L, ",");
    int t = lua_rawgeti(L, 1, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN && t != LUA_TNIL)
      return luaL_error(L, "gclab.csv_row: field %d is a %s (string, number or boolean expected)", (int)i,
                        luaL_typename(L, -1));
    if (t == LUA_TBOOLEAN || t == LUA_TNIL) {
      const char *v = t == LUA_TNIL ? "" : lua_toboolean(L, -1) ? "true" : "false";
      lua_pop(L, 1);
      lua_pushstring(L, v);
    }
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    /* csv_write needs at most 2 * len + 2 bytes (every quote doubled, two around) */
    char *dst = (char *)lua_newuserdatauv(L, 2 * len + 2, 0);
    size_t w = csv_write(dst, 2 * len + 2, src, len);
    lua_pushlstring(L, dst, w);
    lua_replace(L, -3); /* the field's text replaces its value */
    lua_pop(L, 1);      /* the scratch buffer */
  }
  lua_concat(L, (int)(2 * n - 1));
  return 1;
}
