-- Config tables from Lua are bounded like YAML files (issue 10, item 2):
-- a table in its own list part, deep list layers, named-key cycles, very
-- deep or very large tables -- each one clear error, never a crash; and
-- one message per mistake (item 12).  Also heap.config after set_old_max
-- (issue 11, defect 4).
local function heap_error(cfg)
  local ok, err = pcall(gclab.heap, cfg)
  expect(ok, "gclab.heap accepted the config").to_be(false)
  return err
end

scenario("a table in its own list part is a cycle, not a crash", function()
  local c = {}
  c[1] = c
  expect(heap_error(c)).to_contain("gclab.heap: config layer contains itself")
  local a, b = {}, {}
  a[1], b[1] = b, a
  expect(heap_error(a)).to_contain("config layer contains itself")
  -- the same table twice side by side is not a cycle
  local t = {seed = 7}
  expect(gclab.heap({t, t}).config.seed).to_be(7)
end)

scenario("list layers nest at most 16 deep", function()
  local function nested(n)
    local top = {}
    local cur = top
    for _ = 1, n do local nx = {}; cur[1] = nx; cur = nx end
    cur.seed = 16
    return top
  end
  expect(gclab.heap(nested(16)).config.seed).to_be(16)
  expect(heap_error(nested(40))).to_contain("config layers nested too deep (more than 16)")
  expect(heap_error(nested(100000))).to_contain("config layers nested too deep")
end)

scenario("named keys nest only as deep as the schema", function()
  local c = {}
  c.new_space = c
  expect(heap_error(c)).to_contain("new_space.new_space: found an unknown key")
  local deep = {}
  local cur = deep
  for _ = 1, 100000 do local nx = {}; cur.a = nx; cur = nx end
  expect(heap_error(deep)).to_contain("a: found an unknown key")
end)

scenario("a config table reads at most 65536 keys", function()
  local big = {}
  for i = 1, 70000 do big["k" .. i] = 1 end
  expect(heap_error(big)).to_contain("config table too large (more than 65536 keys and layers)")
end)

scenario("an unknown key is an error even when its value is a table", function()
  expect(heap_error({bogus = {}})).to_contain("bogus: found an unknown key")
  expect(heap_error({new_space = {bogus = {}}})).to_contain("gclab.heap: new_space.bogus: ")
  expect(heap_error({new_space = {semi_space = {max = {}}}}))
    .to_contain("new_space.semi_space.max: expected a value, got a table")
  expect(gclab.heap({new_space = {}}).closed).to_be(false) -- an empty section is fine
end)

scenario("one prefix per message", function()
  local err = heap_error({bogus = 1})
  expect(err).to_contain("gclab.heap: bogus: found an unknown key")
  expect(err).never.to_contain("bogus: bogus:")
  err = heap_error({new_space = {semi_space = {max = "lots"}}})
  expect(err).to_contain("new_space.semi_space.max: found 'lots' (not a number)")
  local heap = gclab.heap()
  heap:incremental_start()
  err = select(2, pcall(heap.incremental_start, heap))
  expect(err).to_contain("heap:incremental_start: marking is already")
  expect(err).never.to_contain("incremental_start: incremental_start:")
  heap:close()
  local ok
  ok, err = pcall(gclab.defaults, {set = {"bogus=1"}})
  expect(ok).to_be(false)
  expect(err).to_contain("config: --set bogus: found an unknown key")
  expect(err).never.to_contain("--set bogus: --set bogus")
end)

scenario("numbers no key accepts are explained", function()
  expect(heap_error({page_size = 0 / 0})).to_contain("page_size: found nan (not a number)")
  expect(heap_error({page_size = 2 ^ 70})).to_contain("page_size: found 1.1805916207174e+21 (too large")
  expect(heap_error({page_size = math.huge})).to_contain("found inf (too large")
  expect(gclab.heap({seed = 8.0}).config.seed).to_be(8)
end)

scenario("a NUL byte in a config string is an error, not the end of the string", function()
  -- C would read "tiny.yaml\0junk" as tiny.yaml, "4KiB\0junk" as 4KiB
  expect(heap_error("../../../configs/tiny.yaml\0junk"))
    .to_contain("the config file path: found a NUL byte at position 27 of the string")
  expect(heap_error({page_size = "4KiB\0junk"})).to_contain("page_size: found a NUL byte at position 5")
  expect(heap_error({flags = "--max-old-space-size=64\0 --bogus"})).to_contain("flags: found a NUL byte")
  expect(heap_error({["page_size\0x"] = "8KiB"})).to_contain("a config key: found a NUL byte")
  local ok, err = pcall(gclab.defaults, {set = {"page_size=4KiB\0x"}})
  expect(ok).to_be(false)
  expect(err).to_contain("a set entry: found a NUL byte at position 15")
end)

