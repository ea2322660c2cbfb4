-- Claim (the classic design, V8 before ~2015): an object is promoted when it
-- survived a scavenge already, or when To-space is already over 25% full.
local CLASSIC = {config = "../../configs/tiny-classic.yaml"}

local function fill_live(heap, fraction)
  local cap = heap:stats().semi_space_capacity
  local objs = {}
  local n = math.floor(cap * fraction / 40)
  for i = 1, n do objs[i] = heap:root(heap:alloc(2)) end
  return objs
end

scenario("under 25% full, first-time survivors stay young", CLASSIC, function(heap)
  expect(heap.config.new_space.promotion.policy).to_be("classic")
  local objs = fill_live(heap, 0.2)
  local ev = heap:scavenge()
  expect(ev.promoted_objects).to_be(0)
  expect(objs[#objs].space).to_be("new")
end)

scenario("past 25% of To-space, survivors are promoted at once", CLASSIC, function(heap)
  local objs = fill_live(heap, 0.6)
  local ev = heap:scavenge()
  expect(ev.promoted_objects, "objects promoted on their first survival").to_be_greater_than(0)
  expect(ev.copied, "bytes copied within new space").to_be_at_most(
    heap:stats().semi_space_capacity * 25 // 100 + 40)
  expect(objs[1].space, "the first survivors").to_be("new")
  expect(objs[#objs].space, "the last survivors").to_be("old")
end)

scenario("the age mark policy would have copied them all",
  {config = {"../../configs/tiny.yaml", new_space = {promotion = {policy = "age_mark"}}}}, function(heap)
  local objs = fill_live(heap, 0.6)
  local ev = heap:scavenge()
  expect(ev.promoted_objects).to_be(0)
  expect(objs[#objs].space).to_be("new")
end)
