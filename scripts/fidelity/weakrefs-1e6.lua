-- Fidelity: WeakRefs made in one synchronous job (node20/weakrefs.js,
-- trace node20/weakrefs-1e6.trace, `node --trace-gc weakrefs.js`), the
-- eighth workload written after gclab's model was fitted -- a held-out
-- check:
--
--   const refs = [];
--   for (let i = 0; i < 1e6; i++) {
--     const req = { id: i, body: null };
--     if (i % 10 === 0) refs.push(new WeakRef(req));
--   }
--
-- {id, body} is heap:alloc(2) (40 bytes) at an allocation site;
-- `new WeakRef(req)` is heap:weak_ref, which holds its target until the
-- job ends (KeepDuringJob), as V8 does: the whole loop is one job, so every
-- tenth request lives to its end.  `refs` is a JSArray
-- (lib/jsarray.lualib).  Node runs V8's pending tasks when the script ends
-- (event_loop.exit_idle_ms = 1).
--
-- This workload found that gclab held the KeepDuringJob set off the heap,
-- where V8's is an OrderedHashSet in it (engine/weak_ref.c): gclab's heap
-- stayed 3 to 4 MB smaller than Node's and ran no Mark-Compact during the
-- loop; now its first thirteen GCs are Node's within 0.5 MB.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 5,914th iteration.
local TIERING = {tiering_allocations = 5914}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local N = 1000000

-- weakrefs.js's loop; returns `refs` (its holder rooted: the module's
-- `refs`).
local function weakrefs(heap)
  local refs = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{id: i, body: null}")
  local alloc, root, unroot = heap.alloc, heap.root, heap.unroot
  for i = 0, N - 1 do
    local req = alloc(heap, 2, 0, "Request", site)
    if i % 10 == 0 then
      root(heap, req)
      local ref = heap:weak_ref(req)
      unroot(heap, req)
      J.push(refs, ref)
    end
  end
  expect(heap:kept(), "targets kept during the job").to_be(N // 10)
  return refs
end

scenario("WeakRefs in one job: their targets kept until it ends",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local refs = weakrefs(heap)

    -- Node (five --trace-gc runs): one Mark-Compact during the loop, after
    -- 12 to 14 Scavenges, that leaves 11.4 or 11.5 MB: the kept requests
    -- and V8's KeepDuringJob table (an OrderedHashSet of 131,072 entries,
    -- 2.6 MB, and the garbage of its smaller predecessors until then).
    -- With the set off the heap gclab ran no Mark-Compact in the loop.
    local MB = 1024 * 1024
    local fulls, scavenges_before = {}, nil
    for k, ev in ipairs(heap:events()) do
      if ev.kind ~= "Scavenge" then
        fulls[#fulls + 1] = ev
        scavenges_before = scavenges_before or k - 1
      end
    end
    expect(#fulls, "Mark-Compacts during the job").to_be(1)
    expect(scavenges_before, "Scavenges before it").to_be_between(12, 14)
    expect(fulls[1].after.total.size / MB, "MB after it").to_be_between(11.0, 12.0)
    record("gcs", #heap:events())
    heap:unroot(refs.holder)
  end)

-- Held out (node20/weakrefs-1e6-semi1.trace, `node --max-semi-space-size=1
-- weakrefs.js`): the same job through a 1 MiB semispace, which never
-- grows: every kept request and the KeepDuringJob table promoted.  Node's
-- eight runs: 50 or 51 Scavenges, one Mark-Compact.
scenario("WeakRefs in one job, max semispace 1 MiB: the kept targets promoted",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local refs = weakrefs(heap)
    record("gcs", #heap:events())
    heap:unroot(refs.holder)
  end)
