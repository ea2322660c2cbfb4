-- V8's stress flags as scenarios: --stress-scavenge (a scavenge every N
-- allocations) and --stress-compaction (compact on every full GC) must
-- never change what the program computes.
local TINY = {config = "../../configs/tiny.yaml"}

-- Build a linked list of n nodes holding 1..n; return the sum read back.
local function build_and_sum(heap, n)
  local head = heap:root(heap:alloc(2, 0, "Head"))
  local cur = head
  for i = 1, n do
    local node = heap:alloc(2, 0, "Node")
    node[2] = i
    cur[1] = node
    cur = node
    if i % 50 == 0 then heap:alloc(4) end -- garbage in between
  end
  local sum, node = 0, head[1]
  while node do sum = sum + node[2]; node = node[1] end
  return sum
end

scenario("stress-scavenge: a scavenge every 3 allocations", TINY, function(heap)
  heap:set_stress(3)
  expect(build_and_sum(heap, 1000)).to_be(1000 * 1001 // 2)
  local stress = 0
  for _, ev in ipairs(heap:events()) do if ev.reason == "stress" then stress = stress + 1 end end
  expect(stress, "stress scavenges").to_be_greater_than(300)
end)

scenario("stress-compaction: compact on every full GC", TINY, function(heap)
  local head = heap:root(heap:alloc(2))
  local cur = head
  for i = 1, 500 do
    local node = heap:alloc(2)
    node[2] = i
    cur[1] = node
    cur = node
    if i % 100 == 0 then heap:mark_compact({strategy = "evacuate"}) end
    if i % 150 == 0 then heap:mark_compact({strategy = "slide"}) end
  end
  local sum, node = 0, head[1]
  while node do sum = sum + node[2]; node = node[1] end
  expect(sum).to_be(500 * 501 // 2)
end)

scenario("random GC interval: same result whatever GCs run when", TINY, function(heap)
  local head = heap:root(heap:alloc(2))
  local cur = head
  local kinds = {"scavenge", "mark_sweep", "full_gc"}
  for i = 1, 400 do
    local node = heap:alloc(2)
    node[2] = i
    cur[1] = node
    cur = node
    if math.random(20) == 1 then heap[kinds[math.random(#kinds)]](heap) end
  end
  local sum, node = 0, head[1]
  while node do sum = sum + node[2]; node = node[1] end
  expect(sum).to_be(400 * 401 // 2)
end)
