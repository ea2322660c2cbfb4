-- Fidelity: closures made in a loop (node20/closures.js, trace
-- node20/closures-1e6.trace, `node --trace-gc closures.js`), the tenth
-- workload written after gclab's model was fitted -- a held-out check:
--
--   const listeners = [];
--   for (let i = 0; i < 1e6; i++) {
--     const req = { id: i, body: null };
--     const cb = () => req.id;
--     if (i % 10 === 0) listeners.push(cb);
--   }
--
-- `req` is captured, so each iteration's block has a Context (V8's
-- CreateBlockContext: map, length, scope_info, previous and the `req`
-- slot, 40 bytes), made as the block is entered; then {id, body}
-- (heap:alloc(2), 40 bytes, at an allocation site), stored in it; then the
-- arrow function (a JSFunction of 56 bytes whose context is the block's;
-- its SharedFunctionInfo and FeedbackCell are shared by every iteration).
-- Sizes from a v8.writeHeapSnapshot() of the same loop (self sizes 40, 40
-- and 56 in Node 20).  The Context and the JSFunction have no allocation
-- site.  `listeners` is a JSArray (lib/jsarray.lualib).  Node runs V8's
-- pending tasks when the script ends (event_loop.exit_idle_ms = 1).
--
-- gclab replays it GC by GC, 28 of Node's 29 (its last, a Scavenge task
-- after the script's end, does not come): no rule had to change.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 3,400th iteration.
local TIERING = {tiering_allocations = 3400}

