-- Fidelity: a steady working set near the heap limit (node20/ring.js,
-- trace node20/ring-64m.trace, `node --max-old-space-size=64 --trace-gc
-- ring.js`), a held-out workload written after gclab's model was fitted:
--
--   const N = 400000; const ring = new Array(N).fill(null);
--   for (let r = 0; r < 10; r++)
--     for (let i = 0; i < N; i++)
--       ring[i] = { a: r, b: i, c: null, ..., l: null };  // 10 fields
--
-- The ring is a FixedArray of 400,000 elements (3.2 MB: a young large
-- object, `%DebugPrint`: FixedArray[400000], HOLEY_ELEMENTS); each record
-- is heap:alloc(10) at the literal's allocation site (104 bytes,
-- `%DebugPrint`: Map[104]), stored into the ring.  Every record lives one
-- round, about 42 MB: the old generation runs near the 64 MB maximum.
-- V8 tenures the site after a few Scavenges (`--trace-pretenuring`: 52887
-- of 52887 mementos found, "maybe tenure => tenure"), and from then on only
-- Mark-Compacts run.  Node runs V8's pending tasks when the script ends
-- (event_loop.exit_idle_ms = 1).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the inner loop's OSR compile starts in
-- the first round, at its 8,641st iteration.
local TIERING = {tiering_allocations = 8641}

local N, ROUNDS = 400000, 10
local MiB = 1024 * 1024

-- ring.js's rounds; returns the ring, rooted.
local function rounds(heap)
  local ring = heap:root(heap:alloc(N, 0, "FixedArray"))
  local site = heap:site("{a: r, b: i, c: null, ...}")
  local alloc = heap.alloc
  for r = 0, ROUNDS - 1 do
    for i = 1, N do
      local o = alloc(heap, 10, 0, "Record", site)
      heap:init_slots(o, r, i - 1)
      ring[i] = o
    end
  end
  expect(ring[N][1], "the last record's round").to_be(ROUNDS - 1)
  return ring
end

scenario("a ring of 400,000 records replaced round after round, near a 64 MiB limit",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "64MiB"}, event_loop = {exit_idle_ms = 1}},
   differs = {}}, function(heap)
    local ring = rounds(heap)
    local events = heap:events()
    -- Node (five --trace-gc and three --trace-gc-nvp runs): 10 to 14
    -- Scavenges, all of them among the first 20 GCs; then only
    -- Mark-Compacts, each leaving 45.1 to 45.3 MB (the live round, the
    -- ring and Node's own objects; nvp: 47,340,568 to 47,452,656 bytes).
    -- gclab's left 45.8 MB, and so ran 40 Mark-Compacts to Node's 35 to
    -- 38, until its boot heap held Node's bytes (docs/fidelity-notes.md,
    -- *The boot heap's bytes*).
    local scavenges, fulls = 0, 0
    for i, ev in ipairs(events) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
        expect(i, "a Scavenge's place").to_be_at_most(20)
      else
        fulls = fulls + 1
        if i >= 20 then
          expect(ev.after.total.size / MiB, "GC " .. i .. " leaves (MB)").to_be_between(45.0, 45.4)
        end
      end
    end
    expect(scavenges, "Scavenges").to_be_between(10, 14)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    heap:unroot(ring)
  end)

-- Held out (node20/ring-64m-noinc.trace, `node --no-incremental-marking
-- --max-old-space-size=64 ring.js`): the same rounds with every full GC
-- atomic.  Node's eight runs: 10 Scavenges and 38 Mark-Compacts, each
-- "allocation failure": the tenured site's records, allocated old, find
-- the limit reached.
scenario("a ring of 400,000 records, --no-incremental-marking: atomic Mark-Compacts at the limit",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking --max-old-space-size=64", event_loop = {exit_idle_ms = 1}},
   differs = {}}, function(heap)
    local ring = rounds(heap)
    local scavenges, fulls = 0, 0
    for i, ev in ipairs(heap:events()) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
      else
        fulls = fulls + 1
        expect(ev.incremental, "GC " .. i .. " atomic").to_be(false)
        expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      end
    end
    expect(scavenges, "Scavenges").to_be_between(9, 11)
    expect(fulls, "Mark-Compacts").to_be_between(37, 39)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    heap:unroot(ring)
  end)
