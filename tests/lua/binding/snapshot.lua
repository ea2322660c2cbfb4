-- Snapshots from Lua: heap:snapshot(), snap fields, node, retainers, path,
-- summary, diff, gclab.find_leaks and heap:handle(id); errors name the
-- argument.  Expected sizes are gclab.default_size() sums.
local TINY = {config = "../../../configs/tiny.yaml"}
local S = gclab.default_size

scenario("a snapshot counts the heap's objects, edges and bytes", TINY, function(heap)
  local app = heap:root(heap:alloc(3, 0, "App"))
  app[1] = heap:alloc(0, 0, "Leaf")
  app[2] = 7
  app[3] = heap:alloc(1, 0, "Leaf")
  local snap = heap:snapshot()
  expect(snap.objects).to_be(3)
  expect(snap.nodes).to_be(3 + 4)  -- the root, (GC roots), two root groups
  -- root -> (GC roots) -> 2 groups -> App; App -> 2 leaves
  expect(snap.edges).to_be(1 + 2 + 1 + 2)
  expect(snap.total_size).to_be(S(3) + S(0) + S(1))
  expect(tostring(snap)).to_match("^gclab%.snapshot %(7 nodes, 6 edges, ")
end)

scenario("snap:node gives ids, sizes, the dominator and the distance", TINY, function(heap)
  local app = heap:root(heap:alloc(2, 0, "App"))
  local a, b = heap:alloc(1, 0, "Item"), heap:alloc(0, 0, "Shared")
  app[1] = a
  app[2] = b
  a[1] = b                                     -- b: reached from app and from a
  local snap = heap:snapshot()
  local n = snap:node(app)
  expect(n.id).to_be(2 * app.id + 1)
  expect(n.object_id).to_be(app.id)
  expect(n.name).to_be("App")
  expect(n.type).to_be("object")
  expect(n.space).to_be("new")
  expect(n.self_size).to_be(S(2))
  expect(n.retained_size).to_be(S(2) + S(1) + S(0))
  expect(n.distance).to_be(3)                  -- root, (GC roots), (Global handles)
  expect(n.reachable).to_be(true)
  expect(snap:node(n.id)).to_equal(n)          -- by snapshot id, by node table
  expect(snap:node(n)).to_equal(n)
  expect(snap:node(b).dominator).to_be(n.id)   -- not a: app reaches b directly
  expect(snap:node(b).retained_size).to_be(S(0))
  expect(snap:node(424242)).to_be_nil()
  local root = snap:node(1)
  expect(root.name).to_be("")
  expect(root.distance).to_be(0)
  expect(root.dominator).to_be_nil()
  expect(root.retained_size).to_be(snap.total_size)
end)

