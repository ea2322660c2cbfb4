-- Fidelity: a list that keeps growing, replayed from shared/reference/node20/
-- grow.js and compared with `node --trace-gc grow.js 1000000` (grow-1e6.trace)
-- and `node --trace-gc --max-semi-space-size=4 grow.js 1000000`
-- (grow-1e6-semi4.trace); docs/fidelity.md has the side-by-side.
--
--   let head = null;
--   for (let i = 0; i < 1e6; i++) head = { next: head, v: null };
--
-- A {next, v} object is heap:alloc(2), 40 bytes, at the literal's
-- allocation site where the scenario says so (V8's unoptimized code puts a
-- 16-byte memento behind each, so fewer fit in new space); `head` is a
-- register (a rooted handle moved to each new node; issue 16's stop 42:
-- before, slot 1 of a rooted holder, whose barrier greyed every new node
-- while marking ran, where V8 stores to a register without one), and the
-- literal's fields are initializing stores (heap:init_slots).  Every object
-- stays alive, so every Scavenge copies or promotes all of new space: the
-- workload that shows the semispace growth and the age-mark promotion most
-- plainly.  Full size (1e6 objects, 40 MB).
--
-- Pins node20.yaml (plus the reference's flag where it used one), so it
-- behaves the same under every bundled profile (differs = {}).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 8,455th iteration (V8 marks the function at the 6,787th; the compile
-- waits for the loop's OSR urgency).
local TIERING = {tiering_allocations = 8455}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local N = 1000000
local MiB = 1024 * 1024

local function grow(heap, site, n)
  local alloc, init, root, unroot = heap.alloc, heap.init_slots, heap.root, heap.unroot
  local head = nil
  for _ = 1, n or N do
    local o = root(heap, init(heap, alloc(heap, 2, 0, "Node", site), head, nil))
    if head then unroot(heap, head) end
    head = o
  end
  return head
end

-- The claims Node's traces support, for a semispace maximum of `max`; `boot`
-- is the number of objects the heap held before the program (Node's boot
-- heap, config boot: node20); `mementos`: the program allocated at the
-- literal's site; `factor`: the semispace growth factor (default 2).
local function check(heap, max, boot, mementos, factor)
  factor = factor or 2
  local events = heap:events()
  expect(#events, "GCs").to_be_at_least(2)

  for _, ev in ipairs(events) do
    -- Only Scavenges while the loop runs (V8's one Mark-Compact in
    -- grow-1e6.trace comes after the program's last line, from an idle
    -- task: "finalize incremental marking via task").
    expect(ev.kind, "GC " .. ev.seq .. " kind").to_be("Scavenge")
    expect(ev.reason, "GC " .. ev.seq .. " reason").to_be("allocation failure")
  end

  -- Promotion on the second survival (age mark): every Scavenge promotes
  -- what the one before it copied, and copies the rest of the young bytes
  -- -- everything survives but Node's young boot garbage, which GC 1 finds
  -- dead (V8's first Scavenge: 4074352 bytes before, 806496 survived).
  -- It promotes more when To-space has no room left for a copy buffer
  -- (new_space.copy_lab): Node's nvp shows promoted = the previous
  -- new_space_survived at every Scavenge but the 8th and the 10th (850800
  -- after 567280, 1788320 after 28360), whose survivors fill the
  -- semispace they have just doubled.
  for i, ev in ipairs(events) do
    if i == 1 then
      -- without the literal's site (no mementos: 40 bytes an object where
      -- V8's unoptimized code takes 56) more survives than the copy
      -- buffers of a 1 MiB semispace hold, and the rest is promoted
      if mementos then expect(ev.promoted, "GC 1 promotes nothing").to_be(0) end
    else
      expect(ev.promoted, "GC " .. i .. " promotes what GC " .. i - 1 .. " copied").to_be_at_least(events[i - 1].copied)
    end
    expect(ev.copied + ev.promoted, "GC " .. i .. " keeps all young bytes")
      .to_be(ev.before.new.size - (i == 1 and ev.freed or 0))
    if i > 1 then expect(ev.freed, "GC " .. i .. " freed").to_be(0) end
  end
  expect(events[1].freed, "GC 1 frees the boot garbage").to_be_between(1, 302224)

  -- Semispace growth: 1 -> 2 -> 4 -> ... -> max (by `factor`), whenever
  -- the survivors since the last growth exceed the capacity, never past
  -- the maximum.
  local seen, last = {1}, 1 * MiB
  for i, ev in ipairs(events) do
    local cap = ev.semi_space_capacity
    if cap ~= last then
      expect(cap, "GC " .. i .. " capacity").to_be(factor * last)
      seen[#seen + 1] = cap // MiB
      last = cap
    end
  end
  local want, c = {}, 1
  while c <= max // MiB do want[#want + 1] = c; c = c * factor end
  expect(seen, "semispace capacities (MiB)").to_equal(want)

  -- Nothing died but the boot heap's young garbage.
  local st = heap:stats()
  expect(st.total.objects, "live objects").to_be(boot - events[1].died + N)
  record("scavenges", #events)
  record("old_bytes", st.old.size)
end

scenario("grow 1e6: paired Scavenges, promotion on the 2nd survival, semispace 1 -> 16 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING}, differs = {}}, function(heap)
    local boot = heap:stats().total.objects
    grow(heap, heap:site("{next: head, v: null}"))
    check(heap, 16 * MiB, boot, true)
    -- V8 reaches 16 MiB at its 9th Scavenge ("17.8 (26.2) -> 17.0 (49.5)"),
    -- 8 MiB at its 7th; gclab too, since it decides a growth at a
    -- Scavenge's start from the Scavenges before it (V8's GC prologue).
    expect(heap:event(9).semi_space_capacity, "capacity after GC 9").to_be(16 * MiB)
    expect(heap:event(8).semi_space_capacity, "capacity after GC 8").to_be(8 * MiB)
    expect(heap:event(7).semi_space_capacity, "capacity after GC 7").to_be(8 * MiB)
  end)

-- --max-semi-space-size=4: the growth stops at 4 MiB.  V8 then stops
-- scavenging after two Scavenges at the maximum (allocation-site
-- pretenuring: the site's objects go straight to old space).  This
-- scenario allocates without a site, so gclab keeps pairing Scavenges at
-- 4 MiB to the end; the next one allocates at a site and pretenures as V8
-- does (it is the one `gclab trace compare` measures).
scenario("grow 1e6, max semispace 4 MiB: growth stops at the maximum, pairs go on",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "4MiB"}}}, differs = {}},
  function(heap)
    local boot = heap:stats().total.objects
    grow(heap)
    check(heap, 4 * MiB, boot)
    local at_max = 0
    for _, ev in ipairs(heap:events()) do
      if ev.semi_space_capacity == 4 * MiB then at_max = at_max + 1 end
    end
    -- 40 MB through a 4 MiB semispace: about 10 pairs at the maximum.
    expect(at_max, "Scavenges at the 4 MiB maximum").to_be_at_least(16)
  end)

-- The same with the literal as an allocation site (heap:site, issue 16):
-- V8's pretenuring.  The site's objects all survive, so the first
-- Scavenge at the 4 MiB maximum with at least 100 mementos created and
-- found (found/created >= 0.85) tenures it, and from then on the list is
-- allocated in old space: no more Scavenges (Node: 7 in all, the last
-- right after the decision; grow-1e6-semi4.trace).
scenario("grow 1e6, max semispace 4 MiB, {next, v} an allocation site: pretenured at the maximum",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "4MiB"}}}, differs = {}},
  function(heap)
    local boot = heap:stats().total.objects
    local site = heap:site("{next: head, v: null}")
    local alloc, init, root, unroot = heap.alloc, heap.init_slots, heap.root, heap.unroot
    local head = nil
    for _ = 1, N do
      local o = root(heap, init(heap, alloc(heap, 2, 0, "Node", site), head, nil))
      if head then unroot(heap, head) end
      head = o
    end
    local tenured_at
    for i, ev in ipairs(heap:events()) do
      expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge")
      if (ev.sites_tenured or 0) > 0 then
        tenured_at = tenured_at or i
        -- the decision needs a Scavenge that started at the maximum
        expect(heap:event(i - 1).semi_space_capacity, "capacity before GC " .. i).to_be(4 * MiB)
      end
    end
    expect(tenured_at, "the Scavenge that tenured the site").never.to_be_nil()
    expect(#heap:events() - tenured_at, "Scavenges after the decision").to_be_at_most(1)
    local info = heap:site_info(site)
    expect(info.decision).to_be("tenure")
    expect(info.tenured).to_be(1)
    local st = heap:stats()
    expect(st.total.objects, "live objects").to_be(boot - heap:event(1).died + N)
    expect(st.old.objects, "objects in old space").to_be_at_least(N * 9 // 10)
    record("scavenges", #heap:events())
  end)

-- Held out (node20/grow-1e7.trace, `node --trace-gc grow.js 10000000`):
-- the same list to ten million nodes, 400 MB.  V8 tenures the site at the
-- 16 MiB maximum (the 11th Scavenge) and the list grows in old space from
-- then on, where the old generation's limit and how long marking takes
-- decide the Mark-Compacts.  Node's eight runs: 11 Scavenges, then one or
-- two Mark-Compacts (five runs: at about 55 and 230 MB; three: one at 120
-- to 176 MB).
scenario("grow 1e7: ten million nodes, the site tenured, the list growing in old space",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING}, differs = {}}, function(heap)
    local site = heap:site("{next: head, v: null}")
    local head = grow(heap, site, 10 * N)
    local events = heap:events()
    local scavenges, mcs = count_gcs(events)
    -- the Scavenges all come before the first Mark-Compact
    for i = 1, scavenges do expect(events[i].kind, "GC " .. i .. " kind").to_be("Scavenge") end
    expect(heap:site_info(site).decision, "the site").to_be("tenure")
    expect(scavenges, "Scavenges").to_be_between(10, 12)
    expect(mcs, "Mark-Compacts").to_be_between(1, 3)
    local st = heap:stats()
    expect(st.old.objects, "objects in old space").to_be_at_least(10 * N * 9 // 10)
    record("gcs", #events)
    heap:unroot(head)
  end)

-- Held out (node20/grow-3e6-oom-64m.trace, `node --max-old-space-size=64
-- grow.js 3000000`): the list to three million nodes under a 64 MiB old
-- generation, out of memory near two thirds of the way; the site is
-- tenured, so the list grows in old space to the limit.  Node's eight
-- runs: 9 to 14 Scavenges, 3 to 7 Mark-Compacts (the later ones
-- "(reduce)"), "Reached heap limit" in four, "Ineffective mark-compacts
-- near heap limit" in four.
scenario("grow 3e6, max old space 64 MiB: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    old_space = {max_size = "64MiB"}}, differs = {}}, function(heap)
    local ok, err = pcall(grow, heap, heap:site("{next: head, v: null}"), 3 * N)
    expect(ok, "grow.js 3000000 under --max-old-space-size=64 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    record("gcs", #heap:events())
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- Held out (node20/grow-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- grow.js 1000000`): the same list with new space growing fourfold, not
-- twofold, at each growth (the flag as gclab reads it, `flags`).  Node's
-- eight runs: 7 Scavenges, no Mark-Compact; the committed heap jumps at
-- the 3rd (the semispace 1 -> 4 MiB) and the 5th (4 -> 16 MiB).
scenario("grow 1e6, --semi-space-growth-factor=4: semispace 1 -> 4 -> 16 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4"}, differs = {}}, function(heap)
    local boot = heap:stats().total.objects
    grow(heap, heap:site("{next: head, v: null}"))
    check(heap, 16 * MiB, boot, true, 4)
    local caps = {}
    for k, ev in ipairs(heap:events()) do caps[k] = ev.semi_space_capacity // MiB end
    expect(table.concat(caps, " "), "semispace MiB after each GC").to_be("1 1 4 4 16 16 16")
  end)
