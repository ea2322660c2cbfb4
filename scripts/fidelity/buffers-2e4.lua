-- Fidelity: Node Buffers, whose bytes live outside the heap
-- (node20/buffers.js, `node --trace-gc buffers.js 20000`):
--
--   const keep = [];
--   for (let i = 0; i < n; i++) {
--     const b = Buffer.alloc(65536);
--     b[0] = i & 255;
--     if (i % 16 === 0) keep.push(b);
--   }
--
-- Buffer.alloc(65536) is `new FastBuffer(65536)`, a Uint8Array: V8 makes
-- the ArrayBuffer first -- its 64 KiB backing store outside the heap
-- (Heap::AllocateExternalBackingStore), then its JSArrayBuffer, 88 bytes
-- (heap:alloc_external) -- and then the typed array, 96 bytes, whose
-- `buffer` slot holds it (sizes from a heap snapshot of Node 20:
-- "ArrayBuffer" 88, "Buffer" 96), the ArrayBuffer rooted meanwhile as a
-- V8 Handle holds it.  `keep` is a JSArray whose elements
-- store grows as V8's push grows it (lib/jsarray.lualib `grown_capacity`;
-- of the old length until issue 16's stop 44), young until a Scavenge
-- promotes it.
-- Everything else of the loop is Smis.
local grown_capacity = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib").grown_capacity
local BUFFERS, BYTES = 20000, 65536
local MiB = 1024 * 1024

scenario("buffers: 20,000 Buffer.alloc(65536), every 16th kept",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local keep = heap:root(heap:alloc(1, 0, "JSArray"))
    local alloc, alloc_external, init = heap.alloc, heap.alloc_external, heap.init_slots
    local root, unroot = heap.root, heap.unroot
    local elements, capacity, length = nil, 0, 0
    for i = 0, BUFFERS - 1 do
      local ab = root(heap, alloc_external(heap, BYTES, 0, 88, "ArrayBuffer")) -- V8's handle holds it
      local b = alloc(heap, 1, 96, "Buffer")
      init(heap, b, ab)
      unroot(heap, ab)
      if i % 16 == 0 then
        if length == capacity then -- Array.prototype.push grows the store
          capacity = grown_capacity(length)
          local grown = alloc(heap, capacity, 0, "FixedArray")
          for k = 1, length do grown[k] = keep[1][k] end
          keep[1] = grown
        end
        length = length + 1
        keep[1][length] = b
      end
    end
    expect(length, "Buffers kept (buffers.js prints 1250)").to_be(1250)
    local events = heap:events()
    -- Node (five --trace-gc and three --trace-gc-nvp runs): 39 to 41
    -- Scavenges, every one "external memory pressure" -- one every 488
    -- Buffers, 32 MB of young ArrayBuffers less the previous Scavenge's
    -- young survivors -- and 2 or 3 Mark-Compacts, each finishing
    -- incremental marking that the external memory started (64 MB past
    -- the last Mark-Compact's): "finalize incremental marking via stack
    -- guard" after about 9,000 and 18,000 Buffers, in some runs a third,
    -- "allocation failure", near the end.
    local scavenges, fulls = 0, {}
    for i, ev in ipairs(events) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
        expect(ev.reason, "GC " .. i .. " reason").to_be("external memory pressure")
      else
        fulls[#fulls + 1] = i
        expect(ev.reason, "GC " .. i .. " reason").to_be("finalize incremental marking via stack guard")
      end
    end
    expect(scavenges, "Scavenges").to_be_between(39, 41)
    expect(#fulls, "Mark-Compacts").to_be(2)
    local ext = heap:stats().external
    expect(ext.bytes // MiB, "external MB at the end (1250 kept and the young ones since the last GC)")
      .to_be_between(78, 112)
    record("gcs", #events)
    record("mark_compacts_at", fulls)
    heap:unroot(keep)
  end)
