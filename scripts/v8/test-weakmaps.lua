-- Mirrors V8's test/cctest/test-weakmaps.cc (WeakMap/WeakSet ephemerons) and
-- the ephemeron parts of test/cctest/heap/test-heap.cc.  Each scenario names
-- the V8 test it follows; gclab's maps and sets are described in
-- docs/weak.md.
local TINY = {config = "../../configs/tiny.yaml"}

-- Weakness: an entry whose key is reachable keeps its value; one whose key
-- is reachable only through the map (or through its own value) goes.
scenario("Weakness: entries go with their keys, cycles through values too", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local key = heap:root(heap:alloc(1, 0, "Key"))
  local value = heap:alloc(1, 0, "Value")
  map:set(key, value)
  local k2 = heap:alloc(1, 0, "Key")
  local v2 = heap:alloc(1, 0, "Value")
  v2[1] = k2 -- the value refers back to its key: still garbage
  map:set(k2, v2)
  map:set(heap:alloc(1, 0, "Key"), 7)
  expect(map:count()).to_be(3)
  local ev = heap:full_gc()
  expect(ev.ephemerons_removed).to_be(2)
  expect(map:count()).to_be(1)
  expect(value.alive).to_be(true)
  expect(k2.alive).to_be(false)
  expect(v2.alive).to_be(false)
  heap:unroot(key)
  ev = heap:full_gc()
  expect(map:count()).to_be(0)
  expect(value.alive).to_be(false)
end)

-- WeakMapScavenge: a young key kept alive survives a Scavenge in the map;
-- its entry follows the copy.
scenario("WeakMapScavenge: a live young key keeps its entry across Scavenges", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local key = heap:root(heap:alloc(0, 0, "Key"))
  local value = heap:alloc(0, 0, "Value")
  map:set(key, value)
  local addr = key.address
  heap:scavenge()
  expect(key.address).never.to_be(addr)
  expect(map:get(key)).to_be(value)
  heap:scavenge()
  expect(key.space).to_be("old")
  expect(map:get(key)).to_be(value)
end)

-- V8's Scavenge treats ephemeron keys weakly (ClearYoungEphemerons) and
-- values strongly: the value of a dead young key outlives that Scavenge.
scenario("ClearYoungEphemerons: a dead young key's entry goes, its value one GC later", TINY,
  function(heap)
  local map = heap:root(heap:weak_map())
  local value = heap:alloc(0, 0, "Value")
  map:set(heap:alloc(0, 0, "Key"), value)
  local ev = heap:scavenge()
  expect(ev.ephemerons_removed).to_be(1)
  expect(map:count()).to_be(0)
  expect(value.alive, "the value, strong in that Scavenge").to_be(true)
  heap:scavenge()
  expect(value.alive).to_be(false)
end)

-- WeakMapPromotionMarkCompact: entries survive promotion and full GCs.
scenario("WeakMapPromotionMarkCompact: promoted keys and values stay mapped", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local key = heap:root(heap:alloc(0, 0, "Key"))
  local value = heap:alloc(0, 0, "Value")
  map:set(key, value)
  heap:full_gc()
  expect(key.space).to_be("old")
  expect(value.space).to_be("old")
  expect(map:get(key)).to_be(value)
  heap:full_gc()
  expect(map:has(key)).to_be(true)
end)

-- Regress2060a/b: keys on evacuation candidates move during compaction and
-- are still found (gclab hashes on the object id, which never changes).
scenario("Regress2060: keys moved by compaction are still found", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local keep = heap:root(heap:alloc(64, 0, "Keys"))
  local fill = heap:root(heap:alloc(256, 0, "Filler"))
  for i = 1, 64 do
    local k = heap:alloc(0, 200, "Key")
    keep[i] = k
    map:set(k, i)
    for j = 1, 4 do fill[(i - 1) * 4 + j] = heap:alloc(0, 200, "Padding") end
  end
  heap:full_gc()
  for i = 1, 256 do fill[i] = nil end -- sparse pages: evacuation candidates
  local before = {}
  for i = 1, 64 do before[i] = keep[i].address end
  local ev = heap:mark_compact()
  local moved = 0
  for i = 1, 64 do
    if keep[i].address ~= before[i] then moved = moved + 1 end
    expect(map:get(keep[i])).to_be(i)
  end
  expect(ev.moved_objects).to_be_greater_than(0)
  expect(moved, "keys moved").to_be_greater_than(0)
end)

-- The ephemeron fixpoint (test-heap.cc's ephemeron chains): keys reachable
-- one by one through values, entries inserted last key first.
scenario("ephemeron chain: keys reachable only through values", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local first = heap:scope(function()
    local nextk
    for _ = 1, 200 do
      local k, v = heap:alloc(0, 0, "Key"), heap:alloc(1, 0, "Value")
      v[1] = nextk
      map:set(k, v)
      nextk = k
    end
    return heap:root(nextk)
  end)
  local ev = heap:full_gc()
  expect(ev.ephemerons_removed).to_be(0)
  expect(map:count()).to_be(200)
  heap:unroot(first)
  ev = heap:full_gc()
  expect(ev.ephemerons_removed).to_be(200)
end)

-- Incremental marking (test-heap.cc's incremental ephemeron tests): the
-- table is black before its key is marked; the key marked later still
-- brings its value, and an entry written during marking survives the cycle.
scenario("ephemerons across incremental marking", TINY, function(heap)
  local map = heap:root(heap:weak_map())
  local holder = heap:root(heap:alloc(2, 0, "Holder"))
  local key = heap:alloc(0, 0, "Key")
  local value = heap:alloc(0, 0, "Value")
  map:set(key, value)
  local late = heap:alloc(0, 0, "Late")
  heap:root(key); heap:root(late)
  heap:full_gc()
  heap:unroot(key); heap:unroot(late)
  heap:incremental_start()
  while map.color ~= "black" do heap:incremental_step(64) end
  holder[1] = key -- the barrier greys the key; its value follows
  map:set(late, 5) -- written during marking: survives this cycle
  while not heap:incremental_step(64) do end
  local ev = heap:incremental_finish()
  expect(ev.incremental).to_be(true)
  expect(value.alive).to_be(true)
  expect(late.alive).to_be(true)
  heap:full_gc()
  expect(late.alive).to_be(false)
  expect(map:count()).to_be(1)
end)
