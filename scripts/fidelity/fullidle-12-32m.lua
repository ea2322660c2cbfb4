-- Fidelity: near the maximum, then idle (node20/fullidle.js, `node
-- --max-old-space-size=32 --trace-gc fullidle.js`, a held-out workload):
--
--   let head = null;
--   for (let i = 0; i < 690000; i++) head = {v: i, next: head};
--   setTimeout(() => console.log(head.v), 12000);
--
-- {v, next} is a literal at its allocation site, 40 bytes, each new one
-- stored into the module's `head` (a context slot the timer's closure
-- shares: slot 1 of a rooted context object here).  The list, 27 MB, and
-- Node's own 3 MB leave the old generation unable to grow by an eighth of
-- its 32 MB maximum, so V8's memory reducer starts at its timer whatever
-- the allocation rate (Heap::ShouldOptimizeForMemoryUsage; "Memory
-- reducer: high alloc, background" with --trace-gc-verbose).  Then the
-- program waits 12 s: heap:idle(12000), then the process exits
-- (event_loop.exit_idle_ms = 1).
--
-- Node's eight runs (fullidle-12-32m.N): 9 Scavenges, a Mark-Compact at
-- 18 MB while the list grows ("finalize incremental marking via stack
-- guard"), one at 29.5 MB that the marking task finishes when the script
-- has ended (the first run: "scavenge might not succeed" while the list
-- grows, and its task's 70 ms later), and two "(reduce)" in the idle
-- time (8.1 s after it, then 0.6 s later; the second freed nothing, so
-- no third).  gclab: the same, with Node's promoted bytes (2078 KB per
-- GC; Node 1930 to 2078).
--
-- The first Mark-Compact decides the list's fate.  It follows the
-- Scavenge that took new space to its maximum and deoptimized the "maybe
-- tenure" site, and reads the site's mementos: V8's first incremental
-- marking runs 3 ms and eleven to eighteen allocation steps before it is
-- complete (`--trace-incremental-marking`: the concurrent markers mark
-- Node's own objects, 3.2 MB, the steps 1.8 MB), so its Mark-Compact finds
-- 1,569 of 19,470 mementos and does not tenure the site, and the list
-- grows young until the marking that the task finishes.  gclab's marking
-- now runs as V8's (docs/fidelity-notes.md, *The first marking's
-- length*): 25 steps, and the same decision.  Before, it was complete at
-- its first step, its Mark-Compact found 2,342 of 2,342 and tenured the
-- site, and gclab's promoted bytes were 1240 KB per GC: outside.
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 6,802nd iteration.
local TIERING = {tiering_allocations = 6802}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local N, IDLE_MS = 690000, 12000

scenario("fullidle: a list of 690,000 {v, next} near a 32 MB old space, then 12 s idle",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "32MiB"}, event_loop = {exit_idle_ms = 1}}, differs = {}},
  function(heap)
    local ctx = heap:root(heap:alloc(1, 0, "(context)"))
    local site = heap:site("{v: i, next: head}")
    local alloc, init = heap.alloc, heap.init_slots
    local head = nil
    for i = 0, N - 1 do
      head = init(heap, alloc(heap, 2, 0, "Object", site), i, head)
      ctx[1] = head
    end
    local burst = heap:events()
    local scavenges, mcs = count_gcs(burst)
    local last_mc
    for _, ev in ipairs(burst) do if ev.kind ~= "Scavenge" then last_mc = ev end end
    expect(scavenges, "Scavenges").to_be(9)
    expect(mcs, "Mark-Compacts while the list grows (Node: 1, the first run 2)").to_be(1)
    expect(heap:site_info(site).decision, "the site (Node: don't tenure)").to_be("dont_tenure")
    local idle = heap:idle(IDLE_MS)
    expect(head[1], "head.v").to_be(N - 1)
    -- The idle time's first GC finishes the marking the list's last
    -- allocations started, by the marking task (Node's at 105 to 159 ms,
    -- gclab's at 93 ms).  Then the memory reducer: at its first timer the
    -- heap is near the maximum, so it starts; the second 0.6 s later (after
    -- its first GC); no third.
    local at_once, reducer = 0, {}
    for _, ev in ipairs(idle) do
      expect(ev.kind, "idle GC " .. ev.seq).to_be("Mark-Compact")
      expect(ev.reason, "idle GC " .. ev.seq).to_be("finalize incremental marking via task")
      if ev.marking_start_us < last_mc.start_us + 1000000 then
        at_once = at_once + 1
        last_mc = ev
      else
        expect(ev.reduce_memory, "idle GC " .. ev.seq .. " (reduce)").to_be(true)
        reducer[#reducer + 1] = ev
      end
    end
    expect(at_once, "the marking task's at the idle time's start").to_be(1)
    expect(#reducer, "the memory reducer's in the idle 12 s").to_be(2)
    expect((reducer[1].marking_start_us - last_mc.start_us) / 1000, "the first, ms after the list's last")
      .to_be_between(8000, 8300)
    expect((reducer[2].marking_start_us - reducer[1].start_us - reducer[1].pause_us) / 1000,
      "the second, ms after the first").to_be_between(590, 610)
    record("burst_mcs", mcs)
    -- `head` is the module's: dead once the timer's callback has run
    heap:unroot(ctx)
  end)
