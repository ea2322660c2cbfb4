-- random_ops.lua -- random programs against a tiny heap: allocations (some
-- large), slot stores of handles, integers and nil, roots and unroots,
-- every kind of GC, incremental start/step/finish in between.  Run with
-- --verify (CTest does), so the heap's invariants are checked after every
-- GC and every incremental step; each program also checks that rooted
-- objects stay alive and that their slots read back what was last stored.
-- Seeds are fixed: a failure names its seed and reproduces.
local TINY = "../../../configs/tiny.yaml"
local SEEDS, STEPS = 20, 3000

for seed = 1, SEEDS do
  scenario("random operations, seed " .. seed, {config = TINY}, function(heap)
    math.randomseed(seed)
    local objs, roots = {}, {}
    local shadow = {} -- rooted object -> {slot -> last stored value}
    local function pick() return objs[math.random(#objs)] end
    for _ = 1, STEPS do
      local r = math.random(100)
      local ok, err = pcall(function()
        if r <= 40 or #objs < 4 then
          local big = math.random(50) == 1
          local o = heap:alloc(math.random(0, 4), big and math.random(2100, 9000) or 0, "N")
          objs[#objs + 1] = o
          if math.random(3) == 1 then
            heap:root(o)
            roots[#roots + 1] = o
            shadow[o] = {}
          end
        elseif r <= 75 then
          local a, b = pick(), pick()
          if a.alive and #a > 0 then
            local i, v = math.random(#a), math.random(5)
            local value
            if v == 1 then value = nil
            elseif v == 2 then value = math.random(-1000, 1000)
            elseif b.alive then value = b
            else return end
            a[i] = value
            if shadow[a] then shadow[a][i] = value == nil and false or value end
          end
        elseif r <= 80 and #roots > 0 then
          local i = math.random(#roots)
          heap:unroot(roots[i])
          shadow[roots[i]] = nil
          table.remove(roots, i)
        elseif r <= 84 then heap:scavenge()
        elseif r <= 86 then heap:mark_sweep()
        elseif r <= 88 then
          heap:mark_compact({strategy = math.random(2) == 1 and "slide" or "evacuate"})
        elseif r <= 92 then
          if heap.marking == "idle" then heap:incremental_start()
          else heap:incremental_step(math.random(64, 4096)) end
        elseif r <= 93 then
          if heap.marking ~= "idle" then heap:incremental_finish() end
        elseif #objs > 200 then
          for _ = 1, 100 do table.remove(objs, math.random(#objs)) end
        end
      end)
      if not ok and not tostring(err):find("out of memory", 1, true) then error(err, 0) end
    end
    heap:full_gc()
    for _, o in ipairs(roots) do
      expect(o.alive, "rooted object #" .. o.id).to_be(true)
      for i, v in pairs(shadow[o]) do
        -- a stored object may only be read back while it is alive: it is,
        -- since a rooted holder keeps it
        if v == false then expect(o[i], "slot " .. i .. " of #" .. o.id).to_be_nil()
        else expect(o[i], "slot " .. i .. " of #" .. o.id).to_be(v) end
      end
    end
  end)
end
