-- The binding's errors: lauxlib-style messages naming the argument, never a
-- crash, and the heap usable afterwards.
local TINY = {config = "../../../configs/tiny.yaml"}

scenario("alloc checks its arguments", function(heap)
  expect(function() heap:alloc("x") end).to_error("bad argument #1 to 'alloc' (number expected, got string)")
  expect(function() heap:alloc(-1) end).to_error("bad argument #1 to 'alloc' (slot count")
  expect(function() heap:alloc(1.5) end).to_error("bad argument #1 to 'alloc'")
  expect(function() heap:alloc(2, -8) end).to_error("bad argument #2 to 'alloc' (byte size")
  expect(function() heap:alloc(2, 0, {}) end).to_error("bad argument #3 to 'alloc' (string expected, got table)")
  expect(function() heap:alloc(4, 8) end).to_error("heap:alloc:")
  expect(function() heap.alloc(42, 1) end).to_error("gclab heap expected")
  expect(heap:alloc(2).alive).to_be(true)
end)

scenario("slot indexes are 1-based and checked", function(heap)
  local o = heap:root(heap:alloc(2, 0, "Pair"))
  expect(function() return o[0] end).to_error("slot index 0 out of range for object #" .. o.id .. " (Pair) with 2 slots")
  expect(function() return o[3] end).to_error("slot index 3 out of range")
  expect(function() o[3] = 1 end).to_error("slot index 3 out of range")
  expect(function() o[-1] = nil end).to_error("out of range")
  expect(function() return o[1.5] end).to_error("expected a slot number")
  expect(function() return o["1"] end).to_error("handle has no field '1'")
  expect(o[1]).to_be_nil()
  expect(#o).to_be(2)
end)

scenario("slot values: handles, small integers, nil", function(heap)
  local o = heap:root(heap:alloc(3))
  o[1] = gclab.SMI_MAX
  o[2] = gclab.SMI_MIN
  o[3] = 2.0
  expect(o[1]).to_be(2147483647)
  expect(o[2]).to_be(-2147483648)
  expect(math.type(o[3])).to_be("integer")
  expect(function() o[1] = gclab.SMI_MAX + 1 end).to_error("integer 2147483648 out of Smi range")
  expect(function() o[1] = gclab.SMI_MIN - 1 end).to_error("out of Smi range")
  expect(function() o[1] = 1.5 end).to_error("has no integer representation")
  expect(function() o[1] = "text" end).to_error("expected a handle, an integer or nil, got string")
  expect(function() o[1] = {} end).to_error("got table")
  expect(function() o[1] = true end).to_error("got boolean")
  expect(function() o[1] = io.stdout end).to_error("got userdata")
  expect(function() o.space = "old" end).to_error("cannot assign field 'space'")
  o[1] = o
  expect(o[1]).to_be(o)
  o[1] = nil
  expect(o[1]).to_be_nil()
end)

scenario("a handle of another heap is refused", function(heap)
  local other = gclab.heap()
  local mine = heap:root(heap:alloc(1))
  local theirs = other:alloc(1)
  expect(function() mine[1] = theirs end).to_error("belongs to heap 2, not heap 1")
  expect(function() heap:root(theirs) end).to_error("bad argument #1 to 'root'")
  expect(function() heap:root(42) end).to_error("gclab handle expected")
  other:close()
end)

scenario("dead handles answer alive, id and name; anything else names the GC", TINY, function(heap)
  local o = heap:alloc(2, 0, "Ghost")
  local id = o.id
  heap:scavenge()
  expect(o.alive).to_be(false)
  expect(o.id).to_be(id)
  expect(o.name).to_be("Ghost")
  local msg = "object #" .. id .. " (Ghost) is dead: collected by GC #1 (Scavenge, testing)"
  expect(function() return o.space end).to_error(msg)
  expect(function() return o[1] end).to_error(msg)
  expect(function() o[1] = 1 end).to_error(msg)
  expect(function() return #o end).to_error(msg)
  expect(function() heap:root(o) end).to_error(msg)
  local holder = heap:root(heap:alloc(1))
  expect(function() holder[1] = o end).to_error(msg)
  expect(tostring(o)).to_be("gclab.handle #" .. id .. " Ghost (dead, GC #1)")
end)

scenario("unknown fields and methods are errors", function(heap)
  local o = heap:alloc(1)
  expect(function() return o.spcae end).to_error("handle has no field 'spcae'")
  -- a field name is all of the key's bytes: "alive" and a NUL byte is not alive
  expect(function() return o["alive\0x"] end).to_error("handle has no field 'alive' followed by a NUL byte")
  expect(function() return o["space\0"] end).to_error("followed by a NUL byte")
  expect(function() return heap["closed\0"] end).to_error("heap has no method or field 'closed' followed by a NUL byte")
  expect(function() return heap:snapshot()["nodes\0"] end).to_error("snapshot has no method or field 'nodes' followed by a NUL byte")
  expect(function() gclab.defaults{["verify\0"] = true} end).to_error("unknown option 'verify' followed by a NUL byte")
  expect(function() return heap.scavange end).to_error("heap has no method or field 'scavange'")
  expect(function() heap:scavange() end).to_error("scavange")
end)

scenario("GC calls are refused inside on_gc; allocation is allowed", TINY, function(heap)
  local allocated
  heap:on_gc(function(ev)
    if ev.seq == 1 then allocated = heap:alloc(1) end
  end)
  heap:scavenge()
  expect(allocated.alive).to_be(true)
  heap:on_gc(function() heap:scavenge() end)
  expect(function() heap:scavenge() end).to_error("heap:scavenge: not allowed inside an on_gc callback")
  heap:on_gc(function() heap:full_gc() end)
  expect(function() for _ = 1, 5000 do heap:alloc(2) end end).to_error("not allowed inside an on_gc callback")
  heap:on_gc(nil)
  expect(heap:scavenge().kind).to_be("Scavenge") -- usable again
end)

scenario("an error in on_gc reaches the caller with its own position", TINY, function(heap)
  heap:on_gc(function() error("boom in on_gc") end)
  expect(function() heap:scavenge() end).to_error("errors.lua:" )
  heap:on_gc(nil)
  heap:scavenge()
end)

scenario("roots: root returns its argument, unroot needs a root", function(heap)
  local o = heap:alloc(1)
  expect(heap:root(o)).to_be(o)
  heap:root(o)
  heap:unroot(o)
  heap:scavenge()
  expect(o.alive, "still rooted once").to_be(true)
  heap:unroot(o)
  expect(function() heap:unroot(o) end).to_error("was not rooted")
  heap:scavenge()
  expect(o.alive).to_be(false)
end)

scenario("scope returns fn's results and ends on error", TINY, function(heap)
  local a, b, c = heap:scope(function(h, x) return h, x, 3 end, "arg")
  expect(a).to_be(heap)
  expect(b).to_be("arg")
  expect(c).to_be(3)
  local inner
  expect(function()
    heap:scope(function() inner = heap:alloc(1); error("inside") end)
  end).to_error("inside")
  heap:scavenge()
  expect(inner.alive, "scope closed by the error").to_be(false)
  expect(function() heap:scope(42) end).to_error("bad argument #1 to 'scope'")
end)

scenario("collections and incremental marking check their state", TINY, function(heap)
  expect(function() heap:mark_compact({strategy = "sideways"}) end).to_error("strategy must be")
  expect(function() heap:mark_compact(5) end).to_error("bad argument #1 to 'mark_compact'")
  expect(heap:mark_compact("slide").compaction).to_be("slide")
  expect(function() heap:incremental_finish() end).to_error("heap:incremental_finish:")
  expect(function() heap:incremental_step(0) end).to_error("step budget")
  heap:incremental_start()
  expect(function() heap:incremental_start() end).to_error("heap:incremental_start:")
  heap:incremental_finish()
  expect(heap.marking).to_be("idle")
  expect(function() heap:pages("middle") end).to_error("space must be")
end)

scenario("out of memory raises V8's message and leaves the heap usable",
  {config = {"../../../configs/tiny.yaml", old_space = {max_size = "1MiB"}}}, function(heap)
  local head = heap:root(heap:alloc(1))
  local cur = head
  local msg = expect(function()
    while true do local n = heap:alloc(1, 512); cur[1] = n; cur = n end
  end).to_error(gclab.OOM_MESSAGE)
  expect(msg).to_contain("errors.lua:")
  head[1] = nil
  heap:full_gc()
  expect(heap:alloc(1).alive).to_be(true)
  expect(heap:verify()).to_be(true)
end)

scenario("closed heaps", function(heap)
  local h = gclab.heap{boot = "none"} -- ids from 1
  local o = h:alloc(1)
  h:close()
  h:close() -- twice is fine
  expect(h.closed).to_be(true)
  expect(function() h:alloc(1) end).to_error("heap 2 is closed")
  -- alive, id and name are always available (issue 11, defect 7)
  expect(o.alive).to_be(false)
  expect(o.id).to_be(1)
  expect(o.name).to_be_nil()
  expect(tostring(o)).to_be("gclab.handle #1 (heap 2 closed)")
  expect(function() return o.space end).to_error("heap 2 is closed")
  expect(function() return o[1] end).to_error("heap 2 is closed")
  expect(function() o[1] = 1 end).to_error("heap 2 is closed")
  expect(function() return #o end).to_error("heap 2 is closed")
  expect(function() return o.spcae end).to_error("heap 2 is closed")
  expect(tostring(h)).to_be("gclab.heap 2 (closed)")
  do
    local scoped <close> = gclab.heap()
    scoped:alloc(1)
  end
  expect(heap.closed).to_be(false)
end)

scenario("config errors name the key", function()
  expect(function() gclab.heap({bogus = 1}) end).to_error("bogus")
  expect(function() gclab.heap({new_space = {semi_space = {max = "lots"}}}) end)
    .to_error("new_space.semi_space.max")
  expect(function() gclab.heap({page_size = {}}) end).to_error("page_size")
  expect(function() gclab.heap({[1] = 5}) end).to_error("config layer [1]")
  expect(function() gclab.heap("no/such/file.yaml") end).to_error("no/such/file.yaml")
  expect(function() gclab.heap(42) end).to_error("bad argument #1 to 'heap'")
  expect(function() gclab.heap({page_size = print}) end).to_error("got function")
end)

scenario("metamethods called on foreign values do not crash", function(heap)
  local o = heap:alloc(1)
  local hmt = debug.getmetatable(o)
  expect(getmetatable(o)).to_be("gclab.handle")
  expect(getmetatable(heap)).to_be("gclab.heap")
  expect(function() hmt.__index(io.stdout, 1) end).to_error("gclab handle expected")
  expect(function() hmt.__newindex("x", 1, 2) end).to_error("gclab handle expected")
  expect(function() hmt.__len(heap) end).to_error("gclab handle expected")
  local pmt = debug.getmetatable(heap)
  expect(function() pmt.__index.alloc(o, 1) end).to_error("gclab heap expected")
  pmt.__gc(o) -- ignored: not a heap
  expect(gclab.is_handle(o)).to_be(true)
  expect(gclab.is_handle(heap)).to_be(false)
  expect(gclab.is_heap(heap)).to_be(true)
  expect(gclab.is_heap({})).to_be(false)
end)

scenario("a type or site name holding a NUL byte is an error, not a name cut short", function(heap)
  expect(function() heap:alloc(0, nil, "Foo\0Bar") end)
    .to_error("heap:alloc: the type name has a NUL byte at position 4")
  expect(function() heap:site("A\0B") end).to_error("heap:site: the name has a NUL byte at position 2")
  expect(heap:alloc(0, nil, "FooBar").name).to_be("FooBar")
end)

-- heap numbers restart with each scenario: a handle kept from an earlier
-- scenario's heap 1 is not "of heap 1, not heap 1"
local stashed
scenario("keeps a handle past its scenario", function(heap) stashed = heap:alloc(1) end)
scenario("a handle of an earlier scenario's heap says so", function(heap)
  expect(function() heap:root(stashed) end)
    .to_error("belongs to another heap 1 (heap numbers restart with each scenario), not this one")
end)

-- expect misuse is named, not a Lua error inside the runner
scenario("expect's own misuse says what was wrong", function()
  local function err(f) local ok, e = pcall(f); expect(ok).to_be(false); return tostring(e) end
  expect(err(function() expect(1).to_be_a(nil) end)).to_contain("to_be_a: expected a type name")
  local e = err(function() expect(1, {}).to_be(2) end) -- a table is no label: ignored
  expect(e).to_contain("to_be failed")
  expect(e).never.to_contain("runner/expect.lua")
  expect(err(function() expect(1):to_be(1) end))
    .to_contain("expect(...):to_be(...): call a matcher with a dot, expect(x).to_be(y)")
  local a, b = {}, {}
  local ca, cb = a, b
  for _ = 1, 2000 do ca.n = {}; ca = ca.n; cb.n = {}; cb = cb.n end
  expect(err(function() expect(a).to_equal(b) end)).to_contain("to_equal: tables nested deeper than 1000 levels")
  expect(err(function() record("deep", a) end)).to_contain("is nested deeper than 100 levels")
end)

-- messages do not depend on pairs' order, which changes from run to run
scenario("failure messages list keys in one order", function()
  local ok, e = pcall(function() expect({[{2}] = 2, [{1}] = 1, [true] = 4}).to_equal({}) end)
  expect(ok).to_be(false)
  expect(tostring(e)).to_contain("actual: {[true] = 4, [{1}] = 1, [{2}] = 2}")
end)

scenario("an out of memory stays the error when on_gc reads a dead handle", {config = "../../../configs/tiny.yaml"},
    function(heap)
  local dead = heap:alloc(0) -- dies at the first GC
  heap:on_gc(function() local _ = dead.alive end) -- a heap call: it overwrote the heap's message
  local holder = heap:root(heap:alloc(1))
  heap:set_old_max(64 * 1024)
  for _ = 1, 100000 do
    local ok, o = pcall(heap.alloc, heap, 1, 200)
    if not ok then
      expect(tostring(o)).to_contain(gclab.OOM_MESSAGE)
      return
    end
    o[1] = holder[1]
    holder[1] = o
  end
  expect.fail("no out of memory")
end)
