/*
 * lua_gclab.h -- the Lua 5.4 module `gclab`: what other C code may call.
 *
 * The module is built twice: as a static library (gclab_lua) that the
 * `gclab` command preloads, and as a shared module (gclab.so) that stock
 * `lua5.4` finds through package.cpath.  Either way the entry point is
 * luaopen_gclab.  See docs/lua-api.md for the Lua-level contract.
 */
#ifndef GCLAB_LUA_H
#define GCLAB_LUA_H

#include <lua.h>

#ifdef __cplusplus
extern "C" {
#endif

/* require "gclab": returns the module table. */
int luaopen_gclab(lua_State *L);

#ifdef __cplusplus
}
#endif
#endif /* GCLAB_LUA_H */
