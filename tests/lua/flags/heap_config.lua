-- heap_config.lua -- run by flags_test.lua as `gclab lua [FLAGS] heap_config.lua`:
-- prints what a heap made with gclab's defaults, and with Lua's `flags`
-- key, is configured to, one "name value" line each.
local gclab = require "gclab"
local function show(name, heap)
  local c = heap.config
  print(name, c.old_space.max_size, c.new_space.semi_space.max, c.incremental.enabled)
end
show("default", gclab.heap())
show("table", gclab.heap{flags = "--max-old-space-size=64 --max-semi-space-size=1"})
show("explicit", gclab.heap{flags = "--max-old-space-size=64", old_space = {max_size = "8MiB"}})
show("machine", gclab.heap{physical_memory = "2GiB"})
local ok, err = pcall(gclab.heap, {flags = "--max-semi-spac-size=1"})
print("typo", ok, err)
-- one message per mistake (issue 10, item 12): no doubled key prefix
ok, err = pcall(gclab.heap, {bogus = 1})
print("bogus", ok, err)
