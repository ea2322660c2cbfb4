-- Fidelity: a FinalizationRegistry with unregister tokens
-- (node20/tokens.js, trace node20/tokens-1e6.trace, `node --trace-gc
-- tokens.js`), the thirteenth workload written after gclab's model was
-- fitted -- a held-out check:
--
--   const reg = new FinalizationRegistry(() => {}); const open = [];
--   for (let i = 0; i < 1e6; i++) {
--     const conn = { id: i, socket: null };
--     reg.register(conn, i, conn);
--     if (i % 10 === 0) open.push(conn); else reg.unregister(conn);
--   }
--
-- {id, socket} is heap:alloc(2) (40 bytes) at an allocation site;
-- reg.register(conn, i, conn) is reg:register(conn, i, conn) (a WeakCell,
-- the token the target itself); reg.unregister(conn) is
-- reg:unregister(conn); `open` a JSArray (lib/jsarray.lualib).  Node runs
-- V8's pending tasks when the script ends (event_loop.exit_idle_ms = 1).
--
-- This workload found gclab's unregister walking the registry's whole
-- cell lists: it ran for 80 s; with an index off the heap under a second.
-- The key map is in the heap now, as V8's (engine/key_map.c), and Node's
-- first six GCs are gclab's.  Promoted bytes stay outside the first
-- run's band (319 against 459 KB per GC), within Node's own spread (324
-- to 459 KB over its three committed nvp runs; docs/fidelity.md,
-- *Held-out workloads*).

-- The code tiers up where Node's does (node20/README.md, *Where each loop
-- tiers up*, `node --trace-osr`): the loop's OSR compile starts at its
-- 4,702nd iteration.
local TIERING = {tiering_allocations = 4702}

local count_gcs = dofile(SCENARIO_DIR .. "/lib/count_gcs.lualib")
local expect_gcs = dofile(SCENARIO_DIR .. "/lib/expect_gcs.lualib")
local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
local N = 1000000

-- tokens.js's loop; returns the rooted registry and `open` (its holder
-- rooted), after checking the registry's cells.
local function tokens(heap)
  local reg = heap:root(heap:finalization_registry(function() end))
  local open = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
  local site = heap:site("{id: i, socket: null}")
  local alloc, root, unroot = heap.alloc, heap.root, heap.unroot
  for i = 0, N - 1 do
    local conn = root(heap, alloc(heap, 2, 0, "Connection", site))
    reg:register(conn, i, conn)
    if i % 10 == 0 then J.push(open, conn) else reg:unregister(conn) end
    unroot(heap, conn)
  end
  local active, queued = reg:cells()
  expect(active, "cells still registered").to_be(N // 10)
  expect(queued, "cells queued").to_be(0)
  return reg, open
end

scenario("a FinalizationRegistry with unregister tokens: nine of ten cells unregistered at once",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)

    -- Node: 15 Scavenges and 4 Mark-Compacts in the five --trace-gc runs
    -- of issue 16 (node20/tokens-1e6.trace the first); 14, 14, 15, 14
    -- and 4, 4, 4, 5 in the four committed later (tokens-1e6.2-.5.trace).
    -- gclab: 16 and 4 since `open` grows by V8's rule (lib/jsarray.lualib;
    -- 15 with the old one, one slot short): one more Scavenge than any
    -- Node run, within the +-10% of docs/fidelity.md's measure.
    local scavenges, fulls = count_gcs(heap:events())
    expect(scavenges, "Scavenges").to_be_between(14, 16)
    expect(fulls, "Mark-Compacts").to_be_between(3, 5)
    record("gcs", #heap:events())
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)

-- Held out (node20/tokens-1e6-semi1.trace, `node --max-semi-space-size=1
-- tokens.js`): the same loop through a 1 MiB semispace, which never
-- grows.  Node's eight runs: 42 or 43 Scavenges and 4 or 5 Mark-Compacts.
scenario("a FinalizationRegistry with unregister tokens, max semispace 1 MiB",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    new_space = {semi_space = {max = "1MiB"}},
    event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)
    local _, fulls = count_gcs(heap:events())
    expect(fulls, "Mark-Compacts").to_be_at_least(1)
    record("gcs", #heap:events())
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)

-- Held out (node20/tokens-1e6-noinc.trace, `node --no-incremental-marking
-- tokens.js`): without incremental marking.  Node's eight runs: 15 or 16
-- Scavenges and 5 atomic Mark-Compacts ("allocation failure; GC in old
-- space requested").
scenario("a FinalizationRegistry with unregister tokens, --no-incremental-marking",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--no-incremental-marking", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)
    expect_gcs(expect, record, heap:events(), {13, 18}, {4, 6}, {atomic = true})
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)

-- Held out (node20/tokens-1e6-heap48.trace, `node --max-heap-size=48
-- tokens.js`): a 48 MiB heap, a 1 MiB semispace and a 45 MiB old
-- generation.  Node's eight runs: 38 to 40 Scavenges and 12 or 13
-- Mark-Compacts.
scenario("a FinalizationRegistry with unregister tokens, --max-heap-size=48",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--max-heap-size=48", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)
    expect_gcs(expect, record, heap:events(), {34, 44}, {11, 14}, {})
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)

-- Held out (node20/tokens-1e6-gf4.trace, `node --semi-space-growth-factor=4
-- tokens.js`): new space grows fourfold at a growth.  Node's eight runs:
-- 10 to 12 Scavenges and 4 or 5 Mark-Compacts.
scenario("a FinalizationRegistry with unregister tokens, --semi-space-growth-factor=4",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--semi-space-growth-factor=4", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)
    expect_gcs(expect, record, heap:events(), {9, 14}, {3, 6}, {growth = 4})
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)

-- Held out (node20/tokens-1e6-init16.trace, `node
-- --initial-old-space-size=16 tokens.js`): the old generation's first
-- limit set by the flag, so V8 does not shrink it from the survival rate.
-- Node's eight runs: 14 to 16 Scavenges and 4 Mark-Compacts.
scenario("a FinalizationRegistry with unregister tokens, --initial-old-space-size=16",
  {config = {"../../configs/node20.yaml", allocation_sites = TIERING,
    flags = "--initial-old-space-size=16", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local reg, open = tokens(heap)
    expect_gcs(expect, record, heap:events(), {12, 18}, {3, 5}, {})
    heap:unroot(open.holder)
    heap:unroot(reg)
  end)
