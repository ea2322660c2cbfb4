-- Fidelity: a Set that grows (node20/setgrow.js, trace
-- node20/setgrow-1e6.trace, `node --trace-gc setgrow.js`), the twelfth
-- workload written after gclab's model was fitted -- a held-out check:
--
--   const seen = new Set();
--   for (let i = 0; i < 1e6; i++) {
--     const req = { id: i, body: null };
--     if (i % 2 === 0) seen.add(req);
--   }
--
-- {id, body} is heap:alloc(2) (40 bytes) at an allocation site; the Set's
-- backing store is V8's OrderedHashSet (lib/ordered_hash.lualib: entries
-- of 2 slots, key and chain, the key a pointer), doubled into a new table
-- when full, young while the table it replaces is young, then old; past
-- 128 KiB a large object.  The JSSet is a rooted holder whose slot 1 is
-- the table.  Node runs V8's pending tasks when the script ends
-- (event_loop.exit_idle_ms = 1).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 5,507th iteration.
local TIERING = {tiering_allocations = 5507}

-- What the loop costs beyond gclab's own charge for its allocation and
-- stores.  node20/setgrowtime.js times iterations 100,000 to 1,000,000
-- of the loop (`node --trace-gc setgrowtime.js`, the GC pauses taken
-- off): 72 to 99 ns an iteration in eight runs on 2026-12-07, median 87.
-- gclab's clock charges the same iterations 58 ns (cost.alloc_ns and
-- cost.store_ns: the request, its table slot every other iteration, the
-- rehashes' copies).  The rest, 29 ns (the Set's hashing and lookup), is
-- heap:compute, so that the program runs at Node's pace against the
-- concurrent markers.
local SET_OPS_NS = 29

