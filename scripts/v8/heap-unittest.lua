-- Mirrors V8's test/unittests/heap/heap-unittest.cc.
local TINY = {config = "../../configs/tiny.yaml"}

-- Promoting an object that points to a young object must record the slot
-- (OLD_TO_NEW), or the next scavenge would free the young object.
scenario("promoting an object that points to a young object records the slot", TINY, function(heap)
  local parent = heap:root(heap:alloc(1, 0, "Parent"))
  heap:scavenge()            -- parent: age 1
  local child = heap:alloc(1, 0, "Child")
  parent[1] = child          -- young -> young: no remembered slot needed yet
  expect(heap:stats().old_to_new_slots).to_be(0)
  heap:scavenge()            -- parent promoted, child copied: old -> new now
  expect(parent.space).to_be("old")
  expect(child.space).to_be("new")
  expect(heap:stats().old_to_new_slots, "exactly one OLD_TO_NEW slot").to_be(1)
  heap:scavenge()            -- only the recorded slot keeps child alive
  expect(child.alive).to_be(true)
  expect(parent[1]).to_be(child)
  expect(heap:stats().old_to_new_slots, "dropped once child is promoted").to_be(0)
end)

scenario("growing new space doubles it", TINY, function(heap)
  local cap = heap:stats().semi_space_capacity
  local keep = {}
  -- survivors beyond the current capacity make the next scavenge grow new
  -- space at its start (V8 decides in the GC prologue from the scavenges
  -- before it), so allocate past it a third time
  for i = 1, (cap // 40) * 3 do keep[i] = heap:root(heap:alloc(2)) end
  local grown
  for _, ev in ipairs(heap:events()) do
    if ev.semi_space_capacity > cap then grown = ev.semi_space_capacity; break end
  end
  expect(grown, "capacity after the first growth").to_be(cap * heap.config.new_space.semi_space.growth_factor)
  expect(heap:stats().semi_space_capacity).to_be_at_most(heap.config.new_space.semi_space.max)
end)

scenario("new space never grows past its maximum", TINY, function(heap)
  local keep = {}
  for i = 1, 20000 do keep[i] = heap:root(heap:alloc(2)) end
  expect(heap:stats().semi_space_capacity).to_be(heap.config.new_space.semi_space.max)
end)
