-- The file side of snapshots from Lua: gclab.read_snapshot, snap:write,
-- gclab.heap_from_snapshot; errors name the file, the byte and what was
-- wrong.  The Node fixture's numbers are memlab's (see
-- tests/snapshot/test_snapshot_file.c for how they were obtained).
local TINY = {config = "../../../configs/tiny.yaml"}
local S = gclab.default_size
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local FIXTURES = here .. "/../../snapshot/fixtures"
local NODE = FIXTURES .. "/node20-small.heapsnapshot.gz"
local TINY_YAML = here .. "/../../../configs/tiny.yaml"

local function tmpfile(suffix)
  local name = os.tmpname()
  os.remove(name)
  return name .. suffix
end

scenario("gclab.read_snapshot reads Node's gzipped file with memlab's numbers", function()
  local snap = gclab.read_snapshot(NODE)
  expect(snap.nodes).to_be(39514)
  expect(snap.edges).to_be(178875)
  expect(snap.total_size).to_be(2988342)
  local holder = snap:node(50485)
  expect(holder.name).to_be("LeakHolder")
  expect(holder.self_size).to_be(96)
  expect(holder.retained_size).to_be(61600)
  expect(holder.space).to_be_nil()             -- not a gclab object
  local p = snap:path(50485)
  expect(p[#p].edge).to_be("gclabLeak")        -- global.gclabLeak holds it
  expect(p[#p].from.name).to_be("global")
end)

scenario("snap:write then gclab.read_snapshot gives the same analysis", TINY, function(heap)
  local app = heap:root(heap:alloc(4, 0, "App"))
  for i = 1, 4 do
    local e = heap:alloc(1, 0, "Entry")
    e[1] = heap:alloc(0, 64, "Blob")
    app[i] = e
  end
  heap:alloc(0, 0, "Garbage")
  local snap = heap:snapshot()
  for _, path in ipairs({tmpfile(".heapsnapshot"), tmpfile(".heapsnapshot.gz")}) do
    expect(snap:write(path)).to_be(snap)
    local back = gclab.read_snapshot(path)
    os.remove(path)
    expect(back.nodes).to_be(snap.nodes)
    expect(back.edges).to_be(snap.edges)
    expect(back.objects).to_be(snap.objects)
    local n, m = snap:node(app), back:node(snap:node(app).id)
    expect(m.retained_size).to_be(n.retained_size)
    expect(m.retained_size).to_be(S(4) + 4 * (S(1) + 64))
    expect(m.name).to_be("App")
    expect(back:summary()).to_equal(snap:summary())
  end
end)

scenario("gclab.heap_from_snapshot rebuilds the heap: roots rooted, garbage collectable", TINY, function(heap)
  local app = heap:root(heap:alloc(2, 0, "App"))
  app[1] = heap:alloc(1, 0, "Entry")
  app[1][1] = app                               -- a cycle through the root
  local weak_only = heap:alloc(0, 0, "Garbage") -- unreachable: in the snapshot, not rooted
  assert(weak_only)
  local snap = heap:snapshot()
  local copy, info = gclab.heap_from_snapshot(snap, TINY_YAML)
  expect(info.objects).to_be(3)
  expect(info.roots).to_be(1)
  expect(info.slots).to_be(2)
  expect(info.bytes).to_be(S(2) + S(1) + S(0))
  expect(info.resized).to_be(0)
  local before = copy:snapshot()
  expect(before.objects).to_be(3)
  copy:full_gc()
  local after = copy:snapshot()
  expect(after.objects).to_be(2)                -- Garbage went; App and Entry stay
  local rows = after:summary()
  expect(rows[1].name).to_be("App")
  expect(rows[1].retained_size).to_be(S(2) + S(1))
  copy:close()
end)

scenario("a replayed Node heap runs under another configuration", function()
  local snap = gclab.read_snapshot(NODE)
  local heap, info = gclab.heap_from_snapshot(snap, {new_space = {semi_space = {max = "1MiB"}}})
  -- The fixture's 31 backing stores ("system / JSArrayBufferData", 10,613
  -- bytes in all, each the target of a JSArrayBuffer's internal edge
  -- "backing_store": counted with node from the file) are their owners'
  -- external memory, not objects; the re-taken snapshot shows them again.
  expect(info.stores, "backing stores").to_be(31)
  expect(info.external, "their bytes").to_be(10613)
  expect(heap:stats().external.bytes, "external memory").to_be(10613)
  expect(info.objects + info.stores).to_be(snap.objects)
  expect(info.roots > 0).to_be(true)
  heap:full_gc()
  heap:scavenge()
  local again = heap:snapshot()
  expect(again.objects).to_be(snap.objects)     -- V8 wrote only what was live
  -- A heap too small for it fails with the node and the engine's reason.
  expect(function()
    local small = gclab.config(TINY_YAML)      -- tiny.yaml: 4 MiB of old space
    small.old_space.max_size = 1024 * 1024
    gclab.heap_from_snapshot(snap, small)
  end).to_error("gclab.heap_from_snapshot: allocating of node @")
end)

scenario("file errors name the file, the byte and what was wrong", function()
  expect(function() gclab.read_snapshot() end).to_error("bad argument #1")
  expect(function() gclab.read_snapshot(FIXTURES .. "/nope.heapsnapshot") end)
    .to_error("gclab.read_snapshot: " .. FIXTURES .. "/nope.heapsnapshot: cannot open: No such file")
  expect(function() gclab.read_snapshot(here .. "/../../snapshot/malformed/edge-to-out-of-range.heapsnapshot") end)
    .to_error("edge-to-out-of-range.heapsnapshot: byte 1046: edge 6: to_node 49 is not a node")
  local snap = gclab.read_snapshot(FIXTURES .. "/tiny.heapsnapshot")
  expect(function() snap:write("/nonexistent-dir/x.heapsnapshot") end)
    .to_error("snap:write: /nonexistent-dir/x.heapsnapshot: cannot create")
  expect(function() snap:write() end).to_error("bad argument #1")
  expect(function() gclab.heap_from_snapshot({}) end).to_error("gclab snapshot expected")
  -- a NUL byte ends a C file name: "x\0y" would open x
  expect(function() gclab.read_snapshot(FIXTURES .. "/tiny.heapsnapshot\0.gz") end)
    .to_error("gclab.read_snapshot: the path has a NUL byte at position " .. #FIXTURES + 19)
  expect(function() snap:write("/tmp/x\0y") end).to_error("snap:write: the path has a NUL byte at position 7")
end)

scenario("gclab.heap_from_snapshot names itself and its caller's line in config errors", function()
  local snap = gclab.read_snapshot(FIXTURES .. "/tiny.heapsnapshot")
  expect(function() gclab.heap_from_snapshot(snap, true) end)
    .to_error("bad argument #2 to 'heap_from_snapshot' (a config (table or YAML path) or a gclab heap expected, got boolean)")
  local ok, err = pcall(gclab.heap_from_snapshot, snap, {bogus = 1})
  expect(ok).to_be(false)
  expect(err).to_contain("gclab.heap_from_snapshot: bogus: found an unknown key")
end)
