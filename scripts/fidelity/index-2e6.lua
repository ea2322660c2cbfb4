-- Fidelity: an index with churn (node20/index.js, trace
-- node20/index-2e6.trace, `node --trace-gc index.js 2000000`), the second
-- workload written after gclab's model was fitted -- a held-out check:
--
--   function make(d) { return d === 0 ? { l: null, r: null }
--                                     : { l: make(d - 1), r: make(d - 1) }; }
--   const root = make(15);
--   let x = 1;
--   for (let i = 0; i < 2e6; i++) {
--     x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
--     let p = root;
--     for (let d = 0; d < 14; d++) p = (x >> d) & 1 ? p.r : p.l;
--     if ((x >> 20) & 1) p.r = { l: null, r: null }; else p.l = { l: null, r: null };
--   }
--
-- Each literal is heap:alloc(2) (40 bytes) at its own allocation site, a
-- literal's fields initializing stores (heap:init_slots), children before
-- their parent as JS evaluates them; make's recursion runs in heap:scope
-- (V8's stack) and `root` is rooted.  The walk only reads, so the replay
-- goes straight to the node it reaches: `parents` lists the 2^14 lowest
-- inner nodes (handles, which keep nothing alive) in the order of the
-- walk's bits.  The update is a store into an old node: write barrier,
-- old-to-new slot.  Lua's 64-bit integers give the same low 31 bits as
-- Math.imul, so the same nodes are updated (both print 357615489).
--
-- Node repeats itself here: six `--trace-gc` runs all gave 17 Scavenges
-- and no Mark-Compact, three `--trace-gc-nvp` runs 158 to 159 KB promoted
-- per GC; gclab gives 16, none and 161 (docs/fidelity.md, *Held-out
-- workloads*).
--
-- Node runs V8's pending tasks when the script ends, as the other replays
-- model it (event_loop.exit_idle_ms = 1).

local N = 2000000
local LEAVES = 1 << 15 -- children of the 2^14 lowest inner nodes

-- The program: the tree built, then N leaf replacements; returns the tree's
-- rooted handle.
local function run_index(heap)
  local leaf_site = heap:site("make: {l: null, r: null}")
  local inner_site = heap:site("make: {l: make(d - 1), r: make(d - 1)}")
  local new_site = heap:site("update: {l: null, r: null}")
  local alloc, init = heap.alloc, heap.init_slots
  local parents = {}
  local function make(hp, d, idx)
    if d == 0 then return alloc(hp, 2, 0, "Node", leaf_site) end
    local l = make(hp, d - 1, idx * 2)
    local r = make(hp, d - 1, idx * 2 + 1)
    local t = alloc(hp, 2, 0, "Node", inner_site)
    init(hp, t, l, r)
    if d == 1 then parents[idx + 1] = t end
    return t
  end
  local root = heap:scope(function(hp) return hp:root(make(hp, 15, 0)) end)
  local x = 1
  for _ = 1, N do
    x = (x * 1103515245 + 12345) & 0x7fffffff
    local idx = 0
    for d = 0, 13 do idx = idx * 2 + ((x >> d) & 1) end
    parents[idx + 1][((x >> 20) & 1) + 1] = alloc(heap, 2, 0, "Node", new_site)
  end
  expect(x, "the generator's last value (node index.js 2000000)").to_be(357615489)
  return root
end

scenario("index: a long-lived tree whose leaves are replaced, only Scavenges, the live leaves kept young",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local root = run_index(heap)

    -- Only Scavenges, the semispace doubling 1 -> 16 MiB (every Node run).
    local events = heap:events()
    local cap, caps = 0, {}
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      if ev.semi_space_capacity ~= cap then
        cap = ev.semi_space_capacity
        caps[#caps + 1] = cap // (1024 * 1024)
      end
    end
    expect(caps, "semispace capacities (MiB)").to_equal({1, 2, 4, 8, 16})
    expect(#events, "Scavenges (Node: 17 in six runs)").to_be_between(16, 18)

    -- The tree is promoted with the first Scavenges; from GC 6 on, every
    -- Scavenge keeps the live leaves young (copied + promoted at most all
    -- 2^15 of them; Node's nvp: 1,247,520 to 1,299,920 bytes) and
    -- promotes only the few that outlive two Scavenges (Node: at most
    -- 64,960 bytes).
    expect(heap:stats().old.size, "old space holds the tree").to_be_at_least(((1 << 16) - 1) * 40)
    for i = 6, #events do
      local ev = events[i]
      expect(ev.copied + ev.promoted, "GC " .. i .. " keeps the live leaves").to_be_between(1200000, LEAVES * 40)
      expect(ev.promoted, "GC " .. i .. " promoted").to_be_at_most(100000)
    end
    record("scavenges", #events)
    heap:unroot(root)
  end)

-- Held out (node20/index-2e6-min16.trace, `node --min-semi-space-size=16
-- --trace-gc index.js 2000000`): the same program with new space 16 MiB
-- from the start, a flag no other reference uses.  Node (five --trace-gc
-- runs): 5 Scavenges, no growth, the tree promoted by the second; after
-- that each keeps the live leaves young.
scenario("index under --min-semi-space-size=16: five Scavenges at 16 MiB",
  {config = {"../../configs/node20.yaml", new_space = {semi_space = {initial = "16MiB"}},
             event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local root = run_index(heap)
    local events = heap:events()
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      expect(ev.semi_space_capacity, "GC " .. i .. " semispace").to_be(16 * 1024 * 1024)
    end
    expect(#events, "Scavenges").to_be_between(4, 6)
    expect(heap:stats().old.size, "old space holds the tree").to_be_at_least(((1 << 16) - 1) * 40)
    for i = 3, #events do
      expect(events[i].copied + events[i].promoted, "GC " .. i .. " keeps the live leaves")
        .to_be_between(1200000, LEAVES * 40)
    end
    record("scavenges", #events)
    heap:unroot(root)
  end)
