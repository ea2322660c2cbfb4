-- Claim: the heap has a limit.  When live objects fill old space, V8 tries
-- last-resort full GCs and then fails with "JavaScript heap out of memory".
local SMALL_OLD = {config = {"../../configs/tiny.yaml", old_space = {max_size = "1MiB"}}}

local function leak(heap, head)
  local cur = head
  for _ = 1, 1000000 do
    local n = heap:alloc(1, 200, "Leak")
    cur[1] = n
    cur = n
  end
end

scenario("a leak runs out of heap with V8's message", SMALL_OLD, function(heap)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  local msg = expect(function() leak(heap, head) end).to_error(gclab.OOM_MESSAGE)
  expect(msg).to_contain("heap:alloc")
  local last_resort = 0
  for _, ev in ipairs(heap:events()) do
    if ev.reason == "last resort" then last_resort = last_resort + 1 end
  end
  expect(last_resort, "last-resort GCs before giving up").to_be(heap.config.old_space.last_resort_gcs)
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