local doubled_at = dofile(SCENARIO_DIR .. "/lib/doubled_at.lualib")
local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local closure = dofile(SCENARIO_DIR .. "/lib/closure.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- closures.js's loop over n (default N); returns `listeners` (its holder
-- rooted: the module's `listeners`).
local function closures(heap, n)
  n = n or N
  local listeners = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{id: i, body: null}")
  for i = 0, n - 1 do
    local cb = closure(heap, site)
    if i % 10 == 0 then J.push(listeners, cb) end
  end
  expect(listeners.length, "listeners").to_be(n // 10)
  return listeners
end

scenario("closures in a loop: every tenth kept with its context and request",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local listeners = closures(heap)

    -- Node (five --trace-gc and three nvp runs, all alike): 24 Scavenges,
    -- then the one Mark-Compact, finalizing incremental marking, at the
    -- 25th GC; the semispace doubles (the committed heap jumps) at GCs 7,
    -- 13, 19 and 25.
    local events = heap:events()
    for k, ev in ipairs(events) do
      if k <= 25 then
        expect(ev.kind, "GC " .. k .. " kind").to_be(k < 25 and "Scavenge" or "Mark-Compact")
      end
    end
    expect(events[25].reason, "GC 25 reason").to_be("finalize incremental marking via stack guard")
    expect(doubled_at(events), "GCs that double the semispace").to_equal({7, 13, 19, 25})
    record("gcs", #events)
    heap:unroot(listeners.holder)
  end)

-- Held out (node20/closures-1e6-semi1.trace, `node --max-semi-space-size=1
-- closures.js`): the same loop through a 1 MiB semispace, which never
-- grows: six times the Scavenges, each promoting the kept tenth.  Node's
-- eight runs: 147 or 148 Scavenges and one Mark-Compact.
scenario("closures in a loop, max semispace 1 MiB: every tenth kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local listeners = closures(heap)
    local events = heap:events()
    expect(doubled_at(events), "GCs that double the semispace").to_equal({})
    record("gcs", #events)
    heap:unroot(listeners.holder)
  end)

-- Held out (node20/closures-5e6-oom-24m.trace, `node --max-old-space-size=24
-- closures.js 5000000`): the kept tenth -- each callback with its
-- context and request, and its slot in `listeners` -- fills a 24 MiB old
-- generation before the five millionth iteration.  Node's eight runs: 24
-- Scavenges, 9 Mark-Compacts, "Reached heap limit".
scenario("closures 5e6, max old space 24 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "24MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(closures, heap, 5 * N)
    expect(ok, "closures.js 5000000 under --max-old-space-size=24 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/closures-1e6-noinc.trace, `node
-- --no-incremental-marking closures.js`): without incremental marking
-- there is no Mark-Compact at GC 25 to finalize it.  Node's eight runs:
-- 28 Scavenges; no Mark-Compact in seven, one at the end in the first
-- nvp run.
scenario("closures in a loop, --no-incremental-marking: every tenth kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local listeners = closures(heap)
    expect_gcs(expect, record, heap:events(), {25, 31}, {0, 2}, {atomic = true})
    heap:unroot(listeners.holder)
  end)

-- Held out (node20/closures-1e6-gf4.trace, `node
-- --semi-space-growth-factor=4 closures.js`): new space grows fourfold at
-- a growth.  Node's eight runs: 20 or 21 Scavenges and one Mark-Compact.
scenario("closures in a loop, --semi-space-growth-factor=4: every tenth kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local listeners = closures(heap)
    expect_gcs(expect, record, heap:events(), {18, 24}, {0, 2}, {growth = 4})
    heap:unroot(listeners.holder)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
      flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local listeners = closures(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(listeners.holder)
    end)
end

-- Held out (node20/closures-1e6-heap48.trace, `node --max-heap-size=48
-- closures.js`): a 48 MiB heap, split as V8 splits it -- a 1 MiB
-- semispace and a 45 MiB old generation.  Node's eight runs: 146 to 148
-- Scavenges and one Mark-Compact.
held_out("closures in a loop, --max-heap-size=48: every tenth kept", "--max-heap-size=48", {131, 163}, {0, 2})

-- Held out (node20/closures-1e6-init16.trace, `node
-- --initial-old-space-size=16 closures.js`): the old generation's first
-- limit set by the flag, so V8 does not shrink it from the survival rate.
-- Node's eight runs: 28 Scavenges and one Mark-Compact.
held_out("closures in a loop, --initial-old-space-size=16: every tenth kept", "--initial-old-space-size=16", {25, 31}, {0, 2})

-- Held out (node20/closures-1e6-semi4.trace, `node --max-semi-space-size=4
-- closures.js`): new space grows to 4 MiB at most.  Node's eight runs:
-- 44 or 45 Scavenges and one Mark-Compact.
held_out("closures in a loop, --max-semi-space-size=4: every tenth kept", "--max-semi-space-size=4", {39, 50}, {0, 2})

-- Held out (node20/closures-1e6-semi8.trace, `node --max-semi-space-size=8
-- closures.js`): new space grows to 8 MiB at most.  Node's eight runs:
-- 31 or 32 Scavenges and one Mark-Compact.
held_out("closures in a loop, --max-semi-space-size=8: every tenth kept", "--max-semi-space-size=8", {27, 36}, {0, 2})

-- Held out (node20/closures-1e6-min4.trace, `node --min-semi-space-size=4
-- closures.js`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 17 Scavenges and one Mark-Compact.
held_out("closures in a loop, --min-semi-space-size=4: every tenth kept", "--min-semi-space-size=4", {15, 19}, {0, 2})

-- Held out (node20/closures-1e6-min2.trace, `node --min-semi-space-size=2
-- closures.js`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 22 Scavenges and one Mark-Compact.
held_out("closures in a loop, --min-semi-space-size=2: every tenth kept", "--min-semi-space-size=2", {19, 25}, {0, 2})

-- Held out (node20/closures-1e6-min8.trace, `node --min-semi-space-size=8
-- closures.js`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 12 Scavenges and one Mark-Compact.
held_out("closures in a loop, --min-semi-space-size=8: every tenth kept", "--min-semi-space-size=8", {10, 14}, {0, 2})

-- Held out (node20/closures-1e6-semi32.trace, `node --max-semi-space-size=32
-- closures.js`): new space grows to 32 MiB at most, twice the default.
-- Node's eight runs: 28 Scavenges and one Mark-Compact.
held_out("closures in a loop, --max-semi-space-size=32: every tenth kept", "--max-semi-space-size=32", {25, 31}, {0, 2})

-- Held out (node20/closures-1e6-min16.trace, `node --min-semi-space-size=16
-- closures.js`): new space at its 16 MiB maximum from the start.  Node's
-- eight runs: 9 Scavenges and one Mark-Compact.
held_out("closures in a loop, --min-semi-space-size=16: every tenth kept", "--min-semi-space-size=16", {8, 10}, {0, 2})
