-- Fidelity: a large array sorted again and again (node20/sort.js, `node
-- --trace-gc sort.js 300`, a held-out workload):
--
--   const a = [];
--   for (let i = 0; i < 100000; i++) a.push({k: (i * 7919) % 100000});
--   for (let r = 0; r < 300; r++) { a.sort((x, y) => x.k - y.k); a.reverse(); }
--
-- The records (32 bytes, a literal at its allocation site; a heap
-- snapshot) are made once and stay.  Each sort makes what V8's TimSort
-- (third_party/v8/builtins/array-sort.tq) needs: the work array its
-- elements are copied into -- a FixedArray of 100,000 pointers, 800,016
-- bytes, a young large object, dead once the sort has copied it back --
-- and 888 bytes in new space (the comparator's closure, the sort's state
-- and its small arrays; Node's nvp: 800,904 bytes between two Scavenges
-- a round apart).  After reverse() the array is one descending run,
-- which TimSort reverses in place: no merge, no temporary array; only the
-- first sort, of the shuffled records, merges (327,312 bytes more in
-- Node's nvp, allocated here as one dead object).  The work array holds
-- pointers to old records only and is dead at every GC, so here it is
-- an object of its bytes with no slots.  A round takes Node 2.1 ms
-- without its GCs (node20/sorttime.js: 2099 to 2184 us in five runs),
-- charged with heap:compute.
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the setup loop's OSR compile starts at
-- its 7,793rd push.
local TIERING = {tiering_allocations = 7793}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local N, ROUNDS = 100000, 300
local WORK_BYTES, ROUND_BYTES, FIRST_MERGE_BYTES = 800016, 888, 327312
local ROUND_NS = 2100000

-- sort.js; returns `a` (its holder rooted).
local function sort(heap)
  local a = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{k: (i * 7919) % N}")
  local alloc, init, push = heap.alloc, heap.init_slots, J.push
  for i = 0, N - 1 do push(a, init(heap, alloc(heap, 1, 0, "Object", site), (i * 7919) % N)) end
  for r = 1, ROUNDS do
    alloc(heap, 0, ROUND_BYTES, "(comparator, sort state)")
    alloc(heap, 0, WORK_BYTES, "FixedArray (work array)")
    if r == 1 then alloc(heap, 0, FIRST_MERGE_BYTES, "(merge arrays)") end
    heap:compute(ROUND_NS)
  end
  expect(a.length, "a.length").to_be(N)
  return a
end

scenario("sort: 300 sorts of an array of 100,000 records, each copying it into a young large work array",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local a = sort(heap)
    -- Node's eight runs (sort-300.N): 249 to 252 Scavenges, no
    -- Mark-Compact.  New space grows to 4 MiB while the records are made
    -- and promoted; then a Scavenge every five rounds (four dead work
    -- arrays fit beside 4 MiB of new space, V8's young large objects
    -- sharing its capacity), until the GC that finds the allocation rate
    -- low -- 888 bytes a round in 2.1 ms, the work arrays not counted --
    -- over the tracer's last intervals shrinks new space back to 1 MiB,
    -- the 18th or 19th (the committed size after it falls by 6.7 MB);
    -- from then on a Scavenge every round.  gclab: the 19th.
    local events = heap:events()
    local shrunk
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      if not shrunk and i > 1 and ev.semi_space_capacity < events[i - 1].semi_space_capacity then shrunk = i end
    end
    expect(events[shrunk - 1].semi_space_capacity, "new space before it shrinks").to_be(4 * 1024 * 1024)
    expect(shrunk, "the GC that shrinks new space").to_be(19)
    expect(events[shrunk].semi_space_capacity, "... to").to_be(1024 * 1024)
    expect(#events, "Scavenges").to_be(249)
    record("gcs", #events)
    -- `a` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(a.holder)
  end)

-- Held out (node20/sort-300-semi1.trace, `node --max-semi-space-size=1
-- sort.js 300`): the same rounds through a 1 MiB semispace, which never
-- grows.  Node's eight runs: 305 Scavenges, no Mark-Compact.
scenario("sort, max semispace 1 MiB: a Scavenge every round",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local a = sort(heap)
    record("gcs", #heap:events())
    heap:unroot(a.holder)
  end)
