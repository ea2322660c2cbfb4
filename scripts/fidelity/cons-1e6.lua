-- Fidelity: a string grown by concatenation (node20/cons.js, `node
-- --trace-gc cons.js 1000000`, a held-out workload):
--
--   let s = '';
--   for (let i = 0; i < n; i++) s += 'ab';
--
-- V8's StringAdd: '' + 'ab' is 'ab' itself; up to 12 characters the sum
-- is a flat SeqOneByteString (16-byte header, the characters, rounded up
-- to 8); from 14 on a ConsString of 32 bytes (map, hash, length, first,
-- second), its first part the string so far, its second the literal 'ab'
-- (internalized, not in new space).  Here a ConsString is one slot (the
-- first part) in V8's 32 bytes: the second part is a pointer the GC never
-- follows into new space.  The chain stays alive through `s`, slot 1 of
-- a rooted holder; no allocation site (strings have none), so promotion
-- is by age alone.

local N = 1000000

scenario("cons: s += 'ab' a million times, a chain of ConsStrings",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local s = heap:root(heap:alloc(1, 0, "(s)"))
    local alloc, init = heap.alloc, heap.init_slots
    local length = 2 -- s = 'ab', the literal
    for _ = 2, N do
      length = length + 2
      local sum
      if length <= 12 then
        sum = alloc(heap, 0, (16 + length + 7) // 8 * 8, "SeqOneByteString")
      else
        sum = alloc(heap, 1, 32, "ConsString")
        init(heap, sum, s[1])
      end
      s[1] = sum
    end
    expect(length, "s.length").to_be(2 * N)
    -- Node's eight runs (cons-1e6.N) alike: 11 Scavenges, 2806 KB
    -- promoted per GC
    local events = heap:events()
    expect(#events, "Scavenges").to_be(11)
    for i, ev in ipairs(events) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
    end
    record("gcs", #events)
    -- `s` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(s)
  end)
