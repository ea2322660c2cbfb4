-- Finding a leak with the tools, the way Chrome DevTools' Memory panel
-- finds one in Node: a server's heap should be flat once warm, but grows.
-- Two snapshots and their Comparison say WHAT grows; the Retainers of one
-- of those objects say WHO holds it and by which slot; the shortest path
-- from the roots says through WHAT CHAIN.  Nothing below names the
-- culprit: the program has a session table, a cache and an event emitter,
-- and the snapshots point at the one that leaks.  (docs/leaks.md)

local TINY = {config = "../../configs/tiny.yaml"}

-- The server: per request a Request (with its body), a Session in a
-- bounded table, a CacheEntry in a bounded cache, and a listener on the
-- emitter that should be removed when the request ends.
local function server(heap, remove_listeners)
  local global = heap:root(heap:alloc(3, 0, "Global"))
  local sessions = heap:alloc(64, 0, "SessionTable")
  local cache = heap:alloc(16, 0, "LRUCache")
  local emitter = heap:alloc(1, 0, "EventEmitter") -- slot 1: the listener list
  global[1], global[2], global[3] = sessions, cache, emitter
  local function handle(i)
    heap:scope(function()
      local req = heap:alloc(2, 256, "Request")
      req[1] = i
      local session = heap:alloc(1, 64, "Session")
      session[1] = i
      sessions[i % 64 + 1] = session
      cache[i % 16 + 1] = heap:alloc(0, 96, "CacheEntry")
      local listener = heap:alloc(2, 0, "Listener") -- a closure over the request
      listener[1] = req
      listener[2] = emitter[1]
      emitter[1] = listener
      if remove_listeners then emitter[1] = listener[2] end -- 'finally: off(...)'
    end)
  end
  return handle
end

-- Warm up, snapshot, serve more, snapshot: the two DevTools snapshots.
local function two_snapshots(heap, remove_listeners)
  local handle = server(heap, remove_listeners)
  for i = 1, 200 do handle(i) end
  heap:full_gc()
  local before = heap:snapshot()
  for i = 201, 700 do handle(i) end
  heap:full_gc()
  return before, heap:snapshot()
end

-- A path as text, root first, a run of one class collapsed:
-- "... EventEmitter -[0]-> Listener -[1]-> (699 more Listener) -[0]-> Request".
local function describe(path)
  local parts, run = {"(root)"}, 0
  for k, step in ipairs(path) do
    local nxt = path[k + 1]
    if nxt and nxt.to.name == step.to.name and k > 1 and path[k - 1].to.name == step.to.name then
      run = run + 1
    else
      if run > 0 then parts[#parts + 1] = "-" .. step.edge .. "-> (" .. run + 1 .. " more " .. step.to.name .. ")" end
      if run == 0 then parts[#parts + 1] = "-" .. step.edge .. "-> " .. step.to.name end
      run = 0
    end
  end
  return table.concat(parts, " ")
end

scenario("the snapshots find the leak: what grows, who holds it, which path", TINY, function(heap)
  local before, after = two_snapshots(heap, false)

  -- 1. Comparison: the class that grew the most.
  local growth = before:diff(after)
  local top = growth[1]
  record("grows", top.name)
  record("grows_by", top.delta)
  expect(top.delta, top.name .. " count growth").to_be(500)
  local growing = {}
  for _, row in ipairs(growth) do if row.delta > 0 then growing[row.name] = row.delta end end

  -- 2. Summary: the largest object of that class, and its retainers.
  local sample
  for _, row in ipairs(after:summary()) do if row.name == top.name then sample = row.id end end
  local retainers = after:retainers(sample)
  expect(#retainers, "retainers of one " .. top.name).to_be(1)
  record("held_by", retainers[1].from.name .. " " .. retainers[1].edge)

  -- 3. Path: from the roots, the last object whose class does not grow
  -- is the owner of the leak; the edge below it is the leaking slot.
  local path = after:path(sample)
  local owner, slot
  for _, step in ipairs(path) do
    if not growing[step.from.name] and growing[step.to.name] then owner, slot = step.from, step.edge end
  end
  record("path", describe(path))
  record("owner", owner.name .. " " .. slot)
  expect(owner.name).to_be("EventEmitter")
  expect(slot).to_be("[0]")
  expect(after:node(owner.id).retained_size, "what the owner retains").to_be_greater_than(500 * 256)
  -- And from the id back to a live handle, to fix it in place.
  local emitter = heap:handle(owner.object_id)
  expect(emitter.name).to_be("EventEmitter")
end)

scenario("with listeners removed, nothing grows", TINY, function(heap)
  local before, after = two_snapshots(heap, true)
  for _, row in ipairs(before:diff(after)) do
    expect(row.delta, row.name .. " count growth").to_be_at_most(0)
  end
  expect(after.total_size).to_be_at_most(before.total_size)
end)
