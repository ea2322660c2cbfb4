-- soak.lua -- random programs that use the whole binding at once, each run
-- until the heap is out of memory: allocation inside on_gc, scopes (also
-- nested, also left by an error), coroutines that yield between operations
-- and die inside scopes, roots, slot stores, every kind of GC and
-- incremental marking.  CTest runs it under --verify, so every GC and step
-- is verified; each program then checks that every rooted object is alive
-- and reads back what was last stored in it, and that the heap is usable
-- again once the roots are dropped.  (It grew out of random_ops.lua, whose
-- operations -- allocations, some large, stores, roots, every GC kind,
-- incremental steps -- it still makes.)
--
-- Bounded in CI: SOAK_SEEDS seeds.  Longer on demand: GCLAB_SOAK=N runs N
-- seeds (seed numbers 1..N), each to out-of-memory on a heap N/4 times
-- larger (at least CI's 2 MiB of old space), e.g.
--   GCLAB_SOAK=200 ./build/gclab run --verify tests/lua/fuzz/soak.lua
-- Seeds are fixed: a failure names its seed and reproduces.
local TINY = "../../../configs/tiny.yaml"
local SOAK_SEEDS = 5 -- about 10 s, a minute under ASan on a busy machine
local soak = tonumber(os.getenv("GCLAB_SOAK") or "")
local seeds = soak and math.max(1, math.floor(soak)) or SOAK_SEEDS
local scale = soak and math.max(1, soak // 4) or 1
local MAX_OPS = 200000 * scale -- a safety bound: every program reaches OOM long before

-- Out of memory as V8 words it: the heap limit reached, an allocation that
-- still fails after the last-resort GCs, or ineffective mark-compacts near
-- the limit (explicit full GCs count there too, as in V8).
local function is_oom(err)
  local s = tostring(err)
  return s:find(gclab.OOM_MESSAGE, 1, true) ~= nil or s:find(gclab.OOM_RETRY_MESSAGE, 1, true) ~= nil or
    s:find(gclab.OOM_INEFFECTIVE_MESSAGE, 1, true) ~= nil
end

for seed = 1, seeds do
  local config = {TINY, old_space = {max_size = (2 * scale) .. "MiB",
                                     compaction = {quota = "512KiB"},
                                     growing = {min_step = "256KiB"}}}
  scenario("soak to out of memory, seed " .. seed, {config = config}, function(heap)
    math.randomseed(seed)
    local roots, shadow = {}, {}       -- rooted objects; their slots as last stored
    local objs = {}                    -- handles the program still looks at
    local ongc_allocs, ongc_calls = 0, 0
    local function pick() return objs[math.random(#objs)] end
    local function note(o) objs[#objs + 1] = o; return o end

    -- on_gc allocates (and sometimes keeps what it made)
    heap:on_gc(function(ev)
      ongc_calls = ongc_calls + 1
      expect(ev.seq, "event seq").to_be_greater_than(0)
      for _ = 1, math.random(0, 3) do
        local o = heap:alloc(1, 0, "FromOnGc")
        ongc_allocs = ongc_allocs + 1
        if math.random(4) == 1 then note(o) end
      end
    end)

    local function store(a, b)
      if not (a.alive and #a > 0) then return end
      local i, v = math.random(#a), math.random(4)
      local value
      if v == 1 then value = nil
      elseif v == 2 then value = math.random(-1000, 1000)
      elseif b.alive then value = b
      else return end
      a[i] = value
      if shadow[a] then shadow[a][i] = value == nil and false or value end
    end

    local function root(o)
      heap:root(o)
      roots[#roots + 1] = o
      shadow[o] = {}
    end

    -- one random operation; returns false once the heap is out of memory
    local step
    local function in_scope()
      return heap:scope(function()
        local keep
        for _ = 1, math.random(1, 20) do
          local o = heap:alloc(math.random(0, 3), 0, "Scoped")
          expect(o.rooted, "allocated in a scope").to_be(true)
          keep = keep or o
          if math.random(3) == 1 and #objs > 0 then store(o, pick()) end
        end
        if math.random(5) == 1 then root(keep) end
        if math.random(4) == 1 then step() end -- scopes nest
        if math.random(10) == 1 then error("leaves the scope", 0) end
        return keep
      end)
    end

    local function in_coroutine()
      local co = coroutine.create(function()
        for _ = 1, math.random(1, 6) do
          note(heap:alloc(math.random(0, 2), 0, "FromCoroutine"))
          coroutine.yield()
          if math.random(6) == 1 then -- dies with a scope open
            heap:scope(function() heap:alloc(1); error("dies in a scope", 0) end)
          end
        end
      end)
      while coroutine.status(co) == "suspended" do
        local ok, err = coroutine.resume(co)
        if not ok then
          if is_oom(err) then error(err, 0) end
          break
        end
        if math.random(8) == 1 then break end -- left suspended, never resumed
      end
    end

    step = function()
      local r = math.random(100)
      if r <= 35 or #objs < 4 then
        local big = math.random(60) == 1
        local o = note(heap:alloc(math.random(0, 4), big and math.random(2100, 9000)
                                  or math.random(64, 1024), "N"))
        if math.random(2) == 1 then root(o) end
      elseif r <= 60 then store(pick(), pick())
      elseif r <= 62 and #roots > 0 then
        local i = math.random(#roots)
        heap:unroot(roots[i])
        shadow[roots[i]] = nil
        table.remove(roots, i)
      elseif r <= 75 then
        local ok, err = pcall(in_scope)
        if not ok and is_oom(err) then error(err, 0) end
      elseif r <= 82 then in_coroutine()
      elseif r <= 85 then heap:scavenge()
      elseif r <= 86 then heap:mark_sweep()
      elseif r <= 87 then heap:mark_compact({strategy = math.random(2) == 1 and "slide" or "evacuate"})
      elseif r <= 91 then
        if heap.marking == "idle" then heap:incremental_start()
        else heap:incremental_step(math.random(64, 4096)) end
      elseif r <= 92 then
        if heap.marking ~= "idle" then heap:incremental_finish() end
      elseif #objs > 300 then
        for _ = 1, 150 do table.remove(objs, math.random(#objs)) end
      end
    end

    local oom
    for _ = 1, MAX_OPS do
      local ok, err = pcall(step)
      if not ok then
        if not is_oom(err) then error(err, 0) end
        oom = err
        break
      end
    end
    expect(oom, "the program ran out of memory").never.to_be_nil()
    expect(ongc_calls, "on_gc ran").to_be_greater_than(0)
    expect(ongc_allocs, "on_gc allocated").to_be_greater_than(0)

    -- every rooted object is alive and holds what was stored last
    heap:on_gc(nil)
    if heap.marking ~= "idle" then heap:incremental_finish() end
    for _, o in ipairs(roots) do
      expect(o.alive, "rooted object #" .. o.id).to_be(true)
      for i, v in pairs(shadow[o]) do
        if v == false then expect(o[i], "slot " .. i .. " of #" .. o.id).to_be_nil()
        else expect(o[i], "slot " .. i .. " of #" .. o.id).to_be(v) end
      end
    end
    -- and the heap is usable again once the roots are gone
    for _, o in ipairs(roots) do heap:unroot(o) end
    heap:full_gc()
    heap:full_gc()
    expect(heap:stats().old.objects, "old objects after dropping every root").to_be(0)
    expect(heap:alloc(2).alive).to_be(true)
    expect(heap:verify()).to_be(true)
  end)
end
