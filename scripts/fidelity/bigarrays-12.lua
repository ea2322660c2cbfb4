-- Fidelity: arrays that grow past the large-object threshold
-- (node20/bigarrays.js, trace node20/bigarrays-12.trace, `node --trace-gc
-- bigarrays.js 12`):
--
--   let arr = null;
--   for (let r = 0; r < rounds; r++) {
--     arr = [];
--     for (let i = 0; i < 100000; i++) arr.push({ a: i, b: null });
--   }
--
-- {a, b} is heap:alloc(2) (40 bytes); `arr` a JSArray (lib/jsarray.lualib)
-- held by a rooted variable slot.  Its elements pass 128 KiB after about
-- 16000 elements and are large objects from then on (young, promoted whole
-- when they survive a Scavenge).
--
-- Node's process runs V8's pending tasks when the script ends: the
-- incremental-marking task posted at the soft limit after the last
-- Scavenges (Heap::StartIncrementalMarkingIfAllocationLimitIsReached) starts
-- marking then, unless the program reached the hard limit first, and the
-- Mark-Compact that finishes it is the trace's last line.
-- event_loop.exit_idle_ms = 1 does that here.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the inner loop's OSR compile starts in
-- the first round, at its 7,607th iteration.
local TIERING = {tiering_allocations = 7607}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")

-- The program's rounds; the last round's array, its JSArray rooted.
local function rounds(heap)
  local alloc, root, unroot = heap.alloc, heap.root, heap.unroot
  local site = heap:site("{a: i, b: null}")
  local arr -- the variable `arr`: a register, its JSArray rooted while it holds it
  for _ = 1, 12 do
    if arr then unroot(heap, arr.holder) end
    arr = J.new(heap, root(heap, alloc(heap, 1, 0, "JSArray")))
    for _ = 1, 100000 do J.push(arr, alloc(heap, 2, 0, "Elem", site)) end
  end
  return arr
end

scenario("big arrays: 12 rounds of 100000 pushes, elements past the large-object threshold",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local arr = rounds(heap)
    expect(arr.length).to_be(100000)
    expect(heap:stats().large.objects, "large objects (the elements)").to_be_at_least(1)
    record("gcs", #heap:events())
    -- The script ends: `arr` is a local of the module's function, dead once
    -- it returns, before Node's event loop runs V8's pending tasks
    -- (event_loop.exit_idle_ms, run after this function).
    heap:unroot(arr.holder)
  end)

-- Held out (node20/bigarrays-12-semi1.trace, `node --max-semi-space-size=1
-- bigarrays.js 12`, issue 16's stop 51): the same rounds through a 1 MiB
-- semispace, this scenario written before gclab ran it.  Node's eight
-- runs: 34 to 39 Scavenges and 2 to 4 Mark-Compacts.
scenario("big arrays, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}, new_space = {semi_space = {max = "1MiB"}}}, differs = {}}, function(heap)
    local arr = rounds(heap)
    expect(arr.length).to_be(100000)
    local scavenges, fulls = count_gcs(heap:events())
    -- within the measures' thresholds of Node's runs
    expect(scavenges, "Scavenges (Node: 34 to 39)").to_be_between(31, 42)
    expect(fulls, "Mark-Compacts (Node: 2 to 4)").to_be_between(1, 5)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    heap:unroot(arr.holder)
  end)
