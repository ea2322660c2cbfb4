-- Fidelity: a factory function called in a loop (node20/factory.js,
-- `node --trace-gc factory.js 2000000`, a held-out workload):
--
--   function make(i) { return { id: i, next: null }; }
--   const kept = [];
--   for (let i = 0; i < n; i++) { const o = make(i); if (i % 10 === 0) kept.push(o); }
--
-- The literal's allocation site is in make's code, not the loop's: V8
-- keeps it in make's feedback vector, and inlining make into the loop's
-- optimized code keeps the same site, so it is one site (heap:site) as a
-- literal in the loop is.  {id, next} is heap:alloc(2), 40 bytes; `kept`
-- a JSArray grown by push (lib/jsarray.lualib).  Only the kept tenth
-- survive, so the site's found/created ratio stays near 10%: never
-- tenured.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): make(), which holds the literal, gets its
-- own optimizing compile at its 4,838th call (the loop's OSR compile starts
-- at its 7,449th iteration).
local TIERING = {tiering_allocations = 4838}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 2000000

-- factory.js's loop over n (default N); returns `kept` (its holder
-- rooted: the module's `kept`), after checking that the site tenured
-- nothing.
local function factory(heap, n)
  n = n or N
  local kept = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{id: i, next: null}")
  local alloc, push = heap.alloc, J.push
  for i = 0, n - 1 do
    local o = alloc(heap, 2, 0, "Obj", site)
    if i % 10 == 0 then push(kept, o) end
  end
  expect(kept.length, "kept.length").to_be(n // 10)
  for _, ev in ipairs(heap:events()) do
    expect(ev.sites_tenured or 0, "GC " .. ev.seq .. " tenures nothing").to_be(0)
  end
  return kept
end

scenario("factory: make() returns a literal, every tenth of 2e6 kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local kept = factory(heap)
    record("gcs", #heap:events())
    -- `kept` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(kept.holder)
  end)

-- Held out (node20/factory-2e6-semi1.trace, `node --max-semi-space-size=1
-- factory.js 2000000`): the same loop through a 1 MiB semispace, which
-- never grows: four times the Scavenges, each promoting the kept tenth
-- of the semispace before.  Node's eight runs: 86 Scavenges and one
-- Mark-Compact, the 53rd GC; gclab's is the 54th (docs/fidelity.md,
-- factory-2e6-semi1).
scenario("factory, max semispace 1 MiB: every tenth kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local kept = factory(heap)
    local scavenges = count_gcs(heap:events())
    expect(scavenges, "Scavenges").to_be_at_least(40)
    record("gcs", #heap:events())
    heap:unroot(kept.holder)
  end)

-- Held out (node20/factory-1e7-oom-16m.trace, `node --max-old-space-size=16
-- factory.js 10000000`): the kept tenth -- each literal and its slot in
-- `kept`, whose elements grow by push into a large object -- fills a 16
-- MiB old generation long before the ten millionth call.  Node's eight
-- runs: 17 or 18 Scavenges, 8 Mark-Compacts, "Reached heap limit".
scenario("factory 1e7, max old space 16 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "16MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(factory, heap, 5 * N)
    expect(ok, "factory.js 10000000 under --max-old-space-size=16 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/factory-2e6-gf4.trace, `node
-- --semi-space-growth-factor=4 factory.js 2000000`): new space grows
-- fourfold at a growth.  Node's eight runs: 15 or 16 Scavenges and one
-- Mark-Compact.
scenario("factory, --semi-space-growth-factor=4: every tenth kept",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local kept = factory(heap)
    expect_gcs(expect, record, heap:events(), {14, 18}, {1, 2}, {growth = 4})
    heap:unroot(kept.holder)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
      flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local kept = factory(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(kept.holder)
    end)
end

-- Held out (node20/factory-2e6-semi4.trace, `node --max-semi-space-size=4
-- factory.js 2000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 28 or 29 Scavenges and one Mark-Compact.
held_out("factory, --max-semi-space-size=4: every tenth kept", "--max-semi-space-size=4", {25, 32}, {0, 2})

-- Held out (node20/factory-2e6-semi8.trace, `node --max-semi-space-size=8
-- factory.js 2000000`): new space grows to 8 MiB at most.  Node's eight runs:
-- 22 or 23 Scavenges and one Mark-Compact.
held_out("factory, --max-semi-space-size=8: every tenth kept", "--max-semi-space-size=8", {19, 26}, {0, 2})

-- Held out (node20/factory-2e6-min4.trace, `node --min-semi-space-size=4
-- factory.js 2000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 12 Scavenges and one Mark-Compact.
held_out("factory, --min-semi-space-size=4: every tenth kept", "--min-semi-space-size=4", {10, 14}, {0, 2})

-- Held out (node20/factory-2e6-min2.trace, `node --min-semi-space-size=2
-- factory.js 2000000`): new space starts at 2 MiB (and grows to 16).
-- Node's eight runs: 16 or 17 Scavenges and one Mark-Compact.
held_out("factory, --min-semi-space-size=2: every tenth kept", "--min-semi-space-size=2", {14, 19}, {0, 2})

-- Held out (node20/factory-2e6-min8.trace, `node --min-semi-space-size=8
-- factory.js 2000000`): new space starts at 8 MiB (and grows to 16).
-- Node's eight runs: 8 Scavenges and one Mark-Compact.
held_out("factory, --min-semi-space-size=8: every tenth kept", "--min-semi-space-size=8", {7, 9}, {0, 2})

-- Held out (node20/factory-2e6-min16.trace, `node --min-semi-space-size=16
-- factory.js 2000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 5 Scavenges and one Mark-Compact.
held_out("factory, --min-semi-space-size=16: every tenth kept", "--min-semi-space-size=16", {4, 6}, {0, 2})
