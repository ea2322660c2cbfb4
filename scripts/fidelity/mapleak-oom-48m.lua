-- Fidelity: a Map that only grows, to out of memory (node20/mapleak.js,
-- trace node20/mapleak-oom-48m.trace, `node --max-old-space-size=48
-- --trace-gc mapleak.js`), a held-out workload written after gclab's
-- model was fitted:
--
--   const m = new Map(); let i = 0;
--   for (;;) { m.set(i, { k: i, v: null }); i++; }
--
-- {k, v} is heap:alloc(2) (40 bytes) at the literal's site; the Map is
-- V8's OrderedHashMap (lib/ordered_hash.lualib: entries of key, value and
-- chain, the value the one pointer; doubled into a new table when full --
-- past 128 KiB a large object).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 2,888th iteration.
local TIERING = {tiering_allocations = 2888}

-- The loop's compile, on gclab's clock (docs/lua-api.md, *Allocation
-- sites*: Node's compile time x gclab's price of an iteration / Node's
-- unoptimized price).  `node --trace-opt mapleak.js` under
-- --max-semi-space-size=1, four runs on 2026-12-07: the recompile after
-- the first Scavenge's tenure decision "took" 1.19 to 1.46 ms (1.53 to
-- 1.92 in three runs without the flag, after the seventh Scavenge's).
-- Unoptimized an iteration costs 217 to 366 ns (eight runs of `node
-- --no-opt --trace-gc node20/maptime.js`, the GC pauses taken out); gclab
-- charges 68 (its clock over iterations 15,000 to 45,000, the pauses taken
-- out: the entry's allocation, the table's stores and doublings).  1.2 to
-- 1.5 ms is then 220 to 460 us on gclab's clock: 300 us, where the
-- profile's 4000 us fits grow.js's loop.  mapleak-oom-48m-semi1 runs
-- Node's one Scavenge from 200 to 500 us and two from 600 (five at 4000);
-- mapleak-oom-48m is within all four at 200, 300, 400, 800 and 4000 us
-- (issue 16, stop 52).
local COMPILE = {optimize_us = 300}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local H = dofile(SCENARIO_DIR .. "/lib/ordered_hash.lualib")

-- Runs mapleak.js's loop on `heap` until the heap runs out; returns
-- pcall's two results and the Map's table.
local function leak(heap)
  local map = heap:root(heap:alloc(1, 0, "JSMap"))
  local alloc = heap.alloc
  local site = heap:site("{k: i, v: null}", COMPILE)
  local m = H.new(heap, map, 3, 2, "OrderedHashMap")
  local ok, err = pcall(function()
    for i = 0, 1e8 do
      local v = alloc(heap, 2, 0, "Entry", site)
      heap:init_slots(v, i)
      m:add(v)
    end
  end)
  return ok, err, m
end

-- Node's runs under either semispace: "CALL_AND_RETRY_LAST" at the
-- doubling of a full table of 2^19 entries (20 MB of values and a 14.7 MB
-- table at 36.5 MB of heap cannot be placed under 48 MB), after
-- Mark-Compacts whose last two are "last resort"; Scavenges from `lo` to
-- `hi`, Mark-Compacts from 5 to 7.
local function check(heap, ok, err, m, lo, hi)
  expect(ok, "the Map's growth ends").to_be(false)
  expect(err, "with").to_contain(gclab.OOM_RETRY_MESSAGE)
  expect(m.capacity, "the table's capacity").to_be(524288)
  expect(m.live, "the Map's size").to_be(524288)
  local events = heap:events()
  local scavenges, fulls = count_gcs(events)
  expect(scavenges, "Scavenges").to_be_between(lo, hi)
  expect(fulls, "Mark-Compacts").to_be_between(5, 7)
  expect(events[#events].reason, "the last GC").to_be("last resort")
  expect(events[#events - 1].reason, "the one before").to_be("last resort")
  record("oom", true)
  record("scavenges", scavenges)
  record("mark_compacts", fulls)
end

scenario("a Map that only grows: out of memory at a doubling of its table under 48 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "48MiB"}}, differs = {}}, function(heap)
    local ok, err, m = leak(heap)
    -- Node (five --trace-gc runs, three --trace-gc-nvp): 6 to 8 Scavenges
    -- and 6 Mark-Compacts.
    check(heap, ok, err, m, 6, 8)
  end)

-- Held out (node20/mapleak-oom-48m-semi1.trace, `node
-- --max-old-space-size=48 --max-semi-space-size=1 mapleak.js`): the same
-- leak through a 1 MiB semispace.  Node's eight runs: one Scavenge, whose
-- tenure decision deoptimizes the loop; its recompile is installed before
-- new space fills again, and from then on every entry is allocated old:
-- 6 or 7 Mark-Compacts to the same out of memory.  With the profile's
-- window, 4000 us, gclab ran five Scavenges (COMPILE, above).
scenario("a Map that only grows under 48 MiB, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "48MiB"}, new_space = {semi_space = {max = "1MiB"}}},
   differs = {}}, function(heap)
    local ok, err, m = leak(heap)
    check(heap, ok, err, m, 1, 1)
  end)
