-- Mirrors V8's test/cctest/test-js-weak-refs.cc (WeakRef, KeepDuringJob,
-- FinalizationRegistry) and the weak-slot cases of test/cctest/heap/
-- test-weak-references.cc.  Each scenario names the V8 test it follows.
local TINY = {config = "../../configs/tiny.yaml"}

-- test-weak-references.cc WeakReferencesBasic / WeakReferencesOldToNew:
-- a Scavenge treats weak references as strong and updates them; a full GC
-- clears them when the target died.
scenario("WeakReferencesBasic: strong in Scavenges, cleared by a full GC", TINY, function(heap)
  local holder = heap:root(heap:alloc(1, 0, "Holder"))
  local target = heap:alloc(0, 0, "Target")
  holder:set_weak(1, target)
  heap:scavenge()
  expect(target.alive).to_be(true)
  expect(holder[1]).to_be(target)
  heap:scavenge()
  expect(target.space).to_be("old")
  local ev = heap:full_gc()
  expect(ev.weak_slots_cleared).to_be(1)
  expect(target.alive).to_be(false)
  expect(holder[1]).to_be_nil()
end)

scenario("WeakReferencesOldToNew: an old object's weak slot to a young one is updated", TINY,
  function(heap)
  local old = heap:root(heap:alloc(1, 0, "Old"))
  heap:full_gc()
  local young = heap:root(heap:alloc(0, 0, "Young"))
  old:set_weak(1, young)
  local addr = young.address
  heap:scavenge()
  expect(young.address).never.to_be(addr)
  expect(old[1]).to_be(young)
end)

-- test-weak-references.cc WeakReferenceWriteBarrier: storing a weak reference
-- during marking greys the target; it survives that cycle.
scenario("WeakReferenceWriteBarrier: a weak store during marking keeps the target", TINY,
  function(heap)
  local holder = heap:root(heap:alloc(1, 0, "Holder"))
  local target = heap:alloc(0, 0, "Target")
  heap:root(target)
  heap:full_gc()
  heap:unroot(target)
  heap:incremental_start()
  while holder.color ~= "black" do heap:incremental_step(64) end
  holder:set_weak(1, target)
  expect(target.color).to_be("grey")
  heap:incremental_finish()
  expect(target.alive).to_be(true)
  heap:full_gc()
  expect(target.alive).to_be(false)
end)

-- TestJSWeakRef / TestJSWeakRefKeepDuringJob: the constructor and deref
-- keep the target until the job ends.
scenario("TestJSWeakRefKeepDuringJob: kept until the job ends, then cleared", TINY, function(heap)
  local ref = heap:root(heap:weak_ref(heap:alloc(0, 0, "Target")))
  heap:full_gc()
  local target = ref:deref()
  expect(target).never.to_be_nil()
  heap:end_job()
  expect(ref:deref()).to_be(target) -- and kept for this job again
  heap:end_job()
  heap:full_gc()
  expect(ref:deref()).to_be_nil()
  expect(target.alive).to_be(false)
end)

scenario("TestJSWeakRefIncrementalMarking: cleared at the end of a cycle", TINY, function(heap)
  local ref = heap:root(heap:weak_ref(heap:alloc(0, 0, "Target")))
  heap:end_job()
  heap:incremental_start()
  while not heap:incremental_step(64) do end
  local ev = heap:incremental_finish()
  expect(ev.weak_slots_cleared).to_be(1)
  expect(ref:deref()).to_be_nil()
end)

-- TestRegister / TestWeakCellNullify: a dead target's cell moves from the
-- active list to the cleared list; nothing runs inside the GC.
scenario("TestWeakCellNullify: cells are queued by the GC, cleaned up later", TINY, function(heap)
  local log = {}
  local reg = heap:root(heap:finalization_registry(function(held) log[#log + 1] = held end))
  local keep = heap:root(heap:alloc(0, 0, "Kept"))
  reg:register(keep, 0)
  for i = 1, 3 do reg:register(heap:alloc(0, 0, "Target"), i) end
  local ev = heap:full_gc()
  expect(ev.cells_queued).to_be(3)
  expect(#log).to_be(0)
  local active, queued = reg:cells()
  expect(active).to_be(1)
  expect(queued).to_be(3)
  heap:run_cleanup()
  expect(log).to_equal({1, 2, 3})
end)

-- Cleanup order: registries in the order they were queued; a later GC's
-- cells before older ones still queued (cleared_cells is LIFO across GCs).
scenario("cleanup order: registries FIFO, a later GC's cells first", TINY, function(heap)
  local log = {}
  local function cb(tag) return function(held) log[#log + 1] = tag .. held end end
  local a = heap:root(heap:finalization_registry(cb("a")))
  local b = heap:root(heap:finalization_registry(cb("b")))
  local later = heap:root(heap:alloc(0))
  b:register(heap:alloc(0), 1)
  a:register(heap:alloc(0), 1)
  a:register(heap:alloc(0), 2)
  a:register(later, 3)
  heap:full_gc()
  heap:unroot(later)
  heap:full_gc()
  heap:run_cleanup()
  expect(log).to_equal({"a3", "a1", "a2", "b1"})
end)

-- TestUnregisterActiveCells / TestUnregisterClearedCells / TestWeakCellUnregisterTwice.
scenario("TestUnregister: active and queued cells go; twice is a no-op", TINY, function(heap)
  local log = {}
  local reg = heap:root(heap:finalization_registry(function(held) log[#log + 1] = held end))
  local token = heap:root(heap:alloc(0, 0, "Token"))
  local t1 = heap:root(heap:alloc(0))
  reg:register(t1, 1, token)
  reg:register(heap:alloc(0), 2, token)
  reg:register(heap:alloc(0), 3)
  heap:full_gc() -- 2 and 3 queued; 1 active
  expect(reg:unregister(token)).to_be(true)
  expect(reg:unregister(token)).to_be(false)
  heap:unroot(t1)
  heap:full_gc()
  heap:run_cleanup()
  expect(log).to_equal({3})
end)

-- TestRemoveUnregisterToken: the token is weak; a dead token just goes.
scenario("a dead unregister token does not keep or lose its cell", TINY, function(heap)
  local log = {}
  local reg = heap:root(heap:finalization_registry(function(held) log[#log + 1] = held end))
  local target = heap:root(heap:alloc(0))
  reg:register(target, 9, heap:alloc(0, 0, "Token"))
  local ev = heap:full_gc()
  expect(ev.weak_slots_cleared).to_be(1) -- the token's slot
  heap:unroot(target)
  heap:full_gc()
  heap:run_cleanup()
  expect(log).to_equal({9})
end)

-- The held value stays alive until its cleanup, even without the registry.
scenario("held values are strongly held until their cleanup", TINY, function(heap)
  local got
  local reg = heap:finalization_registry(function(held) got = held end)
  local held = heap:alloc(0, 0, "Held")
  reg:register(heap:alloc(0), held)
  heap:scope(function() heap:full_gc() end)
  heap:full_gc()
  expect(held.alive).to_be(false) -- the registry itself was unreachable: nothing queued
  reg = heap:root(heap:finalization_registry(function(h) got = h end))
  held = heap:alloc(0, 0, "Held")
  reg:register(heap:alloc(0), held)
  heap:full_gc()
  heap:unroot(reg)
  heap:full_gc()
  heap:full_gc()
  expect(held.alive).to_be(true)
  heap:end_job()
  expect(got).to_be(held)
end)
