-- Claim: Mark-Compact moves live objects together so that free space is
-- contiguous again.  V8 evacuates sparse pages; the textbook version slides
-- every live object to one end.  gclab does both.
local TINY = {config = "../../configs/tiny.yaml"}

local function fragmented_old_space(heap, n)
  local objs = {}
  for i = 1, n do objs[i] = heap:root(heap:alloc(2)) end
  heap:scavenge()
  heap:scavenge()
  local live = {}
  for i, o in ipairs(objs) do
    if i % 10 == 0 then live[#live + 1] = o else heap:unroot(o) end
  end
  return live
end

local function old_free_blocks(heap)
  local free, largest = 0, 0
  for _, p in ipairs(heap:pages("old")) do
    free = free + p.free
    largest = math.max(largest, p.largest_free)
  end
  return free, largest
end

scenario("evacuation empties sparse pages and releases them", TINY, function(heap)
  local live = fragmented_old_space(heap, 400)
  local pages_before = heap:stats().old.pages
  local ev = heap:mark_compact({strategy = "evacuate"})
  expect(ev.kind).to_be("Mark-Compact")
  expect(ev.compaction).to_be("evacuate")
  expect(ev.pages_evacuated, "pages evacuated").to_be_greater_than(0)
  expect(ev.moved_objects, "objects moved").to_be_greater_than(0)
  expect(heap:stats().old.pages, "old pages").to_be_less_than(pages_before)
  for _, o in ipairs(live) do expect(o.alive).to_be(true) end
end)

scenario("sliding leaves one contiguous free block per page", TINY, function(heap)
  local live = fragmented_old_space(heap, 400)
  -- the order survivors had in memory before the slide
  table.sort(live, function(a, b) return a.address < b.address end)
  local ev = heap:mark_compact({strategy = "slide"})
  expect(ev.compaction).to_be("slide")
  for _, p in ipairs(heap:pages("old")) do
    expect(p.largest_free, "largest free block of page " .. p.index).to_be(p.free)
  end
  -- survivors keep that order and are packed: each follows the one before,
  -- or starts the next page when it did not fit in the rest of this one
  local page_size = heap.config.page_size
  for i = 2, #live do
    local after = live[i - 1].address + live[i - 1].size
    if live[i].address ~= after then
      expect(live[i].address % page_size, "survivor " .. i .. " starts a page").to_be(0)
      expect(live[i].address, "survivor " .. i .. " on the next page").to_be_less_than(after + page_size)
      expect(page_size - after % page_size, "room left on the page before survivor " .. i)
        .to_be_less_than(live[i].size)
    end
  end
end)

scenario("after compaction a large-ish object fits where holes did not", TINY, function(heap)
  fragmented_old_space(heap, 400)
  heap:mark_sweep()
  local free1, largest1 = old_free_blocks(heap)
  heap:mark_compact({strategy = "slide"})
  local free2, largest2 = old_free_blocks(heap)
  expect(largest2, "largest free block after sliding").to_be_greater_than(largest1)
  expect(largest2 * 2, "largest free block vs total free").to_be_at_least(free2)
  expect(free1).to_be_greater_than(0)
end)

scenario("every pointer to a moved object is updated", TINY, function(heap)
  local live = fragmented_old_space(heap, 300)
  for i = 2, #live do live[i][1] = live[i - 1] end
  live[1][2] = 12345
  local young = heap:root(heap:alloc(1))
  young[1] = live[#live]
  heap:mark_compact({strategy = "evacuate"})
  local o = young[1]
  expect(o).to_be(live[#live])
  for i = #live, 2, -1 do
    expect(o[1], "link " .. i).to_be(live[i - 1])
    o = o[1]
  end
  expect(o[2]).to_be(12345)
end)
