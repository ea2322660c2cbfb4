-- Claim: "new objects are allocated in new space" -- a small, fast region
-- that bump-allocates: each object goes right after the previous one.
local TINY = {config = "../../configs/tiny.yaml"}

scenario("a new object lives in new space", TINY, function(heap)
  local o = heap:alloc(2, 0, "Point")
  expect(o.space, "o.space").to_be("new")
  expect(o.young, "o.young").to_be(true)
  expect(o.age, "o.age").to_be(0)
  expect(o.size, "o.size").to_be(gclab.default_size(2))
  expect(heap:stats().new.objects, "new-space objects").to_be(1)
end)

scenario("allocation bumps a pointer: objects are contiguous", TINY, function(heap)
  local a = heap:alloc(2)
  local b = heap:alloc(3)
  local c = heap:alloc(0, 64)
  expect(b.address, "b.address").to_be(a.address + a.size)
  expect(c.address, "c.address").to_be(b.address + b.size)
  expect(c.page, "c.page").to_be(a.page)
end)

scenario("a {l, r} object is 40 bytes, as in Node 20", function(heap)
  -- 3 header words (map, properties, elements) + 2 in-object fields.
  expect(heap:alloc(2).size).to_be(40)
  expect(gclab.default_size(2)).to_be(40)
end)

scenario("new space fills up and a Scavenge makes room", TINY, function(heap)
  local cap = heap:stats().new.capacity
  local n = cap // 40 + 10
  for _ = 1, n do heap:alloc(2) end -- garbage: nothing roots it
  local ev = heap:event()
  expect(ev, "the last GC event").to_be_truthy()
  expect(ev.kind).to_be("Scavenge")
  expect(ev.reason).to_be("allocation failure")
end)
