-- Fidelity: chunks joined by Buffer.concat (node20/concat.js, `node
-- --trace-gc concat.js 50000`, a held-out workload for external memory):
--
--   const R = 500, ring = new Array(R).fill(null);
--   for (let i = 0; i < n; i++) {
--     const chunks = [];
--     for (let k = 0; k < 16; k++) {
--       const c = Buffer.allocUnsafe(1024); c[0] = k; chunks.push(c);
--     }
--     const whole = Buffer.concat(chunks);
--     if (i % 50 === 0) ring[(i / 50) % R] = whole;
--   }
--
-- Node's Buffer.allocUnsafe(size) below 4 KiB (half of Buffer.poolSize)
-- is a slice of its 8 KiB pool: a new 96-byte Buffer (a Uint8Array) over
-- the pool's ArrayBuffer; when the pool has less than `size` left, a new
-- pool is made first, createUnsafeBuffer(8192): an ArrayBuffer (88 bytes,
-- 8 KiB outside the heap: heap:alloc_external) and a Buffer over it whose
-- ArrayBuffer the module keeps (`allocPool`, rooted here) -- so two pools
-- a round.  Buffer.concat makes Buffer.allocUnsafe(16384), no pool: an
-- ArrayBuffer owning 16 KiB and a Buffer over it, then copies.  `chunks`
-- is a JSArray (32 bytes) whose elements store is made by the first push
-- with 17 slots (152 bytes; JSObject::NewElementsCapacity).  Sizes from a
-- Node 20 heap snapshot ("Buffer" 96, "ArrayBuffer" 88, "Array" 32, its
-- elements 152).  Each ArrayBuffer stays rooted while its Buffer is made,
-- as V8's handle holds it.
local N, R, POOL, CHUNK, CHUNKS = 50000, 500, 8192, 1024, 16

scenario("concat: 5e4 rounds of 16 pooled 1 KiB chunks joined by Buffer.concat",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local ring = heap:root(heap:alloc(R, 0, "FixedArray"))
    local alloc, alloc_external, init, root, unroot =
      heap.alloc, heap.alloc_external, heap.init_slots, heap.root, heap.unroot
    local function unpooled(size) -- createUnsafeBuffer(size): new FastBuffer(size)
      local ab = root(heap, alloc_external(heap, size, 0, 88, "ArrayBuffer"))
      local b = alloc(heap, 1, 96, "Buffer")
      init(heap, b, ab)
      unroot(heap, ab)
      return b, ab
    end
    local pool, offset = nil, POOL
    local function pooled(size) -- Buffer.allocUnsafe(size), size < POOL / 2
      if size > POOL - offset then -- createPool()
        local _, ab = unpooled(POOL)
        if pool then unroot(heap, pool) end
        pool, offset = root(heap, ab), 0
      end
      local b = alloc(heap, 1, 96, "Buffer")
      init(heap, b, pool)
      offset = offset + size
      return b
    end
    for i = 0, N - 1 do
      local chunks = root(heap, alloc(heap, 1, 0, "Array"))
      local elements = alloc(heap, CHUNKS, 152, "FixedArray")
      chunks[1] = elements
      for k = 1, CHUNKS do elements[k] = pooled(CHUNK) end
      local whole = unpooled(CHUNK * CHUNKS)
      unroot(heap, chunks)
      if i % 50 == 0 then ring[(i // 50) % R + 1] = whole end
    end
    -- Node (five --trace-gc and three --trace-gc-nvp runs; see
    -- node20/README.md): only Scavenges, "allocation failure", new space
    -- at 1 MiB throughout (a round leaves nothing young but the kept
    -- Buffer), none from external memory: a round's 32 KiB outside the
    -- heap come to 14 MB between two Scavenges, under the 32 MB that
    -- would ask for one, and the kept ones to 8 MB.
    local events = heap:events()
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      expect(ev.semi_space_capacity, "GC " .. i .. " semispace").to_be(1024 * 1024)
    end
    record("gcs", #events)
    record("external_mb", heap:stats().external.bytes // (1024 * 1024))
    heap:unroot(ring)
    if pool then heap:unroot(pool) end
  end)
