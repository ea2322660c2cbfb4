-- Fidelity: WeakRefs across event-loop turns (node20/weakjobs.js, trace
-- node20/weakjobs-50.trace, `node --trace-gc weakjobs.js`), a held-out
-- workload written after gclab's model was fitted:
--
--   let refs = []; let turn = 0, alive = 0;
--   function work() {
--     for (const r of refs) if (r.deref() !== undefined) alive++;
--     refs = [];
--     for (let i = 0; i < 20000; i++) {
--       const req = { id: i, body: null };
--       if (i % 10 === 0) refs.push(new WeakRef(req));
--     }
--     if (++turn < 50) setImmediate(work); else console.log(alive);
--   }
--
-- Each turn is one job: the previous turn's WeakRefs deref'd (ref:deref()
-- keeps a live target to the job's end), a new `refs` (a JSArray,
-- lib/jsarray.lualib, rooted as the module's variable), 20000 {id, body}
-- at the literal's site and a WeakRef (heap:weak_ref) to every tenth
-- (lib/requests.lualib: outside any scope, as weakrefs-1e6 allocates); then
-- the job ends (heap:end_job: the KeepDuringJob set emptied) and the loop
-- turns (heap:idle(0)).  Scavenges treat weak references as strong, so a
-- target outlives its turn as long as its WeakRef does.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): work()'s loop's OSR compile starts in the
-- first turn, at its 8,875th iteration.
local TIERING = {tiering_allocations = 8875}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local requests = dofile(SCENARIO_DIR .. "/lib/requests.lualib")
local TURNS, REQUESTS = 50, 20000

-- Runs weakjobs.js's 50 turns on `heap`; returns how many derefs found
-- their target, and the holder of the last turn's `refs`.
local function run_turns(heap)
  local site = heap:site("{id: i, body: null}")
  local refs, alive = nil, 0
  for _ = 1, TURNS do
    if refs then
      for k = 1, refs.length do
        if refs.elements[k]:deref() ~= nil then alive = alive + 1 end
      end
      heap:unroot(refs.holder)
    end
    refs = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
    requests(heap, REQUESTS, site, 10, function(req) J.push(refs, heap:weak_ref(req)) end)
    heap:end_job()
    heap:idle(0)
  end
  return alive, refs.holder
end

-- Node's runs under either semispace: every deref found its target
-- (alive = 98000: Scavenges keep weak targets, and no Mark-Compact ran),
-- no Mark-Compact, and Scavenges from `lo` to `hi`.
local function check(heap, alive, lo, hi)
  expect(alive, "targets found by deref").to_be((TURNS - 1) * REQUESTS // 10)
  local scavenges, fulls = count_gcs(heap:events())
  expect(scavenges, "Scavenges").to_be_between(lo, hi)
  expect(fulls, "Mark-Compacts").to_be(0)
  record("scavenges", scavenges)
end

scenario("WeakRefs across 50 event-loop turns, each deref'ing the last turn's",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local alive, holder = run_turns(heap)
    -- Node (five --trace-gc and three --trace-gc-nvp runs): 25 or 26
    -- Scavenges.
    check(heap, alive, 24, 27)
    heap:unroot(holder)
  end)

-- Held out (node20/weakjobs-50-semi1.trace, `node --max-semi-space-size=1
-- weakjobs.js`): the same turns through a 1 MiB semispace, which a turn's
-- 20,000 requests (800 KB) and its 2,000 WeakRefs fill every turn or so.
-- Node's eight runs: 67 Scavenges in seven (51 "allocation failure", 16
-- "task"), 69 in one, no Mark-Compact, every deref found its target.
scenario("WeakRefs across 50 event-loop turns, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}}, event_loop = {exit_idle_ms = 1}},
   differs = {}}, function(heap)
    local alive, holder = run_turns(heap)
    check(heap, alive, 61, 73)
    heap:unroot(holder)
  end)
