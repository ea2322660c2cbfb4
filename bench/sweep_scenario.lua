-- sweep_scenario.lua -- the small scenario bench/pictures.lua sweeps: a short
-- request loop (temporaries, a cache of recent entries, a few kept).
scenario("small request loop", function(heap)
  local cache = heap:root(heap:alloc(20))
  local kept = heap:root(heap:alloc(100))
  for req = 1, 300 do
    for _ = 1, 10 do heap:alloc(2, 64) end
    local e = heap:alloc(4, 256, "Entry")
    cache[req % 20 + 1] = e
    if req % 3 == 0 then kept[req // 3] = e end
  end
end)
