-- heap:alloc_external(external, slots[, bytes[, name[, site]]]): an object
-- owning bytes outside the heap (V8's JSArrayBuffer and its backing
-- store, engine/external.c); heap:stats().external; the GCs external
-- memory causes, with their reason; errors.
local NODE = {"../../../configs/node20.yaml", {boot = "none"}}
local KiB, MiB = 1024, 1024 * 1024

scenario("heap:alloc_external counts the owner's bytes until it dies", {config = NODE}, function(heap)
  local ab = heap:root(heap:alloc_external(64 * KiB, 0, 88, "ArrayBuffer"))
  expect(ab.space, "a young object").to_be("new")
  expect(ab.size, "its own bytes only").to_be(88)
  local ext = heap:stats().external
  expect(ext.bytes, "external bytes").to_be(64 * KiB)
  expect(ext.young, "owned by young objects").to_be(64 * KiB)
  expect(ext.limit, "the soft limit (external.soft_limit)").to_be(64 * MiB)
  heap:alloc_external(KiB, 1, nil, "Dies", heap:site("s"))
  expect(heap:stats().external.bytes, "two owners").to_be(65 * KiB)
  heap:scavenge()
  expect(heap:stats().external.bytes, "the dead one's freed").to_be(64 * KiB)
  heap:unroot(ab)
  heap:full_gc()
  expect(heap:stats().external.bytes, "none left").to_be(0)
end)

scenario("young stores past external.young_gc_bytes Scavenge first", {config = NODE}, function(heap)
  for _ = 1, 512 do heap:alloc_external(64 * KiB, 0, 88) end
  expect(heap:stats().gcs, "32 MiB of young stores: no GC yet").to_be(0)
  heap:alloc_external(64 * KiB, 0, 88)
  local ev = heap:event()
  expect(ev.kind, "a Scavenge").to_be("Scavenge")
  expect(ev.reason, "its reason").to_be("external memory pressure")
  expect(heap:stats().external.bytes, "the 512 dead ones freed").to_be(64 * KiB)
end)

scenario("the soft limit starts incremental marking", {config = {NODE[1], NODE[2], {external = {soft_limit = "1MiB"}}}},
  function(heap)
    local keep = heap:root(heap:alloc(20))
    for i = 1, 16 do keep[i] = heap:alloc_external(64 * KiB, 0, 88) end
    expect(heap.marking, "at the limit, not past it").to_be("idle")
    keep[17] = heap:alloc_external(64 * KiB, 0, 88)
    expect(heap.marking, "past it").to_be("marking")
  end)

scenario("heap:alloc_external checks its arguments", {config = NODE}, function(heap)
  expect(function() heap:alloc_external() end)
    .to_error("bad argument #1 to 'alloc_external' (number expected, got no value)")
  expect(function() heap:alloc_external(0, 0) end)
    .to_error("bad argument #1 to 'alloc_external' (external bytes must be 1..2^50)")
  expect(function() heap:alloc_external(2 ^ 51 // 1, 0) end)
    .to_error("bad argument #1 to 'alloc_external' (external bytes must be 1..2^50)")
  expect(function() heap:alloc_external(8) end)
    .to_error("bad argument #2 to 'alloc_external' (number expected, got no value)")
  expect(function() heap:alloc_external(8, 0, 0, "X", 99) end)
    .to_error("bad argument #5 to 'alloc_external' (expected an allocation site of this heap (heap:site))")
  expect(heap:stats().external.bytes, "nothing counted").to_be(0)
end)
