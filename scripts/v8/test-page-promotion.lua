-- Mirrors V8's test/cctest/heap/test-page-promotion.cc: during a full GC a
-- new-space page whose bytes are mostly live (>= page_promotion_threshold)
-- is moved to old space whole instead of copying its objects.
local TINY = {config = "../../configs/tiny.yaml"}

scenario("a mostly-live new-space page is promoted whole", TINY, function(heap)
  local page = heap.config.page_size
  local keep = {}
  for i = 1, (page // 40) * 2 do keep[i] = heap:root(heap:alloc(2)) end
  local first = keep[1]
  local addr = first.address
  local ev = heap:full_gc()
  expect(ev.pages_promoted, "pages promoted").to_be_greater_than(0)
  expect(first.space).to_be("old")
  expect(first.address, "address of an object on a promoted page").to_be(addr)
end)

scenario("a mostly-dead page is evacuated object by object", TINY, function(heap)
  local keep = {}
  for i = 1, 200 do
    local o = heap:alloc(2)
    if i % 10 == 0 then keep[#keep + 1] = heap:root(o) end
  end
  local ev = heap:full_gc()
  expect(ev.pages_promoted).to_be(0)
  expect(ev.promoted_objects).to_be(#keep)
end)

scenario("threshold 100% never promotes a page",
  {config = {"../../configs/tiny.yaml", old_space = {page_promotion_threshold = "100%"}}}, function(heap)
  local keep = {}
  for i = 1, 300 do keep[i] = heap:root(heap:alloc(2)) end
  local ev = heap:full_gc()
  expect(ev.pages_promoted).to_be(0)
  expect(keep[1].space).to_be("old")
end)
