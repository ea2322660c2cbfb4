-- lua_binary_trees.lua -- the binary-trees benchmark (Computer Language
-- Benchmarks Game) twice in one run: on gclab heap objects through the Lua
-- module, and on plain Lua tables.  Prints both times and their ratio.
--
--   gclab lua bench/lua_binary_trees.lua [DEPTH] [CONFIG]
--   (or: cmake --build build --target bench_lua_binary_trees)
--
-- DEPTH defaults to 16; CONFIG (a YAML path) to the built-in node20 profile.
-- Each tree node is a 2-slot object (40 bytes, as a {left, right} JS
-- object in Node 20).  gclab handles are weak, so each tree is built and
-- checked inside heap:scope (V8's HandleScope) and the long-lived tree is
-- rooted.  Both programs must compute the same checks (verified).

local gclab = require "gclab"

local N = math.tointeger(tonumber(arg and arg[1] or "16")) or 16
local CONFIG = arg and arg[2]
local MIN_DEPTH = 4
local MAX_DEPTH = math.max(MIN_DEPTH + 2, N)

-- ------------------------------------------------------------ plain Lua

local function plain_tree(depth)
  if depth > 0 then
    depth = depth - 1
    local left, right = plain_tree(depth), plain_tree(depth)
    return {left, right}
  end
  return {}
end

local function plain_check(tree)
  local left = tree[1]
  if left then return 1 + plain_check(left) + plain_check(tree[2]) end
  return 1
end

local function run_plain(out)
  out[#out + 1] = plain_check(plain_tree(MAX_DEPTH + 1))
  local long_lived = plain_tree(MAX_DEPTH)
  for depth = MIN_DEPTH, MAX_DEPTH, 2 do
    local iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
    local check = 0
    for _ = 1, iterations do check = check + plain_check(plain_tree(depth)) end
    out[#out + 1] = check
  end
  out[#out + 1] = plain_check(long_lived)
end

-- ---------------------------------------------------------------- gclab

local heap
local function gc_tree(depth)
  if depth > 0 then
    depth = depth - 1
    local left, right = gc_tree(depth), gc_tree(depth)
    local node = heap:alloc(2)
    node[1] = left
    node[2] = right
    return node
  end
  return heap:alloc(2)
end

local function gc_check(tree)
  local left = tree[1]
  if left then return 1 + gc_check(left) + gc_check(tree[2]) end
  return 1
end

-- Build and check one tree inside a scope: its objects die when it ends.
local function scoped_check(_, depth) return gc_check(gc_tree(depth)) end

local function run_gclab(out)
  heap = gclab.heap(CONFIG)
  out[#out + 1] = heap:scope(scoped_check, MAX_DEPTH + 1)
  local long_lived = heap:scope(function() return heap:root(gc_tree(MAX_DEPTH)) end)
  for depth = MIN_DEPTH, MAX_DEPTH, 2 do
    local iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
    local check = 0
    for _ = 1, iterations do check = check + heap:scope(scoped_check, depth) end
    out[#out + 1] = check
  end
  out[#out + 1] = gc_check(long_lived)
  local st = heap:stats()
  local kinds = {}
  for _, ev in ipairs(heap:events()) do kinds[ev.kind] = (kinds[ev.kind] or 0) + 1 end
  heap:close()
  return st, kinds
end

-- ----------------------------------------------------------------- main

local function timed(f, out)
  collectgarbage()
  collectgarbage()
  local t0 = os.clock()
  local a, b = f(out)
  return os.clock() - t0, a, b
end

local plain_out, gc_out = {}, {}
local t_plain = timed(run_plain, plain_out)
local t_gclab, st, kinds = timed(run_gclab, gc_out)

for i = 1, #plain_out do
  if plain_out[i] ~= gc_out[i] then
    error(string.format("check %d differs: plain %s, gclab %s", i, plain_out[i], gc_out[i]))
  end
end

print(string.format("binary-trees depth %d (checks agree: %s)", N, table.concat(plain_out, " ")))
print(string.format("  plain Lua tables : %8.3f s", t_plain))
print(string.format("  gclab heap       : %8.3f s  (%d objects, %d Scavenge, %d Mark-Compact, %d Mark-Sweep)",
  t_gclab, st.objects_allocated, kinds["Scavenge"] or 0, kinds["Mark-Compact"] or 0,
  kinds["Mark-Sweep"] or 0))
print(string.format("  ratio gclab/plain: %8.2fx  (target <= 2x)", t_gclab / t_plain))
