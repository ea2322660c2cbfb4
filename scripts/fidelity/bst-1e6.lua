-- Fidelity: a binary search tree of 1e6 nodes with pseudo-random keys
-- (node20/bst.js, `node --trace-gc bst.js 1000000`, a held-out workload):
--
--   const root = { k: 1073741823, l: null, r: null };
--   let x = 1;
--   for (let i = 0; i < n; i++) {
--     x = (x * 48271) % 2147483647;
--     const node = { k: x, l: null, r: null };
--     let p = root;
--     for (;;) { /* down to the empty l or r where x belongs */ }
--     p.l = node;   // or p.r
--   }
--
-- A node is heap:alloc(3), 48 bytes (V8's JSObject of three in-object
-- fields), at the literal's allocation site; the key a Smi.  It is stored
-- into its parent with the write barrier: once the tree is promoted, a
-- store from an old node to a young one (the parent's slot is recorded).
-- The keys are MINSTD's (exact in doubles and in Lua integers), so the
-- tree is bst.js's node for node; the walk down it reads keys and
-- children from a Lua mirror of the tree, which holds each node's handle.
-- Every node stays alive.  `root` is a local of the CommonJS wrapper:
-- dropped when the script ends.

local tenured_at = dofile(SCENARIO_DIR .. "/lib/tenured_at.lualib")
local N = 1000000

scenario("bst: a binary search tree of 1e6 nodes with pseudo-random keys",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local site = heap:site("{ k: x, l: null, r: null }")
    local alloc, init = heap.alloc, heap.init_slots
    local root = heap:root(alloc(heap, 3, 0, "Node"))
    init(heap, root, 1073741823, nil, nil)
    -- the tree's shape in Lua: key and children (node numbers) of each node
    local key, left, right, handle = {1073741823}, {0}, {0}, {root}
    local x = 1
    for i = 2, N + 1 do
      x = (x * 48271) % 2147483647
      local node = alloc(heap, 3, 0, "Node", site)
      init(heap, node, x, nil, nil)
      key[i], left[i], right[i], handle[i] = x, 0, 0, node
      local p = 1
      while true do
        if x < key[p] then
          local c = left[p]
          if c == 0 then handle[p][2] = node; left[p] = i; break end
          p = c
        else
          local c = right[p]
          if c == 0 then handle[p][3] = node; right[p] = i; break end
          p = c
        end
      end
    end
    local st = heap:stats()
    expect(st.old.objects + st.new.objects + st.large.objects, "live objects").to_be_at_least(N + 1)
    -- Node's runs (bst-1e6.N): five of the eight are 10 Scavenges and a
    -- Mark-Compact (incremental marking started as new space reached its
    -- maximum), three are 11 Scavenges.  gclab runs the eleven, GC by GC
    -- within 0.2 MB of bst-1e6.2.nvp's.  The site tenures at the 10th, the
    -- first Scavenge after new space reached its maximum at the 9th (V8's
    -- DeoptMaybeTenuredAllocationSites lets the code write mementos
    -- again); Node's sites run tenures it at its Mark-Compact.
    local events = heap:events()
    for i, ev in ipairs(events) do expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge") end
    expect(#events, "Scavenges").to_be(11)
    expect(tenured_at(events), "the Scavenge that tenures the site").to_be(10)
    record("gcs", #events)
    heap:unroot(root)
  end)
