-- Fidelity: an array of points with double coordinates, every point kept
-- (node20/points.js, `node --trace-gc points.js 1000000`, a held-out
-- workload):
--
--   const pts = [];
--   for (let i = 0; i < n; i++) pts.push({ x: i + 0.5, y: (i + 0.5) * 0.25 });
--
-- Both fields hold doubles that are never integers, so in V8 each is a
-- double field whose value lives in a HeapNumber box of its own (16
-- bytes): a point is a JSObject of two in-object fields (40 bytes) and
-- its two boxes, allocated together -- here one object of 72 bytes at the
-- literal's allocation site, holding no pointer the GC must follow (the
-- boxes' pointers are V8's, folded in; gclab's header would make a box
-- alone 24 bytes).  Unoptimized code also boxes every double it computes:
-- `i + 0.5` twice and the `* 0.25`, three HeapNumbers dead at once, 48
-- bytes allocated as one object per point while the site's code is
-- unoptimized (bst-1e6.lua does the same for its keys).  `pts` grows by
-- push (lib/jsarray.lualib: V8's n + n/2 + 16; past 128 KiB its elements
-- are a large object).  Node's loop takes 52 to 60 ns an iteration
-- (node20/pointstime.js, the pauses taken off, four runs of five), less
-- than gclab's own charge for an iteration's allocations and stores
-- (cost.alloc_ns, 50 ns, for each of one or two allocations): nothing
-- more is charged.  Every point stays alive; `pts` is a local of the
-- CommonJS wrapper, dead once the script ends.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 4,669th iteration.
local TIERING = {tiering_allocations = 4669}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- points.js's loop to `n` (default N); returns `pts` (its holder rooted).
local function points(heap, n)
  n = n or N
  local pts = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{ x: i + 0.5, y: (i + 0.5) * 0.25 }")
  local alloc, info, push = heap.alloc, heap.site_info, J.push
  for _ = 1, n do
    if not info(heap, site).optimized then alloc(heap, 0, 48, "(HeapNumbers)") end
    push(pts, alloc(heap, 0, 72, "Point", site))
  end
  expect(pts.length, "pts.length").to_be(n)
  return pts
end

scenario("points: an array of 1e6 {x, y} with double fields, every point kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local pts = points(heap)
    record("gcs", #heap:events())
    heap:unroot(pts.holder)
  end)

-- Held out (node20/points-3e6-oom-64m.trace, `node --max-old-space-size=64
-- points.js 3000000`): three million points, 216 MB, under a 64 MiB old
-- generation; the site tenured at the first Mark-Compact, the points
-- then allocated old until the ineffective-mark-compacts rule ends the
-- run.  Node's eight runs: 9 Scavenges and 5 Mark-Compacts in seven (the
-- first at the 10th GC, 20.7 MB), 12 and 7 in one (the first at the 9th,
-- 12.9 MB: its unoptimized code ended sooner and the semispace grew a
-- GC earlier, as in points-1e6's early runs), out of memory at 76.9 to
-- 81.8 MB allocated.  gclab, its loop tiering up where Node's does
-- (TIERING), runs the seven's kind: its first ten GCs the first run's,
-- then 7 Mark-Compacts; its promoted bytes are outside, V8's recompile
-- after the tenure decision making no progress through the GC pauses
-- that follow it (docs/fidelity.md, points-3e6-oom-64m).
scenario("points, max old space 64 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "64MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(points, heap, 3 * N)
    expect(ok, "points.js 3000000 under --max-old-space-size=64 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/points-1e6-semi1.trace, `node --max-semi-space-size=1
-- points.js 1000000`): the million points through a 1 MiB semispace, new
-- space at its maximum from the start, so the first Scavenge's mementos
-- tenure the site.  Node's eight runs: 10 to 12 Scavenges and 1 or 2
-- Mark-Compacts; the points go old (the heap grows 2 to 3 MB a Scavenge,
-- not 0.4) after the 3rd, 4th or 5th Scavenge.  gclab runs 13 and 1: its
-- recompile after the tenure decision ends after the 7th, the first
-- compile under way at the first Scavenge failing at its end and the
-- recompile taking the profile's 4 ms after that (the compile windows of
-- docs/fidelity.md's *Divergences not fixed*).
scenario("points, max semispace 1 MiB: the site tenured at the first Scavenge",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}}, event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local pts = points(heap)
    local events = heap:events()
    expect(events[1].sites_tenured, "sites tenured by the first Scavenge").to_be(1)
    local scavenges, fulls = count_gcs(events)
    expect(scavenges, "Scavenges").to_be_between(9, 13)
    expect(fulls, "Mark-Compacts").to_be_between(1, 3)
    record("gcs", #events)
    heap:unroot(pts.holder)
  end)

-- Held out (node20/points-1e6-init8.trace, `node --initial-old-space-size=8
-- points.js 1000000`): the old generation's first limit set by the flag,
-- so V8 does not shrink it after each GC from the survival rate
-- (`ShrinkOldGenerationAllocationLimitIfNotConfigured`; gclab shrinks
-- only an `auto` old_space.initial_limit).  Node's eight runs: 10 to 12
-- Scavenges and 2 Mark-Compacts.  gclab's Mark-Compact comes later, its
-- promoted bytes outside (docs/fidelity.md, *Outside a threshold*).
scenario("points, --initial-old-space-size=8: the first limit as configured",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--initial-old-space-size=8", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local pts = points(heap)
    local scavenges, fulls = count_gcs(heap:events())
    expect(scavenges, "Scavenges").to_be_between(9, 13)
    expect(fulls, "Mark-Compacts").to_be_between(1, 3)
    record("gcs", #heap:events())
    heap:unroot(pts.holder)
  end)

-- Held out (node20/points-1e6-noinc.trace, `node --no-incremental-marking
-- points.js 1000000`): no incremental marking, so a full GC is one atomic
-- Mark-Compact, when the tenured site's old allocation finds the limit
-- reached.  Node's eight runs: 12 or 13 Scavenges and one Mark-Compact,
-- "allocation failure".
scenario("points, --no-incremental-marking: one atomic Mark-Compact",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local pts = points(heap)
    local scavenges, fulls = 0, {}
    for _, ev in ipairs(heap:events()) do
      if ev.kind == "Scavenge" then scavenges = scavenges + 1 else fulls[#fulls + 1] = ev end
    end
    expect(scavenges, "Scavenges").to_be_between(10, 14)
    expect(#fulls, "Mark-Compacts").to_be_between(1, 2)
    for _, ev in ipairs(fulls) do
      expect(ev.incremental, "an atomic Mark-Compact").to_be(false)
      expect(ev.reason, "why").to_be("allocation failure")
    end
    record("gcs", #heap:events())
    heap:unroot(pts.holder)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- scenario below names its trace): its Scavenge and Mark-Compact counts
-- within the ranges around Node's eight runs.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
      flags = flags, event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local pts = points(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(pts.holder)
    end)
end

-- Held out (node20/points-1e6-semi4.trace, `node --max-semi-space-size=4
-- points.js 1000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 10 or 11 Scavenges and 1 or 2 Mark-Compacts.
held_out("points, --max-semi-space-size=4: every point kept", "--max-semi-space-size=4", {9, 13}, {0, 3})

-- Held out (node20/points-1e6-min16.trace, `node --min-semi-space-size=16
-- points.js 1000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 3 Scavenges, no Mark-Compact.
held_out("points, --min-semi-space-size=16: every point kept", "--min-semi-space-size=16", {2, 4}, {0, 1})
