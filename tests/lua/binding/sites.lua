-- heap:site, heap:site_info and heap:alloc's 5th argument (allocation-site
-- pretenuring, issue 16; engine/promotion.h has V8's rules, cmocka
-- test_pretenuring the engine's side).  tiny.yaml: 16 KiB semispaces that
-- never grow (initial = maximum), so every Scavenge is at the maximum; a
-- site's code window starts when the site is made (no tiering budget: the
-- last scenario tests it).
local TINY = {config = {"../../../configs/tiny.yaml", new_space = {semi_space = {initial = "16KiB", max = "16KiB"}},
  allocation_sites = {tiering_allocations = 0}}}

-- `n` objects of `site`, each kept: a list from a rooted head.
local function keep_list(heap, site, n)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  for _ = 1, n do
    local o = heap:alloc(2, 0, "Node", site)
    o[1] = head[1]
    head[1] = o
  end
end

scenario("a site whose objects survive is tenured; its objects then go old once its code is optimized", TINY, function(heap)
  local site = heap:site("{next, v}")
  expect(site).to_be(1)
  expect(heap:site_info(site)).to_equal({name = "{next, v}", decision = "undecided", tenured = 0, reset = 0,
    mementos_created = 0, mementos_found = 0, optimized = false, optimize_us = 4000})
  keep_list(heap, site, 150)
  expect(heap:site_info(site).mementos_created).to_be(150)
  local ev = heap:scavenge()
  expect(ev.mementos_created).to_be(150)
  expect(ev.mementos_found).to_be(150)
  expect(ev.sites_tenured).to_be(1)
  expect(ev.sites_reset).to_be(0)
  expect(heap:site_info(site).decision).to_be("tenure")
  -- the decision fell inside the window of the compile under way, which
  -- began with the site young: it fails at the window's end and compiles
  -- again (V8's "Bailed out due to dependency change"), so the objects
  -- are young with a memento for a second window, then old
  local o = heap:alloc(2, 0, "Node", site)
  expect(o.space).to_be("new")
  expect(heap:site_info(site).mementos_created).to_be(1)
  local window_ms = heap.config.allocation_sites.optimize_us // 1000
  heap:idle(window_ms + 1)
  expect(heap:site_info(site).optimized, "after the first window").to_be(false)
  o = heap:alloc(2, 0, "Node", site)
  expect(o.space).to_be("new")
  expect(heap:site_info(site).mementos_created).to_be(2)
  heap:idle(window_ms)
  o = heap:alloc(2, 0, "Node", site)
  expect(o.space).to_be("old")
  expect(heap:site_info(site).mementos_created).to_be(2)
end)

-- V8 digests a site once 100 mementos have been found behind its objects
-- since its last digest (AllocationSite::IncrementMementoFoundCount):
-- objects that all die leave it undecided, its counts carried over; the
-- GC that finds the 100th decides against everything made since.
scenario("objects that die: undecided until 100 survive, then don't tenure", TINY, function(heap)
  local site = heap:site()
  for _ = 1, 150 do heap:alloc(2, 0, "Temp", site) end
  local ev = heap:scavenge()
  expect(ev.mementos_found).to_be(0)
  expect(ev.sites_tenured).to_be(0)
  expect(heap:site_info(site)).to_equal({name = "site 1", decision = "undecided", tenured = 0, reset = 0,
    mementos_created = 150, mementos_found = 0, optimized = false, optimize_us = 4000})
  local keep = heap:root(heap:alloc(100, 0, "Holder"))
  for i = 1, 100 do keep[i] = heap:alloc(2, 0, "Kept", site) end
  ev = heap:scavenge()
  expect(ev.mementos_found).to_be(100)
  expect(heap:site_info(site)).to_equal({name = "site 1", decision = "dont_tenure", tenured = 0, reset = 0,
    mementos_created = 0, mementos_found = 0, optimized = false, optimize_us = 4000})
end)

scenario("a heap without sites has no pretenuring fields in its events", TINY, function(heap)
  for _ = 1, 10 do heap:alloc(2) end
  local ev = heap:scavenge()
  expect(ev.mementos_created).to_be_nil()
  expect(ev.sites_tenured).to_be_nil()
end)

scenario("site arguments are checked", TINY, function(heap)
  expect(function() heap:alloc(2, 0, "X", 1) end)
    .to_error("bad argument #4 to 'alloc' (expected an allocation site of this heap (heap:site))")
  local s = heap:site("s")
  expect(function() heap:alloc(2, 0, "X", s + 1) end)
    .to_error("bad argument #4 to 'alloc' (expected an allocation site of this heap (heap:site))")
  expect(function() heap:alloc(2, 0, "X", "s") end)
    .to_error("bad argument #4 to 'alloc' (number expected, got string)")
  expect(function() heap:site_info(0) end)
    .to_error("bad argument #1 to 'site_info' (expected an allocation site of this heap (heap:site))")
  expect(function() heap:site(false) end).to_error("bad argument #1 to 'site' (string expected, got boolean)")
  expect(function() heap:site("s", {optimise_us = 5}) end)
    .to_error("heap:site: unknown option 'optimise_us' (known: optimize_us)")
  for _, bad in ipairs({-1, 1.5, 2^32, "100"}) do
    expect(function() heap:site("s", {optimize_us = bad}) end)
      .to_error("bad argument #2 to 'site' (field 'optimize_us' must be a whole number from 0 to 2^32-1)")
  end
  expect(function() heap:site("s", 100) end)
    .to_error("bad argument #2 to 'site' (nil or a table {optimize_us = whole number} expected, got number)")
  expect(heap:alloc(2, 0, "X", nil).space).to_be("new")
end)

scenario("a site's own compile time (optimize_us) sets its windows", {config = {
    "../../../configs/tiny.yaml", allocation_sites = {tiering_allocations = 0, optimize_us = 4000}}}, function(heap)
  local loop, callback = heap:site("loop"), heap:site("callback", {optimize_us = 1000})
  expect(heap:site_info(loop).optimize_us).to_be(4000)
  expect(heap:site_info(callback).optimize_us).to_be(1000)
  expect(heap:site_info(heap:site("default", {})).optimize_us).to_be(4000)
  heap:idle(2)
  expect(heap:site_info(callback).optimized).to_be(true)
  expect(heap:site_info(loop).optimized).to_be(false)
  heap:alloc(2, 0, "Node", loop)
  heap:alloc(2, 0, "Node", callback)
  expect(heap:site_info(loop).mementos_created).to_be(1)
  expect(heap:site_info(callback).mementos_created).to_be(0)
  heap:idle(3)
  expect(heap:site_info(loop).optimized).to_be(true)
end)

scenario("the tiering budget: the first window starts after that many site allocations", {config = {
    "../../../configs/tiny.yaml", new_space = {semi_space = {initial = "16KiB", max = "16KiB"}},
    allocation_sites = {tiering_allocations = 200}}}, function(heap)
  expect(heap.config.allocation_sites.tiering_allocations).to_be(200)
  local site = heap:site()
  keep_list(heap, site, 150)
  -- tenured while the budget is being spent: no deoptimization, and the
  -- code stays unoptimized however long the program idles
  expect(heap:scavenge().sites_tenured).to_be(1)
  heap:idle(heap.config.allocation_sites.optimize_us // 1000 + 1)
  for _ = 1, 49 do expect(heap:alloc(2, 0, "Node", site).space).to_be("new") end
  expect(heap:site_info(site).mementos_created).to_be(49)
  expect(heap:site_info(site).optimized).to_be(false)
  heap:alloc(2, 0, "Node", site) -- the 200th: the compile starts
  expect(heap:site_info(site).optimized).to_be(false)
  heap:idle(heap.config.allocation_sites.optimize_us // 1000 + 1)
  expect(heap:site_info(site).optimized).to_be(true)
  expect(heap:alloc(2, 0, "Node", site).space).to_be("old")
  expect(heap:site_info(site).mementos_created).to_be(50)
end)
