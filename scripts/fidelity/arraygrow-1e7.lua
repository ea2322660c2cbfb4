-- Fidelity: one array grown by push to 10,000,000 Smis
-- (node20/arraygrow.js, trace node20/arraygrow-1e7.trace, `node --trace-gc
-- arraygrow.js`), a held-out workload written after gclab's model was
-- fitted:
--
--   const a = [];
--   for (let i = 0; i < 1e7; i++) a.push(i);
--
-- The program allocates nothing but the array's backing stores: `push`
-- copies a full FixedArray into one with V8's capacity
-- (lib/jsarray.lualib J.grown_capacity), 32 of them, from 17 slots to
-- 14,856,116, the stores past 16,000 slots large objects allocated young.
-- The replay keeps the stores only (J.push would store each element).  The Smis are no pointers, so the replay leaves their
-- stores out, as largechurn-4000 leaves out `.fill`, and charges their
-- time: 4 ns a push (heap:compute, a store's batch at each growth), as
-- Node's runs take 30 to 33 ms from their first Scavenge to their tenth
-- (gclab 38); without it gclab's concurrent markers had no time and its
-- Mark-Compact came at the end.
--
-- Node runs V8's pending tasks when the script ends, as the other replays
-- model it (event_loop.exit_idle_ms = 1).

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")

local N = 10000000
local PUSH_NS = 4

scenario("an array grown by push to ten million Smis: only its backing stores are allocated",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local array = heap:root(heap:alloc(1, 0, "JSArray"))
    local capacity, length, stores, priced = 0, 0, {}, 0
    for _ = 1, N do
      if length == capacity then
        heap:compute((length - priced) * PUSH_NS)
        priced = length
        capacity = J.grown_capacity(length)
        array[1] = heap:alloc(capacity, 0, "FixedArray") -- the old store is live meanwhile
        stores[#stores + 1] = gclab.default_size(capacity)
      end
      length = length + 1
    end
    heap:compute((length - priced) * PUSH_NS)
    expect(#stores, "backing stores").to_be(32)
    expect(capacity, "the last store's capacity").to_be(14856116)

    -- Node's nvp (three runs, the same bytes): from the fourth GC on,
    -- each promotes exactly one backing store, the next one each time
    -- (1,373,760 bytes, 2,060,768, ... 79,232,544: V8's 16-byte header,
    -- gclab's 24), the store the array held when its successor did not
    -- fit in the young large-object space -- the Mark-Compact too.
    local events = heap:events()
    local scavenges, fulls = count_gcs(events)
    local at = nil
    for i = 4, #events do
      local ev = events[i]
      if not at then
        for j, size in ipairs(stores) do if size == ev.promoted then at = j end end
        expect(at and stores[at], "GC 4's backing store (Node: 1,373,760 bytes)").to_be(1373768)
      else
        at = at + 1
        expect(ev.promoted, "GC " .. i .. " promotes the next backing store").to_be(stores[at])
      end
    end
    expect(stores[at], "the last Scavenge's store (Node: 79,232,544 bytes)").to_be(79232552)
    -- Node: 13 Scavenges in all eight runs; the Mark-Compact at the 11th
    -- GC (four runs, as gclab) or the 12th, a second one after the loop in
    -- four (the runner's exit task here).
    expect(scavenges, "Scavenges (Node: 13)").to_be(13)
    expect(fulls, "Mark-Compacts in the loop (Node: 1)").to_be(1)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    heap:unroot(array)
  end)
