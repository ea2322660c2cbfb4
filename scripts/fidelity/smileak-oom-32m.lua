-- Fidelity: a leak of small arrays of Smis to out of memory
-- (node20/smileak.js, trace node20/smileak-oom-32m.trace, `node
-- --trace-gc --max-old-space-size=32 smileak.js`), the thirty-sixth
-- workload written after gclab's model was fitted -- a held-out check,
-- written after marking got a price for Smi slots (issue 16, stop 36):
--
--   const keep = []; const n = +process.argv[2] || 1e7;
--   for (let i = 0; i < n; i++) {
--     const a = new Array(1000).fill(i & 1023);
--     if (i % 16 === 0) keep.push(a);
--   }
--
-- The loop is bufleak-oom-64m's (lib/array_leak.lualib: `a`'s register
-- holds the previous array until the next is made) with 1000-slot
-- FixedArrays (8 KB, young, copied by Scavenges) and every sixteenth
-- kept.  --max-old-space-size=32 is old_space.max_size.
--
-- Each array takes Node 1.7 us (node20/smileaktime.js: 1.55 to 1.91 us
-- over sixteen runs, the GC pauses taken off); gclab's clock charges the
-- two allocations 100 ns and the replay the rest with heap:compute.  The
-- end is decided by the program's time against the Mark-Compacts': Node's
-- mutator utilisation hovers about 0.4 near the limit, and its eight runs
-- end either way -- six by "Ineffective mark-compacts near heap limit"
-- after 12 to 14 Mark-Compacts, two by "Reached heap limit" after 16 --
-- all after 46 Scavenges, at 415.8 to 479.4 MB allocated (nvp).  gclab
-- ends by the ineffective-mark-compacts rule after 45 Scavenges and 14
-- Mark-Compacts, at 433.3 MB (as V8 counts, page-end fillers included),
-- with its utilisation lower than Node's
-- (docs/fidelity.md, *Held-out workloads*).

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local L = dofile(SCENARIO_DIR .. "/lib/array_leak.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local ARRAY_NS = 1700 - 100 -- Node's time an array (node20/smileaktime.js) less the two allocations'
-- smileak.js's loop: 1000-Smi arrays, every sixteenth kept, until the heap runs out
local LEAK = {length = 1000, every = 16, ns = ARRAY_NS, count = 1e7}

scenario("a leak of 8 KB arrays of Smis, every sixteenth kept, to out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "32MiB"}}, differs = {}}, function(heap)
    local ok, err, kept = L.run(heap, J, LEAK)
    expect(ok, "the leak ends").to_be(false)
    expect(tostring(err)).to_match("JavaScript heap out of memory")

    -- Node's runs, alike up to the limit: 46 Scavenges, the first
    -- Mark-Compact "finalize incremental marking via stack guard" after
    -- 39 of them, then Mark-Compacts "scavenge might not succeed", one
    -- after each megabyte kept.
    local events, first_mc, scavenges = heap:events(), nil, 0
    for k, ev in ipairs(events) do
      if ev.kind == "Scavenge" then scavenges = scavenges + 1 end
      if ev.kind ~= "Scavenge" and not first_mc then first_mc = k end
    end
    expect(scavenges, "Scavenges").to_be_between(41, 51)
    expect(events[first_mc].reason, "first Mark-Compact").to_be("finalize incremental marking via stack guard")
    for k = #events - 3, #events do
      expect(events[k].kind, "GC " .. k .. " kind").to_be("Mark-Compact")
      expect(events[k].collector_reason, "GC " .. k .. " why").to_be("scavenge might not succeed")
    end
    expect(kept * 8048, "bytes kept").to_be_at_least(24 * 1024 * 1024)
    record("oom", true)
    record("kept", kept)
  end)

-- Held out (node20/smileak-oom-32m-semi1.trace, `node
-- --max-old-space-size=32 --max-semi-space-size=1 smileak.js`): the same
-- leak through a 1 MiB semispace.  Node's eight runs: 480 to 482
-- Scavenges and 11 to 13 Mark-Compacts, every one "finalize incremental
-- marking via stack guard" (none "scavenge might not succeed": what a
-- Scavenge promotes fits), a Scavenge after each of the last ones; then
-- "Ineffective mark-compacts near heap limit".
scenario("a leak of 8 KB arrays under 32 MiB, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "32MiB"},
    new_space = {semi_space = {max = "1MiB"}}}, differs = {}}, function(heap)
    local ok, err, kept = L.run(heap, J, LEAK)
    expect(ok, "the leak ends").to_be(false)
    expect(tostring(err)).to_contain(gclab.OOM_INEFFECTIVE_MESSAGE)
    local scavenges = 0
    for k, ev in ipairs(heap:events()) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
      else
        expect(ev.reason, "GC " .. k).to_be("finalize incremental marking via stack guard")
      end
    end
    expect(scavenges, "Scavenges").to_be_between(433, 530)
    record("oom", true)
    record("kept", kept)
  end)

-- Held out (node20/smileak-oom-heap34.trace, `node --max-heap-size=34
-- smileak.js`): the leak under one heap size, which V8 splits into a 31
-- MiB old generation and a 1 MiB semispace (the config's `flags`, as
-- gclab reads them).  Node's eight runs: 464 or 465 Scavenges and 12 to
-- 17 Mark-Compacts, finalizing marking and, near the end, "scavenge might
-- not succeed"; all end "Ineffective mark-compacts near heap limit".
scenario("a leak of 8 KB arrays, --max-heap-size=34",
  {config = {"../../configs/node20.yaml", flags = "--max-heap-size=34"}, differs = {}}, function(heap)
    expect(heap.config.old_space.max_size, "old generation maximum").to_be(31 * 1024 * 1024)
    local ok, err, kept = L.run(heap, J, LEAK)
    expect(ok, "the leak ends").to_be(false)
    expect(tostring(err)).to_contain(gclab.OOM_INEFFECTIVE_MESSAGE)
    local scavenges, fulls = count_gcs(heap:events())
    expect(scavenges, "Scavenges").to_be_between(418, 512)
    expect(fulls, "Mark-Compacts").to_be_between(11, 18)
    record("oom", true)
    record("kept", kept)
  end)
