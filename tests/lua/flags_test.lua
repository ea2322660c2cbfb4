-- flags_test.lua -- Node's heap flags on gclab's command line, from the
-- outside (docs/configuration.md, "Node's flags"):
--   gclab lua flags_test.lua BINARY REPO_ROOT SCRATCH_DIR
-- The flags must behave exactly as the --set options they stand for: the
-- event logs of scripts/seed recorded both ways are compared byte for byte.
local bin, root, scratch = arg[1], arg[2], arg[3]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local q = H.quote

-- Every file below DIR, as {relative path = contents}.
local function tree(dir)
  local files, n = {}, 0
  local f = assert(io.popen("cd " .. q(dir) .. " && find . -type f | LC_ALL=C sort"))
  for path in f:lines() do
    local h = assert(io.open(dir .. "/" .. path, "rb"))
    files[path] = h:read("a")
    h:close()
    n = n + 1
  end
  f:close()
  return files, n
end

local function same(a, b)
  for k, v in pairs(a) do if b[k] ~= v then return false, k end end
  for k in pairs(b) do if a[k] == nil then return false, k end end
  return true
end

local function record(name, args, prefix)
  local dir = scratch .. "/" .. name
  os.execute("rm -rf " .. q(dir))
  local out, code = H.run("run " .. args .. " --record " .. q(dir) .. " scripts/seed", prefix)
  H.check(code == 0 or H.has(out, "passed"), name .. ": ran", out)
  local files, n = tree(dir)
  H.check(n >= 30, name .. ": recorded the seed scenarios' logs (" .. n .. ")", out)
  return files, out
end

-- 1. flags == --set, byte for byte, and both differ from the default heap
local by_set = record("set", "--set old_space.max_size=32MiB --set new_space.semi_space.max=1MiB")
local by_flags = record("flags", "--max-old-space-size=32 --max-semi-space-size=1")
local ok, which = same(by_set, by_flags)
H.check(ok, "--max-old-space-size=32 --max-semi-space-size=1 logs equal the --set logs (" ..
  tostring(which) .. ")")
local default = record("default", "")
H.check(not same(default, by_set), "the flags change the event logs (the comparison can fail)")

-- anywhere among the options, V8's underscore spelling too
local _, code = H.run("run --verify scripts/seed/01-new-space-allocation.lua --max_old_space_size=32")
H.check(code == 0, "a flag after the paths is taken")
local late = record("late", "--max-semi-space-size=1 --seed 1 --max_old_space_size=32")
H.check(same(late, by_set), "flags between other options, underscores: the same logs")

-- NODE_OPTIONS, only when asked for
local env = "NODE_OPTIONS='--max-old-space-size=32 \"--max-semi-space-size=1\"' "
local from_env = record("env", "--node-options-env", env)
H.check(same(from_env, by_set), "NODE_OPTIONS with --node-options-env: the same logs")
local ignored = record("ignored", "", env)
H.check(same(ignored, default), "NODE_OPTIONS alone changes nothing")
local out
out, code = H.run("run --node-options-env scripts/seed", "NODE_OPTIONS=--stress-compaction ")
H.check(code == 2 and H.has(out, "NODE_OPTIONS: --stress-compaction is not allowed in NODE_OPTIONS"),
  "NODE_OPTIONS refuses what Node refuses", out)

-- --gc-interval=N is --stress N
local stress = record("stress", "--stress 50")
local interval = record("interval", "--gc-interval=50")
H.check(same(stress, interval), "--gc-interval=50 logs equal --stress 50 logs")

-- precedence: --set wins over a flag
local set_wins = record("set_wins", "--set old_space.max_size=32MiB --max-old-space-size=64 "
  .. "--set new_space.semi_space.max=1MiB")
H.check(same(set_wins, by_set), "--set wins over a flag wherever it stands")

