-- Claim: incremental marking splits the marking of old space into small
-- steps interleaved with the program, then finishes with a short pause.
local TINY = {config = "../../configs/tiny.yaml"}

local function old_list(heap, n)
  local head = heap:root(heap:alloc(1, 0, "Head"))
  local cur = head
  heap:scope(function()
    for _ = 1, n do
      local nxt = heap:alloc(2, 0, "Node")
      cur[1] = nxt
      cur = nxt
    end
  end)
  heap:scavenge()
  heap:scavenge()
  return head
end

scenario("marking proceeds in steps while the program runs", TINY, function(heap)
  local head = old_list(heap, 300)
  expect(heap.marking).to_be("idle")
  heap:incremental_start()
  expect(heap.marking).to_be("marking")
  local steps = 0
  while true do
    steps = steps + 1
    if heap:incremental_step(1024) then break end
    heap:alloc(2) -- the program keeps running between steps
  end
  expect(steps, "steps taken").to_be_greater_than(1)
  expect(heap.marking).to_be("complete")
  local ev = heap:incremental_finish()
  expect(ev.incremental, "event says incremental").to_be(true)
  expect(ev.steps, "steps recorded").to_be_at_least(steps)
  expect(ev.incremental_marked, "bytes marked by steps").to_be_greater_than(0)
  expect(heap.marking).to_be("idle")
  expect(head[1].alive).to_be(true)
end)

scenario("objects are grey, then black, as marking reaches them", TINY, function(heap)
  local head = old_list(heap, 50)
  expect(head.color).to_be("white")
  heap:incremental_start()
  heap:incremental_step(1)
  local seen = {}
  local n = head
  while n do seen[n.color] = true; n = n[1] end
  expect(seen.black or seen.grey, "something marked after one step").to_be(true)
  heap:incremental_finish()
end)

scenario("allocation drives marking steps on its own", TINY, function(heap)
  old_list(heap, 300)
  heap:incremental_start()
  local before = heap.marking
  for _ = 1, 2000 do heap:alloc(2) end
  expect(before).to_be("marking")
  local sawfinish = false
  for _, ev in ipairs(heap:events()) do
    if ev.incremental then sawfinish = true end
  end
  expect(sawfinish or heap.marking ~= "marking", "marking advanced by allocation").to_be(true)
end)
