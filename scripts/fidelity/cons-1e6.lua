-- Fidelity: a string grown by concatenation (node20/cons.js, `node
-- --trace-gc cons.js 1000000`, a held-out workload):
--
--   let s = '';
--   for (let i = 0; i < n; i++) s += 'ab';
--
-- V8's StringAdd: '' + 'ab' is 'ab' itself; up to 12 characters the sum
-- is a flat SeqOneByteString (16-byte header, the characters, rounded up
-- to 8); from 14 on a ConsString of 32 bytes (map, hash, length, first,
-- second), its first part the string so far, its second the literal 'ab'
-- (internalized, not in new space).  Here a ConsString is one slot (the
-- first part) in V8's 32 bytes: the second part is a pointer the GC never
-- follows into new space.  The chain stays alive through `s`, slot 1 of
-- a rooted holder; no allocation site (strings have none), so promotion
-- is by age alone.

local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- cons.js's loop over n (default N); returns `s`'s holder, rooted (the
-- module's `s`).
local function cons(heap, n)
  n = n or N
  local s = heap:root(heap:alloc(1, 0, "(s)"))
  local alloc, init = heap.alloc, heap.init_slots
  local length = 2 -- s = 'ab', the literal
  for _ = 2, n do
    length = length + 2
    local sum
    if length <= 12 then
      sum = alloc(heap, 0, (16 + length + 7) // 8 * 8, "SeqOneByteString")
    else
      sum = alloc(heap, 1, 32, "ConsString")
      init(heap, sum, s[1])
    end
    s[1] = sum
  end
  expect(length, "s.length").to_be(2 * n)
  return s
end

scenario("cons: s += 'ab' a million times, a chain of ConsStrings",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local s = cons(heap)
    -- Node's eight runs (cons-1e6.N) alike: 11 Scavenges, 2806 KB
    -- promoted per GC
    local events = heap:events()
    expect(#events, "Scavenges").to_be(11)
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
    end
    record("gcs", #events)
    -- `s` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(s)
  end)

-- Held out (node20/cons-2e6-oom-16m.trace, `node --max-old-space-size=16
-- cons.js 2000000`): the chain to two million ConsStrings, 64 MB, under a
-- 16 MiB old generation.  Node's eight runs: 7 Scavenges, 2 or 3
-- Mark-Compacts, "Reached heap limit".
scenario("cons 2e6, max old space 16 MiB: out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "16MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(cons, heap, 2 * N)
    expect(ok, "cons.js 2000000 under --max-old-space-size=16 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/cons-1e6-semi1.trace, `node --max-semi-space-size=1
-- cons.js 1000000`): the same chain through a 1 MiB semispace, which
-- never grows.  Node's eight runs: 62 Scavenges, no Mark-Compact.
scenario("cons, max semispace 1 MiB: the chain promoted",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local s = cons(heap)
    record("gcs", #heap:events())
    heap:unroot(s)
  end)

-- Held out (node20/cons-1e6-noinc.trace, `node --no-incremental-marking
-- cons.js 1000000`): without incremental marking.  Node's eight runs: 11
-- Scavenges, no Mark-Compact, as without the flag.
scenario("cons, --no-incremental-marking: Scavenges only",
  {config = {"../../configs/node20.yaml", flags = "--no-incremental-marking",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local s = cons(heap)
    expect_gcs(expect, record, heap:events(), {9, 13}, {0, 1}, {atomic = true})
    heap:unroot(s)
  end)

-- Held out (node20/cons-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- cons.js 1000000`): new space grows fourfold at a growth.  Node's eight
-- runs: 7 Scavenges, no Mark-Compact.
scenario("cons, --semi-space-growth-factor=4: Scavenges only",
  {config = {"../../configs/node20.yaml", flags = "--semi-space-growth-factor=4",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local s = cons(heap)
    expect_gcs(expect, record, heap:events(), {6, 8}, {0, 1}, {growth = 4})
    heap:unroot(s)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local s = cons(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(s)
    end)
end

-- Held out (node20/cons-1e6-heap48.trace, `node --max-heap-size=48
-- cons.js 1000000`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation.  Node's eight runs: 60 to 62 Scavenges and 2 or 3 Mark-Compacts.
held_out("cons, --max-heap-size=48: the chain through a 1 MiB semispace", "--max-heap-size=48", {54, 69}, {1, 4})

-- Held out (node20/cons-1e6-init16.trace, `node
-- --initial-old-space-size=16 cons.js 1000000`): the old generation's
-- first limit set by the flag, so V8 does not shrink it from the survival
-- rate.  Node's eight runs: 10 or 11 Scavenges and one Mark-Compact.
held_out("cons, --initial-old-space-size=16: one Mark-Compact", "--initial-old-space-size=16", {9, 13}, {0, 2})

-- Held out (node20/cons-1e6-semi4.trace, `node --max-semi-space-size=4
-- cons.js 1000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 19 Scavenges, no Mark-Compact.
held_out("cons, --max-semi-space-size=4: Scavenges only", "--max-semi-space-size=4", {17, 21}, {0, 1})

-- Held out (node20/cons-1e6-semi2.trace, `node --max-semi-space-size=2
-- cons.js 1000000`): new space grows to 2 MiB at most.  Node's eight runs:
-- 34 Scavenges, no Mark-Compact.
held_out("cons, --max-semi-space-size=2: Scavenges only", "--max-semi-space-size=2", {30, 38}, {0, 1})

-- Held out (node20/cons-1e6-semi8.trace, `node --max-semi-space-size=8
-- cons.js 1000000`): new space grows to 8 MiB at most.  Node's eight runs:
-- 13 Scavenges, no Mark-Compact.
held_out("cons, --max-semi-space-size=8: Scavenges only", "--max-semi-space-size=8", {11, 15}, {0, 1})

-- Held out (node20/cons-1e6-min4.trace, `node --min-semi-space-size=4
-- cons.js 1000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 7 Scavenges, no Mark-Compact.
held_out("cons, --min-semi-space-size=4: Scavenges only", "--min-semi-space-size=4", {6, 8}, {0, 1})

-- Held out (node20/cons-1e6-min2.trace, `node --min-semi-space-size=2
-- cons.js 1000000`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 9 Scavenges, no Mark-Compact.
held_out("cons, --min-semi-space-size=2: Scavenges only", "--min-semi-space-size=2", {8, 10}, {0, 1})

-- Held out (node20/cons-1e6-min8.trace, `node --min-semi-space-size=8
-- cons.js 1000000`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 5 Scavenges, no Mark-Compact.
held_out("cons, --min-semi-space-size=8: Scavenges only", "--min-semi-space-size=8", {4, 6}, {0, 1})

-- Held out (node20/cons-1e6-semi32.trace, `node --max-semi-space-size=32
-- cons.js 1000000`): new space grows to 32 MiB at most, twice the default.
-- Node's eight runs: 11 Scavenges, no Mark-Compact.
held_out("cons, --max-semi-space-size=32: Scavenges only", "--max-semi-space-size=32", {9, 13}, {0, 1})

-- Held out (node20/cons-1e6-min16.trace, `node --min-semi-space-size=16
-- cons.js 1000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 3 Scavenges, no Mark-Compact.
held_out("cons, --min-semi-space-size=16: Scavenges only", "--min-semi-space-size=16", {2, 4}, {0, 1})
