-- heap:idle(ms): V8's tasks on the virtual clock while the program waits
-- (engine/event_loop.c): the Scavenge task at 80% of new space, marking
-- finalized "via task", the memory reducer's 8000 ms timer, its
-- "(reduce)" Mark-Compacts (incremental marking it starts, finished by the
-- task) 500 ms apart, at most 3; errors.
-- node20's policies on an empty heap: the fill levels and sizes below are
-- the scenarios' own objects only.
local NODE = {"../../../configs/node20.yaml", {boot = "none"}}

scenario("the scavenge task runs when new space is at least 80% full", {config = NODE}, function(heap)
  local MiB = 1024 * 1024
  expect(heap.config.new_space.semi_space.initial).to_be(1 * MiB)
  for _ = 1, (MiB * 79 // 100) // 40 do heap:alloc(2) end
  expect(#heap:idle(0), "GCs at 79%").to_be(0)
  for _ = 1, (MiB * 2 // 100) // 40 do heap:alloc(2) end
  local evs = heap:idle(0)
  expect(#evs, "GCs at 81%").to_be(1)
  expect(evs[1].kind).to_be("Scavenge")
  expect(evs[1].reason).to_be("task")
end)

-- "Full" is V8's SemiSpaceNewSpace::Size(): to-space's allocated extent,
-- a page closed early counted whole.  Two 130,000-byte objects do not fit
-- one page's 257,720 bytes, so each page holds one and the filler after
-- it: four objects are half of 1 MiB, their extent 86% of it.
scenario("the scavenge task counts the page ends new space left unfilled", {config = NODE}, function(heap)
  local MiB = 1024 * 1024
  expect(heap.config.new_space.semi_space.initial).to_be(1 * MiB)
  for _ = 1, 3 do heap:alloc(0, 130000) end
  expect(#heap:idle(0), "GCs at an extent of 62%").to_be(0)
  heap:alloc(0, 130000)
  expect(heap:stats().new.size, "the objects' bytes").to_be(4 * 130000)
  local evs = heap:idle(0)
  expect(#evs, "GCs at an extent of 86%, the objects 50%").to_be(1)
  expect(evs[1].kind).to_be("Scavenge")
  expect(evs[1].reason).to_be("task")
end)

scenario("marking in progress is finished by a task", {config = NODE}, function(heap)
  local keep = heap:root(heap:alloc(1000))
  for i = 1, 1000 do keep[i] = heap:alloc(2) end
  heap:incremental_start()
  local evs = heap:idle(0)
  expect(#evs).to_be(1)
  expect(evs[1].kind).to_be("Mark-Compact")
  expect(evs[1].reason).to_be("finalize incremental marking via task")
  expect(evs[1].incremental).to_be(true)
end)

-- Each timer is posted kSlackMs = 100 ms late (MemoryReducer::ScheduleTimer):
-- 8000 + 100 ms after the Mark-Compact, 500 + 100 ms after the first GC.
scenario("the memory reducer: 8.1 s after a big Mark-Compact, then 600 ms, at most 3", {config = NODE}, function(heap)
  local holder = heap:root(heap:alloc(1))
  for _ = 1, 300000 do local o = heap:alloc(2); o[1] = holder[1]; holder[1] = o end   -- 12 MB
  local mc = heap:full_gc()
  expect(mc.kind).to_be("Mark-Compact")
  expect(#heap:idle(7000), "nothing before the 8 s timer").to_be(0)
  holder[1] = nil                                   -- now it is garbage
  local evs = heap:idle(2000)
  expect(#evs, "memory-reducing GCs").to_be(2)
  for i, ev in ipairs(evs) do
    -- MemoryReducer::NotifyTimer starts incremental marking, flagged to
    -- reduce memory; the task steps it and finishes it
    expect(ev.kind).to_be("Mark-Compact")
    expect(ev.reason).to_be("finalize incremental marking via task")
    expect(ev.incremental).to_be(true)
    expect(ev.reduce_memory).to_be(true)
    if i == 2 then
      expect(ev.marking_start_us - evs[1].start_us - evs[1].pause_us, "600 ms apart").to_be_between(600000, 600001)
    end
  end
  expect(evs[1].after.old.size, "the first frees the list").to_be_at_most(1024)
  expect(evs[1].marking_start_us - mc.start_us - mc.pause_us, "8100 ms after the Mark-Compact")
    .to_be_between(8100000, 8100001)
  -- the second freed nothing more: done, no third
  expect(#heap:idle(60000)).to_be(0)
end)

-- Mark-Compacts among events.
local function full_gcs(evs)
  local n = 0
  for _, ev in ipairs(evs) do if ev.kind == "Mark-Compact" then n = n + 1 end end
  return n
end

scenario("a high allocation rate at the timer delays the memory reducer by 8 s", {config = NODE}, function(heap)
  local holder = heap:root(heap:alloc(1))
  for _ = 1, 300000 do local o = heap:alloc(2); o[1] = holder[1]; holder[1] = o end
  heap:full_gc()
  holder[1] = nil
  -- 2 MB a second in the 8 s before the timer: the tracer's last ten GC
  -- intervals and the time since the last GC hold about 2000 bytes per
  -- ms, more than 0.7% of what the Scavenges keep per ms (a mutator
  -- utilisation under 0.993: V8 11.3's HasLowAllocationRate)
  local gcs = 0
  for _ = 1, 8 do
    gcs = gcs + full_gcs(heap:idle(999))
    for _ = 1, 50000 do heap:alloc(2) end
  end
  expect(gcs + full_gcs(heap:idle(1)), "at the timer (rate too high)").to_be(0)
  -- nothing allocated in the next 8 s: the rate is low, it collects
  local evs = heap:idle(8000)
  expect(full_gcs(evs), "8 s later").to_be_at_least(1)
  expect(evs[#evs].reduce_memory).to_be(true)
end)

scenario("the allocation rate at the timer is the last ten GC intervals and the time since, not the time since the Mark-Compact",
  {config = NODE}, function(heap)
  local holder = heap:root(heap:alloc(1))
  for _ = 1, 300000 do local o = heap:alloc(2); o[1] = holder[1]; holder[1] = o end
  heap:full_gc()
  holder[1] = nil
  -- 16 MB right after the Mark-Compact (its Scavenges included), then
  -- quiet: the last ten GC intervals hold the 16 MB, and with the 8 s of
  -- nothing since the last Scavenge that is 2000 bytes per ms, under 0.7%
  -- of the Scavenges' speed (node20/reducer.js: Node collects at 8.1 s
  -- in four runs of five)
  for _ = 1, 400000 do heap:alloc(2) end
  local evs = heap:idle(8100)
  expect(full_gcs(evs), "at the timer").to_be(1)
  expect(evs[#evs].reduce_memory).to_be(true)
end)

scenario("heap:idle checks its argument", {config = NODE}, function(heap)
  expect(function() heap:idle() end).to_error("bad argument #1 to 'idle' (number expected, got no value)")
  expect(function() heap:idle(-1) end)
    .to_error("bad argument #1 to 'idle' (milliseconds: a whole number from 0 to 2^40 expected)")
  expect(function() heap:idle(1.5) end)
    .to_error("bad argument #1 to 'idle' (milliseconds: a whole number from 0 to 2^40 expected)")
  expect(#heap:idle(0)).to_be(0)
end)

-- Grow new space with survivors: a 6 MB list kept alive through Scavenges.
local function grown_heap(heap)
  local holder = heap:root(heap:alloc(1))
  for _ = 1, 150000 do local o = heap:alloc(2); o[1] = holder[1]; holder[1] = o end
  expect(heap:stats().semi_space_capacity, "new space grew").to_be_at_least(4 * 1024 * 1024)
  holder[1] = nil
  heap:scavenge()               -- the interval measured starts here
  for _ = 1, 1000 do heap:alloc(2) end
end

-- V8's rate covers the intervals between GCs back to 5 s of the program's
-- time (engine/allocation_rate.c): after one idle second the fast
-- intervals that grew new space still count, after six seconds they do not.
scenario("after a time of low allocation throughput a GC shrinks new space", {config = NODE}, function(heap)
  grown_heap(heap)
  heap:idle(1000)               -- 1000 objects in over a second, after 6 MB in a few ms
  expect(heap:scavenge().semi_space_capacity, "one slow second: kept").to_be_at_least(4 * 1024 * 1024)
  for _ = 1, 1000 do heap:alloc(2) end
  heap:idle(6000)               -- 1000 objects in over six seconds: 7 bytes per ms
  local ev = heap:scavenge()
  expect(ev.kind).to_be("Scavenge")
  expect(ev.semi_space_capacity, "shrunk to the initial 1 MiB").to_be(1024 * 1024)
end)

scenario("without idle time allocation is fast and new space keeps its size", {config = NODE}, function(heap)
  grown_heap(heap)
  local before = heap:stats().semi_space_capacity
  local ev = heap:scavenge()
  expect(ev.semi_space_capacity).to_be(before)
end)
