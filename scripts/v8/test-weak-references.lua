-- Mirrors V8's test/cctest/heap/test-weak-references.cc.  gclab handles are
-- weak references held from outside the heap: they never keep an object
-- alive, follow it when it moves, and report when it died.
local TINY = {config = "../../configs/tiny.yaml"}

scenario("a weakly observed young object held strongly is promoted after two scavenges",
  TINY, function(heap)
  local holder = heap:root(heap:alloc(1))
  local obj = heap:alloc(1, 0, "Target")
  holder[1] = obj
  heap:scavenge()
  expect(obj.space).to_be("new")
  heap:scavenge()
  expect(obj.space).to_be("old")
end)

scenario("a weak handle alone does not keep the object: scavenge", TINY, function(heap)
  local obj = heap:alloc(1)
  heap:scavenge()
  expect(obj.alive).to_be(false)
end)

scenario("a weak handle alone does not keep the object: full GC", TINY, function(heap)
  local holder = heap:root(heap:alloc(1))
  local obj = heap:alloc(1)
  holder[1] = obj
  heap:scavenge()
  heap:scavenge()
  expect(obj.space).to_be("old")
  holder[1] = nil
  heap:full_gc()
  expect(obj.alive).to_be(false)
end)

scenario("old -> new slots are updated, not cleared, by a scavenge", TINY, function(heap)
  local old = heap:root(heap:alloc(1, 0, "Old"))
  heap:scavenge()
  heap:scavenge()
  local young = heap:alloc(1, 0, "Young")
  old[1] = young
  local addr = young.address
  heap:scavenge()
  expect(young.address).never.to_be(addr)
  expect(old[1], "the old object's slot").to_be(young)
end)

scenario("writing a reference during marking keeps the target alive", TINY, function(heap)
  local list = heap:root(heap:alloc(1, 0, "List")) -- marking work left after holder
  heap:scope(function()
    local cur = list
    for _ = 1, 100 do local n = heap:alloc(1); cur[1] = n; cur = n end
  end)
  local holder = heap:root(heap:alloc(1, 0, "Holder"))
  heap:scavenge()
  heap:scavenge()
  heap:incremental_start()
  while holder.color ~= "black" do heap:incremental_step(40) end
  expect(heap.marking).to_be("marking")
  local target = heap:alloc(1, 0, "Target")
  holder[1] = target -- the marking barrier greys target
  heap:incremental_finish()
  expect(target.alive).to_be(true)
  expect(holder[1]).to_be(target)
end)
