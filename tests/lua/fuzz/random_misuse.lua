-- random_misuse.lua -- random programs that mix valid operations with API
-- misuse, to show that misuse is refused with the documented message
-- (docs/lua-api.md, "Errors" and "Lifetimes"; docs/weak.md) and leaves every
-- heap working.  Valid steps: alloc, alloc_old, alloc_many, alloc_external, strong and weak
-- stores, set_slots/init_slots, loads, root/unroot, scopes (nested, left by
-- an error), WeakMap/WeakSet/WeakRef/FinalizationRegistry and their
-- operations, every kind of GC, incremental marking, heap:idle, an on_gc
-- that allocates, cleanup callbacks that allocate, collect and run
-- cleanups, coroutines.  Misuse steps: dead handles, handles of a second
-- heap, a closed heap and its handles (closed directly, inside the first
-- heap's on_gc, inside a __gc finalizer -- also one running inside its own
-- on_gc --, inside its FinalizationRegistry cleanup, inside a scope and a
-- coroutine, by <close>; a close inside its own on_gc is refused), stores
-- into weak objects' internal slots, weak methods on the wrong kind of
-- object, methods on the wrong self, wrong argument types and counts,
-- errors raised inside on_gc, scope bodies and cleanup callbacks, a yield
-- in a scope body, and running out of memory.  Each misuse must raise an
-- error holding the stable part of its message.  At the end some programs
-- close the scenario's own heap, at once or in a finalizer, which the
-- runner must then leave alone.
--
-- A shadow model (the rooted objects, what each one's slots hold, strong
-- or weak; map entries; WeakRef targets; cleanups owed) is checked after
-- every GC and every misuse step.  CTest runs the directory under --verify,
-- so every GC is verified too.
--
-- Bounded in CI: SEEDS seeds of STEPS steps (about 3 s; 10 s under ASan).
-- Longer on demand: GCLAB_MISUSE=N runs N seeds (1..N) of 4 x STEPS steps,
-- e.g.
--   GCLAB_MISUSE=100 ./build/gclab run --verify tests/lua/fuzz/random_misuse.lua
-- Seeds are fixed: a failure names its seed and reproduces.
local TINY = "../../../configs/tiny.yaml"
local SEEDS, STEPS = 8, 4000
local long = tonumber(os.getenv("GCLAB_MISUSE") or "")
local seeds = long and math.max(1, math.floor(long)) or SEEDS
local steps = long and 4 * STEPS or STEPS

local ORDINARY = {N = true, Old = true, Many = true, Scoped = true, FromOnGc = true, Co = true}

local function is_oom(err)
  return tostring(err):find("JavaScript heap out of memory", 1, true) ~= nil
end

-- f(...) must fail with an error containing `text`; returns the message.
local function refuses(what, text, f, ...)
  local ok, err = pcall(f, ...)
  expect(ok, what .. " must be refused").to_be(false)
  expect(tostring(err), what).to_contain(text)
  return tostring(err)
end