scenario("snap:retainers lists who holds an object, nearest first", TINY, function(heap)
  local app = heap:root(heap:alloc(2, 0, "App"))
  local list = heap:alloc(1, 0, "List")
  app[1] = list
  local x = heap:alloc(0, 0, "X")
  list[1] = x
  app[2] = x
  local snap = heap:snapshot()
  local r = snap:retainers(x)
  expect(#r).to_be(2)
  expect(r[1].from.name).to_be("App")          -- distance 3 before List's 4
  expect(r[1].edge).to_be("[1]")               -- slot 2 is index 1
  expect(r[1].type).to_be("element")
  expect(r[1].index).to_be(1)
  expect(r[2].from.name).to_be("List")
  expect(r[2].edge).to_be("[0]")
  expect(#snap:retainers(1)).to_be(0)          -- nothing retains the root
end)

scenario("snap:path walks from the root to the object", TINY, function(heap)
  local app = heap:root(heap:alloc(1, 0, "App"))
  local mid = heap:alloc(1, 0, "Mid")
  app[1] = mid
  mid[1] = heap:alloc(0, 0, "End")
  local endo = mid[1]
  local garbage = heap:alloc(0, 0, "Garbage")
  local snap = heap:snapshot()
  local p = snap:path(endo)
  local names = {}
  for _, step in ipairs(p) do names[#names + 1] = step.from.name .. " -" .. step.edge .. "-> " .. step.to.name end
  expect(table.concat(names, "; ")).to_be(
    " -[1]-> (GC roots); (GC roots) -[1]-> (Global handles); (Global handles) -[1]-> App; " ..
    "App -[0]-> Mid; Mid -[0]-> End")
  expect(snap:path(garbage)).to_be_nil()       -- unreachable: no path
  expect(snap:node(garbage).reachable).to_be(false)
  expect(snap:node(garbage).distance).to_be_nil()
  expect(#snap:path(1)).to_be(0)
end)

scenario("snap:summary ranks classes by retained size", TINY, function(heap)
  local app = heap:root(heap:alloc(8, 0, "App"))
  for i = 1, 8 do
    local o = heap:alloc(1, 0, "Entry")
    o[1] = heap:alloc(0, 96, "Blob")
    app[i] = o
  end
  local rows = heap:snapshot():summary()
  expect(#rows).to_be(3)
  expect(rows[1].name).to_be("App")
  expect(rows[1].retained_size).to_be(S(8) + 8 * (S(1) + 96))
  expect(rows[2].name).to_be("Entry")           -- each Entry retains its Blob
  expect(rows[2].retained_size).to_be(8 * (S(1) + 96))
  expect(rows[3].name).to_be("Blob")
  expect(rows[3].count).to_be(8)
  expect(rows[3].shallow_size).to_be(768)
  expect(rows[3].retained_size).to_be(768)
  expect(#heap:snapshot():summary(1)).to_be(1)
end)

scenario("snap:diff compares two snapshots of one heap by id", TINY, function(heap)
  local app = heap:root(heap:alloc(4, 0, "App"))
  app[1] = heap:alloc(0, 0, "Old")
  app[2] = heap:alloc(0, 0, "Old")
  local s1 = heap:snapshot()
  heap:scavenge()
  app[1] = nil
  app[3] = heap:alloc(0, 64, "New")
  heap:full_gc()                               -- moves everything: ids stay
  local s2 = heap:snapshot()
  local rows = s1:diff(s2)
  expect(#rows).to_be(2)
  expect(rows[1]).to_equal({name = "New", new = 1, deleted = 0, delta = 1, alloc_size = 64,
                            freed_size = 0, size_delta = 64})
  expect(rows[2]).to_equal({name = "Old", new = 0, deleted = 1, delta = -1, alloc_size = 0,
                            freed_size = S(0), size_delta = -S(0)})
  expect(#s1:diff(s1)).to_be(0)
end)

scenario("gclab.find_leaks keeps what came after base and stayed", TINY, function(heap)
  local cache = heap:root(heap:alloc(16, 0, "Cache"))
  local base = heap:snapshot()
  for i = 1, 10 do
    local o = heap:alloc(0, 48, i <= 4 and "Session" or "Request")
    if i <= 4 then cache[i] = o end
  end
  local target = heap:snapshot()
  heap:full_gc()
  local final = heap:snapshot()
  local leaks = gclab.find_leaks(base, target, final)
  expect(#leaks).to_be(1)
  expect(leaks[1].name).to_be("Session")
  expect(leaks[1].count).to_be(4)
  expect(leaks[1].retained_size).to_be(4 * 48)
  expect(leaks[1].path[#leaks[1].path].from.name).to_be("Cache")
  expect(final:node(leaks[1].id).name).to_be("Session")
end)

scenario("heap:handle reaches a live object by id, nil when dead", TINY, function(heap)
  local keep = heap:root(heap:alloc(1, 0, "Keep"))
  keep[1] = heap:alloc(0, 0, "Child")
  local id = keep[1].id
  local gone = heap:alloc(0, 0, "Gone").id
  local snap = heap:snapshot()
  heap:full_gc()
  local h = heap:handle(id)
  expect(h.name).to_be("Child")
  expect(h).to_be(keep[1])                     -- one userdata per object
  expect(heap:handle(snap:node(keep[1]))).to_be(keep[1])
  expect(heap:handle(gone)).to_be_nil()        -- collected
  expect(heap:handle(10 ^ 6 // 1)).to_be_nil() -- never allocated
  expect(heap:handle(snap:node(1))).to_be_nil() -- the root is no object
  expect(function() heap:handle("x") end).to_error("bad argument #1 to 'handle'")
  expect(function() heap:handle(0) end).to_error("an object id is a positive integer")
  expect(function() heap:handle({}) end).to_error("a node table needs an integer id") -- as snap:node
  expect(function() heap:handle(keep) end).to_error("got a handle (h.id is its id)")
end)

scenario("snapshot arguments are checked", TINY, function(heap)
  local snap = heap:snapshot()
  expect(function() snap:node("x") end).to_error("bad argument #1 to 'node' (snapshot:node: expected a handle, a snapshot id or a node, got string)")
  expect(function() snap:node({}) end).to_error("a node table needs an integer id")
  expect(function() snap:diff(42) end).to_error("gclab snapshot expected")
  expect(function() snap:summary(0) end).to_error("positive number of rows")
  expect(function() gclab.find_leaks(snap, snap) end).to_error("bad argument #3 to 'find_leaks' (gclab snapshot expected")
  expect(function() return snap.nope end).to_error("snapshot has no method or field 'nope'")
  local closed = gclab.heap()
  closed:close()
  expect(function() closed:snapshot() end).to_error("is closed")
  expect(snap:node(1).name).to_be("")           -- outlives nothing it needs
end)

scenario("a handle of another heap is refused by snap:node, retainers and path", TINY, function(heap)
  local mine = heap:root(heap:alloc(1, 0, "Mine"))
  local other = gclab.heap({boot = "none"})
  local theirs = other:root(other:alloc(1, 0, "Theirs"))
  local snap = heap:snapshot()
  -- object ids are per heap: theirs.id may be an object of this heap too
  for _, m in ipairs({"node", "retainers", "path"}) do
    expect(function() snap[m](snap, theirs) end)
      .to_error("snapshot:" .. m .. ": the handle of object #" .. theirs.id .. " belongs to heap " ..
        other.serial .. ", the snapshot is of heap " .. heap.serial)
  end
  expect(snap:node(mine).name).to_be("Mine")
  other:close()
end)
