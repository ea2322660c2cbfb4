-- Claim: an object that survived one scavenge is promoted to old space on
-- the next (V8's age mark): copied within new space on the 1st survival,
-- moved to old space on the 2nd.
local TINY = {config = "../../configs/tiny.yaml"}

scenario("copied on the first survival, promoted on the second", TINY, function(heap)
  local o = heap:root(heap:alloc(2))
  local ev1 = heap:scavenge()
  expect(o.space, "after one scavenge").to_be("new")
  expect(o.age).to_be(1)
  expect(ev1.promoted_objects).to_be(0)
  local ev2 = heap:scavenge()
  expect(o.space, "after two scavenges").to_be("old")
  expect(ev2.promoted_objects).to_be(1)
  expect(ev2.promoted).to_be(o.size)
end)

scenario("objects allocated after a scavenge start young again", TINY, function(heap)
  local old = heap:root(heap:alloc(1))
  heap:scavenge()
  local young = heap:root(heap:alloc(1))
  heap:scavenge()
  expect(old.space).to_be("old")
  expect(young.space).to_be("new")
end)

scenario("a promoted object pointing to a young one keeps it alive", TINY, function(heap)
  local parent = heap:root(heap:alloc(1, 0, "Parent"))
  heap:scavenge()
  heap:scavenge()
  expect(parent.space).to_be("old")
  local child = heap:alloc(1, 0, "Child")
  parent[1] = child -- an old -> new pointer: the write barrier records the slot
  heap:scavenge()
  expect(child.alive, "child kept by the remembered set").to_be(true)
  expect(parent[1]).to_be(child)
end)

scenario("promotion age 2 keeps objects young one scavenge longer",
  {config = {"../../configs/tiny.yaml", new_space = {promotion = {age = 2}}}}, function(heap)
  local o = heap:root(heap:alloc(1))
  heap:scavenge()
  heap:scavenge()
  expect(o.space, "after two scavenges").to_be("new")
  heap:scavenge()
  expect(o.space, "after three scavenges").to_be("old")
end)
