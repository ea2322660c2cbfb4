-- Fidelity: strings made by concatenation, every fourth kept
-- (node20/keys.js, `node --trace-gc keys.js 2000000`, a held-out workload):
--
--   const keep = [];
--   for (let i = 0; i < n; i++) { const s = 'key' + i; if ((i & 3) === 0) keep.push(s); }
--
-- V8 11.3 makes two strings an iteration.  i's decimal digits come from
-- NumberToString, through the heap's number-string cache: a miss (every
-- i is new) allocates a SeqOneByteString of the digits (16 + up to 7
-- bytes: 24) and stores it in the cache's entry i & 16383 (the full-size
-- cache, 16,384 entries for a 16 MiB semispace; Node's boot heap already
-- holds it, the 262,160-byte array), where it stays alive until the entry
-- is reused 16,384 iterations later or a Mark-Compact flushes the cache
-- (Heap::FlushNumberStringCache in its prologue).  'key' + digits is
-- shorter than a ConsString's 13 characters, so StringAdd makes a flat
-- SeqOneByteString: 16 + 3 + digits bytes, rounded up to 8 (24 below
-- 100000, then 32).  Strings hold no pointers, so each is a gclab object
-- of no slots and V8's bytes exactly.  The cache is
-- lib/number_strings.lualib's, as in names-1e6.lua and dict-1e6.lua: 256
-- KiB more old space than V8's, whose cache is in the boot heap (before
-- issue 16's stop 54 it was an object of 16,384 weak slots, emptied by
-- every full GC, incremental ones too).  `keep` is a JSArray grown by
-- push (lib/jsarray.lualib).  No allocation site.

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local NS = dofile(SCENARIO_DIR .. "/lib/number_strings.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 2000000

-- V8's SeqOneByteString of `len` characters: a 16-byte header, the
-- characters, rounded up to 8 bytes.
local function string_bytes(len) return (16 + len + 7) // 8 * 8 end

-- The program for `n` i: returns `keep`, rooted, and the number-string
-- cache (NS.stop ends it).
local function keys(heap, n)
  local keep = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local cache = NS.new(heap)
  local alloc, push, number_string = heap.alloc, J.push, NS.get
  for i = 0, n - 1 do
    local digits = #tostring(i)
    number_string(cache, i, string_bytes(digits))
    local s = alloc(heap, 0, string_bytes(3 + digits), "SeqOneByteString")
    if i & 3 == 0 then push(keep, s) end
  end
  return keep, cache
end

scenario("keys: 'key' + i for 2e6 i, every fourth kept",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, cache = keys(heap, N)
    expect(keep.length, "keep.length").to_be(N // 4)
    -- Node's eight runs (keys-2e6.N) alike: 13 Scavenges, a Mark-Compact
    -- ("finalize incremental marking via stack guard"), 4 Scavenges
    local events = heap:events()
    expect(#events, "GCs").to_be(18)
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be(i == 14 and "Mark-Compact" or "Scavenge")
    end
    record("gcs", #events)
    -- `keep` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(keep.holder)
    NS.stop(cache)
  end)

-- `node --max-old-space-size=16 keys.js 4000000` (keys-4e6-oom-16m.trace,
-- a held-out workload too): the kept strings outgrow a 16 MiB old
-- generation.
scenario("keys, 4e6 i, max old space 16 MiB: out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "16MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(keys, heap, 2 * N)
    expect(ok, "keys.js 4000000 under --max-old-space-size=16 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    -- Node's eight runs alike: 10 Scavenges, then 5 Mark-Compacts
    -- ("scavenge might not succeed"), out of memory at 87.4 MB allocated
    local events = heap:events()
    expect(#events, "GCs").to_be(15)
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be(i <= 10 and "Scavenge" or "Mark-Compact")
    end
    record("gcs", #events)
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/keys-2e6-semi1.trace, `node --max-semi-space-size=1
-- keys.js 2000000`): the same strings through a 1 MiB semispace, which
-- never grows: every fourth promoted.  Node's eight runs: 174 to 176
-- Scavenges and two Mark-Compacts.
scenario("keys, max semispace 1 MiB: every fourth promoted",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, cache = keys(heap, N)
    expect(keep.length, "keep.length").to_be(N // 4)
    record("gcs", #heap:events())
    heap:unroot(keep.holder)
    NS.stop(cache)
  end)

-- Held out (node20/keys-2e6-noinc.trace, `node --no-incremental-marking
-- keys.js 2000000`): without incremental marking.  Node's eight runs: 18
-- Scavenges, no Mark-Compact (the default runs' one at GC 14 finalizes
-- incremental marking).
scenario("keys, --no-incremental-marking: every fourth kept",
  {config = {"../../configs/node20.yaml", flags = "--no-incremental-marking",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, cache = keys(heap, N)
    expect(keep.length, "keep.length").to_be(N // 4)
    expect_gcs(expect, record, heap:events(), {16, 20}, {0, 1}, {atomic = true})
    heap:unroot(keep.holder)
    NS.stop(cache)
  end)

-- Held out (node20/keys-2e6-gf4.trace, `node --semi-space-growth-factor=4
-- keys.js 2000000`): new space grows fourfold at a growth.  Node's eight
-- runs: 13 Scavenges and one Mark-Compact.
scenario("keys, --semi-space-growth-factor=4: every fourth kept",
  {config = {"../../configs/node20.yaml", flags = "--semi-space-growth-factor=4",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, cache = keys(heap, N)
    expect(keep.length, "keep.length").to_be(N // 4)
    expect_gcs(expect, record, heap:events(), {11, 15}, {0, 2}, {growth = 4})
    heap:unroot(keep.holder)
    NS.stop(cache)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local keep, cache = keys(heap, N)
      expect(keep.length, "keep.length").to_be(N // 4)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(keep.holder)
      NS.stop(cache)
    end)
end

-- Held out (node20/keys-2e6-heap48.trace, `node --max-heap-size=48
-- keys.js 2000000`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation.  Node's eight runs: 173 or 174 Scavenges and 4 or 5 Mark-Compacts.
held_out("keys, --max-heap-size=48: every fourth kept", "--max-heap-size=48", {155, 192}, {3, 6})

-- Held out (node20/keys-2e6-init16.trace, `node
-- --initial-old-space-size=16 keys.js 2000000`): the old generation's
-- first limit set by the flag, so V8 does not shrink it from the survival
-- rate.  Node's eight runs: 17 Scavenges and one Mark-Compact.
held_out("keys, --initial-old-space-size=16: every fourth kept", "--initial-old-space-size=16", {15, 19}, {0, 2})

-- Held out (node20/keys-2e6-semi4.trace, `node --max-semi-space-size=4
-- keys.js 2000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 38 Scavenges and one Mark-Compact.
held_out("keys, --max-semi-space-size=4: every fourth kept", "--max-semi-space-size=4", {34, 42}, {0, 2})

-- Held out (node20/keys-2e6-semi2.trace, `node --max-semi-space-size=2
-- keys.js 2000000`): new space grows to 2 MiB at most.  Node's eight runs:
-- 81 Scavenges and one Mark-Compact.
held_out("keys, --max-semi-space-size=2: every fourth kept", "--max-semi-space-size=2", {72, 90}, {0, 2})

-- Held out (node20/keys-2e6-min4.trace, `node --min-semi-space-size=4
-- keys.js 2000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 12 Scavenges and one Mark-Compact.
held_out("keys, --min-semi-space-size=4: every fourth kept", "--min-semi-space-size=4", {10, 14}, {0, 2})

-- Held out (node20/keys-2e6-min2.trace, `node --min-semi-space-size=2
-- keys.js 2000000`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 15 or 16 Scavenges and one Mark-Compact.
held_out("keys, --min-semi-space-size=2: every fourth kept", "--min-semi-space-size=2", {13, 18}, {0, 2})

-- Held out (node20/keys-2e6-min8.trace, `node --min-semi-space-size=8
-- keys.js 2000000`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 10 Scavenges and one Mark-Compact.
held_out("keys, --min-semi-space-size=8: every fourth kept", "--min-semi-space-size=8", {9, 11}, {0, 2})

-- Held out (node20/keys-2e6-semi32.trace, `node --max-semi-space-size=32
-- keys.js 2000000`): new space grows to 32 MiB at most, twice the default.
-- Node's eight runs: 17 Scavenges and one Mark-Compact.
held_out("keys, --max-semi-space-size=32: every fourth kept", "--max-semi-space-size=32", {15, 19}, {0, 2})

-- Held out (node20/keys-2e6-min16.trace, `node --min-semi-space-size=16
-- keys.js 2000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 7 Scavenges and one Mark-Compact.
held_out("keys, --min-semi-space-size=16: every fourth kept", "--min-semi-space-size=16", {6, 8}, {0, 2})
