-- Fidelity: typed arrays in a ring (node20/typed.js, `node --trace-gc
-- typed.js 200000`, a held-out workload for external memory):
--
--   const R = 1000, ring = new Array(R).fill(null);
--   for (let i = 0; i < n; i++) {
--     const a = new Float64Array(1024);
--     a[0] = i;
--     if (i % 10 === 0) ring[(i / 10) % R] = a;
--   }
--
-- `new Float64Array(1024)` makes its ArrayBuffer first -- 8 KiB outside
-- the heap and an 88-byte JSArrayBuffer (heap:alloc_external) -- then the
-- 96-byte typed array over it (sizes from a Node 20 heap snapshot of ten
-- of them), the ArrayBuffer rooted meanwhile as V8's handle holds it.
-- `ring` is a FixedArray of 1000 elements (8 KB, young at first).  Every
-- 10th array lives 10,000 iterations; the rest die at once.  Nothing else
-- allocates: `a[0] = i` stores a double into the backing store.
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N, R, BYTES = 200000, 1000, 8192

-- typed.js's loop; returns `ring`, rooted.
local function typed(heap)
  local ring = heap:root(heap:alloc(R, 0, "FixedArray"))
  local alloc, alloc_external, init, root, unroot =
    heap.alloc, heap.alloc_external, heap.init_slots, heap.root, heap.unroot
  for i = 0, N - 1 do
    local ab = root(heap, alloc_external(heap, BYTES, 0, 88, "ArrayBuffer"))
    local a = alloc(heap, 1, 96, "Float64Array")
    init(heap, a, ab)
    unroot(heap, ab)
    if i % 10 == 0 then ring[(i // 10) % R + 1] = a end
  end
  return ring
end

scenario("typed arrays: 2e5 Float64Array(1024), every 10th in a ring of 1000",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = typed(heap)
    -- Node (five --trace-gc and three --trace-gc-nvp runs): 50 or 51
    -- Scavenges, every one "external memory pressure", the heap's sizes
    -- GC for GC as gclab's; 3 to 5 Mark-Compacts, each finalizing marking
    -- that external memory started, the first at GC 9 in three runs, at
    -- GC 3 in two (then at 11 or 13), 13 to 18 GCs apart.  V8 frees a
    -- Scavenge's dead backing stores on a background thread after it
    -- (--trace-gc-verbose prints 32 MB of "External memory reported" at
    -- the end of the first Scavenge), and marking starts sooner when a
    -- check comes before that; gclab frees them in the GC: its
    -- Mark-Compacts at GCs 13, 26, 39 and 52, as in one exploratory run
    -- of Node's not committed.
    local events = heap:events()
    local scavenges, fulls = 0, 0
    for i, ev in ipairs(events) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
        expect(ev.reason, "GC " .. i .. " reason").to_be("external memory pressure")
      else
        fulls = fulls + 1
        expect(ev.reason, "GC " .. i .. " reason").to_be("finalize incremental marking via stack guard")
        expect(ev.after.total.size / (1024 * 1024), "GC " .. i .. " leaves (MB; Node 2.7)").to_be_between(2.5, 2.9)
      end
    end
    expect(scavenges, "Scavenges").to_be_between(48, 51)
    expect(fulls, "Mark-Compacts").to_be_between(3, 5)
    record("gcs", #events)
    record("external_mb", heap:stats().external.bytes // (1024 * 1024))
    heap:unroot(ring)
  end)

-- Held out (node20/typed-2e5-semi1.trace, `node --max-semi-space-size=1
-- typed.js 200000`): the same loop through a 1 MiB semispace, which never
-- grows.  Node's eight runs: 50 to 52 Scavenges and 3 or 4 Mark-Compacts.
scenario("typed arrays, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = typed(heap)
    record("gcs", #heap:events())
    heap:unroot(ring)
  end)

-- Held out (node20/typed-2e5-noinc.trace, `node --no-incremental-marking
-- typed.js 200000`): without incremental marking, external memory's
-- limit brings atomic Mark-Compacts ("external memory pressure; GC in
-- old space requested").  Node's eight runs: 48 to 51 Scavenges and 3 or
-- 4 Mark-Compacts.
scenario("typed arrays, --no-incremental-marking: atomic Mark-Compacts",
  {config = {"../../configs/node20.yaml", flags = "--no-incremental-marking",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = typed(heap)
    expect_gcs(expect, record, heap:events(), {43, 57}, {2, 5}, {atomic = true})
    heap:unroot(ring)
  end)

-- Held out (node20/typed-2e5-gf4.trace, `node --semi-space-growth-factor=4
-- typed.js 200000`): new space grows fourfold at a growth.  Node's eight
-- runs: 49 to 51 Scavenges and 3 to 6 Mark-Compacts.
scenario("typed arrays, --semi-space-growth-factor=4",
  {config = {"../../configs/node20.yaml", flags = "--semi-space-growth-factor=4",
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = typed(heap)
    expect_gcs(expect, record, heap:events(), {44, 57}, {2, 7}, {growth = 4})
    heap:unroot(ring)
  end)
