-- heap:scavenge() asks for a young-generation GC as V8 does, and may get a
-- Mark-Compact ("scavenge might not succeed"); heap:scavenge{force = true}
-- always scavenges.  heap:set_old_max follows the config's rules.
local TINY = {config = "../../../configs/tiny.yaml"}

scenario("scavenge may run a full GC; force = true insists on a Scavenge", TINY, function(heap)
  heap:set_old_max(12 * 1024) -- less than the 16 KiB semispace
  local kept = heap:root(heap:alloc(2, 0, "Kept"))
  for _ = 1, 50 do heap:alloc(2) end
  local ev = heap:scavenge()
  expect(ev.kind).to_be("Mark-Compact")
  expect(ev.collector_reason).to_be("scavenge might not succeed")
  for _ = 1, 50 do heap:alloc(2) end
  ev = heap:scavenge{force = true}
  expect(ev.kind).to_be("Scavenge")
  expect(ev.reason).to_be("testing")
  expect(kept.alive).to_be(true)
  expect(heap:scavenge{force = false}.kind).to_be("Mark-Compact")
  expect(heap:verify()).to_be(true)
end)

scenario("scavenge checks its options", TINY, function(heap)
  expect(function() heap:scavenge{force = 1} end).to_error("bad argument #1 to 'scavenge' (field 'force' must be a boolean)")
  expect(function() heap:scavenge("force") end).to_error("bad argument #1 to 'scavenge' (nil or a table {force = boolean} expected, got string)")
  expect(heap:scavenge().kind).to_be("Scavenge")
  -- a misspelt option is refused (it was ignored: {forse = true} ran what
  -- heap:scavenge() runs, {stratgy = "slide"} compacted by evacuation)
  expect(function() heap:scavenge{forse = true} end).to_error("heap:scavenge: unknown option 'forse' (known: force)")
  expect(function() heap:mark_compact{stratgy = "slide"} end)
    .to_error("heap:mark_compact: unknown option 'stratgy' (known: strategy)")
  expect(function() gclab.json_encode({1}, {prety = true}) end)
    .to_error("gclab.json_encode: unknown option 'prety' (known: pretty)")
  expect(heap:mark_compact{strategy = "slide"}.compaction).to_be("slide")
end)

scenario("set_old_max follows the config's rules, with units", TINY, function(heap)
  expect(function() heap:set_old_max(8) end)
    .to_error("heap:set_old_max: old_space.max_size: expected at least one page (4KiB) and at most 64GiB, got 8 bytes")
  expect(heap:stats().old_limit <= heap:stats().old_max).to_be(true)
  heap:set_old_max(4096)
  expect(function() heap:alloc(0, 8192) end).to_error("an object of 8KiB is larger than the heap maximum of 4KiB")
end)
