-- Fidelity: JSON.parse of one small document, every 8th result kept in a
-- ring (node20/json.js, `node --trace-gc json.js 1000000`, a held-out
-- workload):
--
--   const doc = '{"id":1,"name":"widget","tags":["red","green","blue"],"price":12.5,"dims":{"w":10,"h":20}}';
--   const ring = new Array(2000);
--   for (let i = 0; i < n; i++) {
--     const o = JSON.parse(doc);
--     if ((i & 7) === 0) ring[(i >> 3) % 2000] = o;
--   }
--
-- V8 11.3's JsonParser makes no allocation site (no memento, so no
-- pretenuring) and internalizes short string values: "widget", "red",
-- "green" and "blue" are one string each, made once (old here, as the
-- source's own strings are in Node).  Each parse allocates, in the
-- parser's order (values before the object or array holding them): the
-- tags' FixedArray (40 bytes) and JSArray (32), the price's HeapNumber
-- (16), dims (a JSObject of two in-object Smi fields, 40) and the result
-- (five in-object fields, 64) -- 192 bytes (sizes from a Node 20 heap
-- snapshot of two parses; Node's --trace-gc-nvp: 189 MB allocated between
-- its first and last GC of the million parses).  gclab's 24-byte header
-- makes a 16-byte object 24 and a FixedArray of 3 pointers 48, so the
-- HeapNumber is folded into the result (alloc(5, 16): 80 bytes, dead and
-- alive with it, as bst-1e6 does with its boxes) and the FixedArray holds
-- two of its three pointers (40 bytes; the third points at an old,
-- internalized string, which no GC of the young generation visits and
-- the string table keeps alive anyway).  `ring` is a holey FixedArray of
-- 2000 (young at first), each kept result alive for 16,000 parses.
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N, R = 1000000, 2000
-- What a parse costs beyond gclab's own charge for its allocations and
-- stores.  node20/jsontime.js times iterations 100,000 to 1,000,000 of
-- the loop (`node --trace-gc jsontime.js`, the GC pauses taken off): 688
-- to 857 ns an iteration in eight runs on 2026-12-07, median 699.
-- gclab's clock charges the same iterations 231 ns (cost.alloc_ns and
-- cost.store_ns); the rest, 468 ns (the parser's scanning, the string
-- table's lookups), is heap:compute, so that the program runs at Node's
-- pace against the concurrent markers (docs/fidelity-notes.md, *The
-- program's pace against the markers*).
local PARSE_NS = 468

-- json.js's loop; returns `ring`, rooted.
local function parse_all(heap)
  local alloc, init = heap.alloc, heap.init_slots
  local widget = heap:root(heap:alloc_old(0, 24, "widget"))
  local red = heap:root(heap:alloc_old(0, 24, "red"))
  local green = heap:root(heap:alloc_old(0, 24, "green"))
  local ring = heap:root(heap:alloc(R, 0, "FixedArray"))
  local parse = function()
    local elements = init(heap, alloc(heap, 2, 0, "FixedArray"), red, green)
    local tags = init(heap, alloc(heap, 1, 0, "JSArray"), elements)
    local dims = alloc(heap, 0, 40, "Object")
    local o = alloc(heap, 3, 64 + 16, "Object")
    return init(heap, o, widget, tags, dims)
  end
  for i = 0, N - 1 do
    local o = heap:scope(parse)
    heap:compute(PARSE_NS)
    if i & 7 == 0 then ring[(i >> 3) % R + 1] = o end
  end
  return ring
end

scenario("json: JSON.parse of a small document 1e6 times, every 8th kept in a ring of 2000",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = parse_all(heap)
    -- Node's eight runs (json-1e6.N) alike: 40 Scavenges, "allocation
    -- failure", the semispace doubling at the 6th, 12th and 23rd (the
    -- heap's committed size after them 7.7-8.0, 12.7-13.2 and 20.7-21.2
    -- MB), no Mark-Compact
    local events = heap:events()
    expect(#events, "GCs").to_be(40)
    local grew = {}
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      if i > 1 and ev.semi_space_capacity > events[i - 1].semi_space_capacity then grew[#grew + 1] = i end
    end
    expect(table.concat(grew, " "), "the semispace doubles at GCs").to_be("6 12 23")
    record("gcs", #events)
    -- `ring` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(ring)
  end)

-- Held out (node20/json-1e6-semi1.trace, `node --max-semi-space-size=1
-- json.js 1000000`): the same parses through a 1 MiB semispace, where a
-- kept result (alive for 16,000 parses, about 3 MB allocated) outlives
-- two Scavenges and is promoted.  Node's eight runs: 212 to 214
-- Scavenges and two Mark-Compacts.
scenario("json, max semispace 1 MiB: the ring's results promoted",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = parse_all(heap)
    local events = heap:events()
    local scavenges, mcs = count_gcs(events)
    expect(scavenges, "Scavenges").to_be_between(190, 235)
    expect(mcs, "Mark-Compacts").to_be_between(1, 3)
    record("gcs", #events)
    heap:unroot(ring)
  end)

-- Held out (node20/json-1e6-noinc.trace, `node --no-incremental-marking
-- json.js 1000000`): without incremental marking.  Node's eight runs: 40
-- Scavenges, no Mark-Compact, as without the flag.
scenario("json, --no-incremental-marking: Scavenges only",
  {config = {"../../configs/node20.yaml", flags = "--no-incremental-marking",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = parse_all(heap)
    expect_gcs(expect, record, heap:events(), {36, 44}, {0, 1}, {atomic = true})
    heap:unroot(ring)
  end)

-- Held out (node20/json-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- json.js 1000000`): new space grows fourfold at a growth.  Node's eight
-- runs: 27 Scavenges, no Mark-Compact.
scenario("json, --semi-space-growth-factor=4: Scavenges only",
  {config = {"../../configs/node20.yaml", flags = "--semi-space-growth-factor=4",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = parse_all(heap)
    expect_gcs(expect, record, heap:events(), {24, 30}, {0, 1}, {growth = 4})
    heap:unroot(ring)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local ring = parse_all(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(ring)
    end)
end

-- Held out (node20/json-1e6-heap48.trace, `node --max-heap-size=48
-- json.js 1000000`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation.  Node's eight runs: 213 or 214 Scavenges and 2
-- Mark-Compacts.
held_out("json, --max-heap-size=48: the ring's results through a 1 MiB semispace", "--max-heap-size=48", {191, 236}, {1, 3})

-- Held out (node20/json-1e6-init16.trace, `node
-- --initial-old-space-size=16 json.js 1000000`): the old generation's
-- first limit set by the flag, so V8 does not shrink it from the survival
-- rate.  Node's eight runs: 40 Scavenges, no Mark-Compact.
held_out("json, --initial-old-space-size=16: Scavenges only", "--initial-old-space-size=16", {36, 44}, {0, 1})

-- Held out (node20/json-1e6-semi4.trace, `node --max-semi-space-size=4
-- json.js 1000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 59 Scavenges, no Mark-Compact.
held_out("json, --max-semi-space-size=4: Scavenges only", "--max-semi-space-size=4", {53, 65}, {0, 1})

-- Held out (node20/json-1e6-semi2.trace, `node --max-semi-space-size=2
-- json.js 1000000`): new space grows to 2 MiB at most.  Node's eight runs:
-- 109 Scavenges and one Mark-Compact.
held_out("json, --max-semi-space-size=2: one Mark-Compact", "--max-semi-space-size=2", {98, 120}, {0, 2})

-- Held out (node20/json-1e6-semi8.trace, `node --max-semi-space-size=8
-- json.js 1000000`): new space grows to 8 MiB at most.  Node's eight runs:
-- 40 Scavenges, no Mark-Compact.
held_out("json, --max-semi-space-size=8: Scavenges only", "--max-semi-space-size=8", {36, 44}, {0, 1})

-- Held out (node20/json-1e6-min4.trace, `node --min-semi-space-size=4
-- json.js 1000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 31 Scavenges, no Mark-Compact.
held_out("json, --min-semi-space-size=4: Scavenges only", "--min-semi-space-size=4", {27, 35}, {0, 1})

-- Held out (node20/json-1e6-min2.trace, `node --min-semi-space-size=2
-- json.js 1000000`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 35 Scavenges, no Mark-Compact.
held_out("json, --min-semi-space-size=2: Scavenges only", "--min-semi-space-size=2", {31, 39}, {0, 1})

-- Held out (node20/json-1e6-min8.trace, `node --min-semi-space-size=8
-- json.js 1000000`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 23 Scavenges, no Mark-Compact.
held_out("json, --min-semi-space-size=8: Scavenges only", "--min-semi-space-size=8", {20, 26}, {0, 1})

-- Held out (node20/json-1e6-semi32.trace, `node --max-semi-space-size=32
-- json.js 1000000`): new space grows to 32 MiB at most, twice the default.
-- Node's eight runs: 40 Scavenges, no Mark-Compact.
held_out("json, --max-semi-space-size=32: Scavenges only", "--max-semi-space-size=32", {36, 44}, {0, 1})

-- Held out (node20/json-1e6-min16.trace, `node --min-semi-space-size=16
-- json.js 1000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 12 Scavenges, no Mark-Compact.
held_out("json, --min-semi-space-size=16: Scavenges only", "--min-semi-space-size=16", {10, 14}, {0, 1})
