-- Fidelity: a Map filled and cleared, round after round (node20/
-- sawtooth.js, `node --trace-gc sawtooth.js 20`, a held-out workload):
--
--   const m = new Map();
--   for (let r = 0; r < 20; r++) {
--     for (let i = 0; i < 200000; i++) m.set(i, {r, i});
--     m.clear();
--   }
--
-- The Map's backing store is V8's OrderedHashMap (lib/ordered_hash.lualib:
-- rehashed into a table twice the size when full, young while the table
-- it replaces is young, old after; past 128 KiB a large object); its keys
-- are Smis, so each entry holds one pointer, the record (a literal of two
-- fields, 40 bytes, at its allocation site).  clear() makes a new table of
-- four entries where the cleared one was and leaves the cleared one its
-- entries: garbage that holds the round's records until a Mark-Compact.
-- `m` is a script-scope constant: a rooted JSMap.
--
-- A set's time: V8's Map.set hashes its key and probes the table, work
-- gclab's allocations and stores do not price; Node's runs fill the first
-- round's nine Scavenges in 85 ms, gclab in 49 without it.  The replay
-- charges 100 ns a set (heap:compute), which gives 85 ms, and with it the
-- concurrent markers the time Node's have.
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the inner loop's OSR compile starts in
-- the first round, at its 7,640th iteration.
local TIERING = {tiering_allocations = 7640}

local H = dofile(SCENARIO_DIR .. "/lib/ordered_hash.lualib")
local N, ROUNDS = 200000, 20
local SET_NS = 100

scenario("sawtooth: a Map of 200,000 records filled and cleared, twenty rounds",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local map = H.new(heap, heap:root(heap:alloc(1, 0, "JSMap")), 3, 2, "OrderedHashMap")
    local site = heap:site("{r, i}")
    local alloc, init = heap.alloc, heap.init_slots
    for r = 0, ROUNDS - 1 do
      for i = 0, N - 1 do
        map:add(init(heap, alloc(heap, 2, 0, "Object", site), r, i))
        heap:compute(SET_NS)
      end
      map:clear()
    end
    expect(map.live, "m.size").to_be(0)
    -- Node's eight runs take one of two paths after the same nine
    -- Scavenges (new space growing to 16 MiB, every record surviving).
    -- Tenured (three runs): the Scavenge at 16 MiB tenures the literal's
    -- site, and from then on only Mark-Compacts run, one every three
    -- rounds, 80.7 -> 15.8 MB: 10 Scavenges, 6 Mark-Compacts.  Not
    -- tenured (five runs): the first Mark-Compact (88-100 MB) comes before
    -- or after a Scavenge at 16 MiB, then pairs of Scavenges each followed
    -- by a Mark-Compact that leaves 3-16 MB: 12 to 21 Scavenges, 6 or 7
    -- Mark-Compacts.  gclab runs the second path: Node's fourth trace's
    -- nine Scavenges to 0.2 MB, its first Mark-Compact at 88.0 MB (GC
    -- 10; Node's fourth at 88.3, GC 12), then the pairs (Node's fourth:
    -- 47.8, 48.9 -> 47.2 -> 3.4 MB; gclab 53.2, 54.9 -> 62.5 -> 15.8),
    -- 19 Scavenges and 6 Mark-Compacts.
    local events = heap:events()
    local scavenges, fulls = 0, 0
    for i, ev in ipairs(events) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
      else
        fulls = fulls + 1
        expect(ev.after.total.size / (1024 * 1024), "GC " .. i .. " leaves (MB)").to_be_less_than(16)
      end
    end
    expect(scavenges, "Scavenges").to_be(19)
    expect(fulls, "Mark-Compacts").to_be(6)
    expect(events[10].kind, "the first Mark-Compact").to_be("Mark-Compact")
    record("gcs", #events)
    heap:unroot(map.holder)
  end)
