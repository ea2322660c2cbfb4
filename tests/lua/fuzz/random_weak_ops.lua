-- random_weak_ops.lua -- random programs mixing weak operations (weak slots,
-- WeakRefs, WeakMaps, FinalizationRegistries, end_job, run_cleanup) with
-- strong stores, roots and every kind of GC, checked against a model of
-- reachability that knows weak semantics (docs/weak.md):
--   live = reachable from roots, the KeepDuringJob set and the cleanup
--   queue through strong slots, a registry's held values, and ephemerons
--   (a map's value through its key, to a fixpoint); weak slots and WeakRef
--   targets are not edges.
-- After every GC: every object the model says is live is alive; after a
-- full GC started with marking idle, every object it says is dead is dead
-- (exact: no floating garbage outside incremental marking).  Weak slots
-- read their target while it lives and nil after; a map holds exactly the
-- entries whose key lives; cleanups deliver exactly the held values of the
-- cells whose target died, once.  Run with --verify (CTest does).
local TINY = "../../../configs/tiny.yaml"
local SEEDS, STEPS = 10, 1200

local function keyset(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

for seed = 1, SEEDS do
  scenario("random weak operations, seed " .. seed, {config = TINY}, function(heap)
    math.randomseed(seed)
    local objs, maps, refs, regs = {}, {}, {}, {}
    local M = {}        -- object -> {slots = {i -> {weak=bool, v=handle|int}}}
    local rooted = {}   -- object -> root count
    local kept = {}     -- KeepDuringJob, as the model sees it
    local entries = {}  -- map -> {key -> value}
    local cells = {}    -- registry -> list of {target, held, token, state}
    local delivered = {}
    local function pick(list) return list[math.random(#list)] end
    local function new_obj(o) objs[#objs + 1] = o; M[o] = {slots = {}}; return o end

    local function live_set()
      local live, work = {}, {}
      local function mark(o) if type(o) == "userdata" and not live[o] then live[o] = true; work[#work + 1] = o end end
      for o in pairs(rooted) do mark(o) end
      for o in pairs(kept) do mark(o) end
      for reg, list in pairs(cells) do
        for _, c in ipairs(list) do if c.state == "queued" then mark(reg); mark(c.held) end end
      end
      local changed = true
      while changed do
        while #work > 0 do
          local o = table.remove(work)
          for _, s in pairs(M[o] and M[o].slots or {}) do if not s.weak then mark(s.v) end end
          for _, c in ipairs(cells[o] or {}) do if c.state == "active" then mark(c.held) end end
        end
        changed = false
        for m, es in pairs(entries) do
          if live[m] then
            for k, v in pairs(es) do
              if live[k] and type(v) == "userdata" and not live[v] then mark(v); changed = true end
            end
          end
        end
      end
      return live
    end

    local function check(exact)
      local live = live_set()
      for _, o in ipairs(objs) do
        if live[o] then expect(o.alive, "model-live #" .. o.id).to_be(true)
        elseif exact then expect(o.alive, "model-dead #" .. o.id .. " " .. tostring(o.name)).to_be(false) end
      end
      for o, m in pairs(M) do
        if o.alive then
          for i, s in pairs(m.slots) do
            if s.weak then expect(o[i], "weak slot " .. i .. " of #" .. o.id).to_be(s.v.alive and s.v or nil) end
          end
        end
      end
      for m, es in pairs(entries) do
        if m.alive then
          for k in pairs(es) do if not k.alive then es[k] = nil end end
          expect(m:count(), "entries of map #" .. m.id).to_be(keyset(es))
          for k, v in pairs(es) do
            if m.name == "WeakSet" then expect(m:has(k), "set #" .. m.id .. " key #" .. k.id).to_be(true)
            else expect(m:get(k), "map #" .. m.id .. " key #" .. k.id).to_be(v) end
          end
        else
          entries[m] = nil
        end
      end
      for _, r in ipairs(refs) do
        if r.ref.alive then expect(r.ref:deref(), "deref").to_be(r.target.alive and r.target or nil) end
        if r.ref.alive and r.target.alive then kept[r.target] = true end
      end
      for reg, list in pairs(cells) do
        for _, c in ipairs(list) do
          if c.state == "active" and not c.target.alive then c.state = reg.alive and "queued" or "gone" end
        end
      end
    end

    local function drain(n)
      local want = {}
      for _, list in pairs(cells) do
        for _, c in ipairs(list) do if c.state == "queued" then want[#want + 1] = c; c.state = "done" end end
      end
      expect(n, "cleanup callbacks run").to_be(#want)
      local got = {}
      for _, h in ipairs(delivered) do got[tostring(h)] = (got[tostring(h)] or 0) + 1 end
      for _, c in ipairs(want) do
        local k = tostring(c.held)
        expect(got[k], "cleanup of held value " .. k).never.to_be_nil()
        got[k] = got[k] > 1 and got[k] - 1 or nil
      end
      expect(next(got)).to_be_nil()
      delivered = {}
    end

    local function registry()
      local reg
      reg = heap:finalization_registry(function(held)
        if type(held) == "userdata" then expect(held.alive, "a held object during its cleanup").to_be(true) end
        delivered[#delivered + 1] = held
      end)
      cells[reg] = {}
      regs[#regs + 1] = new_obj(reg)
      return reg
    end

    for _ = 1, STEPS do
      local r = math.random(100)
      local gc, exact = nil, heap.marking == "idle"
      local ok, err = pcall(function()
        if r <= 25 or #objs < 6 then
          local o = new_obj(heap:alloc(math.random(0, 3), math.random(30) == 1 and 3000 or 0, "N"))
          if math.random(3) == 1 then heap:root(o); rooted[o] = (rooted[o] or 0) + 1 end
        elseif r <= 40 then -- strong or weak store
          local a, b = pick(objs), pick(objs)
          if not (a.alive and b.alive and a.name == "N" and #a > 0) then return end
          local i = math.random(#a)
          if math.random(2) == 1 then a[i] = b; M[a].slots[i] = {weak = false, v = b}
          else a:set_weak(i, b); M[a].slots[i] = {weak = true, v = b} end
        elseif r <= 43 then
          local a = pick(objs)
          if a.alive and a.name == "N" and #a > 0 then local i = math.random(#a); a[i] = nil; M[a].slots[i] = nil end
        elseif r <= 47 then
          local m = math.random(2) == 1 and heap:weak_map() or heap:weak_set()
          heap:root(m); rooted[m] = 1
          maps[#maps + 1] = new_obj(m); entries[m] = {}
        elseif r <= 58 and #maps > 0 then
          local m, k = pick(maps), pick(objs)
          if not (m.alive and k.alive) then return end
          if m.name == "WeakSet" then m:add(k); entries[m][k] = true
          else
            local v = math.random(3) == 1 and math.random(100) or pick(objs)
            if type(v) == "userdata" and not v.alive then return end
            m:set(k, v); entries[m][k] = v
          end
        elseif r <= 60 and #maps > 0 then
          local m, k = pick(maps), pick(objs)
          if m.alive and k.alive then m:delete(k); entries[m][k] = nil end
        elseif r <= 63 then
          local t = pick(objs)
          if not t.alive then return end
          local ref = heap:weak_ref(t)
          heap:root(ref); rooted[ref] = 1
          refs[#refs + 1] = {ref = new_obj(ref), target = t}
          kept[t] = true
        elseif r <= 65 and #refs > 0 then
          local e = pick(refs)
          if e.ref.alive then
            local t = e.ref:deref()
            if t then kept[t] = true end
          end
        elseif r <= 68 then
          local reg = #regs > 0 and math.random(3) > 1 and pick(regs) or registry()
          local t, tok = pick(objs), pick(objs)
          if not (reg.alive and t.alive) then return end
          local held = math.random(2) == 1 and math.random(1000) or pick(objs)
          if held == t or (type(held) == "userdata" and not held.alive) then return end
          local token = tok.alive and math.random(2) == 1 and tok or nil
          reg:register(t, held, token)
          table.insert(cells[reg], {target = t, held = held, token = token, state = "active"})
          if math.random(2) == 1 and not rooted[reg] then heap:root(reg); rooted[reg] = 1 end
        elseif r <= 69 and #regs > 0 then
          local reg, tok = pick(regs), pick(objs)
          if not (reg.alive and tok.alive) then return end
          local removed = reg:unregister(tok)
          local any = false
          for _, c in ipairs(cells[reg]) do
            if c.token == tok and (c.state == "active" or c.state == "queued") then c.state = "gone"; any = true end
          end
          expect(removed, "unregister").to_be(any)
        elseif r <= 72 then
          local rs = {}
          for o in pairs(rooted) do rs[#rs + 1] = o end
          table.sort(rs, function(x, y) return x.id < y.id end)
          if #rs > 0 then
            local o = pick(rs)
            heap:unroot(o)
            rooted[o] = rooted[o] > 1 and rooted[o] - 1 or nil
          end
        elseif r <= 75 then
          check(false) -- the model's queue, before the cleanups run
          drain(heap:run_cleanup())
        elseif r <= 77 then
          check(false)
          kept = {}
          drain(heap:end_job())
        elseif r <= 84 then heap:scavenge(); gc = "s"
        elseif r <= 88 then heap:full_gc(); gc = "f"
        elseif r <= 90 then heap:mark_compact({strategy = math.random(2) == 1 and "slide" or "evacuate"}); gc = "f"
        elseif r <= 95 then
          if heap.marking == "idle" then heap:incremental_start()
          else heap:incremental_step(math.random(64, 4096)) end
        elseif r <= 96 then
          if heap.marking ~= "idle" then heap:incremental_finish(); gc = "s" end
        end
      end)
      if not ok then
        if not tostring(err):find("out of memory", 1, true) then error(err, 0) end
      elseif gc then
        check(gc == "f" and exact)
      end
    end
    heap:full_gc()
    check(false)
  end)
end
