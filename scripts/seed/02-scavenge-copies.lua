-- Claim: a Scavenge copies the live objects from From-space to To-space and
-- then the two semispaces swap roles (Cheney's algorithm).
local TINY = {config = "../../configs/tiny.yaml"}

local function to_space_pages(heap)
  local set = {}
  for _, p in ipairs(heap:pages("new")) do
    if p.to_space then set[#set + 1] = p.index end
  end
  return table.concat(set, ",")
end

scenario("a live object is copied: its address changes", TINY, function(heap)
  local o = heap:root(heap:alloc(2, 0, "Live"))
  local before = o.address
  local ev = heap:scavenge()
  expect(o.alive).to_be(true)
  expect(o.space).to_be("new")
  expect(o.address, "address after the scavenge").never.to_be(before)
  expect(ev.copied, "bytes copied").to_be(o.size)
  expect(ev.copied_objects, "objects copied").to_be(1)
end)

scenario("the semispaces swap roles after each scavenge", TINY, function(heap)
  local first = to_space_pages(heap)
  heap:scavenge()
  local second = to_space_pages(heap)
  expect(second, "To-space pages after one scavenge").never.to_be(first)
  heap:scavenge()
  expect(to_space_pages(heap), "To-space pages after two").to_be(first)
end)

scenario("copying compacts: survivors end up side by side", TINY, function(heap)
  local keep = {}
  for i = 1, 10 do
    local o = heap:alloc(2)
    if i % 2 == 0 then keep[#keep + 1] = heap:root(o) end
  end
  heap:scavenge()
  for i = 2, #keep do
    expect(keep[i].address, "survivor " .. i).to_be(keep[i - 1].address + keep[i - 1].size)
  end
end)

scenario("pointers between copied objects are updated", TINY, function(heap)
  local a = heap:root(heap:alloc(1, 0, "A"))
  local b = heap:alloc(1, 0, "B")
  a[1] = b
  b[1] = 7
  heap:scavenge()
  expect(a[1], "a[1] after the copy").to_be(b)
  expect(a[1][1]).to_be(7)
end)
