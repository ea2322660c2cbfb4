-- heap:compute(ns): the program's work that allocates nothing (a Map's
-- hashing, calls, arithmetic) on the virtual clock (engine gc_compute):
-- the mutator's time advances, no GC runs, no task runs (the program is
-- busy, not idle: heap:idle is the other one); errors.
local NODE = {"../../../configs/node20.yaml", {boot = "none"}}

scenario("heap:compute advances the program's clock and runs nothing", {config = NODE}, function(heap)
  for _ = 1, 1000 do heap:alloc(2) end
  local before = heap:stats()
  heap:compute(2500000)
  local after = heap:stats()
  expect(after.virtual_time_us - before.virtual_time_us, "2.5 ms of the program's time").to_be(2500)
  expect(after.gcs, "no GC").to_be(before.gcs)
  expect(after.allocated_bytes, "nothing allocated").to_be(before.allocated_bytes)
  heap:compute(0)
end)

-- Grow new space with survivors, as idle.lua does, then measure from a
-- Scavenge: the allocation throughput is bytes per ms of the program's
-- time, and computing is program time.  V8's rate covers the intervals
-- between GCs back to 5 s of that time (engine/allocation_rate.c), so the
-- fast ones that grew new space count until a slow interval of 5 s or
-- more stands alone: six seconds here.
scenario("a program that computes long between allocations shrinks new space", {config = NODE}, function(heap)
  local holder = heap:root(heap:alloc(1))
  for _ = 1, 150000 do local o = heap:alloc(2); o[1] = holder[1]; holder[1] = o end
  expect(heap:stats().semi_space_capacity, "new space grew").to_be_at_least(4 * 1024 * 1024)
  holder[1] = nil
  heap:scavenge()
  for _ = 1, 1000 do heap:alloc(2); heap:compute(6000000) end -- 40 bytes per 6 ms
  expect(#heap:idle(0), "busy, not idle: no task ran").to_be(0)
  local ev = heap:scavenge()
  expect(ev.semi_space_capacity, "shrunk to the initial 1 MiB").to_be(1024 * 1024)
end)

scenario("heap:compute checks its argument and refuses inside on_gc", {config = NODE}, function(heap)
  expect(function() heap:compute() end).to_error("bad argument #1 to 'compute' (number expected, got no value)")
  expect(function() heap:compute(-1) end)
    .to_error("bad argument #1 to 'compute' (nanoseconds: a whole number from 0 to 2^40 expected)")
  expect(function() heap:compute(0.5) end)
    .to_error("bad argument #1 to 'compute' (nanoseconds: a whole number from 0 to 2^40 expected)")
  expect(function() heap:compute(2 ^ 41) end)
    .to_error("bad argument #1 to 'compute' (nanoseconds: a whole number from 0 to 2^40 expected)")
  local err
  heap:on_gc(function() err = select(2, pcall(heap.compute, heap, 1)) end)
  heap:scavenge()
  heap:on_gc(nil)
  expect(tostring(err)).to_match("heap:compute: not allowed inside an on_gc callback")
end)
