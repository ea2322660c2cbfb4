-- "I used a Map where a WeakMap was meant": a cache of results per request.
-- Keyed by a Map (an ordinary, strong structure), the cache keeps every
-- request and result alive forever; keyed by a WeakMap, an entry lives
-- exactly as long as its request does.  The leak is found with the leak
-- tools, as in DevTools (docs/leaks.md): two snapshots and their Comparison
-- say what grows, the Retainers of one grown object say who holds it, and
-- its retaining path names the structure -- which never runs through a
-- WeakMap's weak edges.

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

-- The Comparison of two snapshots: growth per class name.
local function growth(before, after)
  local g = {}
  for _, row in ipairs(before:diff(after)) do g[row.name] = row.delta end
  return g
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
  local before = heap:snapshot()
  serve(heap, 400, function(req, result)
    local e = heap:alloc(3, 0, "MapEntry")
    e[1], e[2], e[3] = req, result, map[1]
    map[1] = e
  end)
  heap:full_gc()
  local after = heap:snapshot()
  -- What grows: requests, their results and the cache's entries.
  local g = growth(before, after)
  expect(g.Request, "Requests, served and dropped, still grow").to_be(400)
  expect(g.MapEntry).to_be(400)
  -- Who holds a Request: one MapEntry, by its key slot.
  local sample
  for _, row in ipairs(after:summary()) do if row.name == "Request" then sample = row.id end end
  local retainers = after:retainers(sample)
  expect(#retainers).to_be(1)
  expect(retainers[1].from.name).to_be("MapEntry")
  expect(retainers[1].edge).to_be("[0]")
  -- Which structure: the path from the roots enters the entries at the Map.
  local path = after:path(sample)
  local owner
  for _, step in ipairs(path) do
    if step.to.name == "MapEntry" and step.from.name ~= "MapEntry" then owner = step.from.name end
  end
  expect(owner, "the structure that holds the requests").to_be("Map")
  expect(count_by_name(heap).Request, "and it only grows").to_be(800)
end)

scenario("a WeakMap-keyed cache lets go of served requests", TINY, function(heap)
  local cache = heap:root(heap:weak_map())
  local before = heap:snapshot()
  serve(heap, 400, function(req, result) cache:set(req, result) end)
  local ev = heap:full_gc()
  local n = count_by_name(heap)
  expect(n.Request).to_be_nil()
  expect(n.Result, "results go with their requests").to_be_nil()
  expect(cache:count()).to_be(0)
  expect(ev.ephemerons_removed).to_be_greater_than(0)
  -- The Comparison agrees: nothing grew.
  for name, delta in pairs(growth(before, heap:snapshot())) do
    expect(delta, name .. " count growth").to_be_at_most(0)
  end
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
