-- Fidelity: grow.js's list with its nodes made by a class constructor
-- (node20/ctor.js, `node --trace-gc ctor.js 1000000`, a held-out workload):
--
--   class Node { constructor(next, v) { this.next = next; this.v = v; } }
--   let head = null;
--   for (let i = 0; i < n; i++) head = new Node(head, null);
--
-- `new` allocates without an allocation site: V8 keeps AllocationSites for
-- object and array literals and `new Array` only, so no memento is written
-- behind a Node, in unoptimized code or optimized, and the site-based
-- pretenuring that tenures grow.js's literal at the maximum semispace
-- never starts.  A Node is heap:alloc(2), 40 bytes (V8's in-object slack
-- tracking gives the class's map room for more fields for the first few
-- objects, then shrinks it to the two it uses); `head` is slot 1 of a
-- rooted holder.  Every Node stays alive: every Scavenge copies or
-- promotes all of new space, by age alone.

local N = 1000000

scenario("ctor: a list of 1e6 class instances, no allocation site",
  {config = {"../../configs/node20.yaml", event_loop = {exit_idle_ms = 1}}, differs = {}}, function(heap)
    local head = heap:root(heap:alloc(1, 0, "Head"))
    local alloc = heap.alloc
    for _ = 1, N do
      local o = alloc(heap, 2, 0, "Node")
      o[1] = head[1]
      head[1] = o
    end
    local events = heap:events()
    for _, ev in ipairs(events) do
      -- no site, so no pretenuring: Scavenges only, none finding a memento
      expect(ev.kind, "GC " .. ev.seq .. " kind").to_be("Scavenge")
      expect(ev.mementos_found or 0, "GC " .. ev.seq .. " mementos found").to_be(0)
    end
    -- promotion by age: from the second Scavenge on, each promotes at
    -- least what the one before it copied
    for i = 2, #events do
      expect(events[i].promoted, "GC " .. i .. " promotes what GC " .. i - 1 .. " copied")
        .to_be_at_least(events[i - 1].copied)
    end
    local st = heap:stats()
    expect(st.old.objects + st.new.objects, "live objects").to_be_at_least(N)
    record("gcs", #events)
    -- `head` is a local of the CommonJS wrapper: dead once the script ends
    heap:unroot(head)
  end)
