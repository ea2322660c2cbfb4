-- stock_lua.lua -- the shared module gclab.so loaded by a stock lua5.4
-- through package.cpath (LUA_CPATH), without the gclab command.
local gclab = require "gclab"
assert(type(gclab.version) == "string")
local heap = gclab.heap()
local holder = heap:root(heap:alloc(1))
local o = heap:alloc(2, 40, "Tree")
holder[1] = o
o[2] = 42
heap:scavenge()
assert(o.alive and o.space == "new" and o.age == 1)
heap:scavenge()
assert(o.space == "old")
holder[1] = nil
heap:mark_sweep()
assert(not o.alive)
assert(not pcall(function() return o.space end))
heap:close()
print("stock lua5.4: ok")
