-- Event, stats, page and config tables: every field, deterministic values.
local TINY = {config = "../../../configs/tiny.yaml"}

local EVENT_FIELDS = {
  "seq", "kind", "reason", "collector_reason", "reduce_memory", "incremental",
  "before", "after", "holes_before", "holes_after", "allocated", "copied",
  "copied_objects", "promoted", "promoted_objects", "died", "freed", "died_in_new",
  "moved", "moved_objects", "pages_released", "pages_evacuated", "pages_promoted",
  "steps", "incremental_marked", "largest_step", "marked", "semi_space_capacity",
  "old_limit", "start_us", "pause_us", "marking_start_us",
}

scenario("an event table has every field and no wall-clock value", TINY, function(heap)
  heap:root(heap:alloc(2))
  local ev = heap:mark_compact()
  for _, f in ipairs(EVENT_FIELDS) do expect(ev[f], "event." .. f).never.to_be_nil() end
  expect(ev.compaction).to_be("evacuate")
  expect(ev.wall_ms).to_be_nil()
  expect(ev.wall_pause_ms).to_be_nil()
  for _, space in ipairs({"new", "old", "large", "new_large", "total"}) do
    for _, k in ipairs({"size", "objects", "committed"}) do
      expect(ev.before[space][k], "before." .. space .. "." .. k).to_be_a("integer")
      expect(ev.after[space][k], "after." .. space .. "." .. k).to_be_a("integer")
    end
  end
  expect(ev.after.total.objects).to_be(1)
  expect(heap:events()[1]).to_equal(ev)
  expect(heap:event(1)).to_equal(ev)
  expect(heap:event(2)).to_be_nil()
end)

scenario("the same program on the same config gives the same events", TINY, function(heap)
  local function program(h)
    local keep = h:root(h:alloc(1))
    for i = 1, 3000 do
      local o = h:alloc(2)
      if i % 7 == 0 then o[1] = keep[1]; keep[1] = o end
    end
    h:full_gc()
    return h:events()
  end
  local twin = gclab.heap(heap.config)
  expect(program(twin)).to_equal(program(heap))
end)

scenario("stats and pages", TINY, function(heap)
  local o = heap:root(heap:alloc(2))
  local st = heap:stats()
  for _, space in ipairs({"new", "old", "large", "new_large", "total"}) do
    for _, k in ipairs({"capacity", "committed", "size", "used", "live", "free", "objects", "pages"}) do
      expect(st[space][k], space .. "." .. k).to_be_a("integer")
    end
  end
  expect(st.new.objects).to_be(1)
  expect(st.objects_allocated).to_be(1)
  for _, k in ipairs({"old_limit", "old_max", "semi_space_capacity", "age_mark",
                      "allocated_bytes", "gcs", "handles", "virtual_time_us"}) do
    expect(st[k], k).to_be_a("integer")
  end
  local pages = heap:pages("new")
  expect(#pages).to_be_greater_than(0)
  local p = pages[1]
  for _, k in ipairs({"index", "address", "size", "used", "live", "free", "largest_free", "objects"}) do
    expect(p[k], "page." .. k).to_be_a("integer")
  end
  expect(p.space).to_be("new")
  expect(p.to_space).to_be_a("boolean")
  expect(#heap:pages()).to_be_at_least(#pages)
  expect(o.info.slots).to_be(2)
  expect(o.rooted).to_be(true)
end)

scenario("heap.config round-trips through gclab.heap", TINY, function(heap)
  local again = gclab.heap(heap.config)
  expect(again.config).to_equal(heap.config)
  expect(gclab.config(heap.config)).to_equal(heap.config)
  expect(heap.config.old_space.growing.target_mu).to_be(0.97)
end)

scenario("handles keep identity across moves and reads", TINY, function(heap)
  local a = heap:root(heap:alloc(1))
  local b = heap:alloc(1)
  a[1] = b
  expect(rawequal(a[1], b)).to_be(true)
  heap:scavenge()
  heap:scavenge()
  expect(rawequal(a[1], b)).to_be(true)
  local seen = {[b] = true}
  expect(seen[a[1]]).to_be(true)
end)

scenario("tostring is deterministic", TINY, function(heap)
  local o = heap:alloc(2, 0, "Thing")
  expect(tostring(o)).to_be("gclab.handle #" .. o.id .. " Thing (new, 40 bytes, @" .. o.address .. ")")
  expect(tostring(heap)).to_match("^gclab%.heap %d+ %(40 bytes in 1 objects, 0 GCs%)$")
end)
