-- Fidelity: a server-like loop that goes idle (node20/idle.js, trace
-- node20/idle.trace, `node --trace-gc idle.js`):
--
--   const sessions = []; let served = 0;
--   function handle() {
--     let tmp = null;
--     for (let i = 0; i < 20000; i++) {
--       tmp = { id: i, next: tmp };
--       if (i % 100 === 0) sessions.push(tmp);
--     }
--     if (++served < 40) setImmediate(handle);
--     else setTimeout(() => console.log(sessions.length), 12000);
--   }
--
-- {id, next} is heap:alloc(2) (40 bytes).  The object pushed at i = 19900
-- holds the whole chain before it, so 19901 of every request's 20000
-- objects stay alive (sessions keeps them): 796040 objects, 32 MB.  `tmp` is rooted (a
-- local), `sessions` is a JSArray (lib/jsarray.lualib).  Node runs Scavenges
-- from a task between requests ("task": V8's ScavengeJob, when new space
-- is 80% full at a turn of the event loop) and then idles 12 s:
-- heap:idle(0) after each request, heap:idle(12000) at the end
-- (docs/lua-api.md, *The event loop*).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): handle()'s loop's OSR compile starts in
-- its first call, at its 5,313th iteration.
local TIERING = {tiering_allocations = 5313}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")

scenario("idle: 40 requests keep their 20000-object chains, then 12 s idle",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING}, differs = {}}, function(heap)
    local sessions = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
    local tmp = heap:root(heap:alloc(1, 0, "Local"))   -- the local `tmp`
    local site = heap:site("{id: i, next: tmp}")
    for _ = 1, 40 do
      for i = 0, 19999 do
        local o = heap:alloc(2, 0, "Request", site)
        o[2] = tmp[1]
        tmp[1] = o
        if i % 100 == 0 then J.push(sessions, o) end
      end
      tmp[1] = nil   -- handle() returns: its local `tmp` is gone
      heap:idle(0)   -- setImmediate: the event loop turns; V8's pending tasks run
    end
    local idle_gcs = heap:idle(12000)   -- setTimeout(..., 12000)
    expect(sessions.length, "sessions.length").to_be(8000)
    local st = heap:stats()
    expect(st.old.objects + st.new.objects + st.large.objects, "live objects").to_be_at_least(40 * 19901)
    local tasks = 0
    for _, ev in ipairs(heap:events()) do
      expect(ev.kind, "GC " .. ev.seq .. " kind").to_be("Scavenge")
      if ev.reason == "task" then tasks = tasks + 1 end
    end
    -- Node: 7 of its 11 Scavenges are "task"; no Mark-Compact ran, so the
    -- memory reducer never started and the 12 s idle collects nothing.
    expect(tasks, "Scavenges from the scavenge task").to_be_at_least(1)
    expect(#idle_gcs, "GCs in the 12 s idle").to_be(0)
    record("gcs", #heap:events())
  end)
