/*
 * test_lua_embed.c -- the Lua module embedded in a C host (as the gclab
 * command does): misuse from scripts raises Lua errors, never crashes, and
 * closing a Lua state tears down heaps, handles that outlive their heap,
 * open scopes and callbacks in any order (run under ASan in CI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_gclab.h"

static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  assert_non_null(L);
  luaL_openlibs(L);
  luaL_requiref(L, "gclab", luaopen_gclab, 1);
  lua_pop(L, 1);
  return L;
}

/* Run `code`; return its error message (NULL when it succeeded). */
static const char *run(lua_State *L, const char *code) {
  if (luaL_dostring(L, code) == LUA_OK) return NULL;
  return lua_tostring(L, -1);
}

static void test_runs(void **state) {
  (void)state;
  lua_State *L = new_state();
  const char *err = run(L,
                        "local h = gclab.heap()\n"
                        "local o = h:root(h:alloc(2))\n"
                        "o[1] = 5\n"
                        "h:scavenge(); h:scavenge()\n"
                        "assert(o.space == 'old' and o[1] == 5)\n");
  assert_null(err);
  lua_close(L);
}

static void test_errors_are_lua_errors(void **state) {
  (void)state;
  lua_State *L = new_state();
  static const struct {
    const char *code, *expect;
  } cases[] = {
      {"gclab.heap():alloc('x')", "bad argument #1 to 'alloc'"},
      {"local h = gclab.heap(); h:alloc(1)[2] = 1", "out of range"},
      {"local h = gclab.heap(); h:alloc(1)[1] = 2.5", "no integer representation"},
      {"local h = gclab.heap(); h:alloc(1)[1] = 1 << 40", "out of Smi range"},
      {"gclab.heap({nope = 1})", "nope"},
      {"local h = gclab.heap(); local o = h:alloc(1); h:scavenge(); return o.size", "is dead"},
      {"local h = gclab.heap(); h:on_gc(function() h:scavenge() end); h:scavenge()",
       "not allowed inside an on_gc callback"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *err = run(L, cases[i].code);
    assert_non_null(err);
    if (!strstr(err, cases[i].expect)) fail_msg("case %zu: got \"%s\"", i, err);
    lua_pop(L, 1);
  }
  lua_close(L);
}

/* Teardown orders: handles outliving a closed or collected heap; a state
 * closed inside an open scope; a callback holding the heap. */
static void test_teardown(void **state) {
  (void)state;
  lua_State *L = new_state();
  assert_null(run(L,
                  "kept = {}\n"
                  "for i = 1, 3 do\n"
                  "  local h = gclab.heap()\n"
                  "  h:on_gc(function(ev) kept[#kept + 1] = h end)\n"
                  "  for j = 1, 100 do kept[#kept + 1] = h:root(h:alloc(2)) end\n"
                  "  h:scavenge()\n"
                  "  if i == 2 then h:close() end\n"
                  "end\n"
                  "local h = gclab.heap(); lone = h:alloc(1); h = nil\n"
                  "collectgarbage(); collectgarbage()\n"
                  "assert(not pcall(function() return lone.size end))\n"));
  /* an error thrown out of a scope leaves it closed; then close the state
   * while another scope is open (the C stack unwinds through lua_close) */
  assert_non_null(run(L, "local h = gclab.heap(); h:scope(function() error('x') end)"));
  lua_pop(L, 1);
  lua_close(L);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_runs),
      cmocka_unit_test(test_errors_are_lua_errors),
      cmocka_unit_test(test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
