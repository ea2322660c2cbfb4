-- Fidelity: a grid of rows rebuilt round after round (node20/grid.js, trace
-- node20/grid-50.trace, `node --trace-gc grid.js`), a held-out workload
-- written after gclab's model was fitted:
--
--   const rows = 1000, cols = 1000, rounds = 50;
--   let grid = [];
--   for (let r = 0; r < rounds; r++) {
--     const next = [];
--     for (let i = 0; i < rows; i++) next.push(new Array(cols).fill(r));
--     grid = next;
--   }
--
-- `new Array(cols)` is a JSArray (heap:alloc(1): its elements) at the
-- Array constructor's allocation site and a 1000-element FixedArray of
-- Smis (8,016 bytes in V8: raw bytes here, the GC never sees a Smi) in the
-- same space: V8's `AllocateJSArray` allocates JSArray, memento and
-- elements as one block, old once the site is tenured and its code
-- optimized.  `.fill(r)` stores nothing the GC would see, but takes time:
-- Node 20 runs `new Array(1000).fill(r)` in about 1 us
-- (node20/rowcost.js on the development machine: 960-1002 ns in optimized
-- code), which the replay spends with heap:compute beyond what gclab's
-- clock charges for the two allocations.  `next` and `grid` are JSArrays
-- (lib/jsarray.lualib), `next` grown by push.  Node runs V8's pending
-- tasks when the script ends (event_loop.exit_idle_ms = 1).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the OSR compile starts at the round
-- loop's back edge after the sixth round, 6,000 rows in.
local TIERING = {tiering_allocations = 6000}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local ROWS, COLS, ROUNDS = 1000, 1000, 50
local ELEMENTS = 16 + 8 * COLS -- V8's FixedArray of COLS elements
local ROW_NS = 1000 -- a row's time in Node (rowcost.js)

-- grid.js's rounds; `grid` stays rooted at the end, as the script's
-- variable is until the script ends.
local function rebuild(heap)
  local site = heap:site("new Array(cols)")
  local grid = heap:root(heap:alloc(1, 0, "JSArray"))
  for _ = 1, ROUNDS do
    -- `grid` is overwritten before it is read again: TurboFan's code
    -- keeps no dead value in its frame, so once the loop runs optimized
    -- the previous grid is garbage from the round's first row on; the
    -- interpreter's and baseline frames keep every register
    if grid and heap:site_info(site).optimized then
      heap:unroot(grid)
      grid = nil
    end
    local next = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
    for _ = 1, ROWS do
      local row = J.construct(heap, site, ELEMENTS)
      heap:compute(ROW_NS - 2 * heap.config.cost.alloc_ns)
      J.push(next, row)
    end
    if grid then heap:unroot(grid) end
    grid = next.holder
  end
end

scenario("a grid of 1000 rows of 1000 Smis rebuilt fifty times",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    rebuild(heap)
    -- Node (five --trace-gc and three nvp runs): 13 to 15 Scavenges before
    -- the first Mark-Compact, the semispace doubled on the way to 16 MiB;
    -- then Mark-Compacts that keep about a twentieth of the old generation
    -- and, after each, a few Scavenges again: 17 to 28 Scavenges and 5 to
    -- 7 Mark-Compacts in all.  --trace-pretenuring-statistics: the
    -- constructor's site is tenured at the 9th Scavenge, but the arrays
    -- stay young (Array's builtin allocates them young with a memento,
    -- whatever the decision) until TurboFan's OSR code, which inlines the
    -- constructor against the decision, runs: `--trace-opt` starts its
    -- compile after the 13th Scavenge (6,340 rows in) and installs it
    -- before the 15th.  gclab's tiering budget
    -- (allocation_sites.tiering_allocations) holds the site's code
    -- unoptimized as long, so its first 15 GCs are Node's Scavenges; then
    -- old allocation runs to the first Mark-Compact (139 MB, Node's at
    -- 156-171: every Scavenge lowers V8's initial limit by the average
    -- survival ratio, which the copy buffers' gaps keep near Node's 92%,
    -- new_space.copy_lab), two Scavenges after it while the reset site's
    -- code is recompiled, and a second Mark-Compact, as in Node's run.
    -- Each Mark-Compact keeps `next` as far as the round has built it
    -- (the dead `grid` not, above): 3.9-8.8 MB, Node's 4.4-10.7; the next
    -- limit is that x 4 + 16 MiB in both, so gclab's smaller keeps bring
    -- 8 Mark-Compacts against 5-6 (docs/fidelity.md, *Held-out
    -- workloads*).
    local events = heap:events()
    local kinds = {}
    for k = 1, 19 do kinds[k] = events[k].kind:sub(1, 1) end
    expect(table.concat(kinds), "the first 19 GCs' kinds").to_be(string.rep("S", 15) .. "MSSM")
    expect(events[11].semi_space_capacity, "new space at its 16 MiB maximum").to_be(16 * 1024 * 1024)
    record("gcs", #events)
  end)

-- Held out (node20/grid-50-noinc.trace, `node --no-incremental-marking
-- grid.js`): without incremental marking.  Node's eight runs: 17 to 24
-- Scavenges and 5 to 7 atomic Mark-Compacts ("allocation failure; GC in
-- old space requested"), as spread as its default runs.
scenario("a grid rebuilt fifty times, --no-incremental-marking: atomic Mark-Compacts",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    rebuild(heap)
    expect_gcs(expect, record, heap:events(), {15, 27}, {4, 8}, {atomic = true})
  end)
