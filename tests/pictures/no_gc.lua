-- no_gc.lua -- a workload that runs no GC, for tests/pictures/sweep_test.lua:
-- its mutator utilization is exactly 1.0 (a float that is a whole number).
scenario("no GC: a few objects in a large semispace", {config = {boot = "none"}}, function(heap)
  for _ = 1, 10 do heap:alloc(1) end
end)
