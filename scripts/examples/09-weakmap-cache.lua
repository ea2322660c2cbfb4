-- "I used a Map where a WeakMap was meant": a cache of results per request.
-- Keyed by a Map (an ordinary, strong structure), the cache keeps every
-- request and result alive forever; keyed by a WeakMap, an entry lives
-- exactly as long as its request does.  The leak is found the way a heap
-- snapshot finds it: count objects by name after a full GC and see which
-- kind only grows.

local TINY = {config = "../../configs/tiny.yaml"}

local function count_by_name(heap)
  local n = {}
  for _, o in ipairs(heap:objects()) do n[o.name] = (n[o.name] or 0) + 1 end
  return n
end

-- Serve `requests` requests; each computes a Result and caches it under
-- its Request with `remember(req, result)`.  Requests are dropped when done.
local function serve(heap, requests, remember)
  for i = 1, requests do
    heap:scope(function()
      local req = heap:alloc(1, 64, "Request")
      req[1] = i
      remember(req, heap:alloc(0, 64, "Result"))
    end)
  end
end

scenario("a Map-keyed cache keeps every request: the leak", TINY, function(heap)
  -- A Map as a list of entries {key, value, next}: strong references.
  local map = heap:root(heap:alloc(1, 0, "Map"))
  serve(heap, 400, function(req, result)
    local e = heap:alloc(3, 0, "MapEntry")
    e[1], e[2], e[3] = req, result, map[1]
    map[1] = e
  end)
  heap:full_gc()
  local n = count_by_name(heap)
  expect(n.Request, "requests alive after they were served").to_be(400)
  expect(n.Result).to_be(400)
  serve(heap, 400, function(req, result)
    local e = heap:alloc(3, 0, "MapEntry")
    e[1], e[2], e[3] = req, result, map[1]
    map[1] = e
  end)
  heap:full_gc()
  expect(count_by_name(heap).Request, "and it only grows").to_be(800)
end)

scenario("a WeakMap-keyed cache lets go of served requests", TINY, function(heap)
  local cache = heap:root(heap:weak_map())
  serve(heap, 400, function(req, result) cache:set(req, result) end)
  local ev = heap:full_gc()
  local n = count_by_name(heap)
  expect(n.Request).to_be_nil()
  expect(n.Result, "results go with their requests").to_be_nil()
  expect(cache:count()).to_be(0)
  expect(ev.ephemerons_removed).to_be_greater_than(0)
end)

scenario("while a request is alive its cached result stays", TINY, function(heap)
  local cache = heap:root(heap:weak_map())
  local live = heap:root(heap:alloc(1, 64, "Request"))
  local result = heap:alloc(0, 64, "Result")
  cache:set(live, result)
  serve(heap, 200, function(req, r) cache:set(req, r) end)
  heap:full_gc()
  expect(cache:count()).to_be(1)
  expect(cache:get(live)).to_be(result)
  heap:unroot(live)
  heap:full_gc()
  expect(result.alive).to_be(false)
end)
