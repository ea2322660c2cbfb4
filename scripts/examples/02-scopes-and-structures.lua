-- Building a data structure: while you build it, the pieces are only held
-- by Lua locals -- weak handles -- so a GC in the middle would free them.
-- heap:scope(fn) roots everything fn allocates until fn returns (like V8's
-- HandleScope); root the result to keep it afterwards.

local TINY = {config = "../../configs/tiny.yaml"} -- small heap: GCs happen soon

local function tree(heap, depth)
  local node = heap:alloc(2, 0, "TreeNode")
  if depth > 0 then
    node[1] = tree(heap, depth - 1)
    node[2] = tree(heap, depth - 1)
  end
  return node
end

local function count(node)
  if not node then return 0 end
  return 1 + count(node[1]) + count(node[2])
end

scenario("a tree built inside a scope survives the GCs it causes", TINY, function(heap)
  local root = heap:scope(function()
    return heap:root(tree(heap, 9)) -- 1023 nodes: several scavenges on this heap
  end)
  expect(#heap:events(), "GCs while building").to_be_greater_than(0)
  expect(count(root)).to_be(1023)
end)

scenario("without a root, the tree is garbage once the scope ends", TINY, function(heap)
  local t = heap:scope(function() return tree(heap, 6) end)
  expect(t.alive).to_be(true)   -- nothing has run since the scope ended
  heap:scavenge()
  expect(t.alive).to_be(false)
end)
