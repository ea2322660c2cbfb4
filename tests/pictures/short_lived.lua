-- short_lived.lua -- the workload of the semispace sweep test (sweep_test.lua):
-- a request loop.  Every request allocates a burst of temporaries that die
-- at once and a few objects that live for the next 50 requests (a cache
-- with a short memory); one object in 500 stays for good.

scenario("request loop", function(heap)
  local cache = heap:root(heap:alloc(50))
  local forever = heap:root(heap:alloc(400))
  local kept = 0
  for req = 1, 4000 do
    for _ = 1, 20 do heap:alloc(2, 64) end         -- temporaries: garbage at once
    local entry = heap:alloc(4, 256, "Entry")      -- lives for 50 requests
    cache[req % 50 + 1] = entry
    if req % 10 == 0 and kept < 400 then kept = kept + 1; forever[kept] = entry end
  end
end)
