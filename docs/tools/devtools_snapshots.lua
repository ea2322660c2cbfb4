-- Development tool, not a test (docs/leaks.md, "Checked against Chrome
-- DevTools"): writes two gclab snapshots into DIR (default ".") and, next to
-- each, gclab's own numbers as TSV (a "#  nodes  edges" line, then one line
-- per node: id, self size, retained size, dominator id, distance; "-" when
-- absent), for devtools_check.mjs to compare with DevTools' loader.
-- With FILE (a .heapsnapshot, e.g. Node's, gzipped or not) it instead
-- reads FILE and writes it back as DIR/read.heapsnapshot with its TSV.
--   gclab lua docs/tools/devtools_snapshots.lua [DIR [FILE]]
local gclab = gclab or require("gclab")
local dir = (arg and arg[1]) or "."
local input = arg and arg[2]
local function dump(snap, path)
  local f = assert(io.open(path, "w"))
  f:write(("#\t%d\t%d\n"):format(snap.nodes, snap.edges))
  local seen, id = 0, 0
  while seen < snap.nodes do  -- ids: 1, 2, 4, 6 (roots), 2 * object id + 1
    id = id + 1
    local n = snap:node(id)
    if n then
      seen = seen + 1
      f:write(("%d\t%d\t%d\t%s\t%s\n"):format(n.id, n.self_size, n.retained_size,
        tostring(n.dominator or "-"), tostring(n.distance or "-")))
    end
  end
  f:close()
end
if input then
  local s = gclab.read_snapshot(input)
  s:write(dir .. "/read.heapsnapshot"); dump(s, dir .. "/read.tsv")
  print(tostring(s))
  return
end
-- small: a few hundred objects with a leak shape (a rooted cache and listener
-- list keeping views and their child cycles), weak edges, garbage (no GC)
local heap = gclab.heap()
local cache = heap:root(heap:alloc(50, nil, "Cache"))
local listeners = heap:root(heap:alloc(4, nil, "Listeners"))
for i = 1, 50 do
  local view = heap:alloc(3, 64, "View")
  cache[i] = view
  for j = 1, 3 do
    local child = heap:alloc(2, nil, "Node")
    view[j] = child
    child[1] = view
  end
  if i % 10 == 0 then listeners[i // 10 % 4 + 1] = view end
end
-- weak side: a WeakMap keyed by views (ephemeron edges), a weak slot, a key kept only by the map
local meta = heap:root(heap:weak_map())
for i = 1, 50, 7 do meta:set(cache[i], heap:alloc(1, 56, "Meta")) end
local lonely = heap:alloc(0, 24, "LonelyKey")
meta:set(lonely, heap:alloc(0, 32, "LonelyValue"))
local watcher = heap:root(heap:alloc(2, nil, "Watcher"))
watcher:set_weak(1, cache[3])
watcher:set_weak(2, lonely)
-- some garbage
for i = 1, 20 do heap:alloc(1, nil, "Garbage") end
local s = heap:snapshot()
s:write(dir .. "/small.heapsnapshot"); dump(s, dir .. "/small.tsv")
print(tostring(s))
-- large: 11k objects after a full GC: 100 lists of 110 items, every 7th
-- item pointing back at another list's head
local h2 = gclab.heap()
local root = h2:root(h2:alloc(100, nil, "Root"))
for i = 1, 100 do
  local prev = h2:alloc(2, nil, "Head")
  root[i] = prev
  for j = 1, 110 do
    local n = h2:alloc(2, 48 + (j % 3) * 8, "Item")
    prev[1] = n
    if j % 7 == 0 then n[2] = root[((i + j) % 100) + 1] or root[1] end
    prev = n
  end
end
h2:full_gc()
local s2 = h2:snapshot()
s2:write(dir .. "/large.heapsnapshot"); dump(s2, dir .. "/large.tsv")
print(tostring(s2))
