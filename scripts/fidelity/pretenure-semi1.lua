-- Fidelity: an allocation site that pretenures (node20/pretenure.js, trace
-- node20/pretenure-semi1.trace, `node --trace-gc --max-semi-space-size=1
-- pretenure.js 400000`):
--
--   let head = null; const ring = new Array(64).fill(null);
--   for (let i = 0; i < n; i++) {
--     head = { next: head, v: null };                                   // site A
--     for (let j = 0; j < 4; j++) ring[(i * 4 + j) & 63] = { next: null, v: null };  // site B
--   }
--
-- Both literals are heap:alloc(2) (40 bytes).  `head` is slot 1 of a rooted
-- holder; the ring is a rooted 64-slot FixedArray.  Site A's objects all
-- survive, site B's die after 16 iterations.  V8 tenures site A after its
-- first Scavenge at the maximum semispace (1 MiB here): its Scavenges then
-- copy only site B's last few objects (nvp: promoted=0).  gclab has no
-- allocation sites: it copies and promotes site A's objects
-- (docs/fidelity.md).

local N = 400000
local CONFIG = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}}}

scenario("pretenure: a site whose objects all survive next to one whose objects die",
  {config = CONFIG, differs = {}}, function(heap)
    local head = heap:root(heap:alloc(1, 0, "Head"))
    local ring = heap:root(heap:alloc(64, 0, "FixedArray"))
    local site_a, site_b = heap:site("A: {next: head, v: null}"), heap:site("B: {next: null, v: null}")
    local alloc = heap.alloc
    for i = 0, N - 1 do
      local o = alloc(heap, 2, 0, "Node", site_a)
      o[1] = head[1]
      head[1] = o
      for j = 0, 3 do ring[((i * 4 + j) & 63) + 1] = alloc(heap, 2, 0, "Temp", site_b) end
    end
    -- Scavenges, and one Mark-Compact as in Node: site B's objects die, so
    -- the average young survival is low and every GC lowers the initial
    -- old-generation limit (V8's ShrinkOldGenerationAllocationLimitIfNotConfigured)
    -- towards the old generation + 8 MiB; the list (site A, pretenured)
    -- reaches it and incremental marking runs to one Mark-Compact.
    local events = heap:events()
    local mcs = 0
    for _, ev in ipairs(events) do
      if ev.kind == "Mark-Compact" then
        mcs = mcs + 1
        expect(ev.incremental, "GC " .. ev.seq .. " finishes incremental marking").to_be(true)
      else
        expect(ev.kind, "GC " .. ev.seq .. " kind").to_be("Scavenge")
      end
    end
    expect(mcs, "Mark-Compacts").to_be(1)
    local st = heap:stats()
    expect(st.old.objects + st.new.objects, "live objects").to_be_at_least(N)
    record("gcs", #events)
  end)
