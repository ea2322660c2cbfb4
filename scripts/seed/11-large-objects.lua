-- Claim: big objects get their own pages in a large-object space and are
-- never copied: a scavenge or a compaction leaves them where they are.
local TINY = {config = "../../configs/tiny.yaml"}

scenario("an object above the threshold goes to large-object space", TINY, function(heap)
  local threshold = heap.config.large_object.threshold
  local small = heap:alloc(0, threshold)
  local big = heap:alloc(0, threshold + 8)
  expect(small.space).to_be("new")
  expect(big.space).to_be("new_large")
  expect(big.young, "young large object").to_be(true)
end)

scenario("large objects are never copied", TINY, function(heap)
  local big = heap:root(heap:alloc(1, 3000, "Big"))
  local addr = big.address
  heap:scavenge()
  expect(big.address).to_be(addr)
  expect(big.young, "promoted by moving its page, not copying").to_be(false)
  heap:mark_compact({strategy = "slide"})
  expect(big.address).to_be(addr)
end)

scenario("a dead large object gives its pages back", TINY, function(heap)
  local big = heap:root(heap:alloc(1, 3000))
  heap:scavenge()
  expect(heap:stats().large.pages).to_be(1)
  heap:unroot(big)
  heap:mark_sweep()
  expect(big.alive).to_be(false)
  expect(heap:stats().large.pages).to_be(0)
end)
