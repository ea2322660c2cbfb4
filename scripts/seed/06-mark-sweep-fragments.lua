-- Claim: old space is collected by Mark-Sweep: live objects are marked,
-- dead ones swept into free lists -- nothing moves, so free space ends up
-- in holes between survivors (fragmentation).
local TINY = {config = "../../configs/tiny.yaml"}

-- Promote n rooted objects to old space; returns their handles.
local function old_objects(heap, n, slots)
  local objs = {}
  for i = 1, n do objs[i] = heap:root(heap:alloc(slots or 2)) end
  heap:scavenge()
  heap:scavenge()
  return objs
end

scenario("Mark-Sweep frees dead old objects and moves none", TINY, function(heap)
  local objs = old_objects(heap, 200)
  expect(objs[1].space).to_be("old")
  local addr = {}
  for i, o in ipairs(objs) do addr[i] = o.address end
  for i = 1, #objs, 2 do heap:unroot(objs[i]) end
  local ev = heap:mark_sweep()
  expect(ev.kind).to_be("Mark-Sweep")
  expect(ev.died).to_be(100)
  expect(ev.moved_objects).to_be(0)
  for i = 2, #objs, 2 do
    expect(objs[i].address, "survivor " .. i .. " address").to_be(addr[i])
  end
end)

scenario("the freed space is fragmented into holes", TINY, function(heap)
  local objs = old_objects(heap, 200)
  for i = 1, #objs, 2 do heap:unroot(objs[i]) end
  local ev = heap:mark_sweep()
  expect(ev.holes_after, "free-list bytes after").to_be_at_least(100 * 40)
  local fragmented = false
  for _, p in ipairs(heap:pages("old")) do
    if p.free > p.largest_free then fragmented = true end
  end
  expect(fragmented, "some page has free bytes in more than one block").to_be(true)
end)

scenario("a hole too small for a new object stays unused", TINY, function(heap)
  local objs = old_objects(heap, 100, 2)
  for i = 1, #objs, 2 do heap:unroot(objs[i]) end
  heap:mark_sweep()
  local largest = 0
  for _, p in ipairs(heap:pages("old")) do largest = math.max(largest, p.largest_free) end
  -- every hole is one 40-byte object: a 400-byte object fits in none of them
  local holes = heap:stats().old.free
  expect(holes).to_be_at_least(50 * 40)
  local big = heap:root(heap:alloc(45))
  heap:scavenge()
  heap:scavenge()
  expect(big.space).to_be("old")
  expect(heap:stats().old.free, "holes still free").to_be_at_least(50 * 40)
end)
