-- runner_test.lua -- the `gclab` command seen from outside: TAP lines, the
-- summary line, exit statuses, options, JUnit, determinism.
--   gclab lua tests/lua/runner_test.lua GCLAB_BINARY REPO_ROOT
local bin, root = assert(arg[1], "gclab binary"), assert(arg[2], "repo root")
local F = "tests/lua/fixtures/"

local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local run, check, has, has_line, sh_quote = H.run, H.check, H.has, H.has_line, H.quote

-- all passing
local out, code = run("run " .. F .. "pass")
check(code == 0, "pass: exit 0", out)
check(has_line(out, "TAP version 13"), "pass: TAP header", out)
check(has_line(out, "ok 1 - " .. F .. "pass/one.lua: adds"), "pass: ok line", out)
check(has_line(out, "1..2"), "pass: plan", out)
check(has_line(out, "2 passed, 0 failed"), "pass: summary line", out)

-- one of each
out, code = run("run " .. F .. "mixed.lua")
check(code == 1, "mixed: exit 1", out)
check(has_line(out, "ok 1 - " .. F .. "mixed.lua: passes"), "mixed: pass", out)
check(has_line(out, "not ok 2 - " .. F .. "mixed.lua: fails an expectation"), "mixed: expect", out)
check(has(out, "#   " .. F .. "mixed.lua:5: space: to_be failed"), "mixed: expect file:line", out)
check(has(out, '#     expected: "old"') and has(out, '#       actual: "new"'), "mixed: expected/actual", out)
check(has(out, F .. "mixed.lua:10: attempt to index a nil value"), "mixed: error file:line", out)
check(has(out, F .. "mixed.lua:14: one is not two"), "mixed: assert file:line", out)
check(has_line(out, "ok 5 - " .. F .. "mixed.lua: is skipped # SKIP not today"), "mixed: skip", out)
check(has(out, "JavaScript heap out of memory"), "mixed: OOM reported", out)
check(has_line(out, "ok 7 - " .. F .. "mixed.lua: still runs after the others"), "mixed: continues", out)
check(has_line(out, "3 passed, 4 failed"), "mixed: summary", out)

-- a file that does not load
out, code = run("run " .. F .. "broken.lua " .. F .. "pass")
check(code == 1, "broken: exit 1", out)
check(has(out, "not ok 1 - " .. F .. "broken.lua: (loading the file)"), "broken: reported", out)
check(has(out, "broken.lua:2:"), "broken: line", out)
check(has_line(out, "2 passed, 1 failed"), "broken: others still run", out)

-- usage and configuration errors: exit 2
for _, args in ipairs({"run", "run --bogus " .. F .. "pass", "run no/such/dir",
    "run --set nope.key=1 " .. F .. "pass", "run --config no/such.yaml " .. F .. "pass",
    "run --stress x " .. F .. "pass", "run --set noequals " .. F .. "pass", "frobnicate"}) do
  out, code = run(args)
  check(code == 2, "usage error exits 2: gclab " .. args, out)
end
out = run("run --set nope.key=1 " .. F .. "pass")
check(has(out, "nope.key"), "--set error names the key", out)

-- options
out, code = run("run --list " .. F .. "pass " .. F .. "mixed.lua")
check(code == 0 and has_line(out, F .. "pass/one.lua: adds") and not has(out, "TAP"), "--list", out)
out = run("run --filter expectation " .. F .. "mixed.lua")
check(has_line(out, "1..1") and has(out, "fails an expectation"), "--filter plain", out)
out = run("run --filter '^.*adds$' " .. F .. "pass")
check(has_line(out, "1..1") and has(out, ": adds"), "--filter pattern", out)
out = run("run --seed 42 " .. F .. "pass")
check(has(out, "seed: 42"), "--seed printed", out)
out, code = run("run --verify --stress 5 " .. F .. "pass")
check(code == 0, "--verify --stress", out)
out = run("run --trace-gc --trace-gc-nvp scripts/seed/02-scavenge-copies.lua")
check(has(out, "\n# [") and has(out, "Scavenge"), "--trace-gc lines", out)
check(has(out, "gc=s"), "--trace-gc-nvp lines", out)
out, code = run("run --help")
check(code == 0 and has(out, "usage: gclab run"), "run --help", out)

local junit = os.tmpname()
out, code = run("run --junit " .. sh_quote(junit) .. " " .. F .. "mixed.lua")
local f = io.open(junit)
local xml = f and f:read("a") or ""
if f then f:close() end
os.remove(junit)
check(has(xml, '<testsuites name="gclab" tests="7" failures="4" errors="0" skipped="1">'), "junit totals", xml)
check(has(xml, '<testcase classname="' .. F .. 'mixed.lua" name="passes"/>'), "junit case", xml)
check(has(xml, "<failure message="), "junit failure", xml)

-- determinism: the same run twice is byte-identical
local a = run("run --trace-gc --trace-gc-nvp --seed 7 scripts/seed scripts/v8 " .. F .. "mixed.lua")
local b = run("run --trace-gc --trace-gc-nvp --seed 7 scripts/seed scripts/v8 " .. F .. "mixed.lua")
check(a == b, "two runs give identical output")
check(not a:find("0x%x%x%x%x%x%x") , "no machine addresses in output", a:match("[^\n]*0x%x%x%x%x%x%x[^\n]*"))

-- the other commands
out, code = run("--version")
check(code == 0 and has(out, "gclab "), "--version", out)
out, code = run("--help")
check(code == 0 and has(out, "usage: gclab COMMAND"), "--help", out)
out, code = run("config --set new_space.semi_space.max=4MiB")
check(code == 0 and has(out, "max: 4MiB"), "config dispatch", out)
out, code = run("lua " .. F .. "../runner_test.lua")
check(code == 1, "lua: a failing script exits 1", out)

H.finish()
