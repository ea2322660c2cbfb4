-- Claim: the heap has a limit.  When live objects fill old space, V8 fails
-- with "JavaScript heap out of memory": at once when a GC leaves the old
-- generation over its maximum ("Reached heap limit", the check at the end of
-- Heap::CollectGarbage), and after last-resort full GCs when an allocation
-- (old space) still cannot get its bytes ("CALL_AND_RETRY_LAST",
-- HeapAllocator::AllocateRawWithRetryOrFailSlowPath).
local SMALL_OLD = {config = {"../../configs/tiny.yaml", old_space = {max_size = "1MiB"}}}

local function leak(heap, head)
  local cur = head
  for _ = 1, 1000000 do
    local n = heap:alloc(1, 200, "Leak")
    cur[1] = n
    cur = n
  end
end

local function count_last_resort(heap)
  local n = 0
  for _, ev in ipairs(heap:events()) do
    if ev.reason == "last resort" then n = n + 1 end
  end
  return n
end

scenario("a leak runs out of heap with V8's message", SMALL_OLD, function(heap)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  local msg = expect(function() leak(heap, head) end).to_error(gclab.OOM_MESSAGE)
  expect(msg).to_contain("heap:alloc")
  local events = heap:events()
  expect(events[#events].kind, "the GC that left the heap over its maximum").to_be("Mark-Compact")
  expect(count_last_resort(heap), "last-resort GCs after it").to_be(0)
end)

-- V8's NewLargeObjectSpace::AllocateRaw checks only that the young large
-- objects already there could be promoted: a new one is allocated even when
-- promoting it will not fit, and the GC that has to promote it leaves the
-- old generation over its maximum -- "Reached heap limit", no last-resort
-- GC (those are for an old-space allocation that cannot get its bytes).
scenario("a young large object is allocated; the GC that must promote it runs out", SMALL_OLD, function(heap)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  local cur = head
  for _ = 1, 3000 do local n = heap:alloc(1, 200); cur[1] = n; cur = n end   -- about 600 KB live
  local big = heap.config.old_space.max_size * 3 // 4   -- 600 KB + this > the maximum
  local o = heap:root(heap:alloc(0, big, "Big"))
  expect(o.space, "the large object").to_be("new_large")
  local msg = expect(function()
    for _ = 1, 100000 do heap:alloc(1) end   -- garbage, until a GC runs
  end).to_error(gclab.OOM_MESSAGE)
  expect(msg).to_contain("heap:alloc")
  expect(count_last_resort(heap), "last-resort GCs").to_be(0)
end)

scenario("the heap stays usable after running out", SMALL_OLD, function(heap)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  pcall(leak, heap, head)
  head[1] = nil -- drop the leak
  heap:full_gc()
  local o = heap:root(heap:alloc(4))
  expect(o.alive).to_be(true)
  expect(heap:stats().old.size, "old space after dropping the leak").to_be_less_than(64 * 1024)
end)

scenario("garbage alone never runs out", SMALL_OLD, function(heap)
  for _ = 1, 20000 do heap:alloc(1, 200) end
  expect(heap:stats().old.size).to_be_less_than(heap.config.old_space.max_size)
end)

scenario("raising the limit lets the program go on", SMALL_OLD, function(heap)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  local cur = head
  for _ = 1, 3000 do local n = heap:alloc(1, 200); cur[1] = n; cur = n end
  heap:set_old_max(2 * 1024 * 1024)
  for _ = 1, 3000 do local n = heap:alloc(1, 200); cur[1] = n; cur = n end
  expect(heap:stats().old_max).to_be(2 * 1024 * 1024)
end)
