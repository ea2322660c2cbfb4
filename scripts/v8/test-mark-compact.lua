-- Mirrors V8's test/cctest/heap/test-mark-compact.cc (described, not copied).
local TINY = {config = "../../configs/tiny.yaml"}

-- Promotion: a young array is in old space after full GCs
-- (--always-promote-young-mc: a full GC empties the young generation).
scenario("Promotion: a young object is old after two full GCs", TINY, function(heap)
  local array = heap:root(heap:alloc(8, 0, "FixedArray"))
  expect(array.young).to_be(true)
  heap:full_gc()
  heap:full_gc()
  expect(array.space).to_be("old")
end)

scenario("Promotion: one full GC is enough with always_promote_young", TINY, function(heap)
  expect(heap.config.old_space.always_promote_young).to_be(true)
  local array = heap:root(heap:alloc(8, 0, "FixedArray"))
  local ev = heap:full_gc()
  expect(ev.kind).to_be("Mark-Compact")
  expect(array.space).to_be("old")
  expect(ev.promoted_objects).to_be(1)
end)

-- NoPromotion: when promotion is off for full GCs, the object stays young.
scenario("NoPromotion: without always_promote_young the object stays young",
  {config = {"../../configs/tiny.yaml", old_space = {always_promote_young = false},
             new_space = {promotion = {age = 15}}}}, function(heap)
  local array = heap:root(heap:alloc(8, 0, "FixedArray"))
  heap:full_gc()
  heap:full_gc()
  expect(array.alive).to_be(true)
  expect(array.young, "still young").to_be(true)
end)

scenario("a full GC frees unreachable objects in every space", TINY, function(heap)
  local young = heap:alloc(2)
  local old = heap:root(heap:alloc(2))
  local big = heap:alloc(0, 3000)
  heap:scavenge()
  heap:scavenge()
  heap:unroot(old)
  local ev = heap:full_gc()
  expect(young.alive).to_be(false)
  expect(old.alive).to_be(false)
  expect(big.alive).to_be(false)
  expect(ev.after.total.objects).to_be(0)
end)
