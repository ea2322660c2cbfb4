-- Heap snapshots of weak objects (docs/weak.md, "Snapshots"): weak slots are
-- `weak` edges, a table's keys and values too, and each ephemeron pair adds
-- V8's internal edge from the key to the value, so that a value is retained
-- by its key and no retaining path goes through a weak edge.

local function build(heap)
  local map = heap:root(heap:weak_map())
  local key = heap:root(heap:alloc(0, 0, "Key"))
  local value = heap:alloc(0, 0, "Value")
  map:set(key, value)
  local holder = heap:root(heap:alloc(1, 0, "Holder"))
  local target = heap:alloc(0, 0, "Target")
  holder:set_weak(1, target)
  return map, key, value, holder, target
end

local function retainer_from(snap, x, name)
  for _, r in ipairs(snap:retainers(x)) do if r.from.name == name then return r end end
end

local function check(snap, key, value, target)
  local pair = string.format("part of key (Key @%d) -> value (Value @%d) pair in WeakMap (table @",
    2 * key.id + 1, 2 * value.id + 1)
  local byKey = retainer_from(snap, value, "Key")
  expect(byKey.type).to_be("internal")
  expect(byKey.edge:sub(1, #pair)).to_be(pair)
  expect(retainer_from(snap, value, "EphemeronHashTable").type).to_be("weak")
  expect(retainer_from(snap, target, "Holder").type).to_be("weak")
  expect(retainer_from(snap, target, "Holder").edge).to_be("0")
  expect(snap:path(target), "only weakly held: unreachable").to_be_nil()
  local path = snap:path(value)
  for _, step in ipairs(path) do expect(step.type).never.to_be("weak") end
  expect(path[#path].from.name).to_be("Key")
  local rows = {}
  for _, row in ipairs(snap:summary()) do rows[row.name] = row end
  expect(rows.EphemeronHashTable.retained_size, "a table retains no value").to_be(rows.EphemeronHashTable.shallow_size)
  expect(rows.Key.retained_size).to_be(rows.Key.shallow_size + rows.Value.shallow_size)
end

scenario("a snapshot's weak and ephemeron edges", function(heap)
  local _, key, value, _, target = build(heap)
  check(heap:snapshot(), key, value, target)
end)

scenario("weak and ephemeron edges survive writing and reading the file", function(heap)
  local _, key, value, _, target = build(heap)
  local path = os.tmpname()
  heap:snapshot():write(path)
  local snap = gclab.read_snapshot(path)
  os.remove(path)
  check(snap, key, value, target)
end)
