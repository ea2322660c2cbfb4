-- A heap map: heap:pages([space]) lists pages with their use, and
-- heap:objects([space]) every object, in address order -- the raw material
-- of the article's figures.

local TINY = {config = "../../configs/tiny.yaml"}

scenario("pages of each space", TINY, function(heap)
  local keep = {}
  for i = 1, 300 do keep[i] = heap:root(heap:alloc(2)) end
  heap:scavenge()
  heap:scavenge()
  local old = heap:pages("old")
  expect(#old).to_be_greater_than(0)
  local used = 0
  for _, p in ipairs(old) do
    expect(p.space).to_be("old")
    expect(p.used + p.free).to_be_at_most(p.size)
    used = used + p.used
  end
  expect(used).to_be(heap:stats().old.size)
end)

scenario("objects in address order", TINY, function(heap)
  local a = heap:root(heap:alloc(1, 0, "A"))
  local b = heap:root(heap:alloc(1, 0, "B"))
  local objs = heap:objects("new")
  expect(#objs).to_be(2)
  expect(objs[1].name).to_be("A")
  expect(objs[2].address).to_be(b.address)
  expect(objs[1].id).to_be(a.id)
end)
