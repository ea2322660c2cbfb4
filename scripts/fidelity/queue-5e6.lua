-- Fidelity: a FIFO queue as a linked list (node20/queue.js, `node
-- --trace-gc queue.js 5000000`, a held-out workload):
--
--   let head = null, tail = null, len = 0;
--   for (let i = 0; i < n; i++) {
--     const job = { id: i, next: null };
--     if (tail === null) head = job; else tail.next = job;
--     tail = job;
--     if (++len > K) { head = head.next; len--; }      // K = 200,000
--   }
--
-- `head` and `tail` are locals of the module's function: registers,
-- rooted handles moved as they change (since issue 16's stop 41; before,
-- two slots of a rooted holder).  Each job is heap:alloc(2) at the
-- literal's allocation site (40 bytes); it lives exactly K appends, 8 MB
-- of allocation, and the only reference to it is its predecessor's
-- `next` -- an old object's once the predecessor is promoted, so the
-- young part of the queue is reached through the remembered set.  All
-- values are Smis: unoptimized code boxes nothing.
-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 4,993rd iteration.
local TIERING = {tiering_allocations = 4993}

local tenured_at = dofile(SCENARIO_DIR .. "/lib/tenured_at.lualib")
local K, JOBS = 200000, 5000000
local MiB = 1024 * 1024

scenario("queue: 5e6 jobs through a linked-list FIFO of 200,000",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local site = heap:site("{ id: i, next: null }")
    local alloc, init, root, unroot = heap.alloc, heap.init_slots, heap.root, heap.unroot
    local head, tail, len = nil, nil, 0
    for i = 0, JOBS - 1 do
      local job = root(heap, init(heap, alloc(heap, 2, 0, "Job", site), i, nil))
      if tail == nil then head = root(heap, job) else tail[2] = job; unroot(heap, tail) end
      tail = job
      len = len + 1
      if len > K then
        local next = root(heap, head[2])
        unroot(heap, head)
        head = next
        len = len - 1
      end
    end
    expect(head[1], "the head's id (queue.js prints 4800000)").to_be(JOBS - K)
    expect(tail[1], "the tail's id").to_be(JOBS - 1)
    -- Node (five --trace-gc and three --trace-gc-nvp runs): 11 Scavenges
    -- before any Mark-Compact, the semispace at its 16 MiB maximum from
    -- the 9th; the site tenured at the 10th (`--trace-pretenuring-
    -- statistics`: "maybe tenure => tenure" after 1,086 mementos, all
    -- found), so the 11th promotes new space's 14.7 MB of jobs and the
    -- loop then allocates old; each Mark-Compact in the loop leaves 10.2
    -- MB (the queue's 8 MB and the boot heap).  Where the first
    -- Mark-Compact falls differs from run to run: at 55 to 68 MB in four
    -- of the eight runs, at 103, 189 and 190 MB in three, only after the
    -- program's end in one (195 MB, "via task").  The initial
    -- old-generation limit shrinks by the young survival of the first
    -- Scavenges, which moves from run to run (nvp average_survival_ratio
    -- after the first: 84.5% in the run at 190 MB, 69.1% in those at 68
    -- and 58 MB; gclab 69.7%).  After the one at 103 MB (9.9% of the old
    -- generation left, under V8's 10%) the site is reset and a 12th
    -- Scavenge follows.  gclab's first Mark-Compact comes at 70.8 MB.
    local events = heap:events()
    local scavenges, first_mc = 0, nil
    for i, ev in ipairs(events) do
      if ev.kind == "Scavenge" then
        scavenges = scavenges + 1
        expect(first_mc, "a Scavenge after a Mark-Compact (GC " .. i .. ")").to_be(nil)
      else
        first_mc = first_mc or i
        expect(ev.after.total.size / MiB, "GC " .. i .. " leaves (MB)").to_be_between(10.0, 11.0)
      end
    end
    expect(scavenges, "Scavenges").to_be(11)
    expect(events[9].semi_space_capacity, "the semispace at the 9th GC").to_be(16 * MiB)
    expect(tenured_at(events), "the GC that tenures the site").to_be(10)
    record("gcs", #events)
    heap:unroot(head)
    heap:unroot(tail)
  end)
