-- The cheaper front door (issue 15): batch operations, root counts kept in
-- the handle, scopes (rooted by the engine scope, kept by the binding), and the fast paths
-- of h[i] / h.alive still giving the documented errors.
local TINY = {config = "../../../configs/tiny.yaml"}

scenario("alloc_many is that many allocs: ids, names, sizes, a list", function(heap)
  local first = heap:alloc(0).id
  local l = heap:alloc_many(3, 2, 48, "Pair")
  expect(#l).to_be(3)
  for i = 1, 3 do
    expect(l[i].id).to_be(first + i)
    expect(l[i].name).to_be("Pair")
    expect(l[i].size).to_be(48)
    expect(l[i].slots).to_be(2)
  end
  expect(#heap:alloc_many(0, 1)).to_be(0)
  expect(heap:alloc_many(1, 1)[1].size).to_be(gclab.default_size(1))
  expect(function() heap:alloc_many(-1, 1) end).to_error("bad argument #1 to 'alloc_many' (count must be")
  expect(function() heap:alloc_many({}, 1) end).to_error("bad argument #1 to 'alloc_many' (number expected, got table)")
  expect(function() heap:alloc_many(2, -2) end).to_error("bad argument #2 to 'alloc_many' (slot count must be 0..")
  expect(function() heap:alloc_many(2, 1, -1) end).to_error("bad argument #3 to 'alloc_many' (byte size must not be negative)")
  expect(function() heap:alloc_many(2, 1, 0, {}) end).to_error("bad argument #4 to 'alloc_many' (string expected, got table)")
end)

scenario("alloc_many inside a scope: every object stays alive until it closes", TINY, function(heap)
  local l
  heap:scope(function()
    l = heap:alloc_many(2000, 1, 64)
    heap:scavenge()
    heap:scavenge()
    for i = 1, #l do expect(l[i].alive, "object " .. i).to_be(true) end
  end)
  heap:full_gc() -- two scavenges promoted them
  expect(l[1].alive).to_be(false)
  expect(l[#l].alive).to_be(false)
end)

scenario("set_slots stores like h[i] = v, list or arguments", function(heap)
  local a = heap:root(heap:alloc(3, 0, "Triple"))
  local b = heap:root(heap:alloc(1))
  expect(heap:set_slots(a, b, 7, nil)).to_be(a)
  expect(a[1]).to_be(b)
  expect(a[2]).to_be(7)
  expect(a[3]).to_be_nil()
  heap:set_slots(a, {5, b})
  expect(a[1]).to_be(5)
  expect(a[2]).to_be(b)
  heap:set_slots(a) -- nothing to store
  expect(a[1]).to_be(5)
  expect(function() heap:set_slots(a, 1, 2, 3, 4) end).to_error("heap:set_slots: slot index 4 out of range for object #" .. a.id .. " (Triple) with 3 slots")
  expect(a[3], "slots before the bad one are stored, as a sequence of stores").to_be(3)
  heap:set_slots(a, 5, b)
  expect(function() heap:set_slots(a, 1, "x") end).to_error("heap:set_slots: bad value for slot 2: expected a handle, an integer or nil, got string")
  expect(function() heap:set_slots(a, gclab.SMI_MAX + 1) end).to_error("heap:set_slots: bad value for slot 1: integer 2147483648 out of Smi range")
  expect(a[2]).to_be(b)
  expect(function() heap:set_slots(42, 1) end).to_error("bad argument #1 to 'set_slots' (gclab handle expected, got number)")
  local other = gclab.heap()
  local x = other:root(other:alloc(1))
  expect(function() heap:set_slots(x, 1) end).to_error("bad argument #1 to 'set_slots' (handle of object #" .. x.id .. " belongs to heap")
  expect(function() heap:set_slots(a, x) end).to_error("heap:set_slots: bad value for slot 1: handle of object #" .. x.id .. " belongs to heap")
  other:close()
end)

scenario("set_slots on a dead object names it", TINY, function(heap)
  local holder = heap:root(heap:alloc(1))
  local o = heap:alloc(1, 0, "Gone")
  heap:scavenge()
  expect(function() heap:set_slots(o, 1) end).to_error("heap:set_slots: object #2 (Gone) is dead: collected by GC #1 (Scavenge")
  expect(function() heap:set_slots(holder, o) end).to_error("heap:set_slots (value): object #2 (Gone) is dead")
end)

scenario("root counts: n roots need n unroots, then unroot is refused", TINY, function(heap)
  local o = heap:alloc(1, 0, "Counted")
  heap:root(o)
  heap:root(o)
  heap:unroot(o)
  heap:scavenge()
  expect(o.alive, "still rooted once").to_be(true)
  expect(o.rooted).to_be(true)
  heap:unroot(o)
  expect(function() heap:unroot(o) end).to_error("object #1 was not rooted with heap:root")
  heap:scavenge()
  expect(o.alive).to_be(false)
end)

scenario("unroot queues the rooted slot for a batch release; rooting again meanwhile keeps it", TINY, function(heap)
  local hs = {}
  for i = 1, 200 do hs[i] = heap:root(heap:alloc(1, 0, "R")) end
  for i = 1, 200 do heap:unroot(hs[i]) end -- queued, released 64 at a time
  heap:root(hs[200]) -- still queued
  heap:root(hs[1])   -- released already: takes a slot again
  heap:root(hs[1])
  heap:unroot(hs[1])
  for _ = 1, 150 do heap:unroot(heap:root(heap:alloc(0))) end -- batches with hs[200] queued
  local ids = {hs[1].id, hs[200].id}
  hs = nil -- luacheck: ignore
  for _ = 1, 3 do collectgarbage() end
  for _ = 1, 9000 do heap:alloc(0) end -- handles enough for a release sweep
  heap:scavenge()
  heap:scavenge()
  local live = 0
  for _, info in ipairs(heap:objects()) do if info.name == "R" then live = live + 1 end end
  expect(live, "the two objects rooted again").to_be(2)
  for _, id in ipairs(ids) do
    local h = heap:handle(id) -- the same userdata, with its root count
    heap:unroot(h)
    expect(function() heap:unroot(h) end).to_error("was not rooted with heap:root")
  end
end)

scenario("engine handles of collected userdata are released after sweeps that waited for a Lua collection", function(heap)
  local boot = heap:stats().handles -- the boot heap's
  for _ = 1, 5000 do heap:alloc(0) end -- a first sweep: it places the canary
  collectgarbage("stop")
  for _ = 1, 30000 do heap:alloc(0) end -- sweeps find the canary: nothing to release, none done
  local waited = heap:stats().handles
  expect(waited >= boot + 30000, "handles while Lua did not collect").to_be(true)
  collectgarbage("restart")
  collectgarbage()
  for _ = 1, 40000 do heap:alloc(0) end -- a sweep releases them
  expect(heap:stats().handles < waited - 15000, "handles after a collection and a sweep").to_be(true)
end)

scenario("a rooted handle's userdata survives Lua's collector (and its root with it)", TINY, function(heap)
  local id
  do
    local o = heap:root(heap:alloc(1, 0, "Kept"))
    id = o.id
    local holder = heap:root(heap:alloc(1))
    holder[1] = o
    heap:unroot(holder)
  end
  -- the userdata is no longer referenced from Lua but rooted: the binding
  -- keeps it, so the engine handle holding the root is not released
  for _ = 1, 3 do collectgarbage() end
  for _ = 1, 5000 do heap:alloc(1) end -- enough handles for a release sweep
  heap:scavenge()
  heap:scavenge()
  local live = 0
  for _, info in ipairs(heap:objects()) do if info.id == id then live = live + 1 end end
  expect(live, "the rooted object").to_be(1)
end)

scenario("objects of a scope stay alive through Lua collections until it closes, then die", TINY, function(heap)
  local holder = heap:root(heap:alloc(1))
  heap:scope(function()
    local o = heap:alloc(1, 0, "Scoped")
    holder[1] = o
    holder[1] = nil
    o = nil -- luacheck: ignore
    for _ = 1, 3 do collectgarbage() end
    for _ = 1, 9000 do heap:alloc(0) end -- handles enough for a release sweep
    heap:scavenge()
    local found = false
    for _, info in ipairs(heap:objects()) do if info.name == "Scoped" then found = true end end
    expect(found, "the scoped object after its userdata was collected").to_be(true)
  end)
  heap:full_gc()
  local found = false
  for _, info in ipairs(heap:objects()) do if info.name == "Scoped" then found = true end end
  expect(found, "after the scope closed").to_be(false)
end)

scenario("the hot paths keep their errors: dead, other heap, closed heap", TINY, function(heap)
  local o = heap:alloc(2, 0, "Hot")
  heap:scavenge()
  expect(o.alive).to_be(false)
  expect(function() return o[1] end).to_error("slot read: object #1 (Hot) is dead: collected by GC #1")
  expect(function() o[1] = 1 end).to_error("slot write: object #1 (Hot) is dead")
  expect(function() return o.space end).to_error("h.space: object #1 (Hot) is dead")
  local other = gclab.heap()
  local x = other:root(other:alloc(1))
  local mine = heap:root(heap:alloc(1))
  expect(function() mine[1] = x end).to_error("slot write: bad value for slot 1: handle of object #" .. x.id .. " belongs to heap")
  other:close()
  expect(x.alive).to_be(false)
  expect(function() return x[1] end).to_error("is closed")
  expect(function() x[1] = 1 end).to_error("is closed")
  expect(function() return x.space end).to_error("is closed")
end)

scenario("identity holds across many handles, collections and cache sweeps", function(heap)
  -- a rooted list of N nodes, each holding its index as a small integer
  local N = 20000
  local head = heap:root(heap:alloc(2, 0, "Node"))
  head[2] = 1
  local node = head
  heap:scope(function()
    for i = 2, N do
      local nxt = heap:alloc(2, 0, "Node")
      nxt[2] = i
      node[1] = nxt
      node = nxt
    end
  end)
  local held = {} -- every 7th handle stays referenced from Lua
  for round = 1, 3 do
    local n, i = head, 1
    while n do
      expect(n[2], "node value").to_be(i)
      if i % 7 == 0 then
        if round == 1 then held[i] = n else expect(rawequal(held[i], n), "same userdata for node " .. i).to_be(true) end
      end
      local a, b = n[1], n[1]
      expect(rawequal(a, b), "two reads of one slot").to_be(true)
      n, i = a, i + 1
    end
    expect(i - 1).to_be(N)
    collectgarbage()
    collectgarbage()
  end
  -- the engine handles of collected userdata were released: what is left is
  -- about what Lua still holds, not one per handle ever made (over 100000)
  held = nil -- luacheck: ignore
  for _ = 1, 4 do
    collectgarbage()
    collectgarbage()
    for _ = 1, N do heap:alloc(0) end
  end
  expect(heap:stats().handles, "engine handles after sweeps").to_be_less_than(2 * N)
end)

-- heap:init_slots (issue 16): a literal's fields, stored as V8's optimized
-- code stores them into a just-allocated young object, with no write
-- barrier (MemoryLowering::ComputeWriteBarrierKind).  While marking, a
-- plain store greys its white value; an initializing store into a young
-- white object does not, and one into any other object is a plain store.
scenario("init_slots stores like set_slots, without the marking barrier into a young white object", function(heap)
  local holder = heap:root(heap:alloc(2, 0, "Holder"))
  heap:full_gc() -- holder is old now
  expect(holder.space).to_be("old")
  heap:incremental_start()
  local fresh = heap:root(heap:alloc(2, 0, "Fresh"))
  expect(fresh.young).to_be(true)
  expect(fresh.color).to_be("white")
  local a, b, c = heap:root(heap:alloc(0, 0, "A")), heap:root(heap:alloc(0, 0, "B")), heap:root(heap:alloc(0, 0, "C"))
  expect(heap:init_slots(fresh, a, 3)).to_be(fresh)
  expect(fresh[1]).to_be(a)
  expect(fresh[2]).to_be(3)
  expect(a.color, "initializing store into a young white object: no barrier").to_be("white")
  heap:set_slots(fresh, b)
  expect(b.color, "a plain store greys its white value").to_be("grey")
  heap:init_slots(holder, {c, nil})
  expect(holder[1]).to_be(c)
  expect(holder[2]).to_be_nil()
  expect(c.color, "into an old object: a plain store, barrier and all").to_be("grey")
  expect(function() heap:init_slots(fresh, 1, 2, 3) end).to_error("heap:init_slots: slot index 3 out of range for object #")
  heap:incremental_finish()
  expect(a.alive, "rooted: marked at the pause").to_be(true)
  expect(fresh[1], "slots before the bad one are stored").to_be(1)
end)

-- heap:alloc_old (issue 16): V8's AllocationType::kOld from a script, as
-- V8's runtime allocates a Map's rehashed table next to an old one
-- (OrderedHashTable::Rehash).  Straight into old space (above the
-- large-object threshold: old large-object space), no Scavenge; black
-- while marking; bad arguments name heap:alloc_old.
scenario("alloc_old allocates in the old generation, never young", function(heap)
  local before = #heap:events()
  local o = heap:root(heap:alloc_old(2, 0, "Table"))
  expect(o.space).to_be("old")
  expect(o.size).to_be(gclab.default_size(2))
  local big = heap:root(heap:alloc_old(1, 512 * 1024, "BigTable"))
  expect(big.space, "above the threshold: old large-object space").to_be("large")
  expect(#heap:events(), "no GC for a fresh heap's old allocation").to_be(before)
  local young = heap:root(heap:alloc(1, 0, "Young"))
  o[1] = young
  heap:scavenge()
  expect(o.space, "not moved by a Scavenge").to_be("old")
  expect(heap:event().promoted, "nothing old is counted as promoted").to_be(0)
  heap:incremental_start()
  local during = heap:root(heap:alloc_old(0, 0, "During"))
  expect(during.color, "black allocation while marking").to_be("black")
  heap:incremental_finish()
  expect(function() heap:alloc_old(-1) end).to_error("bad argument #1 to 'alloc_old'")
  expect(function() heap:alloc_old(1, 0, "X", heap:site("s")) end).to_error("takes no allocation site")
end)
