-- lua_binary_trees.lua -- the Lua front door's benchmark, in one run: a
-- per-operation table (each gclab operation against its plain-Lua
-- equivalent), then binary-trees (Computer Language Benchmarks Game) on
-- plain Lua tables and on gclab heap objects written two ways -- with
-- heap:scope, and with heap:root/unroot around each node.  Prints ratios
-- against their targets (issue 15; docs/benchmarks.md).
-- GCLAB_BENCH_OPS=N sets the loop count of the per-operation table.
--
--   gclab lua bench/lua_binary_trees.lua [DEPTH] [CONFIG]
--   (or: cmake --build build --target bench_lua_binary_trees)
--
-- DEPTH defaults to 16; CONFIG (a YAML path) to the built-in node20 profile.
-- Each tree node is a 2-slot object (40 bytes, as a {left, right} JS
-- object in Node 20).  gclab handles are weak, so each tree is built and
-- checked inside heap:scope (V8's HandleScope) and the long-lived tree is
-- rooted, or every node is rooted until its parent holds it.  All three
-- programs must compute the same checks (verified).

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

-- gclab with root/unroot around each inner node instead of scopes: every
-- call returns its node rooted; the parent unroots its children once they
-- are stored in it (they are then reachable from the rooted parent).
local function gc_tree_rooted(depth)
  local node = heap:root(heap:alloc(2))
  if depth > 0 then
    depth = depth - 1
    local left = gc_tree_rooted(depth)
    local right = gc_tree_rooted(depth)
    node[1] = left
    node[2] = right
    heap:unroot(left)
    heap:unroot(right)
  end
  return node
end

local function rooted_check(depth)
  local tree = gc_tree_rooted(depth)
  local c = gc_check(tree)
  heap:unroot(tree)
  return c
end

local function run_gclab_rooted(out)
  heap = gclab.heap(CONFIG)
  out[#out + 1] = rooted_check(MAX_DEPTH + 1)
  local long_lived = gc_tree_rooted(MAX_DEPTH)
  for depth = MIN_DEPTH, MAX_DEPTH, 2 do
    local iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
    local check = 0
    for _ = 1, iterations do check = check + rooted_check(depth) end
    out[#out + 1] = check
  end
  out[#out + 1] = gc_check(long_lived)
  heap:unroot(long_lived)
  heap:close()
end

-- ------------------------------------------------- per-operation table

-- Each gclab operation and its plain-Lua equivalent run in loops of the
-- same shape (upvalues, a numeric for), interleaved, ROUNDS times; the
-- ratio printed is the median of the rounds' ratios.  Loop overhead is in
-- both columns, as in a script.
local OPS_N = math.tointeger(tonumber(os.getenv("GCLAB_BENCH_OPS") or "")) or 200000
local ROUNDS = 5

local function micro()
  local h = gclab.heap(CONFIG)
  local o = h:root(h:alloc(2))
  local v = h:root(h:alloc(2))
  local w = h:alloc(2) -- alive through v, not rooted: root/unroot go 0 -> 1 -> 0
  o[1] = v
  v[1] = w
  local t = {{}, false, alive = true, space = "new"}
  local tv = t[1]
  local set = {}
  -- a table whose __index is a C function doing almost nothing (rawequal)
  local proxy = setmetatable({}, {__index = rawequal})
  -- a table whose __index is another table holding the slots: no C call
  -- at all (a handle that mirrored its slots in a Lua table could be no
  -- cheaper than this)
  local mirror = setmetatable({}, {__index = {tv, false}})
  -- stores into an empty table whose __newindex is a C function doing
  -- almost nothing: what a store that reaches C costs before any work
  local sink = setmetatable({}, {__newindex = rawequal})
  -- an object whose method is a C function doing almost nothing: what a
  -- method call such as heap:root(o) costs before any work
  local obj = {f = rawequal}
  local n = OPS_N
  local ops = {
    {"heap:alloc(2)", "{false, false}", 1.3,
      function() for _ = 1, n do local _ = h:alloc(2) end end,
      function() for _ = 1, n do local _ = {false, false} end end},
    {"h[1] (load)", "t[1]", 2,
      function() for _ = 1, n do local _ = o[1] end end,
      function() for _ = 1, n do local _ = t[1] end end},
    {"h[2] = o (store, barrier)", "t[2] = x", 2,
      function() for _ = 1, n do o[2] = v end end,
      function() for _ = 1, n do t[2] = tv end end},
    {"heap:root(o); heap:unroot(o)", "s[x] = true; s[x] = nil", 2,
      function() for _ = 1, n do h:root(w); h:unroot(w) end end,
      function() for _ = 1, n do set[tv] = true; set[tv] = nil end end},
    {"o.alive", "t.alive", 2,
      function() for _ = 1, n do local _ = v.alive end end,
      function() for _ = 1, n do local _ = t.alive end end},
    {"o.space", "t.space", 2,
      function() for _ = 1, n do local _ = v.space end end,
      function() for _ = 1, n do local _ = t.space end end},
    -- batches: per object / per pair of stores
    {"heap:alloc_many(100, 2) / 100", "{false, false}", 1.3,
      function() for _ = 1, n // 100 do local _ = h:alloc_many(100, 2) end end,
      function() for _ = 1, n // 100 * 100 do local _ = {false, false} end end},
    {"heap:set_slots(o, v, v)", "t[1] = x; t[2] = x", 2,
      function() for _ = 1, n do h:set_slots(o, v, v) end end,
      function() for _ = 1, n do t[1] = tv; t[2] = tv end end},
    -- the floor: what crossing into C costs with no work at all
    {"floor: empty C __index", "t[1]", nil,
      function() for _ = 1, n do local _ = proxy[1] end end,
      function() for _ = 1, n do local _ = t[1] end end},
    {"floor: table __index (mirror)", "t[1]", nil,
      function() for _ = 1, n do local _ = mirror[1] end end,
      function() for _ = 1, n do local _ = t[1] end end},
    {"floor: empty C __newindex", "t[2] = x", nil,
      function() for _ = 1, n do sink[2] = tv end end,
      function() for _ = 1, n do t[2] = tv end end},
    {"floor: two empty C methods", "s[x] = true; s[x] = nil", nil,
      function() for _ = 1, n do obj:f(tv); obj:f(tv) end end,
      function() for _ = 1, n do set[tv] = true; set[tv] = nil end end},
  }
  print(string.format("per operation (%d each, median of %d interleaved rounds; loop included in both):",
    n, ROUNDS))
  print(string.format("  %-30s %-26s %8s %8s", "gclab", "plain Lua", "ratio", "target"))
  local rows = {}
  for _, op in ipairs(ops) do
    local ratios = {}
    for r = 1, ROUNDS do
      collectgarbage()
      local t0 = os.clock(); op[4](); local tg = os.clock() - t0
      collectgarbage()
      t0 = os.clock(); op[5](); local tp = os.clock() - t0
      ratios[r] = tg / math.max(tp, 1e-9)
    end
    table.sort(ratios)
    local med = ratios[(ROUNDS + 1) // 2]
    rows[#rows + 1] = med
    if op[3] then
      print(string.format("  %-30s %-26s %7.2fx %7.1fx %s", op[1], op[2], med, op[3],
        med <= op[3] and "met" or "NOT met"))
    else
      print(string.format("  %-30s %-26s %7.2fx %8s", op[1], op[2], med, "-"))
    end
  end
  h:close()
  return rows
end

-- ----------------------------------------------------------------- main

local function timed(f, out)
  collectgarbage()
  collectgarbage()
  local t0 = os.clock()
  local a, b = f(out)
  return os.clock() - t0, a, b
end

micro()

local plain_out, gc_out, rooted_out = {}, {}, {}
local t_plain = timed(run_plain, plain_out)
local t_gclab, st, kinds = timed(run_gclab, gc_out)
local t_rooted = timed(run_gclab_rooted, rooted_out)

for i = 1, #plain_out do
  if plain_out[i] ~= gc_out[i] or plain_out[i] ~= rooted_out[i] then
    error(string.format("check %d differs: plain %s, gclab %s, gclab rooted %s", i,
      plain_out[i], gc_out[i], rooted_out[i]))
  end
end

print(string.format("binary-trees depth %d (checks agree: %s)", N, table.concat(plain_out, " ")))
print(string.format("  plain Lua tables : %8.3f s", t_plain))
print(string.format("  gclab heap       : %8.3f s  (%d objects, %d Scavenge, %d Mark-Compact, %d Mark-Sweep)",
  t_gclab, st.objects_allocated, kinds["Scavenge"] or 0, kinds["Mark-Compact"] or 0,
  kinds["Mark-Sweep"] or 0))
print(string.format("  gclab root/unroot: %8.3f s", t_rooted))
print(string.format("  ratio scope/plain: %8.2fx  (target <= 1.0x: %s)", t_gclab / t_plain,
  t_gclab / t_plain <= 1.0 and "met" or "NOT met"))
print(string.format("  ratio root/plain : %8.2fx  (target <= 1.3x: %s)", t_rooted / t_plain,
  t_rooted / t_plain <= 1.3 and "met" or "NOT met"))
