-- Fidelity: strings made from numbers, every one kept (node20/names.js,
-- `node --trace-gc names.js 1000000`, a held-out workload):
--
--   const names = [];
--   for (let i = 0; i < n; i++) names.push('user-' + i);
--
-- What V8 allocates an iteration: the number's string from NumberToString
-- (24 bytes, young), kept in the heap's number-string cache until another
-- number takes its entry or a Mark-Compact empties it
-- (lib/number_strings.lualib); then the concatenation, shorter than a
-- ConsString's 13 characters and so a flat SeqOneByteString: 16 bytes of
-- header and 6 to 11 characters, rounded up to 8 (24 or 32 bytes).
-- Neither is made at an allocation site -- no literal, no memento -- so
-- nothing is pretenured: every kept string is copied and promoted by the
-- Scavenges.  `names` grows by push (lib/jsarray.lualib: V8's n + n/2 +
-- 16; past 128 KiB its elements are a large object).  Node's loop takes
-- 49 to 52 ns an iteration (node20/pointstime.js names, the pauses taken
-- off, five runs), half gclab's own charge for an iteration's two
-- allocations and stores: nothing more is charged.  `names` is a local
-- of the CommonJS wrapper, dead once the script ends.

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local NS = dofile(SCENARIO_DIR .. "/lib/number_strings.lualib")
local N = 1000000

-- The bytes of 'user-' + i as a SeqOneByteString.
local function name_bytes(i)
  local chars = 5 + #tostring(i)
  return (16 + chars + 7) // 8 * 8
end

-- names.js's loop; returns `names` (its holder rooted) and the
-- number-string cache.
local function names(heap)
  local list = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local cache = NS.new(heap)
  local alloc, push, get = heap.alloc, J.push, NS.get
  for i = 0, N - 1 do
    get(cache, i, 24)
    push(list, alloc(heap, 0, name_bytes(i), "SeqOneByteString"))
  end
  expect(list.length, "names.length").to_be(N)
  return list, cache
end

scenario("names: 1e6 strings 'user-' + i, every one kept",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local list, cache = names(heap)
    record("gcs", #heap:events())
    heap:unroot(list.holder)
    NS.stop(cache)
  end)
