-- Fidelity: a Map-based cache with churn (node20/cache.js, trace
-- node20/cache-2e6.trace, `node --trace-gc cache.js 2000000`):
--
--   const cache = new Map(); const cap = 50000;
--   for (let i = 0; i < n; i++) {
--     cache.set(i, { k: i, v: null });
--     if (i >= cap) cache.delete(i - cap);
--   }
--
-- {k, v} is heap:alloc(2) (40 bytes); the keys are Smis (no object).  The
-- Map's backing store is V8's OrderedHashMap: one FixedArray of 3 header
-- slots, capacity/2 buckets and capacity entries of 3 slots (key, value,
-- chain) -- here only the value slot holds a pointer.  A set() on a full
-- table rehashes into a new one (OrderedHashTable::EnsureCapacityForAdding:
-- the same capacity when at least half the entries are deleted, else
-- twice it; initial capacity 4); a delete() that leaves fewer than a
-- quarter live shrinks it (Shrink: capacity / 2, never below 4).  Past 128
-- KiB the table is a large object.  The Map itself is a rooted holder
-- whose slot 1 is the table.  The new table is allocated where
-- OrderedHashTable::Rehash allocates it: young while the table it
-- replaces is young, old (heap:alloc_old) once that one is old
-- (Heap::InYoungGeneration(*table) ? kYoung : kOld).  An old table that
-- died keeps the entries stored in it alive through its old-to-new slots
-- until a Mark-Compact, in V8 and here.
--
-- Node's process runs V8's pending tasks when the script ends (grow-1e6.trace's
-- last line is such a GC): event_loop.exit_idle_ms = 1 does that here, where
-- incremental marking is in progress at the end (the initial old-generation
-- limit, lowered after every GC from the young survival rate, is reached at
-- the last Scavenges) and is finalized "via task".

local N, CAP = 2000000, 50000

scenario("cache: a Map keeping the newest 50000 of 2e6 values, rehashed as deletions fill it",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local map = heap:root(heap:alloc(1, 0, "JSMap"))
    local alloc = heap.alloc
    local site = heap:site("{k: i, v: null}")
    local capacity, table_ = 4, nil
    local first, used = 0, 0        -- entries [first, used) of the table are live
    local live = 0
    local function slots(cap) return 3 + cap // 2 + 3 * cap end
    local function value_slot(e) return 3 + capacity // 2 + 3 * e + 2 end  -- 1-based: header, buckets, (key, value, chain)
    local function rehash(new_cap, keep)
      if keep then heap:root(keep) end
      local sp = table_.space
      local t = (sp == "old" or sp == "large") and heap:alloc_old(slots(new_cap), 0, "OrderedHashMap")
        or alloc(heap, slots(new_cap), 0, "OrderedHashMap")
      if keep then heap:unroot(keep) end
      local old_cap, n = capacity, 0
      for e = first, used - 1 do
        local v = table_[3 + old_cap // 2 + 3 * e + 2]
        if v then t[3 + new_cap // 2 + 3 * n + 2] = v; n = n + 1 end
      end
      capacity, table_, first, used = new_cap, t, 0, n
      map[1] = t
    end
    table_ = alloc(heap, slots(capacity), 0, "OrderedHashMap")
    map[1] = table_
    for i = 0, N - 1 do
      local o = alloc(heap, 2, 0, "Entry", site)
      if used == capacity then
        local deleted = used - live
        rehash(deleted >= capacity >> 1 and capacity or capacity << 1, o)
      end
      table_[value_slot(used)] = o
      used, live = used + 1, live + 1
      if i >= CAP then
        table_[value_slot(first)] = nil
        first, live = first + 1, live - 1
        if live < capacity >> 2 and capacity > 4 then rehash(capacity >> 1) end
      end
    end
    expect(live, "cache.size").to_be(CAP)
    local st = heap:stats()
    expect(st.new.objects + st.old.objects + st.large.objects, "live objects").to_be_at_least(CAP)
    record("gcs", #heap:events())
  end)
