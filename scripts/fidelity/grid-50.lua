-- Fidelity: a grid of rows rebuilt round after round (node20/grid.js, trace
-- node20/grid-50.trace, `node --trace-gc grid.js`), a held-out workload
-- written after gclab's model was fitted:
--
--   const rows = 1000, cols = 1000, rounds = 50;
--   let grid = [];
--   for (let r = 0; r < rounds; r++) {
--     const next = [];
--     for (let i = 0; i < rows; i++) next.push(new Array(cols).fill(r));
--     grid = next;
--   }
--
-- `new Array(cols)` is a JSArray (heap:alloc(1): its elements) and a
-- 1000-element FixedArray of Smis (8,016 bytes in V8: raw bytes here, the
-- GC never sees a Smi; `.fill` stores nothing it would see), both at the
-- Array constructor's allocation site (V8's `AllocateJSArray` with the
-- site: one memento, behind the JSArray; both old once the site is
-- tenured -- the replay gives both objects the site, so its memento
-- counts are twice V8's and their ratio the same); `next` and `grid` are
-- JSArrays (lib/jsarray.lualib), `next` grown by push.  Node runs V8's
-- pending tasks when the script ends (event_loop.exit_idle_ms = 1).

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local ROWS, COLS, ROUNDS = 1000, 1000, 50
local ELEMENTS = 16 + 8 * COLS -- V8's FixedArray of COLS elements

scenario("a grid of 1000 rows of 1000 Smis rebuilt fifty times",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local alloc, init = heap.alloc, heap.init_slots
    local site = heap:site("new Array(cols)")
    local grid = heap:root(heap:alloc(1, 0, "JSArray"))
    for _ = 1, ROUNDS do
      local next = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
      for _ = 1, ROWS do
        local elements = heap:root(alloc(heap, 0, ELEMENTS, "FixedArray", site))
        local row = alloc(heap, 1, 0, "JSArray", site)
        heap:unroot(elements)
        init(heap, row, elements)
        J.push(next, row)
      end
      heap:unroot(grid)
      grid = next.holder
    end
    -- Node (five --trace-gc and three nvp runs): 13 to 15 Scavenges before
    -- the first Mark-Compact, the semispace doubled on the way to 16 MiB;
    -- then Mark-Compacts that keep about a twentieth of the old generation
    -- and, after each, a few Scavenges again: 17 to 28 Scavenges and 5 to
    -- 7 Mark-Compacts in all.  --trace-pretenuring-statistics: the
    -- constructor's site is tenured at the 9th Scavenge, but the arrays
    -- stay young (Array's builtin allocates them young with a memento,
    -- whatever the decision) until TurboFan's OSR code, which inlines the
    -- constructor against the decision, runs -- around the 15th GC -- and
    -- each Mark-Compact that keeps under 10% resets the site.  gclab's
    -- site allocates old once its code window has passed: its first 11
    -- GCs are Node's Scavenges, then old allocation runs to its limit, one
    -- Mark-Compact (docs/fidelity.md, *Held-out workloads*).
    local events = heap:events()
    for k = 1, 11 do expect(events[k].kind, "GC " .. k .. " kind").to_be("Scavenge") end
    expect(events[11].semi_space_capacity, "new space at its 16 MiB maximum").to_be(16 * 1024 * 1024)
    record("gcs", #events)
  end)
