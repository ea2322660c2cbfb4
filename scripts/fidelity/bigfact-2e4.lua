-- Fidelity: factorials as BigInts (node20/bigfact.js, `node --trace-gc
-- bigfact.js 20000`), a held-out workload written at issue 16's stop 43:
--
--   let f = 1n; const keep = [];
--   for (let i = 1; i <= n; i++) {
--     f *= BigInt(i);
--     if (i % 10 === 0) keep.push(f);
--   }
--
-- A BigInt is 16 bytes and 8 per 64-bit digit, and holds no pointer
-- (Node 20's heap snapshot: 24 bytes for 1 digit, 32 for 2, 40 for 3, 96
-- for 10, 816 for 100).  An iteration makes BigInt(i) (one digit, dead at
-- once) and the product, a new BigInt of i!'s digits (V8's
-- MutableBigInt::New takes one digit more and MakeImmutable trims it: the
-- replay allocates the trimmed size), up to 4,015 digits (32 KB) at
-- 20000!; every tenth product is kept, 32 MB at the end.  `f` is a
-- register (the rooted handle moves to each product); `keep` is a JSArray
-- grown by push (lib/jsarray.lualib).  i!'s digits come from the sum of
-- log2(k), k <= i.
--
-- Node's time an iteration, fitted over the GC intervals of the three
-- nvp runs (mutator time against iterations and digits): 596 to 646 ns
-- and 1.29 to 1.39 ns a digit (the multiply's loop); gclab's clock
-- charges the two allocations 100 ns, heap:compute the rest.
local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local N, EVERY = 20000, 10
local ITER_NS, DIGIT_NS = 620 - 100, 1.35

-- bigfact.js's loop; returns `keep` (its holder rooted) and `f`, rooted.
local function bigfact(heap)
  local keep = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local alloc, compute, push = heap.alloc, heap.compute, J.push
  local log2, bits, f = math.log, 0.0, nil
  for i = 1, N do
    alloc(heap, 0, 24, "BigInt") -- BigInt(i)
    bits = bits + log2(i, 2)
    local digits = (math.floor(bits) + 1 + 63) // 64
    local product = heap:root(alloc(heap, 0, 16 + 8 * digits, "BigInt"))
    if f then heap:unroot(f) end
    f = product
    if i % EVERY == 0 then push(keep, f) end
    compute(heap, ITER_NS + math.floor(DIGIT_NS * digits))
  end
  expect(keep.length, "keep.length").to_be(N // EVERY)
  expect(f.size, "20000!'s size").to_be(16 + 8 * 4015)
  return keep, f
end

scenario("bigfact: 20000 factorials as BigInts, every tenth kept",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, f = bigfact(heap)
    -- Node's eight runs (bigfact-2e4.N): 42 Scavenges and one
    -- Mark-Compact, "finalize incremental marking via stack guard", the
    -- 29th GC in every run.
    local events = heap:events()
    for k, ev in ipairs(events) do
      if k == 29 then
        expect(ev.kind, "GC 29").to_be("Mark-Compact")
        expect(ev.reason, "GC 29 reason").to_be("finalize incremental marking via stack guard")
      else
        expect(ev.kind, "GC " .. k).to_be("Scavenge")
      end
    end
    record("gcs", #events)
    -- `keep` and `f` are the script's: dead once it ends
    heap:unroot(f)
    heap:unroot(keep.holder)
  end)

-- Held out (node20/bigfact-2e4-oom-16m.trace, `node --max-old-space-size=16
-- bigfact.js 20000`): the kept products, 32 MB at the end (the larger
-- ones large objects), under a 16 MiB old generation.  Node's eight runs:
-- 23 Scavenges, 9 to 11 Mark-Compacts, "Reached heap limit".
scenario("bigfact, max old space 16 MiB: out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "16MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(bigfact, heap)
    expect(ok, "bigfact.js 20000 under --max-old-space-size=16 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/bigfact-2e4-semi1.trace, `node --max-semi-space-size=1
-- bigfact.js 20000`): the products through a 1 MiB semispace, which never
-- grows.  Node's eight runs: 354 or 355 Scavenges and one Mark-Compact.
scenario("bigfact, max semispace 1 MiB: the kept products promoted",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep, f = bigfact(heap)
    record("gcs", #heap:events())
    heap:unroot(f)
    heap:unroot(keep.holder)
  end)
