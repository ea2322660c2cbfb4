-- Lifetimes the binding guarantees (issue 10, items 3 and 4): scopes belong
-- to the heap:scope call that opened them, also inside coroutines; an
-- object heap:alloc returns is alive whatever on_gc does; GCs caused inside
-- on_gc are not reported to on_gc again (V8's GCCallbacksScope) but do reach
-- the runner hook.
local TINY = {config = "../../../configs/tiny.yaml"}

scenario("a scope in a coroutine that dies by an error is closed", TINY, function(heap)
  local inside
  local co = coroutine.create(function()
    heap:scope(function() inside = heap:alloc(1, 0, "Inside"); error("dies") end)
  end)
  local ok, err = coroutine.resume(co)
  expect(ok).to_be(false)
  expect(err).to_contain("dies")
  expect(coroutine.status(co)).to_be("dead")
  local after = heap:alloc(1, 0, "After")
  expect(after.rooted, "an allocation after the dead coroutine").to_be(false)
  heap:scavenge()
  expect(inside.alive, "allocated in the dead coroutine's scope").to_be(false)
  expect(after.alive).to_be(false)
end)

scenario("nested scopes: a dying coroutine's scope does not close the outer one", TINY, function(heap)
  local outer_obj, inner_obj, later
  heap:scope(function()
    outer_obj = heap:alloc(1, 0, "Outer")
    local co = coroutine.create(function()
      heap:scope(function() inner_obj = heap:alloc(1, 0, "Inner"); error("inner dies") end)
    end)
    expect(coroutine.resume(co)).to_be(false)
    later = heap:alloc(1, 0, "Later") -- in the outer scope
    heap:scavenge()
    expect(outer_obj.alive, "the outer scope still roots its object").to_be(true)
    expect(later.alive, "and what it allocates after the coroutine died").to_be(true)
    expect(inner_obj.alive, "the dead coroutine's scope is closed").to_be(false)
  end)
  heap:scavenge()
  expect(outer_obj.alive, "the outer scope closed when its body returned").to_be(false)
  expect(later.alive).to_be(false)
end)

scenario("a scope in a coroutine returns results and closes on return", TINY, function(heap)
  local kept
  local co = coroutine.wrap(function(x)
    local a, b = heap:scope(function(h, y) kept = h:alloc(1); return y, "two" end, x)
    coroutine.yield(a, b)
    return "done"
  end)
  local a, b = co("one")
  expect(a).to_be("one")
  expect(b).to_be("two")
  heap:scavenge()
  expect(kept.alive, "scope closed before the coroutine yielded").to_be(false)
  expect(co()).to_be("done")
end)

scenario("a yield inside a scope body names heap:scope", TINY, function(heap)
  local obj
  local co = coroutine.wrap(function()
    heap:scope(function() obj = heap:alloc(1); coroutine.yield() end)
  end)
  local msg = expect(co).to_error("heap:scope: the scope body yielded")
  expect(msg).to_contain("lifetimes.lua:")
  heap:scavenge()
  expect(obj.alive, "the scope was closed by the error").to_be(false)
end)

scenario("alloc returns a live object even when on_gc allocates and collects", TINY, function(heap)
  local calls = 0
  heap:on_gc(function()
    calls = calls + 1
    -- enough garbage to run further scavenges from inside the callback
    for _ = 1, 1500 do heap:alloc(1) end
  end)
  local dead = 0
  for _ = 1, 3000 do
    local o = heap:alloc(1, 64, "Fresh")
    if not o.alive then dead = dead + 1 end
  end
  expect(calls, "on_gc ran").to_be_greater_than(0)
  expect(dead, "objects heap:alloc returned dead").to_be(0)
  heap:on_gc(nil)
end)

scenario("GCs caused inside on_gc are not reported to on_gc again", TINY, function(heap)
  local seen = {}
  heap:set_stress(1) -- every allocation runs a scavenge
  heap:on_gc(function(ev)
    seen[#seen + 1] = ev.seq
    heap:alloc(1) -- a GC of its own, under stress
  end)
  heap:alloc(1)
  heap:on_gc(nil)
  heap:set_stress(0)
  -- the allocation's GC was reported; the callback's own GCs were not
  expect(#seen).to_be(1)
  expect(seen[1]).to_be(1)
  expect(#heap:events(), "the callback's GCs did run and are recorded").to_be_greater_than(1)
end)

scenario("the runner hook sees every GC, also those caused inside on_gc", TINY, function(scenario_heap)
  local cfg = scenario_heap.config
  local hooked = {}
  gclab.defaults{on_event = function(h, ev) hooked[#hooked + 1] = ev.seq end}
  local ok, err = pcall(function()
    local heap = gclab.heap(cfg)
    heap:set_stress(1)
    heap:on_gc(function() heap:alloc(1); heap:alloc(1) end)
    for _ = 1, 3 do heap:alloc(1) end
    heap:on_gc(nil)
    local n = #heap:events()
    heap:close()
    return n
  end)
  gclab.defaults()
  expect(ok, tostring(err)).to_be(true)
  expect(#hooked).to_be(err)
  for i, seq in ipairs(hooked) do expect(seq, "hook call " .. i).to_be(i) end
end)

-- A heap closed inside a finalizer: a __gc runs inside whatever call
-- allocated Lua memory, maybe a call still using that very heap, so the
-- close takes effect for Lua at once and frees the engine heap at the
-- next safe point (docs/lua-api.md, "Ownership and lifetimes").  Both
-- used to read freed memory (ASan) or a null heap (SIGSEGV).
scenario("heap:close() in a __gc finalizer during that heap's own calls", TINY, function()
  local h2 = gclab.heap({boot = "none"})
  setmetatable({}, {__gc = function() h2:close() end})
  local ok, err = pcall(function()
    for _ = 1, 1000000 do h2:alloc(2) end
  end)
  expect(ok, "the allocation loop ends when the finalizer has closed the heap").to_be(false)
  expect(err).to_contain("heap " .. h2.serial .. " is closed")
  expect(function() h2:full_gc() end).to_error("is closed")
  h2:close() -- idempotent
end)

scenario("a heap value dropped while its handles are being read", TINY, function()
  for _ = 1, 20 do
    local h2 = gclab.heap({boot = "none"})
    local first = h2:root(h2:alloc(2))
    local cur = first
    for _ = 1, 300 do local n = h2:alloc(2); cur[1] = n; cur = n end
    h2 = nil -- luacheck: ignore (dropped on purpose)
    local ok, err = pcall(function()
      local c = first
      for _ = 1, 300 do c = c[1]; local _ = {} end -- each read makes a handle: Lua's GC runs
    end)
    expect(ok or tostring(err):find("is closed", 1, true) ~= nil, tostring(err)).to_be(true)
  end
end)

scenario("heap:close() in a FinalizationRegistry cleanup callback", TINY, function()
  local h2 = gclab.heap({boot = "none"})
  local reg = h2:root(h2:finalization_registry(function() h2:close() end))
  reg:register(h2:alloc(0), 1)
  reg:register(h2:alloc(0), 2)
  h2:full_gc()
  expect(h2:run_cleanup(), "cleanups run before the first callback closed the heap").to_be(1)
  expect(function() h2:alloc(1) end).to_error("is closed")
end)

-- A close deferred to the next safe point is a close for Lua at once:
-- heap.closed said false until then, so the runner, which ends the job of
-- every heap that is not closed, failed the scenario ("ending the job:
-- heap 2 is closed").  This scenario leaves the heap untouched after the
-- finalizer for that reason.
scenario("heap.closed is true as soon as a finalizer closed the heap", TINY, function()
  local h2 = gclab.heap({boot = "none"})
  h2:root(h2:alloc(1))
  setmetatable({}, {__gc = function() h2:close() end})
  collectgarbage()
  collectgarbage()
  expect(h2.closed, "closed by the finalizer, engine heap not yet freed").to_be(true)
  expect(tostring(h2)).to_contain("(closed)")
end)

-- heap:close() in a __gc that runs while the heap's on_gc runs (a finalizer
-- runs inside any call that allocates Lua memory) was refused like a close
-- from on_gc itself, and the error, raised inside a finalizer, became a
-- mere warning: the heap stayed open.  It is deferred like any close in a
-- finalizer, until the callback has returned.
scenario("heap:close() in a __gc that runs inside on_gc closes the heap", TINY, function()
  local h2 = gclab.heap({boot = "none"})
  local calls = 0
  h2:on_gc(function()
    calls = calls + 1
    if calls == 1 then
      setmetatable({}, {__gc = function() h2:close() end})
      collectgarbage()
      expect(h2.closed, "closed by the finalizer inside on_gc").to_be(true)
    end
  end)
  h2:scavenge()
  expect(calls).to_be(1)
  expect(h2.closed).to_be(true)
  expect(function() h2:alloc(1) end).to_error("heap 2 is closed")
end)
