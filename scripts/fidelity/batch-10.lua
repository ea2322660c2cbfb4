-- Fidelity: batches built and dropped (node20/batch.js, trace
-- node20/batch-10.trace, `node --trace-gc batch.js 10`), the first
-- workload added after gclab's model was fitted -- a held-out check:
--
--   for (let r = 0; r < 10; r++) {
--     let head = null;
--     for (let i = 0; i < 1000000; i++) head = { next: head, v: null };
--     for (let p = head; p; p = p.next) total++;
--   }
--
-- {next, v} is heap:alloc(2) (40 bytes) at an allocation site; `head` is a
-- register (a rooted handle moved to each new node; issue 16's stop 42:
-- before, slot 1 of a rooted holder, whose barrier greyed every new node
-- while marking ran, where V8 stores to a register without one), dropped
-- at each round as `let head = null` does; the literal's fields are
-- initializing stores (heap:init_slots).  The walk allocates nothing and is
-- left out.  Each round's list (40 MB) survives its Scavenges and outgrows
-- the semispace, so the site pretenures at the maximum semispace; from
-- then on the lists go straight to old space, where each is garbage one
-- round later, and Mark-Compacts reclaim them.
--
-- Node does not repeat itself here: twenty runs (ten `--trace-gc`, ten
-- `--trace-gc-nvp`, node v20.20.2, this machine; node20/README.md) gave 11
-- to 17 Scavenges and 3 to 6 Mark-Compacts, and the committed trace (the
-- first of them) is one draw: 15 and 3.  Where its first Mark-Compact
-- comes depends on how far the initial old-generation limit has shrunk
-- (from the Scavenges' survival rates) and on when the site's code is
-- re-optimized; docs/fidelity.md, *Held-out workloads*.  The claims below
-- are what every one of the twenty runs shows.
--
-- Node runs V8's pending tasks when the script ends, as the other replays
-- model it (event_loop.exit_idle_ms = 1), with the last list dead by then.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the inner loop's OSR compile starts in
-- the first round, at its 9,466th iteration.
local TIERING = {tiering_allocations = 9466}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local ROUNDS, N = 10, 1000000
local MiB = 1024 * 1024

scenario("batch: ten 40 MB lists built and dropped, the site pretenured, Mark-Compacts reclaim them",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local site = heap:site("{next: head, v: null}")
    local alloc, init, root, unroot = heap.alloc, heap.init_slots, heap.root, heap.unroot
    local head = nil
    for _ = 1, ROUNDS do
      if head then unroot(heap, head) end
      head = nil
      for _ = 1, N do
        local o = root(heap, init(heap, alloc(heap, 2, 0, "Node", site), head, nil))
        if head then unroot(heap, head) end
        head = o
      end
    end

    local events = heap:events()
    local first_full
    for i, ev in ipairs(events) do
      if ev.kind ~= "Scavenge" then first_full = i; break end
    end
    expect(first_full, "the first Mark-Compact").never.to_be_nil()

    -- Until the first Mark-Compact, only Scavenges, the semispace doubling
    -- 1 -> 16 MiB (every Node run: 11 to 14 Scavenges first).
    local cap, caps, tenured_at = 0, {}, nil
    for i = 1, first_full - 1 do
      local ev = events[i]
      expect(ev.reason, "GC " .. i .. " reason").to_be("allocation failure")
      if ev.semi_space_capacity ~= cap then
        cap = ev.semi_space_capacity
        caps[#caps + 1] = cap // MiB
      end
      if (ev.sites_tenured or 0) > 0 then tenured_at = tenured_at or i end
    end
    expect(caps, "semispace capacities (MiB)").to_equal({1, 2, 4, 8, 16})
    expect(first_full - 1, "Scavenges before the first Mark-Compact").to_be_between(11, 14)

    -- The site is tenured at a Scavenge that started at the maximum, and
    -- from then on the lists are allocated old.
    expect(tenured_at, "the Scavenge that tenured the site").never.to_be_nil()
    expect(heap:event(tenured_at - 1).semi_space_capacity, "capacity before GC " .. tenured_at).to_be(16 * MiB)
    expect(heap:site_info(site).decision, "the site's decision").to_be("tenure")

    -- Every Mark-Compact is incremental marking's, finalized on the
    -- allocation limit (via stack guard), or by the exit's task; at least
    -- one reclaims most of a dropped list.
    local freed_most = 0
    for i = first_full, #events do
      local ev = events[i]
      if ev.kind ~= "Scavenge" then
        expect(ev.kind, "GC " .. i .. " kind").to_be("Mark-Compact")
        expect(ev.incremental, "GC " .. i .. " incremental").to_be(true)
        if ev.freed >= 30 * 1000 * 1000 then freed_most = freed_most + 1 end
      end
    end
    expect(freed_most, "Mark-Compacts that free 30 MB or more").to_be_at_least(1)

    -- Node's twenty runs: 11 to 17 Scavenges, 3 to 6 Mark-Compacts.
    local scavenges, fulls = count_gcs(events)
    expect(scavenges, "Scavenges (Node: 11 to 17)").to_be_between(11, 17)
    expect(fulls, "Mark-Compacts (Node: 3 to 6)").to_be_between(3, 6)
    record("scavenges", scavenges)
    record("mark_compacts", fulls)
    -- The script ends: `head` is dead, the exit's idle time runs V8's tasks.
    heap:unroot(head)
  end)
