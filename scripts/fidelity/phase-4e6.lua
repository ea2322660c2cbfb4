-- Fidelity: one allocation site through a change of phase
-- (node20/phase.js, `node --trace-gc phase.js 4000000`), a held-out
-- workload written at issue 16's stop 43:
--
--   function make(i, next) { return { i, next }; }
--   let head = null;
--   for (let i = 0; i < n / 4; i++) head = make(i, head);   // all survive
--   head = null;
--   const ring = new Array(64).fill(null);
--   for (let i = 0; i < n; i++) ring[i & 63] = make(i, null); // dead 64 later
--
-- make()'s literal is one allocation site (heap:site), its object
-- heap:alloc(2) (40 bytes).  The first loop's list all survives, and V8
-- tenures the site (`--trace-pretenuring`: undecided => maybe tenure =>
-- tenure at the Scavenges with new space at its maximum); from then on
-- the literal's objects are allocated old, in the second loop too, where
-- they die 64 iterations later.  `head` is a register (the rooted handle
-- moves to each new node); the ring is a rooted 64-slot FixedArray.
--
-- Node's eight runs are of two kinds.  Six: 11 Scavenges, all in the
-- first loop, and none after -- the second loop's 160 MB go to old space
-- under an old-generation limit still far above it.  Two: the same 11
-- Scavenges, then a Mark-Compact at 69.6 or 70.0 MB that finds the list
-- dead and resets the site (`--trace-pretenuring`: "Deopt all allocation
-- sites dependent code due to low survival rate in the old generation"),
-- then 8 Scavenges of the ring's young temporaries.  What decides is the
-- first Scavenge's survival ratio (the nvp's average_survival_ratio:
-- 88.9% in the first kind, 69.1% in the second), by which V8 lowers the
-- initial limit after every GC (ShrinkOldGenerationAllocationLimitIfNot-
-- Configured) -- a matter of how much of Node's start-up garbage that
-- first Scavenge finds.  gclab's first Scavenge keeps 69.7%, and it runs
-- the second kind GC for GC (node20/phase-4e6.3.trace).
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): make(), which holds the literal, gets its
-- own optimizing compile at its 3,390th call (the first loop's OSR compile
-- starts at its 13,888th iteration).
local TIERING = {tiering_allocations = 3390}

local N = 4000000

scenario("phase: a site tenured by a list that survives, then used for a ring's temporaries",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local alloc, init = heap.alloc, heap.init_slots
    local site = heap:site("make: {i, next}")
    local head = nil
    for _ = 1, N // 4 do
      local o = heap:root(init(heap, alloc(heap, 2, 0, "Object", site), nil, head))
      if head then heap:unroot(head) end
      head = o
    end
    heap:unroot(head)
    local ring = heap:root(alloc(heap, 64, 0, "FixedArray"))
    for i = 0, N - 1 do ring[(i & 63) + 1] = alloc(heap, 2, 0, "Object", site) end
    -- The site tenured in the first loop, and reset at the Mark-Compact
    -- that finds the list dead (V8: "Deopt all allocation sites dependent
    -- code due to low survival rate in the old generation"); the ring's
    -- objects then die young and no memento is ever found behind them,
    -- so it stays undecided (V8 digests a site once 100 are found).
    local si = heap:site_info(site)
    expect(si.tenured, "tenured").to_be(1)
    expect(si.reset, "reset").to_be(1)
    expect(si.decision, "decision at the end").to_be("undecided")
    record("gcs", #heap:events())
    heap:unroot(ring)
  end)
