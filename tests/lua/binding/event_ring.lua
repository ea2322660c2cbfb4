-- The event ring (issue 10, item 11): a heap keeps its last `event_ring`
-- events, so a long run holds bounded memory; the GC count, the trace
-- lines' averages and the runner hook's log stay exact and complete.
local TINY = "../../../configs/tiny.yaml"

-- The same program on two heaps: one keeps 16 events, one keeps all.
local function program(heap)
  local keep = heap:root(heap:alloc(1))
  for i = 1, 100 do
    keep[1] = heap:alloc(2, 0, "Young")
    if i % 10 == 0 then heap:mark_compact() else heap:scavenge() end
  end
end

scenario("a heap keeps the last event_ring events; counts stay exact", {config = TINY}, function(scenario_heap)
  local small = gclab.heap{scenario_heap.config, event_ring = 16}
  local full = gclab.heap(scenario_heap.config)
  expect(small.config.event_ring).to_be(16)
  expect(full.config.event_ring).to_be(4096)
  program(small)
  program(full)
  expect(small:stats().gcs).to_be(100)
  local kept = small:events()
  expect(#kept).to_be(16)
  expect(kept[1].seq).to_be(85)
  expect(kept[16].seq).to_be(100)
  expect(#small:events(90)).to_be(11)
  expect(small:event(84)).to_be_nil()
  expect(small:event(85)).to_equal(full:event(85))
  expect(small:event().seq).to_be(100)
  expect(function() small:trace(84) end).to_error("GC #84 is no longer kept (the heap keeps the last 16: config event_ring)")
  -- the lines of kept events are exact: the running sums were kept
  for seq = 85, 100 do
    expect(small:trace(seq), "trace " .. seq).to_be(full:trace(seq))
    expect(small:trace(seq, "nvp"), "nvp " .. seq).to_be(full:trace(seq, "nvp"))
  end
  small:close()
  full:close()
end)

scenario("the runner hook sees every GC past the ring", {config = TINY}, function(scenario_heap)
  local seen = 0
  gclab.defaults{on_event = function() seen = seen + 1 end}
  local ok, err = pcall(function()
    local heap = gclab.heap{scenario_heap.config, event_ring = 16}
    program(heap)
    heap:close()
  end)
  gclab.defaults()
  expect(ok, tostring(err)).to_be(true)
  expect(seen).to_be(100)
end)

scenario("a dead object's GC past the ring is still named by number", {config = TINY}, function(scenario_heap)
  local heap = gclab.heap{scenario_heap.config, event_ring = 16}
  local ghost = heap:alloc(1, 0, "Ghost")
  heap:scavenge()
  for _ = 1, 20 do heap:scavenge() end
  expect(function() return ghost.size end).to_error("object #1 (Ghost) is dead: collected by GC #1")
  heap:close()
end)

scenario("event_ring is checked like any key", function()
  expect(function() gclab.heap{event_ring = 15} end).to_error("event_ring: expected 16..16777216 events, got 15")
  expect(function() gclab.heap{event_ring = "many"} end).to_error("gclab.heap: event_ring: ")
end)
