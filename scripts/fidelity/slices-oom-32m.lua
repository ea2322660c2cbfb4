-- Fidelity: the sliced-string leak, to out of memory (node20/slices.js,
-- `node --trace-gc --max-old-space-size=32 slices.js`, a held-out
-- workload):
--
--   const keep = [];
--   for (let i = 0; i < n; i++) {
--     const big = ('record ' + i + ';').padEnd(65536, '.');
--     keep.push(big.slice(0, 20));
--   }
--
-- padEnd builds its padding by String.prototype.repeat's doubling, a tree
-- of ConsStrings (32 bytes each) over a few short flat strings, then
-- `big` is one more ConsString over the record and the padding -- about
-- 1 KB, dead once the slice is made (984 bytes an iteration in optimized
-- code: node20/slicesize.js, new space's used bytes around each call, less
-- the measurement's own).  slice(0, 20) is 13 characters or more, so V8
-- makes a SlicedString (32 bytes, one pointer: its parent) and, its
-- parent being a ConsString, flattens it first: a 65,552-byte
-- SeqOneByteString in new space (under the 128 KiB large-object
-- threshold), which the slice keeps alive (sizes from a Node 20 heap
-- snapshot of three iterations).  So every iteration keeps 64 KB,
-- reached from `keep` (a JSArray grown by push, lib/jsarray.lualib)
-- through the slice.  --max-old-space-size=32 is old_space.max_size.
local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local PAD_BYTES, FLAT_BYTES, SLICE_BYTES = 984, 65552, 32

-- Runs slices.js's loop on `heap` until the heap runs out; returns
-- pcall's two results and the array of kept slices.
local function leak(heap)
  local keep = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local alloc, init, root, unroot, push = heap.alloc, heap.init_slots, heap.root, heap.unroot, J.push
  local ok, err = pcall(function()
    for _ = 1, 100000 do
      alloc(heap, 0, PAD_BYTES, "(padEnd's ConsStrings)")
      local flat = root(heap, alloc(heap, 0, FLAT_BYTES, "SeqOneByteString"))
      local slice = init(heap, alloc(heap, 1, SLICE_BYTES, "SlicedString"), flat)
      unroot(heap, flat)
      push(keep, slice)
    end
  end)
  return ok, err, keep
end

scenario("the sliced-string leak: each kept 20-character slice holds its 64 KB parent, to out of memory",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "32MiB"}}, differs = {}}, function(heap)
    local ok, err, keep = leak(heap)
    expect(ok, "the leak ends").to_be(false)
    -- Node's eight runs alike: 9 Scavenges, every survivor a 64 KB string
    -- (new space growing at every other one, 1 -> 16 MiB); a Mark-Compact
    -- finishing incremental marking; one "scavenge might not succeed",
    -- which leaves 26.2-26.9 MB of strings in pages committed past the
    -- 32 MiB maximum; the next allocation fails: "Reached heap limit"
    -- (the old generation's capacity, not its objects, V8's
    -- CanExpandOldGeneration)
    expect(tostring(err)).to_contain("Reached heap limit")
    local events = heap:events()
    expect(#events, "GCs").to_be(11)
    for i = 1, 9 do expect(events[i].kind, "GC " .. i .. " kind").to_be("Scavenge") end
    expect(events[10].reason, "GC 10").to_be("finalize incremental marking via stack guard")
    expect(events[11].collector_reason, "GC 11").to_be("scavenge might not succeed")
    expect(events[11].after.old.committed, "GC 11 leaves old space committed past the maximum")
      .to_be_at_least(32 * 1024 * 1024)
    record("gcs", #events)
    record("kept", keep.length)
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/slices-oom-32m-semi1.trace, `node
-- --max-old-space-size=32 --max-semi-space-size=1 slices.js`): the same
-- leak through a 1 MiB semispace, which holds twelve of the 64 KB
-- strings (three to a page).  Node's eight runs alike: 56 Scavenges and 3 Mark-Compacts,
-- the 25th and 50th GCs finishing incremental marking, the last, the
-- 59th, "scavenge might not succeed"; then "Reached heap limit".
scenario("the sliced-string leak under 32 MiB, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", old_space = {max_size = "32MiB"},
    new_space = {semi_space = {max = "1MiB"}}}, differs = {}}, function(heap)
    local ok, err, keep = leak(heap)
    expect(ok, "the leak ends").to_be(false)
    expect(tostring(err)).to_contain("Reached heap limit")
    local events = heap:events()
    local scavenges, fulls = count_gcs(events)
    expect(scavenges, "Scavenges").to_be_between(51, 61)
    expect(fulls, "Mark-Compacts").to_be_between(2, 4)
    expect(events[#events].collector_reason, "the last GC").to_be("scavenge might not succeed")
    for i = 1, #events - 1 do
      if events[i].kind ~= "Scavenge" then
        expect(events[i].reason, "GC " .. i).to_be("finalize incremental marking via stack guard")
      end
    end
    record("gcs", #events)
    record("kept", keep.length)
    record("oom", true)
  end)
