-- Fidelity: a FinalizationRegistry across event-loop turns
-- (node20/finjobs.js, trace node20/finjobs-50.trace, `node --trace-gc
-- finjobs.js`), a held-out workload written after gclab's model was
-- fitted:
--
--   let turn = 0, cleaned = 0;
--   const reg = new FinalizationRegistry(() => { cleaned++; });
--   function work() {
--     for (let i = 0; i < 20000; i++) {
--       const req = { id: i, body: null };
--       if (i % 10 === 0) reg.register(req, i);
--     }
--     if (++turn < 50) setImmediate(work); else setTimeout(() => console.log(cleaned), 0);
--   }
--
-- Each turn is one job: 20000 {id, body} at the literal's site
-- (lib/requests.lualib), every tenth registered
-- (reg:register, its WeakCell allocated old); then the job ends
-- (heap:end_job runs the cleanups the GCs queued) and the loop turns
-- (heap:idle(0)).  A WeakCell's target survives Scavenges (they treat
-- weak references as strong) and is found dead only by a Mark-Compact.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): work()'s loop's OSR compile starts in the
-- first turn, at its 5,734th iteration.
local TIERING = {tiering_allocations = 5734}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local requests = dofile(SCENARIO_DIR .. "/lib/requests.lualib")
local TURNS, REQUESTS = 50, 20000

-- Runs finjobs.js's 50 turns and its last setTimeout on `heap`; returns
-- how many cleanups ran, and the registry's root.
local function run_turns(heap)
  local cleaned = 0
  local reg = heap:root(heap:finalization_registry(function() cleaned = cleaned + 1 end))
  local site = heap:site("{id: i, body: null}")
  for _ = 1, TURNS do
    requests(heap, REQUESTS, site, 10, function(req, i) reg:register(req, i) end)
    heap:end_job()
    heap:idle(0)
  end
  heap:idle(0) -- setTimeout(..., 0)
  heap:end_job()
  return cleaned, reg
end

-- Node's runs under either semispace: one Mark-Compact, Scavenges from
-- `lo` to `hi`, and cleanups for whole turns (each turn's registrations
-- die together), from `clo` to `chi` of them.
local function check(heap, cleaned, lo, hi, clo, chi)
  local scavenges, fulls = count_gcs(heap:events())
  expect(scavenges, "Scavenges").to_be_between(lo, hi)
  expect(fulls, "Mark-Compacts").to_be(1)
  expect(cleaned % (REQUESTS // 10), "cleanups: whole turns").to_be(0)
  expect(cleaned, "cleanups").to_be_between(clo, chi)
  record("cleaned", cleaned)
  record("scavenges", scavenges)
end

scenario("a FinalizationRegistry across 50 event-loop turns: cleanups after the Mark-Compact",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local cleaned, reg = run_turns(heap)
    -- Node (five --trace-gc runs): 21 or 22 Scavenges, one Mark-Compact,
    -- and 54000 cleanups by the last line, in every run: the Mark-Compact
    -- finds dead every target registered in the turns before it, and none
    -- of its own turn's.  gclab's Mark-Compact comes a Scavenge earlier (the
    -- task that started its marking finishes it in the same idle turn,
    -- docs/fidelity.md): 48000.
    check(heap, cleaned, 20, 23, 40000, 60000)
    heap:unroot(reg)
  end)

-- Held out (node20/finjobs-50-semi1.trace, `node --max-semi-space-size=1
-- finjobs.js`): the same turns through a 1 MiB semispace.  Node's eight
-- runs: 48 Scavenges and one Mark-Compact, finalized by the task ("via
-- task"), the 37th to 39th GC; 72000 cleanups by the last line in seven
-- runs, 74000 in one.
scenario("a FinalizationRegistry across 50 event-loop turns, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}}, event_loop = {exit_idle_ms = 1}},
   differs = {}}, function(heap)
    local cleaned, reg = run_turns(heap)
    check(heap, cleaned, 44, 52, 62000, 82000)
    heap:unroot(reg)
  end)