-- helpful errors and reports
out, code = H.run("run --max-old-spce-size=32 scripts/seed")
H.check(code == 2 and H.has(out, "gclab run: unknown option '--max-old-spce-size=32' " ..
  "(did you mean the heap flag --max-old-space-size?)"), "a misspelt flag is a usage error", out)
out, code = H.run("run --max-old-space-size=32MB scripts/seed")
H.check(code == 2 and H.has(out, "found '32MB', expected a whole number of MiB"),
  "a flag's value is checked", out)
out, code = H.run("run --expose-gc scripts/seed/01-new-space-allocation.lua")
H.check(code == 0 and H.has(out, "gclab run: --expose-gc: accepted, no effect in gclab"),
  "--expose-gc is accepted and reported", out)

-- gclab config --physical-memory
out, code = H.run("config --physical-memory=512MiB")
H.check(code == 0 and H.has(out, "max_size: 256MiB") and H.has(out, "= 271581184 bytes"),
  "gclab config --physical-memory=512MiB prints Node 20's limits", out)
out, code = H.run("config --physical-memory=16GiB")
H.check(code == 0 and H.has(out, "max_size: 4GiB") and H.has(out, "= 4345298944 bytes"),
  "... and for 16 GiB", out)

-- gclab lua: flags before the script; the Lua `flags` key
local script = q(root .. "/tests/lua/flags/heap_config.lua")
local MiB = 1024 * 1024
out, code = H.run("lua " .. script)
H.check(code == 0 and H.has_line(out, "default\t" .. 4096 * MiB .. "\t" .. 16 * MiB .. "\ttrue"),
  "gclab lua: the default heap", out)
H.check(H.has_line(out, "table\t" .. 64 * MiB .. "\t" .. MiB .. "\ttrue"),
  "gclab.heap{flags = ...}", out)
H.check(H.has_line(out, "explicit\t" .. 8 * MiB .. "\t" .. 16 * MiB .. "\ttrue"),
  "a table's own key wins over its flags", out)
H.check(H.has_line(out, "machine\t" .. 1024 * MiB .. "\t" .. 8 * MiB .. "\ttrue"),
  "gclab.heap{physical_memory = '2GiB'}", out)
H.check(H.has(out, "typo\tfalse\tgclab.heap: flags: found '--max-semi-spac-size=1', expected a "
  .. "heap flag (did you mean --max-semi-space-size?)"), "a Lua flags typo names the flag", out)
H.check(H.has_line(out, "bogus\tfalse\tgclab.heap: bogus: found an unknown key, expected a key "
  .. "path such as new_space.semi_space.max (`gclab config` prints every key)"),
  "an unknown table key is named once", out)
out, code = H.run("run --set bogus=1 scripts/seed/01-new-space-allocation.lua")
H.check(code == 2 and H.has(out, "--set bogus: found an unknown key")
  and not H.has(out, "--set bogus: --set bogus"), "an unknown --set key is named once", out)
out, code = H.run("run --set \"old_space.max_size='16MiB'\" scripts/seed/01-new-space-allocation.lua")
H.check(code == 0, "--set takes a value quoted as in a file", out)
out, code = H.run("lua --max-old-space-size=32 --no-incremental-marking " .. script)
H.check(code == 0 and H.has_line(out, "default\t" .. 32 * MiB .. "\t" .. 16 * MiB .. "\tfalse"),
  "gclab lua --max-old-space-size=32: every heap starts from the flags", out)
out, code = H.run("lua --max-old-spce-size=32 " .. script)
H.check(code == 2 and H.has(out, "did you mean the heap flag --max-old-space-size?"),
  "gclab lua: a misspelt flag is a usage error", out)
-- flags each valid that the configuration refuses: the message, no traceback
out, code = H.run("lua --semi-space-growth-factor=0 " .. script)
H.check(code == 2 and H.has(out, "gclab lua: ") and H.has(out, "growth_factor: expected 1..16, got 0")
  and not H.has(out, "traceback"), "gclab lua: flags the configuration refuses: its message alone", out)

H.finish()