scenario("a key given both dotted and nested is an error, not a value that varies by run", function()
  -- lua_next's order changes from run to run: the last one visited won
  expect(heap_error({["new_space.semi_space.max"] = "1MiB", new_space = {semi_space = {max = "8MiB"}}}))
    .to_contain("new_space.semi_space.max: given twice (as a dotted key and nested)")
end)

scenario("non-string config keys are shown", function()
  expect(heap_error({[true] = 1})).to_contain("config keys must be strings, got boolean key true")
  expect(heap_error({new_space = {[2.5] = 1}}))
    .to_contain("config keys must be strings, got number key 2.5 under 'new_space'")
  expect(heap_error({[{}] = 1})).to_contain("got a table key")
  local ok, err = pcall(gclab.defaults, {[false] = 1})
  expect(ok).to_be(false)
  expect(err).to_contain("unknown option boolean key false")
end)

scenario("gclab.defaults checks the types of verify and stress alike", function()
  -- verify was read with lua_toboolean: "yes", 0 and {} were all taken as true
  for _, v in ipairs({"yes", 0, {}}) do
    local ok, err = pcall(gclab.defaults, {verify = v})
    expect(ok).to_be(false)
    expect(err).to_contain("field 'verify' must be a boolean")
  end
  local ok, err = pcall(gclab.defaults, {stress = "yes"})
  expect(ok).to_be(false)
  expect(err).to_contain("field 'stress' must be a non-negative integer")
end)

scenario("one slot-count limit, the engine's", function(heap)
  expect(gclab.MAX_SLOTS).to_be(268435453)
  local limit = "slot count must be 0..268435453 (gclab.MAX_SLOTS)"
  expect(function() heap:alloc(gclab.MAX_SLOTS + 1) end).to_error(limit)
  expect(function() heap:alloc(4294967296) end).to_error(limit)
  expect(function() heap:alloc(-1) end).to_error(limit)
  expect(function() gclab.default_size(gclab.MAX_SLOTS + 1) end).to_error(limit)
  expect(gclab.default_size(gclab.MAX_SLOTS)).to_be(24 + 8 * gclab.MAX_SLOTS)
end)

scenario("heap.config follows set_old_max: gclab.heap(heap.config) is equal", function(heap)
  heap:set_old_max(200 * 1024 * 1024)
  expect(heap.config.old_space.max_size).to_be(200 * 1024 * 1024)
  local copy = gclab.heap(heap.config)
  expect(copy.config).to_equal(heap.config)
  expect(copy:stats().old_max).to_be(heap:stats().old_max)
  copy:close()
end)

scenario("heap.config has every key of the schema (configs/node20.yaml writes each out)", function(heap)
  local f = assert(io.open(SCENARIO_DIR .. "/../../../configs/node20.yaml"))
  local path, n = {}, 0
  for line in f:lines() do
    local indent, key, rest = line:match("^( *)([%w_]+):%s*(.-)%s*$")
    if key then
      local depth = #indent // 2 + 1
      path[depth] = key
      for i = depth + 1, #path do path[i] = nil end
      if rest ~= "" and rest:sub(1, 1) ~= "#" then
        local v = heap.config
        for _, k in ipairs(path) do
          if type(v) == "table" then v = v[k] else v = nil end -- a false value stays false
        end
        expect(v ~= nil, table.concat(path, ".") .. " in heap.config").to_be(true)
        n = n + 1
      end
    end
  end
  f:close()
  expect(n).to_be_at_least(40)
  local h2 = gclab.heap{boot = "none", heapsnapshot_near_heap_limit = 3}
  expect(h2.config.heapsnapshot_near_heap_limit).to_be(3)
  expect(gclab.heap(h2.config).config).to_equal(h2.config)
end)

scenario("one vocabulary for large objects: h.space matches heap:objects", {config = "../../../configs/tiny.yaml"}, function(heap)
  local threshold = heap.config.large_object.threshold
  local big = heap:root(heap:alloc(0, threshold + 8, "Big"))
  expect(big.space).to_be("new_large")
  expect(big.young).to_be(true)
  local listed = heap:objects(big.space)
  expect(#listed).to_be(1)
  expect(listed[1].id).to_be(big.id)
  expect(listed[1].space).to_be("new_large")
  expect(#heap:objects("large")).to_be(0)
  heap:scavenge()
  expect(big.space).to_be("large")
  expect(heap:objects("large")[1].id).to_be(big.id)
  expect(tostring(big)).to_contain("(large, ")
end)
