-- A heap known to be broken refuses further collections with a clear error
-- instead of walking a corrupt graph (issue 10, item 5: a SIGSEGV in the
-- next Mark-Compact after the marking barrier was switched off).
local TINY = {config = "../../../configs/tiny.yaml"}

-- An old holder already black and a white target reachable only through
-- the end of a long chain (as scripts/seed/09-write-barrier.lua).
local function setup(heap)
  local chain = heap:root(heap:alloc(1, 0, "Chain"))
  local holder = heap:root(heap:alloc(1, 0, "Holder"))
  local last, target
  heap:scope(function()
    last = chain
    for _ = 1, 200 do
      local n = heap:alloc(1, 0, "Link")
      last[1] = n
      last = n
    end
    target = heap:alloc(1, 0, "Target")
    last[1] = target
  end)
  heap:scavenge()
  heap:scavenge()
  heap:incremental_start()
  while holder.color ~= "black" do heap:incremental_step(40) end
  return holder, last, target
end

for _, verify_each in ipairs({false, true}) do
  scenario("no barrier: the GC after the damage is refused (verify each GC: " ..
           tostring(verify_each) .. ")", TINY, function(heap)
    heap:set_verify_each_gc(verify_each)
    heap:set_marking_barrier(false)
    local holder, last, target = setup(heap)
    holder[1] = target -- no barrier: target stays white
    last[1] = nil
    -- black -> white while marking: reported, but the graph is intact yet
    expect(function() heap:verify() end).to_error("tri-colour invariant broken")
    if verify_each then
      expect(function() heap:incremental_finish() end).to_error("not to a live object")
    else
      heap:incremental_finish() -- the heap checks itself: the barrier is off
    end
    expect(target.alive, "reachable from a root, yet collected").to_be(false)
    local refused = "the heap is broken, collections are refused (found by verify: object #"
    expect(function() heap:mark_compact() end).to_error("heap:mark_compact: " .. refused)
    expect(function() heap:scavenge() end).to_error("heap:scavenge: " .. refused)
    expect(function() heap:full_gc() end).to_error(refused)
    expect(function() heap:incremental_start() end).to_error(refused)
    expect(function() for _ = 1, 100000 do heap:alloc(4) end end).to_error(refused)
    expect(function() heap:verify() end).to_error("not to a live object")
    heap:close()
  end)
end

scenario("with the barrier on, a tri-colour violation is never seen and GCs go on", TINY, function(heap)
  local holder, last, target = setup(heap)
  holder[1] = target
  last[1] = nil
  expect(heap:verify()).to_be(true)
  heap:incremental_finish()
  heap:mark_compact()
  expect(target.alive).to_be(true)
end)
