-- sweep_test.lua -- gclab sweep, from inside (the Lua module, in process)
-- and from outside (the command: formats, -j, charts, CTest, JUnit).
--   gclab lua tests/pictures/sweep_test.lua BINARY REPO_ROOT
-- Uses xmllint (libxml2-utils) as an independent XML parser.
local bin, root = arg[1], arg[2]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local sweep = require "gclab.runner.sweep"
local q = H.quote

local WORKLOAD = "tests/pictures/short_lived.lua"
local BASE = {"--config", "configs/tiny.yaml", "--set", "new_space.semi_space.initial=16KiB"}
local function args(extra)
  local a = {}
  for _, x in ipairs(BASE) do a[#a + 1] = x end
  for _, x in ipairs(extra) do a[#a + 1] = x end
  return a
end
local function shell(a) local t = {} for i, x in ipairs(a) do t[i] = q(x) end return table.concat(t, " ") end
local sh = H.sh
local tmp = H.tmpdir()

-- ---------------------------------------------------------- values
local v = sweep.parse_vary("k=1MiB..64MiB*2")
H.check(table.concat(v.values, ",") == "1MiB,2MiB,4MiB,8MiB,16MiB,32MiB,64MiB", "geometric range of sizes",
  table.concat(v.values, ","))
v = sweep.parse_vary("k=10..40+10,100")
H.check(table.concat(v.values, ",") == "10,20,30,40,100", "arithmetic range and a list", table.concat(v.values, ","))
H.check(#sweep.combinations({{key = "a", values = {1, 2, 3}}, {key = "b", values = {"x", "y"}}}) == 6,
  "combinations: the product")
H.check(sweep.combinations({{key = "a", values = {1, 2}}, {key = "b", values = {"x", "y"}}})[2][2] == "y",
  "combinations: the last key varies fastest")
-- each value from the start, not accumulated: a decimal step reaches its end
v = sweep.parse_vary("k=1.0..2.0+0.1")
H.check(table.concat(v.values, ",") == "1,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,2", "decimal step keeps the end",
  table.concat(v.values, ","))
v = sweep.parse_vary("k=0.01..0.99+0.07")
H.check(#v.values == 15 and v.values[15] == "0.99", "decimal step: 15 values ending at 0.99", table.concat(v.values, ","))
v = sweep.parse_vary("k=1..10*1.5")
H.check(table.concat(v.values, ",") == "1,1.5,2.25,3.375,5.0625,7.59375", "decimal factor", table.concat(v.values, ","))
-- near the top of Lua's integers: no wrap-around
v = sweep.parse_vary("k=1..9223372036854775807*2")
H.check(#v.values == 63 and v.values[63] == "4611686018427387904", "factor up to 2^62, no wrap", #v.values)
v = sweep.parse_vary("k=9223372036854775800..9223372036854775807+3")
H.check(table.concat(v.values, ",") == "9223372036854775800,9223372036854775803,9223372036854775806",
  "step near 2^63", table.concat(v.values, ","))
for bad, says in pairs({["k=0..4*2"] = "does not advance", ["k=18446744073709551615..18446744073709551615+1"] = "too large",
    ["k=1..200000+1"] = "more than 100000"}) do
  local ok, err = pcall(sweep.parse_vary, bad)
  H.check(not ok and type(err) == "table" and tostring(err.usage):find(says, 1, true), bad .. ": " .. says,
    type(err) == "table" and err.usage or err)
end
for _, bad in ipairs({"k=1MiB..64MiB", "k=64MiB..1MiB*2", "k=1..5*1", "k=", "novalue", "k=1,,2"}) do
  local ok, err = pcall(sweep.parse_vary, bad)
  H.check(not ok and type(err) == "table" and err.usage, "bad --vary rejected: " .. bad)
end

-- ---------------------------------------------------------- the trade-off
-- A larger semispace: fewer Scavenges, fewer bytes promoted (objects that
-- live for 50 requests die young in a large semispace and are promoted
-- from a small one), a longer longest pause and more committed memory.
-- Directions only: the numbers belong to the engine.
-- in process, paths from the repository root
local function inproc(extra)
  local a = {"--config", root .. "/configs/tiny.yaml", "--set", "new_space.semi_space.initial=16KiB"}
  for _, x in ipairs(extra) do a[#a + 1] = x end
  a[#a + 1] = root .. "/" .. WORKLOAD
  return sweep.parse_args(a)
end
local o = inproc({"--vary", "new_space.semi_space.max=16KiB..512KiB*2"})
local rows, status = sweep.run(o)
H.check(status == 0 and #rows == 6, "the semispace sweep ran 6 combinations", #rows)
local function series(key)
  local s = {}
  for i, r in ipairs(rows) do s[i] = r.metrics[key] end
  return s
end
local function monotone(s, dir) -- dir 1: non-decreasing, -1: non-increasing; and first ~= last
  for i = 2, #s do if (s[i] - s[i - 1]) * dir < 0 then return false end end
  return (s[#s] - s[1]) * dir > 0
end
local sc, pr = series("scavenges"), series("promoted_bytes")
H.check(monotone(sc, -1), "fewer Scavenges as the semispace grows", table.concat(sc, " "))
H.check(monotone(pr, -1), "fewer bytes promoted as the semispace grows", table.concat(pr, " "))
-- The longest Scavenge: with a 64 MiB old space and its initial limit kept
-- (32 MiB, not lowered from the survival rate) the limit is never near,
-- so no full GC (whose pause depends on when marking started) is among
-- the pauses.
do
  local srows = sweep.run(inproc({"--vary", "new_space.semi_space.max=16KiB..512KiB*2",
    "--set", "old_space.max_size=64MiB", "--set", "old_space.shrink_initial_limit=false"}))
  local mp, full = {}, 0
  for i, r in ipairs(srows) do
    mp[i] = r.metrics.max_pause_us
    full = full + r.metrics.mark_sweeps + r.metrics.mark_compacts
  end
  H.check(#srows == 6 and full == 0, "only Scavenges with a 32 MiB old-generation limit", full)
  H.check(monotone(mp, 1), "a longer longest Scavenge as the semispace grows", table.concat(mp, " "))
end
H.check(monotone(series("mutator_utilization"), 1), "more time for the mutator as the semispace grows")
H.check(series("peak_committed_bytes")[6] > series("peak_committed_bytes")[1], "more memory committed")

-- out of memory is a result, with the allocation it happened at
o = inproc({"--vary", "old_space.max_size=64KiB,4MiB", "--set", "new_space.semi_space.max=16KiB",
  "--set", "incremental.activation_size=32KiB"})
rows, status = sweep.run(o)
H.check(status == 0 and rows[1].status == "oom" and rows[1].metrics.oom == true, "OOM at a 64 KiB old space",
  rows[1].status)
H.check(math.type(rows[1].metrics.oom_at_allocation) == "integer" and rows[1].metrics.oom_at_allocation > 1000,
  "OOM names the allocation", tostring(rows[1].metrics.oom_at_allocation))
H.check(rows[2].status == "pass" and rows[2].metrics.oom == false, "no OOM at 4 MiB")

-- ---------------------------------------------------------- the command
local cli = shell(args({"--vary", "new_space.semi_space.max=16KiB..64KiB*2", "--vary",
  "old_space.max_size=1MiB,4MiB", WORKLOAD}))
local md1, c1 = H.run("sweep " .. cli)
local md2, c2 = H.run("sweep -j 2 " .. cli)
local md3 = H.run("sweep " .. cli)
H.check(c1 == 0 and c2 == 0, "sweep exits 0", md1)
-- where --chart or --junit cannot be written is a usage error before the
-- run, not after it (no table printed)
for _, opt in ipairs({"--chart", "--junit"}) do
  local o, c = H.run("sweep " .. opt .. " " .. q(tmp .. "/no/such/dir/f") .. " " .. cli)
  H.check(c == 2 and not o:find("|", 1, true) and o:find(opt .. ": no directory", 1, true),
    "sweep " .. opt .. " into a missing directory: refused before the run", o)
end
H.check(md1 == md2, "-j 2 prints what -j 1 prints", md2)
-- a float metric that is a whole number (utilization 1.0 with no GC pause)
-- crosses the child processes as a float (it came back as the integer 1)
local ones = {}
for _, j in ipairs({"1", "2"}) do
  ones[j] = H.run("sweep -j " .. j .. " --format csv --vary new_space.semi_space.max=4MiB,8MiB " ..
    "--filter 'no GC' tests/pictures/no_gc.lua")
end
H.check(ones["1"] == ones["2"] and ones["1"]:find('"1.0"', 1, true) ~= nil, "-j 2: a float stays a float",
  ones["1"] .. "\n" .. ones["2"])
H.check(md1 == md3, "byte-identical reruns")
local n = 0
for _ in md1:gmatch("\n| %d") do n = n + 1 end
H.check(select(2, md1:gsub("\n", "")) == 2 + 6, "markdown: header, rule and 6 rows", md1)
local csv = H.run("sweep --format csv " .. cli)
H.check(select(2, csv:gsub("\r\n", "")) == 7 and csv:find('^"new_space.semi_space.max","old_space.max_size","scenario"'),
  "csv: a header and 6 records", csv)
local json = H.run("sweep --format json " .. cli)
H.check(select(2, json:gsub('"scenario":', "")) == 6, "json: 6 rows", json)

local chart, junit, ctest = tmp .. "/chart.svg", tmp .. "/junit.xml", tmp .. "/ctest"
local _, cc = H.run("sweep --chart " .. q(chart) .. " --metric promoted_bytes --junit " .. q(junit) .. " " .. cli)
H.check(cc == 0, "--chart and --junit")
local out, code = sh("xmllint --noout " .. q(chart) .. " " .. q(junit))
H.check(code == 0, "chart and JUnit are well-formed XML (xmllint)", out)
out = sh("xmllint --xpath 'count(//*[local-name()=\"circle\"])' " .. q(chart))
H.check(out == "6", "the chart has a point per row", out)
out = sh("xmllint --xpath 'count(//*[local-name()=\"polyline\"])' " .. q(chart))
H.check(out == "2", "the chart has a line per other value (old_space.max_size)", out)
out = sh("xmllint --xpath 'count(//testcase)' " .. q(junit))
H.check(out == "6", "JUnit: a testcase per row", out)
out = sh("xmllint --xpath 'count(//testcase[1]/properties/property)' " .. q(junit))
H.check(tonumber(out) == #sweep.METRICS, "JUnit: the metrics as properties", out)

assert(os.execute("mkdir -p " .. q(ctest)))
_, cc = H.run("sweep --emit-ctest " .. q(ctest .. "/CTestTestfile.cmake") .. " " .. cli)
H.check(cc == 0, "--emit-ctest")
out, code = sh("ctest --test-dir " .. q(ctest) .. " -j2")
H.check(code == 0 and out:find("100%% tests passed, 0 tests failed out of 6"), "ctest runs one test per combination",
  out)
out, code = H.run("sweep --filter 'figure 2' --config configs/tiny.yaml --set new_space.semi_space.initial=16KiB " ..
  "--vary new_space.semi_space.max=16KiB,32KiB " ..
  "scripts/examples/08-article-figures.lua")
H.check(code == 0 and select(2, out:gsub("\n| %d+KiB |", "")) == 2 and H.has(out, "figure 2: old space"),
  "--filter: one scenario, two rows", out)
out, code = H.run("sweep --only 7 " .. cli)
H.check(code == 2 and H.has(out, "--only 7: there are 6 combinations"), "--only out of range", out)
out, code = H.run("sweep --vary k=1..2 " .. WORKLOAD)
H.check(code == 2 and H.has(out, "needs a step"), "a range without a step", out)
out, code = H.run("sweep " .. WORKLOAD)
H.check(code == 2 and H.has(out, "nothing to vary"), "nothing to vary", out)
out, code = H.run("sweep --vary page_size=4KiB,8KiB --vary page_size=16KiB " .. WORKLOAD)
H.check(code == 2 and H.has(out, "page_size is varied twice"), "the same key varied twice", out)
out, code = H.run("sweep --vary no.such.key=1 " .. WORKLOAD)
H.check(code == 2 and H.has(out, "no.such.key"), "an unknown key is named", out)
-- --opt=VALUE as in gclab run; a value that looks like one stays a value
local csv1 = H.run("sweep --vary seed=1,2 --format csv --filter 'request' " .. WORKLOAD)
out, code = H.run("sweep --vary=seed=1,2 --format=csv --filter=request " .. WORKLOAD)
H.check(code == 0 and out == csv1, "--vary=, --format=, --filter=: the --opt=VALUE forms", out)
out, code = H.run("sweep --vary seed=1,2 --filter --format=csv " .. WORKLOAD)
H.check(code == 0 and H.has(out, "| seed |") and not H.has(out, "request loop"),
  "--filter --format=csv: the filter is '--format=csv' (no row, markdown)", out)

-- a chart of a byte metric that is 0 in every row (its axis goes 0..1 B)
local idle = tmp .. "/idle.lua"
local f = assert(io.open(idle, "w"))
f:write('scenario("idle", function(heap) heap:alloc(1) end)\n')
f:close()
out, code = H.run("sweep --vary seed=1,2 --metric promoted_bytes --chart " .. q(tmp .. "/zero.svg") .. " " .. q(idle))
H.check(code == 0 and select(2, sh("xmllint --noout " .. q(tmp .. "/zero.svg"))) == 0,
  "--chart: a byte metric that is 0 everywhere", out)
out, code = H.run("trace plot tests/fidelity/fixtures/three.trace --compare " .. q(idle) .. " -o " .. q(tmp .. "/z.html"))
H.check(code == 0, "trace plot --compare: a scenario without a GC", out)

-- counts in decimal digits: a value that is not one (or too large for an
-- integer) is a usage error naming it, never a Lua error
for _, bad in ipairs({"--shard 1/99999999999999999999", "--shard 99999999999999999999/1", "--only 1e0",
  "-j 1e1", "-j 0x2", "--only 99999999999999999999"}) do
  out, code = H.run("sweep --vary seed=1,2 " .. bad .. " " .. WORKLOAD)
  H.check(code == 2 and H.has(out, "gclab sweep: ") and H.has(out, bad:match("%S+$") .. "'")
    and not H.has(out, "traceback"), "sweep " .. bad .. ": a usage error naming the value", out)
end
-- -j larger than the number of combinations starts one process per
-- combination, not -j of them (3000 processes took 13 s, each with a
-- temporary file in /tmp; two take a fraction of a second)
out, code = H.run("sweep -j 3000 --vary seed=1,2 " .. WORKLOAD, "timeout 8 ")
H.check(code == 0 and select(2, out:gsub("\n| %d |", "")) == 2, "-j 3000 on two combinations", out)

os.execute("rm -rf " .. q(tmp))
H.finish()
