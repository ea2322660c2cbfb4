-- Fidelity: strings made from numbers, every one kept (node20/names.js,
-- `node --trace-gc names.js 1000000`, a held-out workload):
--
--   const names = [];
--   for (let i = 0; i < n; i++) names.push('user-' + i);
--
-- What V8 allocates an iteration: the number's string from NumberToString
-- (24 bytes, young), kept in the heap's number-string cache until another
-- number takes its entry or a Mark-Compact empties it
-- (lib/number_strings.lualib); then the concatenation, shorter than a
-- ConsString's 13 characters and so a flat SeqOneByteString: 16 bytes of
-- header and 6 to 11 characters, rounded up to 8 (24 or 32 bytes).
-- Neither is made at an allocation site -- no literal, no memento -- so
-- nothing is pretenured: every kept string is copied and promoted by the
-- Scavenges.  `names` grows by push (lib/jsarray.lualib: V8's n + n/2 +
-- 16; past 128 KiB its elements are a large object).  Node's loop takes
-- 49 to 52 ns an iteration (node20/pointstime.js names, the pauses taken
-- off, five runs), half gclab's own charge for an iteration's two
-- allocations and stores: nothing more is charged.  `names` is a local
-- of the CommonJS wrapper, dead once the script ends.

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local NS = dofile(SCENARIO_DIR .. "/lib/number_strings.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- The bytes of 'user-' + i as a SeqOneByteString.
local function name_bytes(i)
  local chars = 5 + #tostring(i)
  return (16 + chars + 7) // 8 * 8
end

-- names.js's loop to `n` (default N); returns `names` (its holder
-- rooted) and the number-string cache.
local function names(heap, n)
  n = n or N
  local list = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local cache = NS.new(heap)
  local alloc, push, get = heap.alloc, J.push, NS.get
  for i = 0, n - 1 do
    get(cache, i, 24)
    push(list, alloc(heap, 0, name_bytes(i), "SeqOneByteString"))
  end
  expect(list.length, "names.length").to_be(n)
  return list, cache
end

