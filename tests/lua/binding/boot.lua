-- The boot heap (config key boot, bindings/boot_heap.c, docs/configuration.md
-- "The boot heap"): a heap starts from Node 20's own objects at a script's
-- first line.  Node's numbers below were measured once with node v20.20.2
-- on the development machine (configs/boot/README.md); tests never run node:
--   new space at the first line: 112960 bytes (a 1 MiB semispace holds
--   1030880; a script that keeps only 32-byte objects has 980912 bytes
--   survive its first Scavenge, 62992 of them Node's; docs/fidelity-notes.md,
--   "New space's room");
--   `let x; for (let i = 0; i < 3e5; i++) x = {a: x ? 1 : 0, b: null};` under
--   --trace-gc-nvp: 1st Scavenge total_size_before=4074344
--   total_size_after=3126168 new_space_survived=62992; the 2nd promotes 62952;
--   `const u = process.memoryUsage().heapUsed; gc(); const v =
--   process.memoryUsage().heapUsed;` under --expose-gc: u = 3154960 (the
--   whole heap at the first line), v = 2648128 (what a full GC leaves).
local NODE_YOUNG_USED, NODE_SURVIVED = 112960, 62992
local NODE_FIRST_LINE, NODE_LIVE = 3154960, 2648128

local function total(sample)
  return sample.new.size + sample.old.size + sample.large.size + sample.new_large.size
end

scenario("a default heap holds Node's boot objects, no GC ran", function(heap)
  expect(heap.config.boot).to_be("node20")
  local st = heap:stats()
  expect(st.gcs).to_be(0)
  expect(#heap:events()).to_be(0)
  expect(st.new.size, "young bytes: Node's new space at the first line").to_be(NODE_YOUNG_USED)
  -- the snapshot's objects brought to Node's bytes, and Node's old garbage
  expect(st.old.size + st.large.size, "old generation: Node's at the first line")
    .to_be(NODE_FIRST_LINE - NODE_YOUNG_USED)
  expect(st.large.objects, "Node's one large object (its 256 KiB space)").to_be(1)
  expect(st.large.size).to_be(262160)
  expect(st.old.objects + st.new.objects > 39000).to_be(true)
  expect(st.allocated_bytes, "the boot objects are allocated bytes").to_be(total(st))
  expect(gclab.heap{boot = "none"}:stats().total.objects, "boot = none: empty").to_be(0)
end)

scenario("the first Scavenge keeps what Node's keeps; the second promotes it", function(heap)
  local x
  for _ = 1, 300000 do local o = heap:alloc(2); if x then o[1] = 1 end; x = o end -- garbage only
  local e1, e2 = heap:event(1), heap:event(2)
  expect(e1.kind).to_be("Scavenge")
  expect(e1.copied, "1st Scavenge: Node's new_space_survived").to_be(NODE_SURVIVED)
  expect(e1.promoted).to_be(0)
  expect(e2.promoted, "2nd Scavenge promotes them (Node: 62952)").to_be(NODE_SURVIVED)
  expect(e1.allocated, "allocated since the heap began, boot included (V8's first nvp line too)")
    .to_be(total(e1.before))
  -- Node: 3.9 (4.0) -> 3.0 MB.  gclab's first line is Node's to the byte;
  -- Node's own script adds a few objects more
  expect(total(e1.before), "before the 1st Scavenge (Node 4074344)").to_be_between(4074344 * 99 // 100, 4074344)
  expect(total(e1.after), "after it (Node 3126168)").to_be_between(3126168 * 99 // 100, 3126168 * 101 // 100)
  expect(heap:trace(1), "Node's line, its sizes").to_match("Scavenge 3%.9 %(%d+%.%d%) %-> 3%.0 ")
end)

scenario("boot objects are rooted: a full GC frees only Node's old garbage", function(heap)
  heap:scavenge()  -- the young garbage goes
  local before = heap:stats()
  local ev = heap:full_gc()
  expect(ev.kind).to_be("Mark-Compact")
  expect(ev.freed, "bytes a full GC found dead: the old garbage")
    .to_be(NODE_FIRST_LINE - NODE_YOUNG_USED - (NODE_LIVE - NODE_SURVIVED))
  expect(heap:stats().total.size, "what is left: Node's heap after gc()").to_be(NODE_LIVE)
  expect(heap:stats().total.objects).to_be(before.total.objects - ev.died)
  local again = heap:full_gc()
  expect(again.died, "a second full GC finds nothing more").to_be(0)
  heap:verify()
end)

scenario("boot is a config key: tables, --set and profiles", function()
  expect(gclab.config().boot).to_be("node20")
  expect(gclab.config{boot = "none"}.boot).to_be("none")
  local dir = SCENARIO_DIR .. "/../../../configs/"
  expect(gclab.config(dir .. "tiny.yaml").boot).to_be("none")
  expect(gclab.config(dir .. "classic.yaml").boot).to_be("none")
  expect(gclab.config(dir .. "small.yaml").boot).to_be("none")
  expect(gclab.config(dir .. "node20.yaml").boot).to_be("node20")
  expect(function() gclab.heap{boot = "node18"} end).to_error("boot: found 'node18'")
  expect(function() gclab.heap{boot = "node18"} end).to_error("expected one of node20, none")
end)

scenario("a boot heap that does not fit names the key and the file", function()
  expect(function() gclab.heap{page_size = "64KiB", new_space = {semi_space = {initial = "64KiB"}}} end)
    .to_error("gclab.heap: boot: node20 (configs/boot/node20-boot.heapsnapshot.gz): its 112960 bytes "
      .. "of young objects do not fit new_space.semi_space.initial (65536 bytes); use boot: none")
  -- the room is what the pages hold after their headers
  expect(function() gclab.heap{page_size = "128KiB", page_header = "32KiB",
    new_space = {semi_space = {initial = "128KiB"}}} end)
    .to_error("its 112960 bytes of young objects do not fit new_space.semi_space.initial (131072 bytes)")
  expect(function() gclab.heap{old_space = {max_size = "4MiB"}} end)
    .to_error("old objects need more than half of old_space.max_size (4194304 bytes)")
  -- the same sizes without the boot heap are fine
  local h = gclab.heap{old_space = {max_size = "4MiB"}, boot = "none"}
  expect(h:stats().total.objects).to_be(0)
end)

scenario("heap_from_snapshot holds the snapshot only", function()
  local snap = gclab.heap{boot = "none"}:snapshot()
  local heap = gclab.heap_from_snapshot(snap)
  expect(heap.config.boot).to_be("none")
  expect(heap:stats().total.objects).to_be(0)
end)
