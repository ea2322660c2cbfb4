-- Fidelity: grow.js's list made of two-element array literals
-- (node20/pairs.js, `node --trace-gc pairs.js 1000000`, a held-out
-- workload):
--
--   let head = null;
--   for (let i = 0; i < n; i++) head = [head, null];
--
-- V8's CreateShallowArrayLiteral copies the literal's boilerplate: a
-- JSArray at the literal's allocation site (a memento behind it while the
-- code is unoptimized) and its own two-element FixedArray (not
-- copy-on-write: `head` is no constant), both old once the site is tenured
-- (lib/jsarray.lualib J.literal; the FixedArray is 8 bytes larger than
-- V8's).  `head` is a register (a rooted handle moved to each new node;
-- issue 16's stop 42: before, slot 1 of a rooted holder, whose barrier
-- greyed every new node while marking ran, where V8 stores to a register
-- without one).  Every node stays alive.

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 7,961st iteration.
local TIERING = {tiering_allocations = 7961}

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local tenured_at = dofile(SCENARIO_DIR .. "/lib/tenured_at.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local N = 1000000

-- pairs.js's loop; returns `head`, rooted, after checking that every
-- node is alive.
local function pairs_list(heap)
  local head = nil -- the local `head`: a register
  local site = heap:site("[head, null]")
  local literal, root, unroot = J.literal, heap.root, heap.unroot
  for _ = 1, N do
    local o = root(heap, literal(heap, site, 2, head))
    if head then unroot(heap, head) end
    head = o
  end
  local st = heap:stats()
  expect(st.old.objects + st.new.objects + st.large.objects, "live objects").to_be_at_least(2 * N)
  return head
end

scenario("pairs: a list of 1e6 two-element array literals",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local head = pairs_list(heap)
    -- V8 tenures the literal's site at the first Scavenge at the maximum
    -- semispace that finds its mementos (Node: the 10th), and the list goes
    -- on in old space: no Scavenge after the next
    local events = heap:events()
    for i, ev in ipairs(events) do expect(ev.kind, "GC " .. i .. " kind").to_be("Scavenge") end
    expect(tenured_at(events), "the Scavenge that tenures the site").to_be(10)
    expect(#events, "Scavenges").to_be(11)
    record("gcs", #events)
    -- `head` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(head)
  end)

-- Held out (node20/pairs-1e6-semi1.trace, `node --max-semi-space-size=1
-- pairs.js 1000000`): the same list through a 1 MiB semispace, at its
-- maximum from the first Scavenge, which tenures the site.  Node's eight
-- runs: 6 to 8 Scavenges and no Mark-Compact in seven, 30 and one in the
-- one made first (pairs-1e6-semi1.5.trace, node20/README.md says why
-- fifth): `node --trace-opt` shows the loop's OSR compile marked before
-- the first Scavenge and installed 1.3 to 8 ms later (the Scavenges' own
-- threads take the two cores from the compile thread), and the
-- unoptimized loop allocates young, with mementos, until it is.  The
-- first Scavenge's tenure decision falls inside that compile, which V8
-- then discards ("Bailed out due to dependency change") and starts again;
-- gclab does the same with the profile's 4 ms window of virtual time:
-- six Scavenges (three before issue 16's stop 50 modelled the abort;
-- docs/fidelity.md, pairs-1e6-semi1).
scenario("pairs, max semispace 1 MiB: the site tenured at the first Scavenge",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local head = pairs_list(heap)
    local events = heap:events()
    expect(tenured_at(events), "the Scavenge that tenures the site").to_be(1)
    record("gcs", #events)
    heap:unroot(head)
  end)

-- Held out (node20/pairs-1e6-noinc.trace, `node --no-incremental-marking
-- pairs.js 1000000`): without incremental marking.  Node's eight runs: 11
-- Scavenges, no Mark-Compact, as without the flag.
scenario("pairs, --no-incremental-marking: Scavenges only",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local head = pairs_list(heap)
    expect_gcs(expect, record, heap:events(), {9, 13}, {0, 1}, {atomic = true})
    heap:unroot(head)
  end)

-- Held out (node20/pairs-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- pairs.js 1000000`): new space grows fourfold at a growth.  Node's eight
-- runs: 7 Scavenges, no Mark-Compact.
scenario("pairs, --semi-space-growth-factor=4: Scavenges only",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local head = pairs_list(heap)
    expect_gcs(expect, record, heap:events(), {6, 8}, {0, 1}, {growth = 4})
    heap:unroot(head)
  end)

-- Held out (node20/pairs-1e6-oom-heap48.trace, `node --max-heap-size=48
-- pairs.js 1000000`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation, too small for the list's 2e6 objects.  Node's eight runs:
-- 2 to 8 Scavenges and 6 or 7 Mark-Compacts, then out of memory.
scenario("pairs, --max-heap-size=48: out of memory",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--max-heap-size=48"}, differs = {}}, function(heap)
    local ok, err = pcall(pairs_list, heap)
    expect(ok, "pairs.js under --max-heap-size=48 runs").to_be(false)
    expect(tostring(err), "it ends with").to_contain("JavaScript heap out of memory")
    expect_gcs(expect, record, heap:events(), {1, 9}, {5, 8}, {})
    record("oom", true)   -- for gclab trace compare (docs/fidelity.md)
  end)

-- A held-out run of the program under Node's heap flags `flags` (each
-- call's comment names its trace and Node's counts): the loop, then
-- Scavenges and Mark-Compacts within `scavenges` and `mark_compacts`.
local function held_out(title, flags, scavenges, mark_compacts)
  scenario(title,
    {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
      flags = flags,
      event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
      local head = pairs_list(heap)
      expect_gcs(expect, record, heap:events(), scavenges, mark_compacts, {})
      heap:unroot(head)
    end)
end

-- Held out (node20/pairs-1e6-semi4.trace, `node --max-semi-space-size=4
-- pairs.js 1000000`): new space grows to 4 MiB at most.  Node's eight runs:
-- 7 or 8 Scavenges, no Mark-Compact.
held_out("pairs, --max-semi-space-size=4: Scavenges only", "--max-semi-space-size=4", {6, 9}, {0, 1})

-- Held out (node20/pairs-1e6-semi8.trace, `node --max-semi-space-size=8
-- pairs.js 1000000`): new space grows to 8 MiB at most.  Node's eight runs:
-- 9 Scavenges, no Mark-Compact.
held_out("pairs, --max-semi-space-size=8: Scavenges only", "--max-semi-space-size=8", {8, 10}, {0, 1})

-- Held out (node20/pairs-1e6-min4.trace, `node --min-semi-space-size=4
-- pairs.js 1000000`): new space starts at 4 MiB (and grows to 16).
-- Node's eight runs: 7 Scavenges, no Mark-Compact.
held_out("pairs, --min-semi-space-size=4: Scavenges only", "--min-semi-space-size=4", {6, 8}, {0, 1})

-- Held out (node20/pairs-1e6-min2.trace, `node --min-semi-space-size=2
-- pairs.js 1000000`): new space starts at 2 MiB (and grows to 16).  Node's
-- eight runs: 9 Scavenges, no Mark-Compact.
held_out("pairs, --min-semi-space-size=2: Scavenges only", "--min-semi-space-size=2", {8, 10}, {0, 1})

-- Held out (node20/pairs-1e6-min8.trace, `node --min-semi-space-size=8
-- pairs.js 1000000`): new space starts at 8 MiB (and grows to 16).  Node's
-- eight runs: 4 Scavenges, no Mark-Compact.
held_out("pairs, --min-semi-space-size=8: Scavenges only", "--min-semi-space-size=8", {3, 5}, {0, 1})

-- Held out (node20/pairs-1e6-min16.trace, `node --min-semi-space-size=16
-- pairs.js 1000000`): new space at its 16 MiB maximum from the start.
-- Node's eight runs: 2 Scavenges, no Mark-Compact.
held_out("pairs, --min-semi-space-size=16: Scavenges only", "--min-semi-space-size=16", {1, 3}, {0, 1})