scenario("names: 1e6 strings 'user-' + i, every one kept",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local list, cache = names(heap)
    record("gcs", #heap:events())
    heap:unroot(list.holder)
    NS.stop(cache)
  end)

-- Held out (node20/names-3e6-oom-48m.trace, `node --max-old-space-size=48
-- names.js 3000000`): three million names, 96 MB of strings, under a 48
-- MiB old generation.  Node's eight runs: 10 Scavenges and 4
-- Mark-Compacts (the 9th, 12th, 13th and 14th GCs, the last two
-- "scavenge might not succeed"), then out of memory ("Reached heap
-- limit") at 100.2 to 100.7 MB allocated; gclab runs them GC for GC
-- (docs/fidelity.md, names-3e6-oom-48m).
scenario("names, max old space 48 MiB: out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "48MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(names, heap, 3 * N)
    expect(ok, "names.js 3000000 under --max-old-space-size=48 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/names-1e6-semi1.trace, `node --max-semi-space-size=1
-- names.js 1000000`): the same strings through a 1 MiB semispace, which
-- never grows: every name promoted at its second Scavenge.  Node's eight
-- runs: 109 to 111 Scavenges and two Mark-Compacts (the 37th and 101st
-- GC); gclab runs one, the 53rd: its initial limit again higher
-- (docs/fidelity-notes.md, *names-1e6's limit*).
scenario("names, max semispace 1 MiB: every one kept",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local list, cache = names(heap)
    record("gcs", #heap:events())
    heap:unroot(list.holder)
    NS.stop(cache)
  end)

-- Held out (node20/names-1e6-noinc.trace, `node --no-incremental-marking
-- names.js 1000000`): without incremental marking.  Node's eight runs:
-- 12 Scavenges, no Mark-Compact (the default runs' one Mark-Compact
-- finalizes incremental marking; with none, the old generation's limit
-- is not met by promotion alone).
scenario("names, --no-incremental-marking: every one kept",
  {config = {"../../configs/node20.yaml", flags = "--no-incremental-marking",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local list, cache = names(heap)
    expect_gcs(expect, record, heap:events(), {10, 14}, {0, 1}, {atomic = true})
    heap:unroot(list.holder)
    NS.stop(cache)
  end)

-- Held out (node20/names-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- names.js 1000000`): new space grows fourfold at a growth.  Node's eight
-- runs: 10 Scavenges and one Mark-Compact.
scenario("names, --semi-space-growth-factor=4: every one kept",
  {config = {"../../configs/node20.yaml", flags = "--semi-space-growth-factor=4",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local list, cache = names(heap)
    expect_gcs(expect, record, heap:events(), {9, 11}, {0, 2}, {growth = 4})
    heap:unroot(list.holder)
    NS.stop(cache)
  end)

-- Held out (node20/names-1e6-heap48.trace, `node --max-heap-size=48
-- names.js 1000000`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation, and 44 MB of names: the program ends near the maximum.
-- Node's eight runs: 103 to 106 Scavenges and 10 to 13 Mark-Compacts, the
-- later ones memory-reducing, and no out of memory (its mark-compact
-- mutator utilisation stays near 0.4).  gclab's run ended out of memory
-- by the ineffective-mark-compacts rule until its soft limit counted new
-- space as V8 does (issue 16's stop 58; docs/fidelity.md, *Within the
-- thresholds*); near the maximum either end is one marking cycle away,
-- so the scenario takes either and records which (gclab trace compare
-- judges it); no exit idle, which would find the heap full.
scenario("names, --max-heap-size=48: near the maximum",
  {config = {"../../configs/node20.yaml", flags = "--max-heap-size=48"}, differs = {}}, function(heap)
    local ok, list, cache = pcall(names, heap)
    if ok then
      heap:unroot(list.holder)
      NS.stop(cache)
    else
      expect(tostring(list), "it ends with").to_contain("JavaScript heap out of memory")
      record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
    end
    expect_gcs(expect, record, heap:events(), {92, 117}, {9, 14}, {})
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local list, cache = names(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(list.holder)
      NS.stop(cache)
    end)
end

-- Held out (node20/names-1e6-init16.trace, `node
-- --initial-old-space-size=16 names.js 1000000`): the old generation's
-- first limit set by the flag, so V8 does not shrink it from the survival
-- rate.  Node's eight runs: 12 Scavenges and one Mark-Compact.
held_out("names, --initial-old-space-size=16: every one kept", "--initial-old-space-size=16", {10, 14}, {0, 2})

-- Held out (node20/names-1e6-semi4.trace, `node --max-semi-space-size=4
-- names.js 1000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 27 Scavenges and one Mark-Compact.
held_out("names, --max-semi-space-size=4: every one kept", "--max-semi-space-size=4", {24, 30}, {0, 2})

-- Held out (node20/names-1e6-semi2.trace, `node --max-semi-space-size=2
-- names.js 1000000`): new space grows to 2 MiB at most.  Node's eight runs:
-- 57 Scavenges and one Mark-Compact.
held_out("names, --max-semi-space-size=2: every one kept", "--max-semi-space-size=2", {51, 63}, {0, 2})

-- Held out (node20/names-1e6-semi8.trace, `node --max-semi-space-size=8
-- names.js 1000000`): new space grows to 8 MiB at most.  Node's eight runs:
-- 16 Scavenges and one Mark-Compact.
held_out("names, --max-semi-space-size=8: every one kept", "--max-semi-space-size=8", {14, 18}, {0, 2})

-- Held out (node20/names-1e6-min4.trace, `node --min-semi-space-size=4
-- names.js 1000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 8 Scavenges and one Mark-Compact.
held_out("names, --min-semi-space-size=4: every one kept", "--min-semi-space-size=4", {7, 9}, {0, 2})

-- Held out (node20/names-1e6-min2.trace, `node --min-semi-space-size=2
-- names.js 1000000`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 10 Scavenges and one Mark-Compact.
held_out("names, --min-semi-space-size=2: every one kept", "--min-semi-space-size=2", {9, 11}, {0, 2})

-- Held out (node20/names-1e6-min8.trace, `node --min-semi-space-size=8
-- names.js 1000000`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 7 Scavenges and one Mark-Compact.
held_out("names, --min-semi-space-size=8: every one kept", "--min-semi-space-size=8", {6, 8}, {0, 2})

-- Held out (node20/names-1e6-semi32.trace, `node --max-semi-space-size=32
-- names.js 1000000`): new space grows to 32 MiB at most, twice the
-- default.  Node's eight runs: 11 Scavenges and one Mark-Compact.
held_out("names, --max-semi-space-size=32: every one kept", "--max-semi-space-size=32", {9, 13}, {0, 2})

-- Held out (node20/names-1e6-min16.trace, `node --min-semi-space-size=16
-- names.js 1000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 5 Scavenges and one Mark-Compact.
held_out("names, --min-semi-space-size=16: every one kept", "--min-semi-space-size=16", {4, 6}, {0, 2})
