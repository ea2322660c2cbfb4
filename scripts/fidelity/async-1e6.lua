-- Fidelity: an async loop (node20/async.js, `node --trace-gc async.js
-- 1000000`, a held-out workload):
--
--   async function fetchItem(i) { return {id: i, ok: true}; }
--   async function main(n) {
--     const keep = [];
--     for (let i = 0; i < n; i++) {
--       const item = await fetchItem(i);
--       if (i % 20 === 0) keep.push(item);
--     }
--   }
--
-- Every await is of a promise already resolved, so the loop runs in one
-- microtask checkpoint: no task of V8's (no scavenge task, no idle-time
-- work) runs until it ends.  An iteration allocates the record (a
-- JSObject of two in-object fields, 40 bytes, at the literal's allocation
-- site) and what the async calls leave behind -- fetchItem's
-- JSAsyncFunctionObject and promise, the await's closures and its
-- reaction job -- all dead once the iteration ends.  How many bytes that
-- is comes from Node, not from the JS: node20/asyncsize.js reads new
-- space's used bytes around windows of 500 iterations in optimized code,
-- 290.6 bytes an iteration at the least (a window that also grows `keep`
-- takes more); less the record and `keep`'s share, 248 bytes, allocated
-- here as one dead object before the record.  `keep` is a JSArray grown
-- by push (lib/jsarray.lualib).
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): fetchItem, which holds the literal, gets
-- its own optimizing compile at its 1,892nd call.
local TIERING = {tiering_allocations = 1892}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local N, EVERY, ASYNC_BYTES = 1000000, 20, 248

-- async.js's main(n) (n default N); returns `keep` (its holder rooted).
local function main(heap, n)
  n = n or N
  local keep = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{id: i, ok: true}")
  local alloc, init, push = heap.alloc, heap.init_slots, J.push
  for i = 0, n - 1 do
    alloc(heap, 0, ASYNC_BYTES, "(async function, promise, await)")
    local item = init(heap, alloc(heap, 2, 0, "Object", site), i)
    if i % EVERY == 0 then push(keep, item) end
  end
  expect(keep.length, "keep.length").to_be(n // EVERY)
  return keep
end

scenario("async: 1e6 awaits of an async function's record, every 20th kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep = main(heap)
    -- Node's eight runs (async-1e6.N): 124 to 127 Scavenges, all
    -- "allocation failure" but, in three, a last one by V8's scavenge task
    -- once the loop has ended; new space grows slowly, the survivors
    -- being few (5.0 MB committed after the first, 14.3-14.6 at the end);
    -- no Mark-Compact.  gclab: 126 in the loop, GC for GC with Node's
    -- sizes, and the scavenge task's after it (127 with the profile's
    -- tiering budget, before the loop's was measured, and no task).
    local events = heap:events()
    expect(#events, "Scavenges").to_be(126)
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
    end
    record("gcs", #events)
    -- `keep` is a local of main: dead once the loop ends
    heap:unroot(keep.holder)
  end)

-- Held out (node20/async-1e6-semi1.trace, `node --max-semi-space-size=1
-- async.js 1000000`): the same loop through a 1 MiB semispace, which never
-- grows: every 20th record promoted.  Node's eight runs: 283 to 289
-- Scavenges, no Mark-Compact.
scenario("async, max semispace 1 MiB: the kept records promoted",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep = main(heap)
    record("gcs", #heap:events())
    heap:unroot(keep.holder)
  end)

-- Held out (node20/async-2e7-oom-16m.trace, `node --max-old-space-size=16
-- async.js 20000000`): twenty million awaits, a million records kept,
-- under a 16 MiB old generation -- out of memory in the one microtask
-- checkpoint, with no task of V8's ever run.  Node's eight runs: 179 to
-- 181 Scavenges, 60 to 62 Mark-Compacts, "Ineffective mark-compacts near
-- heap limit".
scenario("async 2e7, max old space 16 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "16MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(main, heap, 20 * N)
    expect(ok, "async.js 20000000 under --max-old-space-size=16 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)
