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
-- Outside two measures (Scavenges 10 / 18, promoted 2718 / 5293 KB per
-- GC): V8 tenures the map callback's site at its 9th Scavenge from
-- mementos made while each round's new closure runs unoptimized
-- (--trace-opt marks the callback's new JSFunctions for optimization one
-- by one); gclab's sites make mementos only in a fixed time after they are
-- made and after a deoptimizing GC, and its feedback after the 8th GC
-- comes from objects dead by the 9th: "don't tenure".

local N, ROUNDS = 100000, 30

scenario("an array of 100000 objects replaced by arr.map() thirty times",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
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
    local arr = new_array(heap:site("(_, i) => ({ i, next: null })"))
    -- the map callback's literal: its code first runs now
    local site = heap:site("o => ({ i: o.i + 1, next: null })")
    for _ = 1, ROUNDS do
      local next = new_array(site)
      unroot(heap, arr)
      arr = next
    end
    -- Node (five --trace-gc and three nvp runs, all alike): nine
    -- Scavenges, the semispace doubling at GCs 2, 4, 6 and 8, then the map
    -- callback's site tenured at the 9th (--trace-pretenuring: 32,580
    -- mementos created, 32,579 found) and 85 MB of objects allocated old
    -- before the 10th and last GC.  gclab matches the first nine; its site
    -- is never tenured (docs/fidelity.md, *Held-out workloads*).
    local events, doubled, cap = heap:events(), {}, nil
    for k = 1, 9 do expect(events[k].kind, "GC " .. k .. " kind").to_be("Scavenge") end
    for k, ev in ipairs(events) do
      if cap and ev.semi_space_capacity == 2 * cap then doubled[#doubled + 1] = k end
      cap = ev.semi_space_capacity
    end
    expect(doubled, "GCs that double the semispace").to_equal({2, 4, 6, 8})
    record("gcs", #events)
    unroot(heap, arr)
  end)