for seed = 1, seeds do
  scenario("random misuse, seed " .. seed, {config = TINY}, function(heap)
    math.randomseed(seed)
    local tiny = SCENARIO_DIR .. "/" .. TINY
    local objs = {}                    -- handles of `heap` the program looks at (may die)
    local roots, nroots = {}, {}       -- rooted objects (a list, for picking), their root counts
    local shadow = {}                  -- rooted ordinary object -> {slot -> value | false | {weak = h}}
    local maps, entries = {}, {}       -- WeakMaps/WeakSets (rooted when made); map -> {key -> value}
    local refs = {}                    -- WeakRefs (rooted when made): {ref, target}
    local regs, owed = {}, {}          -- registries (rooted when made); held value -> true until its cleanup ran
    local cleanups, ongc_calls, next_held = 0, 0, 0
    local function pick(list) return list[math.random(#list)] end
    local function note(o) objs[#objs + 1] = o; return o end
    local function live_ordinary()
      for _ = 1, 8 do
        local o = #objs > 0 and pick(objs)
        if o and o.alive and ORDINARY[o.name] then return o end
      end
    end
    local function dead_handle()
      for _ = 1, 16 do
        local o = #objs > 0 and pick(objs)
        if o and not o.alive then return o end
      end
    end

    -- the default on_gc allocates, and sometimes keeps what it made in view
    local function allocating_on_gc(ev)
      ongc_calls = ongc_calls + 1
      expect(ev.seq, "event seq").to_be_greater_than(0)
      for _ = 1, math.random(0, 2) do
        local o = heap:alloc(1, 0, "FromOnGc")
        if math.random(4) == 1 then note(o) end
      end
    end
    heap:on_gc(allocating_on_gc)

    -- the model -------------------------------------------------------------
    local function root(o)
      heap:root(o)
      if not nroots[o] then
        roots[#roots + 1] = o
        if ORDINARY[o.name] then shadow[o] = {} end
      end
      nroots[o] = (nroots[o] or 0) + 1
      return o
    end
    local function unroot_at(i)
      local o = roots[i]
      heap:unroot(o)
      nroots[o] = nroots[o] - 1
      if nroots[o] == 0 then
        nroots[o], shadow[o] = nil, nil
        table.remove(roots, i)
      end
    end
    local function record(a, i, v)
      if shadow[a] then shadow[a][i] = v == nil and false or v end
    end

    local function check()
      for _, o in ipairs(roots) do expect(o.alive, "rooted object #" .. o.id).to_be(true) end
      for o, slots in pairs(shadow) do
        for i, v in pairs(slots) do
          local label = "slot " .. i .. " of #" .. o.id
          if v == false then expect(o[i], label).to_be_nil()
          elseif type(v) == "table" then expect(o[i], label .. " (weak)").to_be(v.weak.alive and v.weak or nil)
          else
            expect(o[i], label).to_be(v)
            if type(v) == "userdata" then expect(v.alive, label .. " holds a live object").to_be(true) end
          end
        end
      end
      for _, m in ipairs(maps) do -- an unrooted map may have died
        local es = entries[m]
        for k, v in pairs(m.alive and es or {}) do
          if not k.alive then es[k] = nil
          elseif m.name == "WeakSet" then expect(m:has(k), "set #" .. m.id .. " key #" .. k.id).to_be(true)
          else expect(m:get(k), "map #" .. m.id .. " key #" .. k.id).to_be(v) end
        end
      end
      for _, r in ipairs(refs) do
        if r.ref.alive then
          local alive = r.target.alive
          expect(r.ref:deref(), "deref of WeakRef #" .. r.ref.id).to_be(alive and r.target or nil)
        end
      end
    end

    -- a second heap, replaced when closed --------------------------------------
    local other, theirs
    local function new_other()
      other = gclab.heap(tiny)
      theirs = {other:root(other:alloc(2, 0, "Theirs"))} -- the others may die at once (--stress)
      for _ = 1, math.random(0, 3) do theirs[#theirs + 1] = other:alloc(math.random(0, 2), 0, "Theirs") end
      theirs[#theirs + 1] = other:root(other:weak_map())
    end
    new_other()

    -- valid operations ---------------------------------------------------------
    local valid = {}
    local step
    function valid.alloc()
      local big = math.random(40) == 1
      local o = note(heap:alloc(math.random(0, 4), big and math.random(2100, 6000) or 0, "N"))
      if math.random(3) == 1 then root(o) end
    end
    function valid.alloc_old()
      local o = note(heap:alloc_old(math.random(0, 3), 0, "Old"))
      if math.random(2) == 1 then root(o) end
    end
    function valid.alloc_external() -- a young owner of bytes outside the heap (may run GCs after it)
      local o = note(heap:alloc_external(math.random(1, 1 << 22), math.random(0, 2), 88, "ArrayBuffer"))
      if math.random(3) == 1 then root(o) end
    end
    function valid.alloc_many()
      for _, o in ipairs(heap:alloc_many(math.random(1, 6), math.random(0, 2), 0, "Many")) do note(o) end
    end
    function valid.store()
      local a, b = live_ordinary(), #objs > 0 and pick(objs)
      if not (a and #a > 0) then return end
      local i, kind = math.random(#a), math.random(4)
      if kind == 1 then a[i] = nil; record(a, i, nil)
      elseif kind == 2 then local n = math.random(-1000, 1000); a[i] = n; record(a, i, n)
      elseif b.alive then a[i] = b; record(a, i, b)
      end
    end
    function valid.store_weak()
      local a, b = live_ordinary(), #objs > 0 and pick(objs)
      if not (a and #a > 0 and b.alive) then return end
      local i = math.random(#a)
      a:set_weak(i, b)
      record(a, i, {weak = b})
    end
    function valid.set_slots()
      local a = live_ordinary()
      if not (a and #a > 0) then return end
      local n, vs, holes = math.random(#a), {}, false
      for i = 1, n do
        local b = pick(objs)
        vs[i] = math.random(2) == 1 and i * 7 or (b.alive and b or nil)
        holes = holes or vs[i] == nil
      end
      local init = math.random(2) == 1
      if holes or math.random(2) == 1 then -- the list form stores 1..#list: no holes there
        if init then heap:init_slots(a, table.unpack(vs, 1, n)) else heap:set_slots(a, table.unpack(vs, 1, n)) end
      elseif init then heap:init_slots(a, vs)
      else heap:set_slots(a, vs) end
      for i = 1, n do record(a, i, vs[i]) end
    end
    function valid.load()
      if #roots == 0 then return end
      local o = pick(roots)
      local slots = shadow[o]
      if not slots or #o == 0 then return end
      local i = math.random(#o)
      local v, want = o[i], slots[i]
      if want == false then expect(v, "load of an emptied slot").to_be_nil()
      elseif type(want) == "table" then expect(v, "load of a weak slot").to_be(want.weak.alive and want.weak or nil)
      elseif want ~= nil then expect(v, "load").to_be(want) end
    end
    function valid.root()
      local o = #objs > 0 and pick(objs)
      if o and o.alive then root(o) end
    end
    function valid.unroot()
      if #roots > 0 then unroot_at(math.random(#roots)) end
    end
    function valid.scope()
      local ok, err = pcall(heap.scope, heap, function(h, arg)
        expect(h).to_be(heap)
        expect(arg).to_be("arg")
        for _ = 1, math.random(1, 8) do
          local o = note(heap:alloc(math.random(0, 2), 0, "Scoped"))
          expect(o.rooted, "allocated in a scope").to_be(true)
          if math.random(6) == 1 then root(o) end
        end
        if math.random(4) == 1 then step() end -- scopes nest
        if math.random(8) == 1 then error("leaves the scope", 0) end
      end, "arg")
      if not ok and err ~= "leaves the scope" then error(err, 0) end
    end
    function valid.weak_collection()
      local m = root(note(math.random(2) == 1 and heap:weak_map() or heap:weak_set()))
      maps[#maps + 1] = m
      entries[m] = {}
    end
    function valid.map_op()
      if #maps == 0 then return end
      local m, k = pick(maps), pick(objs)
      if not (m.alive and k.alive) then return end
      local r = math.random(4)
      if r <= 2 then
        if m.name == "WeakSet" then m:add(k); entries[m][k] = true
        else
          local v = math.random(2) == 1 and math.random(-50, 50) or pick(objs)
          if type(v) == "userdata" and not v.alive then return end
          m:set(k, v); entries[m][k] = v
        end
      elseif r == 3 then
        expect(m:delete(k), "delete").to_be(entries[m][k] ~= nil)
        entries[m][k] = nil
      else
        expect(m:has(k), "has").to_be(entries[m][k] ~= nil)
      end
    end
    function valid.weak_ref()
      local t = pick(objs)
      if not t.alive then return end
      refs[#refs + 1] = {ref = root(note(heap:weak_ref(t))), target = t}
    end
    function valid.registry()
      local reg = #regs > 0 and math.random(3) > 1 and pick(regs)
      if not reg then
        reg = root(note(heap:finalization_registry(function(held)
          expect(owed[held], "cleanup of held value " .. tostring(held) .. ", once").to_be(true)
          owed[held] = nil
          cleanups = cleanups + 1
          local r = math.random(12) -- a cleanup may use the heap: allocate, collect, run cleanups
          if r == 1 then note(heap:alloc(1, 0, "N"))
          elseif r == 2 then heap:scavenge()
          elseif r == 3 then heap:full_gc()
          elseif r == 4 then heap:run_cleanup() end
        end)))
        regs[#regs + 1] = reg
      end
      local t = math.random(2) == 1 and note(heap:alloc(0, 0, "N")) or pick(objs) -- a fresh one dies soon
      local tok = pick(objs)
      if not (reg.alive and t.alive) then return end
      next_held = next_held + 1
      owed[next_held] = true -- first: an on_gc running out of memory may fail the call after the cell is made
      reg:register(t, next_held, tok.alive and tok ~= t and tok or nil)
      if math.random(5) == 1 and tok.alive then reg:unregister(tok) end -- its cells' values are never owed again
    end
    function valid.cleanup()
      if math.random(2) == 1 then heap:run_cleanup() else heap:end_job() end
    end
    function valid.gc()
      local r = math.random(6)
      if r == 1 then heap:scavenge()
      elseif r == 2 then heap:scavenge({force = true})
      elseif r == 3 then heap:mark_sweep()
      elseif r == 4 then heap:mark_compact({strategy = math.random(2) == 1 and "slide" or "evacuate"})
      else heap:full_gc() end
      check()
    end
    function valid.incremental()
      if heap.marking == "idle" then heap:incremental_start()
      elseif math.random(4) == 1 then heap:incremental_finish(); check()
      else heap:incremental_step(math.random(64, 4096)) end
    end
    function valid.idle()
      heap:idle(math.random(0, 3) * 10)
      check()
    end
    function valid.coroutine()
      local co = coroutine.create(function()
        for _ = 1, math.random(1, 4) do
          note(heap:alloc(math.random(0, 2), 0, "Co"))
          coroutine.yield()
          if math.random(5) == 1 then heap:scope(function() heap:alloc(1); error("dies in a scope", 0) end) end
        end
      end)
      while coroutine.status(co) == "suspended" do
        local ok, err = coroutine.resume(co)
        if not ok then
          if err ~= "dies in a scope" then error(err, 0) end
          break
        end
        if math.random(6) == 1 then break end -- left suspended, never resumed
      end
    end
    function valid.prune()
      if #objs > 200 then for _ = 1, 100 do table.remove(objs, math.random(#objs)) end end
      while #roots > 60 do unroot_at(math.random(#roots)) end
    end
    local VALID = {
      {valid.alloc, 14}, {valid.alloc_old, 3}, {valid.alloc_many, 3}, {valid.alloc_external, 2}, {valid.store, 12},
      {valid.store_weak, 4}, {valid.set_slots, 3}, {valid.load, 6}, {valid.root, 4}, {valid.unroot, 3},
      {valid.scope, 6}, {valid.weak_collection, 2}, {valid.map_op, 6}, {valid.weak_ref, 2},
      {valid.registry, 4}, {valid.cleanup, 2}, {valid.gc, 8}, {valid.incremental, 5}, {valid.idle, 1},
      {valid.coroutine, 3}, {valid.prune, 2},
    }

    -- misuse -------------------------------------------------------------------
    -- Every call is made inside a closure with method syntax, as a script
    -- writes it, so that the messages name the method and count arguments
    -- as lauxlib does (self not counted).
    local function with_on_gc(fn, body) -- on_gc replaced for one call, restored whatever happens
      heap:on_gc(fn)
      local ok, err = pcall(body)
      heap:on_gc(allocating_on_gc)
      if not ok then error(err, 0) end
    end

    local misuse = {}
    function misuse.dead()
      local d = dead_handle()
      if not d then return end
      expect(math.type(d.id), "a dead handle's id").to_be("integer")
      local live = live_ordinary()
      local m = #maps > 0 and pick(maps)
      local reg = #regs > 0 and pick(regs)
      local r = math.random(10)
      if r == 1 then refuses("slot read of a dead object", "is dead", function() return d[1] end)
      elseif r == 2 then refuses("slot write into a dead object", "is dead", function() d[1] = 1 end)
      elseif r == 3 then refuses("heap:root of a dead object", "is dead", function() heap:root(d) end)
      elseif r == 4 then refuses("h.space of a dead object", "is dead", function() return d.space end)
      elseif r == 5 then refuses("#h of a dead object", "is dead", function() return #d end)
      elseif r == 6 and live and #live > 0 then
        refuses("storing a dead object", "is dead", function() live[1] = d end)
      elseif r == 7 then refuses("heap:weak_ref of a dead object", "is dead", function() heap:weak_ref(d) end)
      elseif r == 8 and m and m.alive then
        if m.name == "WeakSet" then refuses("set:add of a dead key", "is dead", function() m:add(d) end)
        else refuses("map:set of a dead key", "is dead", function() m:set(d, 1) end) end
      elseif r == 9 and reg and reg.alive then
        refuses("registry:register of a dead target", "is dead", function() reg:register(d, 1) end)
      elseif r == 10 and live and #live > 0 then
        refuses("set_weak to a dead object", "is dead", function() live:set_weak(1, d) end)
      else
        refuses("a method of a dead object", "is dead", function() return d:deref() end)
      end
      refuses("heap:unroot of a dead object", "was not rooted", function() heap:unroot(d) end)
    end

    function misuse.other_heap()
      local x = pick(theirs)
      local live = live_ordinary()
      local m = #maps > 0 and pick(maps)
      local r = math.random(7)
      if r == 1 then refuses("heap:root of another heap's handle", "belongs to", function() heap:root(x) end)
      elseif r == 2 and live and #live > 0 then
        refuses("storing another heap's handle", "belongs to", function() live[1] = x end)
      elseif r == 3 and live then
        refuses("heap:set_slots with another heap's handle", "belongs to", function() heap:set_slots(live, x) end)
      elseif r == 4 and m and m.alive then
        refuses("a WeakMap/WeakSet key of another heap", "belongs to", function() return m:has(x) end)
      elseif r == 5 then
        refuses("heap:weak_ref of another heap's object", "belongs to", function() heap:weak_ref(x) end)
      elseif r == 6 and live then
        refuses("the other heap rooting this heap's handle", "belongs to", function() other:root(live) end)
      else
        local om = theirs[#theirs]
        if om.alive and live then
          refuses("a key of this heap in the other heap's map", "belongs to", function() om:set(live, 1) end)
        end
      end
    end

    -- close the other heap in one of the documented ways
    local function close_other()
      local how = math.random(7)
      local h = other
      if how == 1 then h:close()
      elseif how == 2 then -- inside this heap's on_gc: another heap may be closed there
        with_on_gc(function(ev) allocating_on_gc(ev); if not h.closed then h:close() end end,
          function() heap:scavenge() end)
        check()
      elseif how == 3 then -- inside a __gc finalizer: deferred to the next safe point
        setmetatable({}, {__gc = function() h:close() end})
        collectgarbage()
        collectgarbage()
      elseif how == 4 then -- a __gc finalizer running inside its own on_gc
        h:on_gc(function()
          if not h.closed then setmetatable({}, {__gc = function() h:close() end}); collectgarbage() end
        end)
        h:scavenge()
      elseif how == 5 then -- its FinalizationRegistry cleanup: run_cleanup stops there
        local reg = h:root(h:finalization_registry(function() h:close() end))
        reg:register(h:alloc(0), 1)
        reg:register(h:alloc(0), 2)
        h:full_gc()
        expect(h:run_cleanup(), "cleanups run before the close").to_be(1)
      elseif how == 6 then -- inside one of its scopes
        h:scope(function() theirs[#theirs + 1] = h:alloc(1, 0, "Theirs"); h:close() end)
      else -- inside a coroutine, with a scope open, then an error
        local co = coroutine.wrap(function()
          h:scope(function() h:alloc(1); h:close(); error("after the close", 0) end)
        end)
        refuses("an error after closing inside a coroutine", "after the close", co)
      end
      expect(h.closed, "closed (way " .. how .. ")").to_be(true)
      expect(tostring(h)).to_contain("(closed)")
    end

    function misuse.closed_heap()
      if math.random(3) == 1 then -- its own on_gc may not close it
        other:on_gc(function() other:close() end)
        refuses("closing a heap inside its on_gc", "not allowed inside an on_gc callback",
          function() other:scavenge() end)
        other:on_gc(nil)
        expect(other.closed).to_be(false)
      end
      close_other()
      local h, x, om = other, pick(theirs), theirs[#theirs]
      expect(x.alive, "a handle of a closed heap").to_be(false)
      expect(math.type(x.id)).to_be("integer")
      expect(x.name).to_be_nil()
      expect(tostring(x)).to_contain("closed")
      local calls = {
        function() return h:alloc(1) end, function() return h:scavenge() end, function() return h:full_gc() end,
        function() return h:stats() end, function() return h:weak_map() end, function() return h:run_cleanup() end,
        function() return h:incremental_start() end, function() return h:idle(1) end,
        function() return h:compute(1) end,
        function() return h:scope(function() end) end, function() return h.marking end,
        function() return h:root(x) end, function() return x[1] end, function() x[1] = 1 end,
        function() return x.space end, function() return #x end, function() return h:on_gc(print) end,
        function() return x:set_weak(1, x) end, function() return om:set(x, 1) end,
      }
      refuses("a closed heap or its handle", "is closed", pick(calls))
      h:close() -- twice is fine
      refuses("a closed heap's handle in this heap", "belongs to", function() heap:root(x) end)
      do
        local scoped <close> = gclab.heap(tiny)
        x = scoped:alloc(1)
      end
      refuses("a handle of a heap closed by <close>", "is closed", function() return x[1] end)
      new_other()
    end

    function misuse.weak_internals()
      local kinds = {}
      if #maps > 0 then kinds[#kinds + 1] = pick(maps) end
      if #regs > 0 then kinds[#kinds + 1] = pick(regs) end
      if #refs > 0 then kinds[#kinds + 1] = pick(refs).ref end
      local w = #kinds > 0 and pick(kinds)
      if not (w and w.alive) then return end
      local k = live_ordinary() or w
      local r = math.random(5)
      if r == 1 then refuses("a store into " .. w.name, "belong to the engine", function() w[1] = k end)
      elseif r == 2 then refuses("a store into " .. w.name, "belong to the engine", function() w[1] = nil end)
      elseif r == 3 then
        refuses("heap:set_slots into " .. w.name, "belong to the engine", function() heap:set_slots(w, 1) end)
      elseif r == 4 then -- a method of w's kind called on an ordinary object
        local f = (w.name == "WeakRef" and w.deref) or (w.name == "FinalizationRegistry" and w.cells) or w.count
        if k ~= w then refuses("a " .. w.name .. " method on an ordinary object", "an ordinary object", function() return f(k) end) end
      else
        local inner = w[1] -- a table or a cell (a WeakRef's target is ordinary)
        if type(inner) == "userdata" and (inner.name == "EphemeronHashTable" or inner.name == "WeakCell") then
          refuses("a store into " .. inner.name, "belong to the engine", function() inner[1] = 0 end)
        end
      end
    end

    local NAN, HUGE, BIG = 0 / 0, math.huge, 2 ^ 63
    local BAD_SLOT_COUNTS = {"x", 1.5, -1, NAN, HUGE, -HUGE, BIG, math.maxinteger, {}, true}
    local BAD_INDEXES = {0, -1, math.maxinteger, math.mininteger}
    local NOT_INDEXES = {1.5, NAN, HUGE, BIG, true, {}}
    local BAD_VALUES = {{1.5, "no integer representation"}, {NAN, "no integer representation"},
                        {HUGE, "no integer representation"}, {2 ^ 31, "out of Smi range"},
                        {math.mininteger, "out of Smi range"}, {"x", "expected a handle, an integer or nil"},
                        {{}, "expected a handle, an integer or nil"}, {true, "expected a handle, an integer or nil"}}
    local NOT_HANDLES = {false, 42, "x", {}, 1.5, NAN}
    local TAKES_HANDLE = {
      root = function(...) return heap:root(...) end,
      unroot = function(...) return heap:unroot(...) end,
      weak_ref = function(...) return heap:weak_ref(...) end,
    }
    function misuse.arguments()
      local r = math.random(18)
      local o = live_ordinary()
      local m = #maps > 0 and pick(maps)
      local reg = #regs > 0 and pick(regs)
      if r == 1 then
        local v = pick(BAD_SLOT_COUNTS)
        refuses("alloc's slot count", "bad argument #1 to 'alloc'", function() return heap:alloc(v) end)
      elseif r == 2 then
        local v = pick({-8, "x", NAN, 1.5, {}})
        refuses("alloc's byte size", "bad argument #2 to 'alloc'", function() return heap:alloc(1, v) end)
      elseif r == 3 then
        local v = pick({8, math.maxinteger})
        refuses("alloc's byte size", "heap:alloc: bytes", function() return heap:alloc(2, v) end)
      elseif r == 4 then
        local v = pick({{}, true, print})
        refuses("alloc's type name", "bad argument #3 to 'alloc'", function() return heap:alloc(1, 0, v) end)
      elseif r == 5 then
        local v = pick({0, -1, 99999, 1.5, NAN, "x"})
        refuses("alloc's site", "bad argument #4 to 'alloc'", function() return heap:alloc(1, 0, "N", v) end)
      elseif r == 6 then
        refuses("alloc without arguments", "bad argument #1 to 'alloc'", function() return heap:alloc() end)
      elseif r == 7 then
        refuses("alloc without the heap", "gclab heap expected", function() return heap.alloc(3) end)
      elseif r == 8 and o then
        local i = pick(BAD_INDEXES)
        refuses("a slot index", "out of range", function() return o[i] end)
      elseif r == 9 and o then
        local i = pick(NOT_INDEXES)
        refuses("a slot index", "expected a slot number", function() o[i] = 1 end)
      elseif r == 10 and o and #o > 0 then
        local bad = pick(BAD_VALUES)
        refuses("a slot value", bad[2], function() o[1] = bad[1] end)
      elseif r == 11 and o then
        local i = pick({0, #o + 1, 1.5, NAN, "x"})
        refuses("set_weak's index", "set_weak", function() o:set_weak(i, o) end)
        if #o > 0 then
          local t = pick({42, "x", {}, true})
          refuses("set_weak's target", "bad argument #2 to 'set_weak'", function() o:set_weak(1, t) end)
        end
      elseif r == 12 then
        local which = pick({"root", "unroot", "weak_ref"})
        local v = NOT_HANDLES[math.random(#NOT_HANDLES)] -- false: no argument at all
        local msg = refuses(which .. "'s argument", "bad argument #1 to '" .. which .. "'", function()
          return TAKES_HANDLE[which](table.unpack({v}, 1, v == false and 0 or 1))
        end)
        expect(msg).to_contain(v == false and "got no value" or "gclab handle expected")
      elseif r == 13 then
        local v = pick({42, "x", {}})
        refuses("scope's function", "bad argument #1 to 'scope'", function() return heap:scope(v) end)
        refuses("finalization_registry's function", "bad argument #1 to 'finalization_registry'",
          function() return heap:finalization_registry(v) end)
        refuses("finalization_registry without a function", "got no value", function() return heap:finalization_registry() end)
      elseif r == 14 and m and m.alive then
        if m.name == "WeakMap" and o then
          local bad = pick(BAD_VALUES)
          refuses("map:set's value", "map:set (value)", function() m:set(o, bad[1]) end)
        end
        local k = pick({42, "x", {}})
        refuses("a key that is no handle", "gclab handle expected", function() return m:has(k) end)
        refuses("a lookup without a key", "got no value", function() return m:delete() end)
      elseif r == 15 and reg and reg.alive and o then
        refuses("a held value that is the target", "must not be the target itself", function() reg:register(o, o) end)
        refuses("a held value that is a table", "registry:register (held value)", function() reg:register(o, {}) end)
      elseif r == 16 and o and not nroots[o] then
        refuses("heap:unroot of an object never rooted", "was not rooted", function() heap:unroot(o) end)
      elseif r == 17 and o then -- a heap method called on a handle, a handle method on a heap
        local alloc, set_weak = heap.alloc, o.set_weak
        refuses("a heap method on a handle", "gclab heap expected", function() return alloc(o, 1) end)
        refuses("a handle method on a heap", "gclab handle expected", function() return set_weak(heap, 1, o) end)
      else
        local c = math.random(6)
        if c == 1 then
          local v = pick({0, -1})
          refuses("a step budget", "step budget", function() heap:incremental_step(v) end)
        elseif c == 2 then
          refuses("a strategy", "strategy must be", function() heap:mark_compact("sideways") end)
        elseif c == 3 then
          local v = pick({-1, NAN, "x"})
          if math.random(2) == 1 then
            refuses("idle's milliseconds", "bad argument #1 to 'idle'", function() heap:idle(v) end)
          else
            refuses("compute's nanoseconds", "bad argument #1 to 'compute'", function() heap:compute(v) end)
          end
        elseif c == 4 then
          local v = pick({-1, NAN})
          refuses("alloc_many's count", "bad argument #1 to 'alloc_many'", function() heap:alloc_many(v, 1) end)
        elseif c == 5 then
          refuses("alloc_external's bytes", "external bytes must be 1..2^50",
            function() heap:alloc_external(pick({0, -1, 1 << 51}), 1) end)
        else
          refuses("alloc_old's site", "takes no allocation site", function() heap:alloc_old(1, 0, "Old", 1) end)
        end
      end
    end

    function misuse.callback_errors()
      local r = math.random(4)
      if r == 1 then -- an error in on_gc propagates out of the call that caused the GC
        with_on_gc(function() error("on_gc fails", 0) end,
          function() refuses("a GC whose on_gc fails", "on_gc fails", function() heap:scavenge() end) end)
      elseif r == 2 then -- collections inside on_gc are refused
        with_on_gc(function() heap:full_gc() end, function()
          refuses("a GC inside on_gc", "not allowed inside an on_gc callback", function() heap:scavenge() end)
        end)
      elseif r == 3 then -- an error in a scope body: the scope closes, the error goes on
        local inner
        refuses("an error in a scope body", "scope fails", function()
          heap:scope(function() inner = heap:alloc(1, 0, "Scoped"); error("scope fails", 0) end)
        end)
        expect(inner.rooted, "the scope closed").to_be(false)
      else -- a yield inside a scope body
        local co = coroutine.wrap(function() heap:scope(function() coroutine.yield() end) end)
        refuses("a yield in a scope body", "the scope body yielded", co)
      end
      check()
    end

    -- an error in a cleanup callback propagates out of run_cleanup (its cell is gone)
    function misuse.cleanup_error()
      local reg = heap:root(heap:finalization_registry(function() error("cleanup fails", 0) end))
      reg:register(heap:alloc(0, 0, "N"), 0)
      if heap.marking ~= "idle" then heap:incremental_finish() end -- no floating garbage
      heap:full_gc()
      check()
      refuses("a cleanup callback that fails", "cleanup fails", function() for _ = 1, 100 do heap:run_cleanup() end end)
      expect(select(2, reg:cells()), "its cell is gone").to_be(0)
      heap:unroot(reg)
    end

    -- out of memory, in this heap or the other, with the old generation's
    -- maximum lowered for a while: the heap stays usable
    function misuse.out_of_memory()
      local h = math.random(2) == 1 and other or heap
      local max, st = h.config.old_space.max_size, h:stats()
      h:set_old_max(math.max(st.old.size + st.large.size + 256 * 1024, 512 * 1024))
      local head = h:root(h:alloc(1, 0, "Chain"))
      refuses("a chain to out of memory", "JavaScript heap out of memory", function()
        local cur = head
        for _ = 1, 100000 do local n = h:alloc(1, 512, "Chain"); cur[1] = n; cur = n end
      end)
      h:unroot(head)
      if h.marking ~= "idle" then h:incremental_finish() end
      h:full_gc()
      h:set_old_max(max)
      if h == heap then check() end
      expect(h:alloc(1).alive, "an allocation after the out of memory").to_be(true)
    end

    local MISUSE = {
      {misuse.dead, 6}, {misuse.other_heap, 4}, {misuse.closed_heap, 2}, {misuse.weak_internals, 3},
      {misuse.arguments, 8}, {misuse.callback_errors, 3}, {misuse.cleanup_error, 1}, {misuse.out_of_memory, 0.3},
    }

    local function chooser(list)
      local total = 0
      for _, e in ipairs(list) do total = total + e[2] end
      return function()
        local x = math.random() * total
        for _, e in ipairs(list) do
          x = x - e[2]
          if x <= 0 then return e[1] end
        end
        return list[#list][1]
      end
    end
    local pick_valid, pick_misuse = chooser(VALID), chooser(MISUSE)
    step = function() pick_valid()() end

    local misused = 0
    for n = 1, steps do
      local ok, err
      if n == steps // 2 then -- once per program at least
        ok, err = pcall(misuse.out_of_memory)
      elseif #objs < 4 then
        ok, err = pcall(valid.alloc)
      elseif math.random(100) <= 70 then
        ok, err = pcall(step)
      else
        ok, err = pcall(pick_misuse())
        if ok then misused = misused + 1; check() end
      end
      if not ok then
        if not is_oom(err) then error("step " .. n .. ": " .. tostring(err), 0) end
        -- the valid program filled the heap: drop half the roots
        -- a map:set whose on_gc ran out of memory made its entry: stop modelling the maps
        for i = #maps, 1, -1 do maps[i] = nil end
        for _ = 1, #roots // 2 do unroot_at(math.random(#roots)) end
        if heap.marking ~= "idle" then heap:incremental_finish() end
        heap:full_gc()
        check()
      end
    end
    expect(misused, "misuse steps").to_be_greater_than(steps // 5)
    expect(ongc_calls, "on_gc ran").to_be_greater_than(0)

    heap:on_gc(nil)
    if heap.marking ~= "idle" then heap:incremental_finish() end
    heap:full_gc()
    check()
    heap:end_job()
    expect(heap:verify()).to_be(true)
    other:close()
    -- the runner ends the job of, verifies and closes every heap still open:
    -- a heap closed here, at once or by a finalizer, is left alone
    if seed % 3 == 1 then heap:close()
    elseif seed % 3 == 2 then
      setmetatable({}, {__gc = function() heap:close() end})
      collectgarbage()
      collectgarbage()
    end
    expect(heap.closed, "the scenario's heap closed").to_be(seed % 3 ~= 0)
  end)
end
