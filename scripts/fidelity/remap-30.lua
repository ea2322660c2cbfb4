-- Fidelity: an array replaced by arr.map() every round (node20/remap.js,
-- trace node20/remap-30.trace, `node --trace-gc remap.js`), the eleventh
-- workload written after gclab's model was fitted -- a held-out check:
--
--   let arr = Array.from({ length: 100000 }, (_, i) => ({ i, next: null }));
--   for (let r = 0; r < 30; r++) arr = arr.map(o => ({ i: o.i + 1, next: null }));
--
-- Array.from of an array-like and Array.prototype.map both make their
-- result with `new Array(100000)` (ArrayCreate / ArraySpeciesCreate): a
-- JSArray (heap:alloc(1)) and its 100000-slot FixedArray (800 KB: a large
-- object, allocated young), made before the callback runs; each callback
-- result, {i, next} (heap:alloc(2), 40 bytes, at the literal's allocation
-- site, one site per arrow function, made when its code first runs), is
-- stored into it.  The array being mapped stays rooted (the receiver)
-- until `arr` is assigned the new one.
--
-- V8 tenures the map callback's site at its 9th Scavenge from the
-- mementos made while the callback's code, deoptimized by the 8th (new
-- space at its maximum, the site "maybe tenure"), is compiled again: the
-- rest of that round.  They are all found alive at the 9th although the
-- round's objects are garbage by then: the round's array was alive at the
-- 8th, which promoted it (a young large object), and the slots it was
-- then given are old-to-new slots the 9th Scavenge takes as roots.  The
-- window has to end within the round: each site's code compiles in its own
-- time (below); with the profile's (4 ms, grow.js's loop) it ran into the
-- next round, whose objects are dead at the 9th -- "don't tenure", 20
-- Scavenges, until issue 16's stop 42.

local doubled_at = dofile(SCENARIO_DIR .. "/lib/doubled_at.lualib")
local N, ROUNDS = 100000, 30

-- remap.js; returns the last `arr`, rooted.
local function remap(heap)
  local alloc, root, unroot = heap.alloc, heap.root, heap.unroot
  local function new_array(site)
    local elements = root(heap, alloc(heap, N, 0, "FixedArray"))
    local arr = alloc(heap, 1, 0, "JSArray")
    heap:init_slots(arr, elements)
    unroot(heap, elements)
    root(heap, arr)
    for i = 1, N do elements[i] = alloc(heap, 2, 0, "Obj", site) end
    return arr
  end
  -- Each site's code compiles in its own time (heap:site's optimize_us),
  -- from `node --trace-opt remap.js`, five runs, the "took" of each
  -- callback's compiles (the middle, concurrent, phase): the Array.from
  -- callback 0.79-2.66 ms (median 0.94), the map callback 0.58-0.71 ms
  -- at each of its four compiles (median 0.65).  Node's unoptimized code
  -- makes an object every 27-55 ns (node20/remaptime.js: --no-opt, the
  -- rounds without a GC; 46 on average, nine runs) where gclab's clock
  -- charges 55 (cost.alloc_ns + cost.store_ns): a compile of T us of
  -- Node's time covers T x 55 / 46 us of gclab's.
  local arr = new_array(heap:site("(_, i) => ({ i, next: null })", {optimize_us = 1120}))
  -- the map callback's literal: its code first runs now
  local site = heap:site("o => ({ i: o.i + 1, next: null })", {optimize_us = 780})
  for _ = 1, ROUNDS do
    local next = new_array(site)
    unroot(heap, arr)
    arr = next
  end
  return arr
end

scenario("an array of 100000 objects replaced by arr.map() thirty times",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local arr = remap(heap)
    -- Node (five --trace-gc and three nvp runs, all alike): nine
    -- Scavenges, the semispace doubling at GCs 2, 4, 6 and 8, then the map
    -- callback's site tenured at the 9th (--trace-pretenuring: 14,698 to
    -- 40,851 mementos created, all found) and 85 MB of objects allocated
    -- old before the 10th and last GC; no Mark-Compact.
    local events = heap:events()
    expect(#events, "GCs").to_be(10)
    for k = 1, 10 do expect(events[k].kind, "GC " .. k .. " kind").to_be("Scavenge") end
    for k, ev in ipairs(events) do
      expect(ev.sites_tenured or 0, "sites tenured at GC " .. k).to_be(k == 9 and 1 or 0)
    end
    expect(doubled_at(events), "GCs that double the semispace").to_equal({2, 4, 6, 8})
    expect(events[10].size_of_objects_before / 2^20, "MB before the 10th GC (Node 123.1-123.3)").to_be_between(117, 129)
    record("gcs", #events)
    heap:unroot(arr)
  end)

-- Held out (node20/remap-30-semi1.trace, `node --max-semi-space-size=1
-- remap.js`): the same rounds through a 1 MiB semispace, which never
-- grows (each round's 800 KB elements a young large object).  Node's
-- eight runs: 31 to 38 Scavenges and one to three Mark-Compacts.
scenario("arr.map() thirty times, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local arr = remap(heap)
    record("gcs", #heap:events())
    heap:unroot(arr)
  end)
