-- Mirrors V8's test/cctest/heap/test-compaction.cc: objects on evacuation
-- candidates move and every pointer to them is updated; when evacuation
-- stops early (here: the live-byte quota), the rest stays in place and all
-- pointers remain valid.
local TINY = {config = "../../configs/tiny.yaml"}

-- Old pages mostly empty: keep one object in ten, each pointing to the
-- next survivor; return the survivors.
local function sparse_old_pages(heap, n)
  local objs = {}
  heap:scope(function()
    for i = 1, n do objs[i] = heap:alloc(2, 0, "Obj") end
    for i = 1, n do heap:root(objs[i]) end
  end)
  heap:scavenge()
  heap:scavenge()
  local live = {}
  for i, o in ipairs(objs) do
    if i % 10 == 1 then live[#live + 1] = o else heap:unroot(o) end
  end
  for i = 1, #live - 1 do live[i][1] = live[i + 1]; live[i][2] = i end
  return live
end

local function check_links(live)
  for i = 1, #live - 1 do
    expect(live[i][1], "link " .. i).to_be(live[i + 1])
    expect(live[i][2], "payload " .. i).to_be(i)
  end
end

scenario("objects on evacuation candidates move; pointers follow", TINY, function(heap)
  local live = sparse_old_pages(heap, 500)
  local addr = {}
  for i, o in ipairs(live) do addr[i] = o.address end
  local ev = heap:mark_compact({strategy = "evacuate"})
  expect(ev.pages_evacuated).to_be_greater_than(0)
  local moved = 0
  for i, o in ipairs(live) do if o.address ~= addr[i] then moved = moved + 1 end end
  expect(moved, "survivors that moved").to_be(ev.moved_objects)
  check_links(live)
end)

scenario("a small quota evacuates some pages and leaves the rest in place",
  {config = {"../../configs/tiny.yaml", old_space = {compaction = {quota = "1KiB"}}}}, function(heap)
  local live = sparse_old_pages(heap, 500)
  local pages_before = heap:stats().old.pages
  local ev = heap:mark_compact({strategy = "evacuate"})
  expect(ev.moved, "live bytes moved").to_be_at_most(1024 + 40)
  expect(heap:stats().old.pages, "pages kept").to_be_greater_than(pages_before // 2)
  check_links(live)
end)

scenario("compaction is skipped when no page would be freed", TINY, function(heap)
  local keep = {}
  for i = 1, 300 do keep[i] = heap:root(heap:alloc(2)) end
  heap:scavenge()
  heap:scavenge()
  local ev = heap:mark_compact({strategy = "evacuate"})
  expect(ev.moved_objects).to_be(0)
  expect(ev.pages_evacuated).to_be(0)
end)
