-- Fidelity: arrays of mixed sizes in a ring (node20/arrays.js, trace
-- node20/arrays-2e5.trace, `node --trace-gc arrays.js`), a held-out
-- workload written after the copy buffers (new_space.copy_lab) and the
-- tiering budget (allocation_sites.tiering_allocations) were fitted:
--
--   const ring = new Array(500).fill(null); let seed = 1;
--   for (let i = 0; i < 200000; i++) {
--     seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
--     ring[i % 500] = new Array(16 + (seed >>> 16) % 2000).fill(i);
--   }
--
-- `new Array(len)` is a JSArray (heap:alloc(1): its elements) at the Array
-- constructor's allocation site and a FixedArray of `len` Smis (16 + 8 x
-- len bytes in V8: raw bytes here, the GC never sees a Smi) in the same
-- space (lib/jsarray.lualib J.construct, as grid-50.lua's rows); the
-- elements run from 144 bytes to 16 KB, below and above the scavenger's
-- 8 KB limit for its copy buffers.  `.fill(i)` takes about 1 ns an element in Node 20
-- (node20/rowcost.js), spent with heap:compute beyond gclab's charge for
-- the two allocations.  The ring is a rooted FixedArray of 500 slots; an
-- array lives for 500 iterations.  Node runs V8's pending tasks when the
-- script ends (event_loop.exit_idle_ms = 1).

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local N, SLOTS = 200000, 500
-- The loop's code tiers up where Node's does: `node --trace-opt
-- --max-semi-space-size=1 --trace-gc arrays.js` starts the OSR compile
-- after the 60th GC in three runs out of three (after the 10th with the
-- default semispace), about 3,700 iterations in by the replay's GCs --
-- not the profile's 6,400 site allocations, measured on grid.js, whose
-- loop uses its bytecode budget more slowly (issue 16's stop 44).
local TIERING = {tiering_allocations = 3700}

-- arrays.js's loop; returns `ring`, rooted.
local function arrays(heap)
  local alloc_ns = heap.config.cost.alloc_ns
  local site = heap:site("new Array(len)")
  local ring = heap:root(heap:alloc(SLOTS, 0, "FixedArray"))
  local seed = 1
  for i = 0, N - 1 do
    seed = (seed * 1103515245 + 12345) & 0xffffffff
    local len = 16 + (seed >> 16) % 2000
    local row = J.construct(heap, site, 16 + 8 * len)
    if len > 2 * alloc_ns then heap:compute(len - 2 * alloc_ns) end
    ring[i % SLOTS + 1] = row
  end
  return ring
end

scenario("arrays of 16 to 2015 Smis in a ring of 500",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}, allocation_sites = TIERING},
    differs = {}}, function(heap)
    local ring = arrays(heap)
    -- `ring` is a local of the CommonJS wrapper: dead once the script's
    -- function returns, before the tasks Node runs at exit (its last
    -- Mark-Compact, "finalize incremental marking via task", promotes 58
    -- KB, not the ring's 4 MB)
    heap:unroot(ring)
    record("gcs", #heap:events())
  end)

-- Held out (node20/arrays-2e5-semi1.trace, `node --max-semi-space-size=1
-- arrays.js`): the same ring through a 1 MiB semispace, a quarter of the
-- ring's 4 MB: every array outlives the Scavenges of its 500 iterations
-- and most are promoted.  Node's eight runs: the site tenured at the
-- first Scavenges, but `new Array(len)` in unoptimized code allocates
-- young whatever the decision, so 64 to 88 Scavenges run until the OSR
-- code (compiled about 3,700 iterations in) allocates the arrays old;
-- then 70 or 71 Mark-Compacts and no Scavenge.  gclab, its code tiering
-- up where Node's does (TIERING above): 64 Scavenges, GC for GC, then 67
-- Mark-Compacts, outside on those (docs/fidelity.md, arrays-2e5-semi1).
scenario("arrays in a ring of 500, max semispace 1 MiB: the arrays promoted",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}, allocation_sites = TIERING}, differs = {}}, function(heap)
    local ring = arrays(heap)
    heap:unroot(ring)
    local _, mcs = count_gcs(heap:events())
    expect(mcs, "Mark-Compacts").to_be_at_least(1)
    record("gcs", #heap:events())
  end)

-- Held out (node20/arrays-2e5-init32.trace, `node --initial-old-space-size=32
-- arrays.js`): the old generation's first limit configured at 32 MiB (V8
-- does not shrink it from the survival rate), which the ring's 4 MB and
-- what it promotes never reach.  Node's eight runs: 144 Scavenges and no
-- Mark-Compact -- not even the one the default run finalizes as a task at
-- the exit, whose marking starts at the shrunk limit.
scenario("arrays in a ring of 500, --initial-old-space-size=32: no Mark-Compact",
  {config = {"../../configs/node20.yaml", flags = "--initial-old-space-size=32",
    event_loop = {exit_idle_ms = 1}, allocation_sites = TIERING}, differs = {}}, function(heap)
    local ring = arrays(heap)
    heap:unroot(ring)
    local scavenges, mcs = count_gcs(heap:events())
    expect(scavenges, "Scavenges").to_be_between(130, 158)
    expect(mcs, "Mark-Compacts").to_be(0)
    record("gcs", #heap:events())
  end)
