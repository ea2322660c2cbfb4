-- The smallest scenario: allocate, keep, collect, look.
-- Run it:  gclab run scripts/examples/01-hello-heap.lua

-- boot = "none": start from an empty heap.  By default a heap starts from
-- Node 20's own objects, as a script's first line finds it (config key
-- boot, docs/configuration.md), and the counts below would include them.
scenario("hello, heap", {config = {boot = "none"}}, function(heap)
  -- alloc(slots[, bytes[, name]]): a new object in new space.
  -- root() keeps it alive (handles alone never do) and returns it.
  local point = heap:root(heap:alloc(2, 0, "Point"))
  point[1] = 3          -- slots hold small integers ...
  point[2] = 4
  local label = heap:alloc(0, 64, "Label")
  -- ... or references to other objects; this store goes through the
  -- write barrier, like any store in V8.
  local box = heap:root(heap:alloc(2, 0, "Box"))
  box[1] = point
  box[2] = label

  expect(point.space).to_be("new")
  local ev = heap:scavenge()   -- every GC call returns its event table
  expect(ev.kind).to_be("Scavenge")
  expect(ev.copied_objects).to_be(3) -- point, box and label were copied

  heap:scavenge()              -- second survival: promoted (V8's age mark)
  expect(point.space).to_be("old")
  expect(box[1][1] + box[1][2]).to_be(7)
end)
