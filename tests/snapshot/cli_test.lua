-- cli_test.lua -- `gclab snapshot summary|path|diff|leaks` from outside:
-- tables, --json, exit statuses and messages, on Node's fixture and on
-- snapshots a gclab heap writes.  Expected numbers: memlab's for the Node
-- fixture (tests/snapshot/test_snapshot_file.c says how they were made),
-- gclab.default_size sums for gclab's.
--   gclab lua tests/snapshot/cli_test.lua GCLAB-BINARY REPO-ROOT
local bin, root = arg[1], arg[2]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local q, has, check, run = H.quote, H.has, H.check, H.run
local NODE = "tests/snapshot/fixtures/node20-small.heapsnapshot.gz"

-- Node's snapshot: the Summary, the path to the planted holder.
local out, code = run("snapshot summary " .. NODE .. " --top 0")
check(code == 0, "summary: exit 0", out)
check(has(out, NODE .. ": 39514 nodes, 178875 edges, 2988342 bytes\n"), "summary: header", out)
check(out:match("\nLeakHolder +1 +96 +[%d.]+%% +61600 "), "summary: LeakHolder row", out)
check(out:match("\nLeakItem +100 +4000 +[%d.]+%% +60000 "), "summary: LeakItem row", out)
out, code = run("snapshot summary " .. NODE .. " --top 3")
check(code == 0 and has(out, "more classes; --top 0 shows all"), "summary --top 3", out)
local out2, code2 = run("snapshot summary --top=3 " .. NODE)
check(code2 == 0 and out2 == out, "summary --top=3 is --top 3", out2)
local rows = 0
for line in out:gmatch("[^\n]+") do if line:match("%%$") and not line:match("^class ") then rows = rows + 1 end end
check(rows == 3, "summary --top 3: three rows", out)

out, code = run("snapshot summary --json " .. NODE .. " --top 0")
check(code == 0, "summary --json: exit 0", out)
check(has(out, '"nodes": 39514') and has(out, '"total_size": 2988342'), "summary --json: header", out)
check(out:match('"name": "LeakHolder",%s*"count": 1,%s*"shallow_size": 96,%s*"retained_size": 61600'),
  "summary --json: LeakHolder row", out)

out, code = run("snapshot path " .. NODE .. " --name LeakHolder")
check(code == 0, "path --name: exit 0", out)
check(has(out, '--property "gclabLeak"--> LeakHolder (object) @50485  self 96  retained 61600'),
  "path --name: the last step", out)
check(has(out, "retainers (2):"), "path --name: two retainers", out)
out, code = run("snapshot path " .. NODE .. " --id 50485 --json")
check(code == 0 and out:match('"edge_type": "property",%s*"edge": "gclabLeak"'), "path --id --json", out)

-- gclab's own snapshots: diff and leaks.
local dir = H.tmpdir()
local script = dir .. "/make.lua"
local f = assert(io.open(script, "w"))
f:write([[
local gclab = require "gclab"
local dir = ...
local heap = gclab.heap{boot = "none"} -- ids from 1: App is @3
local app = heap:root(heap:alloc(100, 0, "App"))
local n = 0
local function add(k) for i = 1, k do n = n + 1; app[n] = heap:alloc(1, 0, "Listener") end end
add(10)
heap:snapshot():write(dir .. "/base.heapsnapshot")
add(20)
heap:snapshot():write(dir .. "/target.heapsnapshot.gz")
for i = 11, 15 do app[i] = nil end                    -- five of the new ones go
heap:full_gc()
heap:snapshot():write(dir .. "/final.heapsnapshot")
]])
f:close()
out, code = run("lua " .. q(script) .. " " .. q(dir))
check(code == 0, "writing gclab snapshots", out)
local S1 = 24 + 8                                      -- gclab.default_size(1)
out, code = run("snapshot diff " .. q(dir .. "/base.heapsnapshot") .. " " .. q(dir .. "/target.heapsnapshot.gz"))
check(code == 0, "diff: exit 0", out)
check(out:match("\nListener +20 +0 +%+20 +" .. 20 * S1 .. " +0 +%+" .. 20 * S1 .. "\n"), "diff: Listener row", out)
out, code = run("snapshot leaks " .. q(dir .. "/base.heapsnapshot") .. " " .. q(dir .. "/target.heapsnapshot.gz")
  .. " " .. q(dir .. "/final.heapsnapshot"))
check(code == 0, "leaks: exit 0", out)
check(has(out, "15 objects in 1 classes, retaining " .. 15 * S1 .. " bytes"), "leaks: totals", out)
check(out:match("\nListener +15 +" .. 15 * S1), "leaks: Listener row", out)
check(has(out, "--element[1]--> App (object) @3") and out:match("%-%-element%[1%d%]%-%-> Listener"),
  "leaks: the path goes through App", out)
out, code = run("snapshot leaks --json " .. q(dir .. "/base.heapsnapshot") .. " " ..
  q(dir .. "/target.heapsnapshot.gz") .. " " .. q(dir .. "/final.heapsnapshot"))
check(code == 0 and out:match('"name": "Listener",%s*"count": 15') and has(out, '"path": ['), "leaks --json", out)
os.execute("rm -rf " .. q(dir))

-- Errors: a malformed file (1), usage (2), nothing found (1).
out, code = run("snapshot summary tests/snapshot/malformed/edge-to-out-of-range.heapsnapshot")
check(code == 1 and has(out, "gclab snapshot: tests/snapshot/malformed/edge-to-out-of-range.heapsnapshot: " ..
  "byte 1046: edge 6: to_node 49 is not a node"), "malformed file: exit 1 and the message", out)
out, code = run("snapshot summary no-such.heapsnapshot")
check(code == 1 and has(out, "no-such.heapsnapshot: cannot open: No such file or directory"), "missing file", out)
out, code = run("snapshot frobnicate x")
check(code == 2 and has(out, "unknown command 'frobnicate'"), "unknown subcommand: exit 2", out)
out, code = run("snapshot path " .. NODE)
check(code == 2 and has(out, "path wants one of --name NAME or --id ID"), "path without --name/--id", out)
out, code = run("snapshot summary " .. NODE .. " --top many")
check(code == 2 and has(out, "--top wants a count, not 'many'"), "--top many", out)
out, code = run("snapshot diff " .. NODE)
check(code == 2 and has(out, "needs more FILEs"), "diff with one file", out)
out, code = run("snapshot path " .. NODE .. " --name NoSuchClass")
check(code == 1 and has(out, "no object of class 'NoSuchClass'"), "path: no such class", out)
out, code = run("snapshot path " .. NODE .. " --id 2")
check(code == 1 and has(out, "no node has id 2"), "path: no such id", out)
out, code = run("snapshot --help")
check(code == 0 and has(out, "usage: gclab snapshot"), "snapshot --help", out)
out, code = run("snapshot")
check(code == 2 and out:find("^gclab snapshot: expected a command") ~= nil, "snapshot alone: says what is missing", out)
H.finish()