local H = dofile(SCENARIO_DIR .. "/lib/ordered_hash.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- setgrow.js's loop; returns the Set (its holder rooted)
local function setgrow(heap)
  local set = H.new(heap, heap:root(heap:alloc(1, 0, "JSSet")), 2, 1, "OrderedHashSet")
  local site = heap:site("{id: i, body: null}")
  local alloc, compute = heap.alloc, heap.compute
  for i = 0, N - 1 do
    local req = alloc(heap, 2, 0, "Request", site)
    if i % 2 == 0 then set:add(req) end
    compute(heap, SET_OPS_NS)
  end
  return set
end

scenario("a Set of half a million objects, its table doubled into old space",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local set = setgrow(heap)
    expect(set.live, "seen.size").to_be(N // 2)

    -- Node (five --trace-gc runs): 11 or 12 Scavenges and one Mark-Compact,
    -- the 8th or 10th GC, from 18.6 to 20.6 MB down to 12.5 to 14.9.
    -- gclab's is the 9th, from 20.1 MB down to 14.1; it is not incremental
    -- ("allocation failure; GC in old space requested") where Node's
    -- finalizes incremental marking: docs/fidelity.md, *Held-out
    -- workloads*.
    local MB = 1024 * 1024
    local fulls = {}
    for k, ev in ipairs(heap:events()) do
      if ev.kind ~= "Scavenge" then fulls[#fulls + 1] = {k = k, ev = ev} end
    end
    expect(#fulls, "Mark-Compacts").to_be(1)
    expect(fulls[1].k, "its place").to_be_between(8, 10)
    expect(fulls[1].ev.before.total.size / MB, "MB before it").to_be_between(18, 21)
    expect(fulls[1].ev.after.total.size / MB, "MB after it").to_be_between(12, 15)
    record("gcs", #heap:events())
    heap:unroot(set.holder)
  end)

-- Held out (node20/setgrow-1e6-oom-24m.trace, `node --max-old-space-size=24
-- setgrow.js`): the same Set under a 24 MiB old generation, out of memory
-- while a doubled table is allocated.  Node's eight runs: 8 or 9
-- Scavenges, 4 to 6 Mark-Compacts (the last ones "(reduce)"), and "Reached
-- heap limit" in six, "CALL_AND_RETRY_LAST" (the table's allocation still
-- failing after its GCs) in two.
scenario("a Set of half a million objects, max old space 24 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "24MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(setgrow, heap)
    expect(ok, "setgrow.js under --max-old-space-size=24 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/setgrow-1e6-semi1.trace, `node --max-semi-space-size=1
-- setgrow.js`): the same Set through a 1 MiB semispace, which never grows:
-- the kept half promoted at every Scavenge.  Node's eight runs: 59 or 60
-- Scavenges and one Mark-Compact.
scenario("a Set of half a million objects, max semispace 1 MiB: the kept half promoted",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local set = setgrow(heap)
    expect(set.live, "seen.size").to_be(N // 2)
    record("gcs", #heap:events())
    heap:unroot(set.holder)
  end)

-- Held out (node20/setgrow-1e6-noinc.trace, `node
-- --no-incremental-marking setgrow.js`): without incremental marking.
-- Node's eight runs: 11 Scavenges and one atomic Mark-Compact, the 10th
-- GC ("allocation failure; GC in old space requested").
scenario("a Set of half a million objects, --no-incremental-marking",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local set = setgrow(heap)
    expect(set.live, "seen.size").to_be(N // 2)
    expect_gcs(expect, record, heap:events(), {9, 13}, {0, 2}, {atomic = true})
    heap:unroot(set.holder)
  end)

-- Held out (node20/setgrow-1e6-gf4.trace, `node
-- --semi-space-growth-factor=4 setgrow.js`): new space grows fourfold at a
-- growth.  Node's eight runs: 7 Scavenges and one Mark-Compact, the 7th
-- GC.  gclab's marking runs past Node's into a 7th Scavenge, and a
-- Scavenge task follows the script (docs/fidelity.md, *Outside a
-- threshold*).
scenario("a Set of half a million objects, --semi-space-growth-factor=4",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local set = setgrow(heap)
    expect(set.live, "seen.size").to_be(N // 2)
    expect_gcs(expect, record, heap:events(), {6, 8}, {0, 2}, {growth = 4})
    heap:unroot(set.holder)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
      flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local set = setgrow(heap)
      expect(set.live, "seen.size").to_be(N // 2)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(set.holder)
    end)
end

-- Held out (node20/setgrow-1e6-heap48.trace, `node --max-heap-size=48
-- setgrow.js`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation.  Node's eight runs: 57 to 59 Scavenges and 4 Mark-Compacts.
held_out("a Set of half a million objects, --max-heap-size=48", "--max-heap-size=48", {51, 65}, {3, 5})

-- Held out (node20/setgrow-1e6-semi4.trace, `node --max-semi-space-size=4
-- setgrow.js`): new space grows to 4 MiB at most.  Node's eight runs:
-- 17 or 18 Scavenges and one Mark-Compact.
held_out("a Set of half a million objects, --max-semi-space-size=4", "--max-semi-space-size=4", {15, 20}, {0, 2})

-- Held out (node20/setgrow-1e6-semi8.trace, `node --max-semi-space-size=8
-- setgrow.js`): new space grows to 8 MiB at most.  Node's eight runs:
-- 13 Scavenges and one Mark-Compact.
held_out("a Set of half a million objects, --max-semi-space-size=8", "--max-semi-space-size=8", {11, 15}, {0, 2})

-- Held out (node20/setgrow-1e6-min8.trace, `node --min-semi-space-size=8
-- setgrow.js`): new space starts at 8 MiB (and grows to 16).  Node's eight
-- runs: 5 Scavenges and one Mark-Compact.
held_out("a Set of half a million objects, --min-semi-space-size=8", "--min-semi-space-size=8", {4, 6}, {0, 2})

-- Held out (node20/setgrow-1e6-semi32.trace, `node --max-semi-space-size=32
-- setgrow.js`): new space grows to 32 MiB at most, twice the default.
-- Node's eight runs: 11 or 12 Scavenges and one Mark-Compact.
held_out("a Set of half a million objects, --max-semi-space-size=32", "--max-semi-space-size=32", {9, 14}, {0, 2})

-- Held out (node20/setgrow-1e6-min16.trace, `node --min-semi-space-size=16
-- setgrow.js`): new space at its 16 MiB maximum from the start.  Node's
-- eight runs: 3 Scavenges, no Mark-Compact.
held_out("a Set of half a million objects, --min-semi-space-size=16", "--min-semi-space-size=16", {2, 4}, {0, 1})
