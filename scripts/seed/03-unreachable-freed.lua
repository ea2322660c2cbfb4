-- Claim: objects nothing points to are not copied: a Scavenge frees them
-- all at once, for free (their space is reused wholesale).
local TINY = {config = "../../configs/tiny.yaml"}

scenario("an unreachable object dies in the next scavenge", TINY, function(heap)
  local o = heap:alloc(2, 0, "Garbage")
  local ev = heap:scavenge()
  expect(o.alive, "o.alive").to_be(false)
  expect(ev.died_in_new, "young objects that died").to_be(1)
  expect(heap:stats().new.objects).to_be(0)
end)

scenario("a handle does not keep its object alive", TINY, function(heap)
  local o = heap:alloc(2)
  heap:scavenge()
  expect(o.alive).to_be(false)
  -- a dead handle still answers alive, id and name; anything else errors
  expect(o.name).to_be("Object")
  expect(function() return o.space end).to_error("collected by GC #1 (Scavenge")
end)

scenario("objects reachable from a root survive, the rest do not", TINY, function(heap)
  local root = heap:root(heap:alloc(1, 0, "Root"))
  local kept = heap:alloc(1, 0, "Kept")
  local lost = heap:alloc(1, 0, "Lost")
  root[1] = kept
  kept[1] = 1
  local ev = heap:scavenge()
  expect(kept.alive).to_be(true)
  expect(lost.alive).to_be(false)
  expect(ev.copied_objects).to_be(2)
  expect(ev.died_in_new).to_be(1)
end)

scenario("scopes root what they allocate until they end", TINY, function(heap)
  local inside
  heap:scope(function()
    inside = heap:alloc(2)
    heap:scavenge()
    expect(inside.alive, "alive inside the scope").to_be(true)
  end)
  heap:scavenge()
  expect(inside.alive, "alive after the scope").to_be(false)
end)
