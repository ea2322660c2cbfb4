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

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local H = dofile(SCENARIO_DIR .. "/lib/ordered_hash.lualib")

scenario("a Map that only grows: out of memory at a doubling of its table under 48 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "48MiB"}}, differs = {}}, function(heap)
    local map = heap:root(heap:alloc(1, 0, "JSMap"))
    local alloc = heap.alloc
    local site = heap:site("{k: i, v: null}")
    local m = H.new(heap, map, 3, 2, "OrderedHashMap")
    local ok, err = pcall(function()
      for i = 0, 1e8 do
        local v = alloc(heap, 2, 0, "Entry", site)
        heap:init_slots(v, i)
        m:add(v)
      end
    end)
    -- Node (five --trace-gc runs, three --trace-gc-nvp): 6 to 8 Scavenges
    -- and 6 Mark-Compacts, the last two "last resort", then
    -- "CALL_AND_RETRY_LAST": the doubling of a full table of 2^19 entries
    -- (20 MB of values and a 14.7 MB table at 36.5 MB of heap) cannot be
    -- placed under 48 MB.
    expect(ok, "the Map's growth ends").to_be(false)
    expect(err, "with").to_contain(gclab.OOM_RETRY_MESSAGE)
    expect(m.capacity, "the table's capacity").to_be(524288)
    expect(m.live, "the Map's size").to_be(524288)
    local events = heap:events()
    local scavenges, fulls = count_gcs(events)
    expect(scavenges, "Scavenges").to_be_between(6, 8)
    expect(fulls, "Mark-Compacts").to_be_between(5, 7)
    expect(events[#events].reason, "the last GC").to_be("last resort")
    expect(events[#events - 1].reason, "the one before").to_be("last resort")
    record("oom", true)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
  end)
