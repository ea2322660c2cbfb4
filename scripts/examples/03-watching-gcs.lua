-- Watching the collector: heap:on_gc(fn) is called after every GC with its
-- event; heap:events() lists them all; heap:trace(seq) formats one the way
-- `node --trace-gc` prints it.  (gclab run --trace-gc prints every one.)

local TINY = {config = "../../configs/tiny.yaml"}

scenario("count GCs by kind while a program runs", TINY, function(heap)
  local kinds = {}
  heap:on_gc(function(ev) kinds[ev.kind] = (kinds[ev.kind] or 0) + 1 end)
  local keep = heap:root(heap:alloc(1))
  for i = 1, 5000 do
    local o = heap:alloc(2)
    if i % 100 == 0 then o[1] = keep[1]; keep[1] = o end -- keep a few
  end
  expect(kinds.Scavenge, "scavenges").to_be_greater_than(5)
  expect(#heap:events()).to_be(kinds.Scavenge + (kinds["Mark-Compact"] or 0) + (kinds["Mark-Sweep"] or 0))
end)

scenario("the V8 --trace-gc line of a GC", TINY, function(heap)
  heap:root(heap:alloc(2))
  local ev = heap:scavenge()
  local line = heap:trace(ev.seq)
  expect(line).to_match("Scavenge %d+%.%d %(%d+%.%d%) %-> %d+%.%d %(%d+%.%d%) MB")
  expect(line).to_contain("testing")
end)

scenario("before and after, per space", TINY, function(heap)
  for _ = 1, 100 do heap:alloc(2) end
  local ev = heap:scavenge()
  expect(ev.before.new.objects).to_be(100)
  expect(ev.after.new.objects).to_be(0)
  expect(ev.freed).to_be(100 * 40)
end)
