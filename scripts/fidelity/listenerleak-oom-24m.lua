-- Fidelity: a listener leak to out of memory (node20/listenerleak.js,
-- trace node20/listenerleak-oom-24m.trace, `node --max-old-space-size=24
-- --trace-gc listenerleak.js`), a held-out workload written after gclab's
-- model was fitted:
--
--   const listeners = [];
--   for (let i = 0; ; i++) {
--     const req = { id: i, body: null };
--     const cb = () => req.id;
--     if (i % 2 === 0) listeners.push(cb);
--   }
--
-- closures-1e6's objects (lib/closure.lualib: the block's Context, the
-- request, the JSFunction), every second callback pushed
-- onto `listeners` (a JSArray, lib/jsarray.lualib), until the heap runs
-- out.
--
-- Node's runs differ in how long the loop allocates with mementos (16
-- bytes behind each request while the loop runs in baseline code): its
-- OSR compile took 1.8 to 4.5 ms over four `--trace-opt` runs, and a
-- probe of the loop saw the mementos stop anywhere between 24,000 and
-- 85,000 iterations.  Fewer iterations per Scavenge then, new space grows
-- a GC later and the heap runs out after three Mark-Compacts (61.0 MB
-- allocated, the first run's, and gclab's); more, and after two (46.3 MB,
-- its third nvp run's; gclab's while its pages held 1.7% more than V8's:
-- docs/fidelity-notes.md, *Backing-store growth*).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 2,615th or 2,616th iteration.
local TIERING = {tiering_allocations = 2616}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local closure = dofile(SCENARIO_DIR .. "/lib/closure.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")

scenario("a listener leak: every second closure kept, out of memory under 24 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "24MiB"}}, differs = {}}, function(heap)
    local listeners = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
    local site = heap:site("{id: i, body: null}")
    local ok, err = pcall(function()
      for i = 0, 1e8 do
        local cb = closure(heap, site)
        if i % 2 == 0 then J.push(listeners, cb) end
      end
    end)
    -- Node (five --trace-gc runs of issue 16 and the four committed as
    -- .2-.5.trace): 10 or 11 Scavenges, 2 or 3 Mark-Compacts (the last
    -- ones "scavenge might not succeed"), then "Reached heap limit".
    expect(ok, "the leak ends").to_be(false)
    expect(err, "with").to_contain(gclab.OOM_MESSAGE)
    local events = heap:events()
    local scavenges, fulls = count_gcs(events)
    expect(scavenges, "Scavenges").to_be_between(9, 12)
    expect(fulls, "Mark-Compacts").to_be_between(2, 4)
    expect(events[#events].collector_reason, "the last GC").to_be("scavenge might not succeed")
    record("oom", true)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    record("listeners", listeners.length)
  end)
