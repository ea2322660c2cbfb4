-- report_scenarios.lua -- input of pictures_test.lua's --report checks:
-- one scenario passes and draws a heap map, one fails after a few GCs,
-- one allocates no garbage worth a GC.  (Not part of any suite.)
local TINY = {config = "../../configs/tiny.yaml"}

scenario("passes and draws a map", TINY, function(heap)
  local keep = heap:root(heap:alloc(100))
  for i = 1, 300 do
    local o = heap:alloc(2, 0, i % 2 == 0 and "Even" or "Odd")
    if i % 3 == 0 then keep[i // 3] = o end
  end
  heap:scavenge()
  heap:map{title = "after a <Scavenge> & more", color = "name"}
end)

scenario("fails after two GCs", TINY, function(heap)
  heap:root(heap:alloc(2))
  heap:scavenge()
  heap:mark_sweep()
  expect(heap:stats().gcs).to_be(3)
end)

scenario("no GC", function(heap)
  heap:alloc(1)
end)
