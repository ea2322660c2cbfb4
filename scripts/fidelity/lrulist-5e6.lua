-- Fidelity: an LRU cache as libraries write it (node20/lrulist.js, `node
-- --trace-gc lrulist.js 5000000`), a held-out workload written at issue
-- 16's stop 43:
--
--   const map = new Map(); const head = {key: -1, value: null, prev: null, next: null};
--   head.prev = head.next = head;
--   for (let i = 0; i < n; i++) {
--     seed = (seed * 75 + 74) % 65537;
--     const k = (seed & 3) ? seed % 6000 : 6000 + (seed * 7 + i) % 300000;
--     let e = map.get(k);
--     if (e !== undefined) { unlink(e); linkFirst(e); }               // a hit
--     else {
--       e = {key: k, value: new Array(8).fill(i), prev: null, next: null};
--       map.set(k, e); linkFirst(e);
--       if (map.size > 20000) { const t = head.prev; unlink(t); map.delete(t.key); }
--     }
--   }
--
-- The key stream is the program's own (a small LCG, replayed exactly):
-- 3,813,026 hits and 1,186,974 misses.  A node is a JSObject of four
-- in-object fields (56 bytes) at its literal's site, its value a JSArray
-- (32) with a FixedArray of 8 Smis (80: no pointers), both at the Array
-- constructor's site (lib/jsarray.lualib).  A hit allocates nothing and
-- moves its node to the head: six stores into nodes that are mostly old,
-- which the marking barrier sees while marking runs.  The Map's backing
-- store is V8's OrderedHashMap (lib/ordered_hash.lualib, entries deleted
-- by key): its capacity doubles to 65,536 entries (1.8 MB, a large
-- object) and every 45,536 misses it is rehashed into a new one.  These
-- bytes add up to Node's: 248.96 MB from the first GC to the last against
-- the nvp runs' 249.07 to 249.95.
--
-- Node's time, fitted over the GC intervals of two nvp runs (mutator time
-- against iterations and misses): 27 ns an iteration and 345 ns more a
-- miss.  gclab's clock charges a hit its six stores (30 ns) and a miss its
-- three allocations and eight stores (190 ns): heap:compute gives a miss
-- the other 182.
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 3,870th iteration, after 3,138 misses of two site allocations each.
local TIERING = {tiering_allocations = 6276}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local H = dofile(SCENARIO_DIR .. "/lib/ordered_hash.lualib")
local N, CAP, MISS_NS = 5000000, 20000, 182
-- A node's slots: prev and next first, so that linking stores both in one
-- call (heap:set_slots); then the key (a Smi: no pointer) and the value.
local PREV, NEXT = 1, 2

scenario("lrulist: an LRU cache, a Map and a doubly linked list, 5e6 lookups of a skewed key stream",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local alloc, compute, set_slots = heap.alloc, heap.compute, heap.set_slots
    local node_site, array_site = heap:site("{key, value, prev, next}"), heap:site("new Array(8)")
    local map = heap:root(alloc(heap, 1, 0, "JSMap"))
    local table = H.new(heap, map, 3, 2, "OrderedHashMap")
    local head = heap:root(alloc(heap, 4, 0, "Object"))
    head[PREV], head[NEXT] = head, head
    -- The list in Lua too (the heap's stores are what the GC sees; these
    -- find a node's neighbours without reading them back): key -> node,
    -- node -> key, and each node's neighbours.
    local node_of, key_of, prev, nxt = {}, {}, {[head] = head}, {[head] = head}
    local function unlink(e)
      local p, n = prev[e], nxt[e]
      p[NEXT], n[PREV] = n, p
      nxt[p], prev[n] = n, p
    end
    local function link_first(e)
      local n = nxt[head]
      set_slots(heap, e, head, n)
      n[PREV], head[NEXT] = e, e
      nxt[e], prev[e], prev[n], nxt[head] = n, head, e, e
    end
    local seed, hits = 1, 0
    for i = 0, N - 1 do
      seed = (seed * 75 + 74) % 65537
      local k = (seed & 3) ~= 0 and seed % 6000 or 6000 + (seed * 7 + i) % 300000
      local e = node_of[k]
      if e then
        hits = hits + 1
        unlink(e)
        link_first(e)
      else
        e = heap:root(alloc(heap, 4, 0, "Object", node_site))
        heap:init_slots(e, nil, nil, nil, J.construct(heap, array_site, 64))
        heap:unroot(e)
        node_of[k], key_of[e] = e, k
        table:add(e, k)
        link_first(e)
        if table.live > CAP then
          local t = prev[head]
          unlink(t)
          local tk = key_of[t]
          table:delete_key(tk)
          node_of[tk], key_of[t], prev[t], nxt[t] = nil, nil, nil, nil
        end
        compute(heap, MISS_NS)
      end
    end
    expect(hits, "hits").to_be(3813026)
    expect(table.live, "map.size").to_be(CAP)
    -- Node's eight runs (lrulist-5e6.N): 11 to 13 Scavenges and 4 or 5
    -- Mark-Compacts, each finalizing incremental marking (the last, in
    -- some runs, via task after the loop); every Mark-Compact leaves 8 to
    -- 9 MB (the boot heap, the list, the table), the dead tables and
    -- nodes in old space are what they free.
    local events, mcs = heap:events(), 0
    for _, ev in ipairs(events) do
      if ev.kind == "Mark-Compact" then
        mcs = mcs + 1
        expect(ev.incremental, "GC " .. ev.seq .. " finishes incremental marking").to_be(true)
      end
    end
    expect(mcs, "Mark-Compacts").to_be_between(3, 6)
    record("gcs", #events)
    -- `map` and `head` are the script's: dead once it ends
    heap:unroot(head)
    heap:unroot(map)
  end)
