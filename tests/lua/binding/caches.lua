-- heap:flush_at_full_gc(obj[, on]): a cache every full GC empties at its
-- start, before it marks (engine gc_flush_at_full_gc; V8 empties its
-- number-string cache in Heap::MarkCompactPrologue); a root until taken
-- off; errors.
local NODE = {"../../../configs/node20.yaml", {boot = "none"}}

scenario("a full GC empties a cache before it marks; a Scavenge keeps it", {config = NODE}, function(heap)
  local cache = heap:alloc_old(2, 0, "FixedArray")
  heap:flush_at_full_gc(cache)
  heap:flush_at_full_gc(cache, true) -- twice is once
  local str = heap:alloc(0, 24, "SeqOneByteString")
  cache[1] = str
  heap:scavenge()
  expect(cache[1], "a Scavenge keeps the cache's string").to_be(str)
  heap:full_gc()
  expect(cache[1], "the slot, emptied").to_be(nil)
  expect(str.alive, "the string only the cache held").to_be(false)
  expect(cache.alive, "the cache, a root").to_be(true)
  heap:flush_at_full_gc(cache, false)
  cache[1] = heap:alloc(0, 24, "SeqOneByteString")
  heap:full_gc()
  expect(cache.alive, "taken off and unrooted: collected").to_be(false)
end)

scenario("heap:flush_at_full_gc checks its arguments", {config = NODE}, function(heap)
  expect(function() heap:flush_at_full_gc() end).to_error("bad argument #1 to 'flush_at_full_gc'")
  expect(function() heap:flush_at_full_gc(heap:alloc(1), "yes") end)
    .to_error("bad argument #2 to 'flush_at_full_gc' (boolean expected, got string)")
  local ghost = heap:alloc(1, 0, "Ghost")
  heap:scavenge()
  expect(function() heap:flush_at_full_gc(ghost) end)
    .to_error("heap:flush_at_full_gc: object #" .. ghost.id .. " (Ghost) is dead: collected by GC #1 (Scavenge")
end)
