-- Fidelity: a leak of large arrays to out of memory (node20/bufleak.js,
-- trace node20/bufleak-oom-64m.trace, `node --trace-gc
-- --max-old-space-size=64 bufleak.js`), the sixth workload written after
-- gclab's model was fitted -- a held-out check:
--
--   const keep = [];
--   for (let i = 0; i < 1e6; i++) {
--     const a = new Array(20000).fill(0);
--     if (i % 4 === 0) keep.push(a);
--   }
--
-- `new Array(20000)` is a JSArray (heap:alloc(1): its elements) and a
-- 20000-slot FixedArray (160 KB: a large object, allocated young); the
-- elements stay rooted while the JSArray is allocated; `.fill` stores
-- Smis, which the GC never sees (left out); `keep` a JSArray
-- (lib/jsarray.lualib).  --max-old-space-size=64 is old_space.max_size.
--
-- `a` is a register of the loop's frame, which V8 visits whole: it still
-- holds the previous iteration's array while the next one is allocated,
-- so the replay keeps that array rooted until its successor is made (the
-- Node runs of bufleak-cleared.js, which sets `a = null` at the end of the
-- body, promote exactly the kept arrays; node20/README.md).
--
-- Each array takes Node 110 us (node20/bufleaktime.js: 104 to 119 us an
-- array over eight runs, the GC pauses taken off; a 160 KB large object's
-- fresh pages, touched for the first time, and the fill): the replay
-- charges it with heap:compute, as bst-1e6 charges its walks.  The
-- ineffective-mark-compacts rule reads the program's time against the
-- Mark-Compacts' (their mutator utilisation), so it decides the end.
--
-- Node repeats its ending here: five `--trace-gc` runs and three nvp runs
-- all end in "Ineffective mark-compacts near heap limit", after 19 or 20
-- Scavenges and 13 to 17 Mark-Compacts, at 238.4 to 243.9 MB allocated.
-- gclab ends the same way at 234.7 MB, with 20 Scavenges and 12
-- Mark-Compacts of 11 to 17 ms (Node's take 12 to 18: node20's
-- cost.mark_scalar_ns_per_kb prices the Smi slots).  Without the arrays'
-- time and that price it ran out at 225.5 MB after 10 Mark-Compacts of 37
-- to 60 ms, its utilisation under 0.4 from the second (docs/fidelity.md,
-- *Held-out workloads*).  This workload also found that gclab counted a
-- large object's whole page units against the maximum, where V8 counts
-- its bytes (engine/old_space.c old_gen_capacity): it then ran out at 151
-- MB with "Reached heap limit".

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local L = dofile(SCENARIO_DIR .. "/lib/array_leak.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local ARRAY = gclab.default_size(20000) -- 160,024 bytes (V8: 160,016)
local ARRAY_NS = 110000 -- Node's time an array (node20/bufleaktime.js)
-- bufleak.js's loop: 20000-slot arrays, every fourth kept, until the heap runs out
local LEAK = {length = 20000, every = 4, ns = ARRAY_NS, count = 1e6 + 1}

scenario("a leak of 160 KB arrays: out of memory by the ineffective-mark-compacts rule, as in Node",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "64MiB"}}, differs = {}}, function(heap)
    local ok, err, kept = L.run(heap, J, LEAK)
    expect(ok, "the leak ends").to_be(false)
    expect(tostring(err)).to_match("Ineffective mark%-compacts near heap limit Allocation failed %- JavaScript heap out of memory")

    -- The arrays each of the first twelve Scavenges promotes, as in Node's
    -- four nvp runs (`promoted=` / 160,016: 480,048 is 3, 1,280,616 is 8):
    -- the kept ones since the previous Scavenge plus the array `a`'s
    -- register still holds (node20/bufleak-cleared-64m.nvp: with `a`
    -- cleared, Node promotes only the kept ones, 2, 1, 2, 1, ...).
    local arrays, seen = {}, 0
    for _, ev in ipairs(heap:events()) do
      if ev.kind == "Scavenge" and seen < 12 then
        seen = seen + 1
        arrays[seen] = ev.promoted // ARRAY
      end
    end
    expect(table.concat(arrays, " "), "arrays promoted by Scavenges 1-12")
      .to_be("3 2 3 2 4 4 4 4 8 7 8 7")

    -- It ends as V8's rule says: the last four GCs are Mark-Compacts that
    -- leave the old generation above 80% of its maximum ("scavenge might
    -- not succeed": the old generation cannot take new space's worst case).
    local events = heap:events()
    for k = #events - 3, #events do
      local ev = events[k]
      expect(ev.kind, "GC " .. k .. " kind").to_be("Mark-Compact")
      expect(ev.collector_reason, "GC " .. k .. " why").to_be("scavenge might not succeed")
      expect(ev.after.old.size + ev.after.large.size, "GC " .. k .. " old generation after")
        .to_be_at_least(64 * 1024 * 1024 * 8 // 10)
    end
    -- The kept arrays' bytes, not their 256 KiB page units, filled the
    -- maximum: counted by units, 48 MiB of them would have run out at
    -- about 192 arrays.
    expect(kept * ARRAY, "bytes kept").to_be_at_least(48 * 1024 * 1024)
    record("oom", true)
    record("kept", kept)
  end)

-- The held-out scenarios' end: out of memory by V8's
-- ineffective-mark-compacts rule, as all of Node's runs under their
-- flags, after Scavenges and Mark-Compacts in the {low, high} ranges
-- given (Node's counts and the compare tool's thresholds); L.run's
-- results recorded.
local function ends_ineffective(heap, ok, err, kept, scavenges_in, fulls_in)
  expect(ok, "the leak ends").to_be(false)
  expect(tostring(err)).to_contain(gclab.OOM_INEFFECTIVE_MESSAGE)
  local scavenges, fulls = count_gcs(heap:events())
  expect(scavenges, "Scavenges").to_be_between(scavenges_in[1], scavenges_in[2])
  expect(fulls, "Mark-Compacts").to_be_between(fulls_in[1], fulls_in[2])
  record("oom", true)
  record("kept", kept)
end

-- Held out (node20/bufleak-oom-64m-semi1.trace, `node
-- --max-old-space-size=64 --max-semi-space-size=1 bufleak.js`): the same
-- leak through a 1 MiB semispace, where a Scavenge comes every few arrays
-- (the young JSArrays and the kept arrays' growing store fill it; each
-- 160 KB array is a young large object).  Node's eight runs: 239 or 240
-- Scavenges and 15 or 16 Mark-Compacts, all ending "Ineffective
-- mark-compacts near heap limit" at 232.8 to 233.4 MB allocated; its
-- three nvp runs' Scavenges promote 3, 2, 3, 2, ... arrays.  gclab: 252
-- Scavenges and 15 Mark-Compacts, the same ending at 239.9 MB, the same
-- arrays promoted.
scenario("a leak of 160 KB arrays, max semispace 1 MiB: out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "64MiB"},
    new_space = {semi_space = {max = "1MiB"}}}, differs = {}}, function(heap)
    local ok, err, kept = L.run(heap, J, LEAK)
    local arrays = {}
    for _, ev in ipairs(heap:events()) do
      if ev.kind == "Scavenge" and #arrays < 24 then arrays[#arrays + 1] = ev.promoted // ARRAY end
    end
    expect(table.concat(arrays, " "), "arrays promoted by Scavenges 1-24")
      .to_be(string.rep("3 2", 12, " "))
    ends_ineffective(heap, ok, err, kept, {215, 264}, {14, 17})
  end)

-- Held out (node20/bufleak-oom-heap66.trace, `node --max-heap-size=66
-- bufleak.js`): the leak under one heap size, a 63 MiB old generation
-- and a 1 MiB semispace (the config's `flags`).  Node's eight runs: 234
-- or 235 Scavenges and 15 or 16 Mark-Compacts, all ending "Ineffective
-- mark-compacts near heap limit" at 229.1 to 230.0 MB allocated.
scenario("a leak of 160 KB arrays, --max-heap-size=66: out of memory",
  {config = {"../../configs/node20.yaml", flags = "--max-heap-size=66"}, differs = {}}, function(heap)
    expect(heap.config.old_space.max_size, "old generation maximum").to_be(63 * 1024 * 1024)
    local ok, err, kept = L.run(heap, J, LEAK)
    ends_ineffective(heap, ok, err, kept, {211, 258}, {14, 17})
  end)
