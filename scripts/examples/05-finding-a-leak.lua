-- A leak in miniature: a "cache" that only ever grows.  Old space grows
-- with it and full GCs free nothing; bounding the cache fixes it.

local TINY = {config = "../../configs/tiny.yaml"}

-- A request handler that remembers every request in a cache list.
local function serve(heap, cache, requests, bound)
  local kept = 0
  for i = 1, requests do
    heap:scope(function()
      local req = heap:alloc(2, 120, "Request")
      req[1] = i
      if kept < bound then
        req[2] = cache[1]  -- push onto the cache list
        cache[1] = req
        kept = kept + 1
      end
    end)
  end
end

scenario("an unbounded cache keeps everything", TINY, function(heap)
  local cache = heap:root(heap:alloc(1, 0, "Cache"))
  serve(heap, cache, 3000, math.huge)
  local ev = heap:full_gc()
  expect(ev.after.total.objects, "objects alive after a full GC").to_be_at_least(3000)
  expect(heap:stats().old.size).to_be_greater_than(3000 * 120)
end)

scenario("a bounded cache keeps the heap flat", TINY, function(heap)
  local cache = heap:root(heap:alloc(1, 0, "Cache"))
  serve(heap, cache, 3000, 100)
  local ev = heap:full_gc()
  expect(ev.after.total.objects, "objects alive after a full GC").to_be_at_most(101)
end)
