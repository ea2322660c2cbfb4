-- regress_test.lua -- regression testing of GC policy seen from outside:
-- event logs, --record/--check, tolerances, matrices, fails_on/differs,
-- corrupt and missing baselines, determinism of the whole bundled suite.
--   gclab lua tests/regress/regress_test.lua GCLAB_BINARY REPO_ROOT WORK_DIR
-- WORK_DIR is emptied first.  Needs a POSIX shell, env, rm, mkdir, diff.
local bin = assert(arg[1], "gclab binary")
local root = assert(arg[2], "repo root")
local work = assert(arg[3], "work directory")
local F = "tests/regress/fixtures/"

local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local q, run = H.quote, H.run

local function sh(cmd)
  local ok, _, code = os.execute("cd " .. q(root) .. " && " .. cmd)
  return ok and code == 0
end

local check, has, has_line = H.check, H.has, H.has_line

-- Nothing a baseline holds may crash the runner: no Lua traceback, no
-- internal error, no sanitizer report.
local function clean(out)
  return not has(out, "stack traceback") and not has(out, "gclab run: runner/")
    and not has(out, "AddressSanitizer") and not has(out, "runtime error")
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

assert(sh("rm -rf " .. q(work) .. " && mkdir -p " .. q(work)))
local W = work .. "/"

-- ----------------------------------------------- the suite's determinism

-- Byte-identical logs from two runs that differ in environment size (so in
-- stack addresses, and in anything that would leak an address), and equal
-- to the baselines in the repository (recorded on another machine, maybe
-- with another build; under ASan this checks that build too).  The suite
-- here is every scenario of seed/, v8/ and examples/ plus five fidelity
-- files that between them use the boot heap, idle time and the memory
-- reducer, allocation sites, finalization jobs, large objects and out of
-- memory.  Every scenario file's logs are checked against the baselines by
-- its own regress_<profile>_* test (with --verify under default); running
-- fidelity's hundred heavy replays twice more here only cost CI time.
local SUITE = "scripts/seed scripts/v8 scripts/examples scripts/fidelity/idle.lua " ..
  "scripts/fidelity/pretenure-semi1.lua scripts/fidelity/finjobs-50.lua " ..
  "scripts/fidelity/leak-oom-32m.lua scripts/fidelity/bufleak-oom-64m.lua"
local pad = string.rep("x", 60000)
-- How many scenarios the suite holds: one per line of --list.
local listed = run("run --list " .. SUITE)
local n = 0
for line in listed:gmatch("[^\n]+") do
  if line:find("%.lua: ") then n = n + 1 end
end
check(n >= 100, "suite: --list names the scenarios", listed)
local out, code = run("run --record " .. q(W .. "small-env") .. " " .. SUITE, "env -i ")
check(code == 0 and has(out, "recorded " .. n .. " event logs"), "suite: --record under env -i", out)
out, code = run("run --record " .. q(W .. "big-env") .. " " .. SUITE,
  "env GCLAB_PAD1=" .. pad .. " GCLAB_PAD2=" .. pad .. " ")
check(code == 0, "suite: --record under a padded environment", out)
check(sh("diff -r " .. q(W .. "small-env") .. " " .. q(W .. "big-env") .. " >/dev/null"),
  "suite: logs byte-identical whatever the environment size")
for dir in SUITE:gmatch("%S+") do
  local d = dir:gsub("%.lua$", "")
  check(sh("diff -r " .. q(W .. "small-env/default/" .. d) .. " tests/baselines/default/" .. d .. " >/dev/null"),
    "suite: logs byte-identical to tests/baselines/default/" .. d ..
    " (re-record them if the engine changed on purpose)")
end
-- A fidelity scenario declares differs = {}: under the four bundled
-- profiles its log is the same (so tests/regress/CMakeLists.txt checks
-- fidelity under the first profile only); the matrix run holds it to that.
out, code = run("run --check tests/baselines --matrix tests/regress/profiles.lua " ..
  "scripts/fidelity/idle.lua scripts/fidelity/pretenure-semi1.lua")
check(code == 0 and has(out, "check against tests/baselines: 0 of 8 event logs differ"),
  "suite: fidelity under every profile", out)
check(select(2, out:gsub("event logs that differ from default's: 0 of 2 ", "")) == 3,
  "suite: fidelity's logs the same under every profile", out)

-- What a scenario's log holds: every GC with the documented fields.
local log = read(W .. "small-env/default/scripts/seed/04-promotion-age-mark/" ..
  "copied-on-the-first-survival-promoted-on-the-second.log") or ""
check(log:match("^# gclab event log 1 %(docs/regression%.md%)\n"), "log: first line", log)
check(has_line(log, 'scenario file=scripts/seed/04-promotion-age-mark.lua name="copied on the first ' ..
  'survival, promoted on the second" config=default seed=1'), "log: scenario line", log)
check(log:find("\ngc n=2 heap=1 seq=2 kind=Scavenge reason=testing promoted=40 promoted_objects=1 ", 1, true),
  "log: gc line", log)
check(has_line(log, "end status=pass gcs=2 records=0"), "log: end line", log)

-- The documentation lists every field a gc line can hold.
local doc = read(root .. "/docs/regression.md") or ""
for _, f in ipairs(require("gclab.runner.eventlog").GC_FIELDS) do
  local name = f.name:gsub("^(%a+)%.[%w_]+%.", "%1.SPACE.") -- before.new.size: before.SPACE.size
  check(has(doc, "`" .. name .. "`"), "docs/regression.md lists the gc field " .. f.name)
end

-- ----------------------------------------------- a deliberate policy change

out, code = run("run --check tests/baselines --set new_space.promotion.age=2 scripts/seed/04-promotion-age-mark.lua")
check(code == 1, "policy change: --check fails", out)
check(out:find("first difference: GC %d+ %(Scavenge, testing%): [%w_.]+: baseline %d+, now %d+"),
  "policy change: names the first differing GC and field", out)

out, code = run("run --record " .. q(W .. "p") .. " " .. F .. "promote.lua")
check(code == 0, "promote: recorded", out)
out, code = run("run --check " .. q(W .. "p") .. " --set new_space.promotion.age=2 " .. F .. "promote.lua")
check(code == 1, "promote: age 2 fails --check", out)
check(has_line(out, "#   first difference: GC 2 (Scavenge, testing): copied: baseline 0, now 72"),
  "promote: the first differing GC, field, baseline and new value", out)
check(has_line(out, "#       promoted: 72 -> 0 (-72, -100.0%)"), "promote: each field as a change", out)
check(has_line(out, "#   changed: 1 of 2 GCs (9 fields), 1 of 1 record"), "promote: what changed", out)
check(has(out, "# check against " .. W .. "p: 2 of 2 event logs differ (3 GCs, 27 fields, 1 record)"),
  "promote: summary of the run", out)
check(has(out, "event log differs from the baseline " .. W .. "p/default/tests/regress/fixtures/promote/" ..
  "promoted-on-the-second-scavenge.log"), "promote: names the baseline file", out)
out, code = run("run --check " .. q(W .. "p") .. " " .. F .. "promote.lua")
check(code == 0, "promote: unchanged policy passes --check", out)

-- ----------------------------------------------- tolerances

out, code = run("run --record " .. q(W .. "g") .. " " .. F .. "garbage.lua")
check(code == 0, "garbage: recorded", out)
local function garbage(extra, args) return run(args, "env REGRESS_EXTRA=" .. extra .. " ") end
local G = "run --check " .. q(W .. "g") .. " "
out, code = garbage(2, G .. F .. "garbage.lua")
check(code == 1 and has(out, "allocated: 4032 -> 4112 (+80, +2.0%)"), "tolerance: a 2% change fails without one", out)
out, code = garbage(2, G .. "--tolerance '*=5%' " .. F .. "garbage.lua")
check(code == 0 and has(out, "7 values within tolerance"), "tolerance: --tolerance '*=5%' passes it", out)
out, code = garbage(20, G .. "--tolerance '*=5%' " .. F .. "garbage.lua")
check(code == 1, "tolerance: a 20% change fails with 5%", out)
local one_star, one_code = garbage(2, G .. "--tolerance '*d=5%' " .. F .. "garbage.lua")
out, code = garbage(2, G .. "--tolerance '" .. ("*"):rep(300) .. "d=5%' " .. F .. "garbage.lua")
check(code == one_code and out == one_star and has(out, "values within tolerance"),
  "tolerance: 300 '*' match as one (it was a Lua pattern: 'pattern too complex', a traceback)", out)
out, code = garbage(2, G .. "--tolerance '*=80' " .. F .. "garbage.lua")
check(code == 0, "tolerance: an absolute tolerance", out)
out, code = garbage(2, G .. "--tolerance allocated=5% " .. F .. "garbage.lua")
check(code == 1 and has(out, "first difference: GC 1 (Scavenge, testing): died: baseline 100, now 102"),
  "tolerance: only the fields named", out)
out, code = garbage(2, G .. "--tolerance '*=5%' --tolerance record.allocated=1% " .. F .. "garbage.lua")
check(code == 1 and has(out, "first difference: record 2 (allocated): value: baseline 4032, now 4112"),
  "tolerance: record.KEY, the last that matches wins", out)
write(W .. "g/tolerances", "# tolerances for this directory\n\n*=5%   # everything\n")
out, code = garbage(2, G .. F .. "garbage.lua")
check(code == 0, "tolerance: DIR/tolerances", out)
write(W .. "g/tolerances", "[classic]\n*=5%\n")
out, code = garbage(2, G .. F .. "garbage.lua")
check(code == 1, "tolerance: a [config] section applies to that configuration only", out)
write(W .. "g/tolerances", "*=5%\nthis is not a tolerance\n")
out, code = garbage(2, G .. F .. "garbage.lua")
check(code == 2 and has(out, W .. "g/tolerances:2: expected FIELD=TOLERANCE"), "tolerance: bad file line exits 2", out)
os.remove(W .. "g/tolerances")
out, code = run(G .. "--tolerance promoted=lots " .. F .. "garbage.lua")
check(code == 2 and has(out, "must be a non-negative number or percentage"), "tolerance: bad value exits 2", out)
out, code = run("run --tolerance promoted=5% " .. F .. "garbage.lua")
check(code == 2 and has(out, "--tolerance needs --check"), "tolerance: needs --check", out)
out, code = run("run --record " .. q(W .. "g") .. " --check " .. q(W .. "g") .. " " .. F .. "garbage.lua")
check(code == 2, "--record and --check together exit 2", out)
out, code = run("run --record /dev/null/x " .. F .. "garbage.lua")
check(code == 2 and has(out, "--record: cannot make the directory /dev/null/x") and not has(out, "recorded"),
  "--record: a directory that cannot be made exits 2 before any scenario", out)

-- ----------------------------------------------- missing and corrupt baselines

local R = W .. "r"
out, code = run("run --record " .. q(R) .. " " .. F .. "records.lua")
check(code == 0, "records: recorded", out)
local rdir = R .. "/default/tests/regress/fixtures/records/"
local every = rdir .. "every-kind-of-value.log"
local good = read(every) or ""
for _, name in ipairs({"same-name.log", "same-name-2.log", "same-name-3.log"}) do
  check(read(rdir .. name), "records: colliding names get their own files: " .. name)
end
check(has_line(good, "record n=2 gcs=0 key=float type=float value=0.1"), "records: float", good)
check(has_line(good, 'record n=3 gcs=0 key=text type=string value="two words, \\"quoted\\"\\nand a newline"'),
  "records: quoted string", good)
check(has_line(good, "record n=5 gcs=0 key=table.a.1 type=boolean value=true"), "records: tables flattened", good)
check(has_line(good, 'record n=10 gcs=1 key=handle type=handle value="gclab.handle #1 Pair (new, 40 bytes, @16384)"'),
  "records: handles", good)
check(good:find("\ngc n=2 heap=2 seq=1 kind=Scavenge", 1, true), "records: a second heap's GC", good)
out, code = run("run --record " .. q(R) .. " " .. F .. "records.lua")
check(has(out, "recorded 5 event logs in " .. R .. ": 0 new, 0 changed, 5 unchanged"), "records: re-record", out)

local function check_every(what, expect_text)
  local o, c = run("run --check " .. q(R) .. " --filter 'every kind' " .. F .. "records.lua")
  check(c == 1 and clean(o) and has(o, expect_text), what, o)
  pcall(write, every, good) -- (not over a directory)
end
os.remove(every)
check_every("missing baseline: named, says to --record", "no baseline " .. every .. " (record it: gclab run --record")
write(every, good:sub(1, 300))
check_every("truncated baseline: file and line", "corrupt baseline: " .. every .. ":5: unterminated string")
write(every, good:gsub("\nend [^\n]*\n$", "\n"))
check_every("baseline without its end line", every .. ":15: no end line: the log is truncated")
write(every, "")
check_every("empty baseline", "corrupt baseline: " .. every .. ":1: no scenario line")
write(every, "garbage\n")
check_every("garbage baseline", every .. ":1: unknown line 'garbage'")
write(every, (good:gsub("allocated=40", "allocated=4x0")))
check_every("non-integer field", every .. ":12: GC field 'allocated' is not an integer: 4x0")
write(every, (good:gsub("before%.new%.size", "before.new.sise")))
check_every("unknown field", every .. ":12: unknown GC field 'before.new.sise'")
write(every, (good:gsub("gc n=2 ", "gc n=3 ")))
check_every("GCs out of order", every .. ":14: GC n=3 out of order (expected n=2)")
write(every, "\0\1\2binary")
check_every("binary baseline", every .. ":1: a NUL byte")
os.remove(every)
sh("mkdir " .. q(every))
check_every("a directory instead of a baseline", every .. " is a directory, not a regular file")
sh("rmdir " .. q(every))
-- (not through check_every: its rewrite of the baseline would block on a FIFO)
local function check_special(what, make, expect_text)
  os.remove(every)
  sh(make)
  local o, c = run("run --check " .. q(R) .. " --filter 'every kind' " .. F .. "records.lua")
  check(c == 1 and clean(o) and has(o, expect_text), what, o)
  os.remove(every)
end
check_special("a FIFO instead of a baseline (not opened: it would block)", "mkfifo " .. q(every),
  every .. " is a special file, not a regular file")
check_special("a symbolic link loop: unreadable, not missing", "ln -s " .. q(every) .. " " .. q(every),
  "cannot read the baseline: " .. every .. ": Too many levels of symbolic links")
write(every, good)
out, code = run("run --check " .. q(W .. "nowhere") .. " " .. F .. "records.lua")
check(code == 2 and has(out, "no baseline directory " .. W .. "nowhere"), "missing baseline directory exits 2", out)
out, code = run("run --check " .. q(every) .. " " .. F .. "records.lua")
check(code == 2 and has(out, "--check: " .. every .. " is a file, not a baseline directory"), "--check FILE exits 2", out)
sh("mkdir " .. q(R .. "/tolerances"))
out, code = run("run --check " .. q(R) .. " " .. F .. "records.lua")
check(code == 2 and has(out, "tolerances: " .. R .. "/tolerances is a directory, not a file"),
  "a tolerances directory is an error, not no tolerances", out)
sh("rmdir " .. q(R .. "/tolerances"))

-- Random damage (deterministic): never a crash, always a verdict.
local seed = 12345
local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local crashes = 0
for i = 1, 30 do
  local s = good
  local kind = i % 3
  if kind == 0 then s = s:sub(1, rand(#s))
  elseif kind == 1 then
    local p = rand(#s)
    s = s:sub(1, p - 1) .. string.char(rand(256) - 1) .. s:sub(p + 1)
  else
    local p, l = rand(#s), rand(40)
    s = s:sub(1, p) .. s:sub(p + l)
  end
  write(every, s)
  local o, c = run("run --check " .. q(R) .. " --filter 'every kind' " .. F .. "records.lua")
  if not (clean(o) and (c == 0 or c == 1)) then
    crashes = crashes + 1
    check(false, "damaged baseline " .. i .. " handled", o)
  end
end
write(every, good)
check(crashes == 0, "damaged baselines: a verdict each, no crash")

-- Absolute paths and other spellings of the same file find the same baselines.
out, code = run("run --check " .. q(R) .. " " .. q(root .. "/" .. F .. "records.lua"))
check(code == 0, "file named by its absolute path", out)
out, code = run("run --check " .. q(R) .. " ./tests//regress/fixtures/records.lua")
check(code == 0, "file named as ./tests//...", out)
out, code = run("run --check " .. q(R) .. " regress/fixtures/records.lua", nil, root .. "/tests")
check(code == 1 and has(out, "run from the directory they were recorded in"),
  "another current directory: missing, with a hint", out)

-- Stale baselines: reported by --check, removed by --record.
write(rdir .. "an-old-name.log", good)
out, code = run("run --check " .. q(R) .. " " .. F .. "records.lua")
check(code == 1 and has(out, "not ok 6 - " .. rdir .. "an-old-name.log: stale baseline"), "stale: --check fails", out)
out, code = run("run --check " .. q(R) .. " --filter 'every kind' " .. F .. "records.lua")
check(code == 0, "stale: not judged under --filter", out)
out, code = run("run --record " .. q(R) .. " " .. F .. "records.lua")
check(code == 0 and has(out, "# removed stale baseline " .. rdir .. "an-old-name.log")
  and not read(rdir .. "an-old-name.log"), "stale: --record removes it", out)
sh("mkdir -p " .. q(R .. "/default/tests/regress/fixtures/gone") .. " && cp " .. q(every) .. " " ..
  q(R .. "/default/tests/regress/fixtures/gone/x.log"))
out, code = run("run --check " .. q(R) .. " " .. F)
check(code == 1 and has(out, "fixtures/gone/x.log: stale baseline"), "stale: a removed file's baselines (dir argument)", out)

-- A failure is not recorded unless declared.
out, code = run("run --record " .. q(W .. "f") .. " " .. F .. "failing.lua")
check(code == 1 and has(out, "(its event log was not recorded: fix the scenario, or declare the failure with " ..
  'fails_on = {"default"})'), "failing: not recorded, says how to declare it", out)
check(read(W .. "f/default/tests/regress/fixtures/failing/passes.log") and
  not read(W .. "f/default/tests/regress/fixtures/failing/fails.log"), "failing: only the passing log written")

-- ----------------------------------------------- matrices, differs, fails_on

local M = "--matrix " .. F .. "matrix/age.lua "
out, code = run("run " .. M .. F .. "declared.lua")
check(code == 1, "matrix: wrong declarations fail", out)
check(has_line(out, "# config: age2 (built-in default + new_space.promotion.age=2)"), "matrix: config line", out)
check(has_line(out, "not ok 7 - " .. F .. "declared.lua: declared: promotes by age [age2] # TODO expected to " ..
  "fail under age2 (fails_on)"), "fails_on: TAP TODO", out)
check(has_line(out, "ok 8 - " .. F .. "declared.lua: declared: the same everywhere [age2]"), "differs = {}: same", out)
check(has_line(out, "not ok 9 - " .. F .. "declared.lua: wrong: says it differs but does not [age2]"),
  "differs: declared but equal fails", out)
check(has(out, "declared to differ under age2 (differs), but its event log equals the one under default"),
  "differs: says why", out)
check(has_line(out, "not ok 10 - " .. F .. "declared.lua: wrong: differs without saying so [age2]"),
  "differs: undeclared difference fails", out)
check(has(out, "#   first difference: GC 2 (Scavenge, testing): copied: default 0, age2 72"),
  "differs: names the first difference between the configurations", out)
check(has_line(out, "not ok 11 - " .. F .. "declared.lua: wrong: says it fails but passes [age2]"),
  "fails_on: an unexpected pass fails", out)
check(has_line(out, "ok 12 - " .. F .. "declared.lua: undeclared: differs, reported only [age2]"),
  "no declaration: a difference is only reported", out)
check(has_line(out, "# config default: 6 passed, 0 failed"), "matrix: summary per configuration", out)
check(has_line(out, "# config age2: 3 passed, 3 failed, 1 expected failure"), "matrix: second summary", out)
check(has_line(out, "#   event logs that differ from default's: 3 of 6 (1 declared)"), "matrix: differing logs", out)
check(has_line(out, "#     " .. F .. "declared.lua: undeclared: differs, reported only: GC 2 (Scavenge, testing): " ..
  "copied: default 0, age2 72"), "matrix: each differing scenario listed", out)
check(has_line(out, "4 passed, 3 failed") or has_line(out, "9 passed, 3 failed"), "matrix: total", out)

out, code = run("run --record " .. q(W .. "m") .. " " .. M .. F .. "declared.lua")
check(read(W .. "m/age2/tests/regress/fixtures/declared/declared-promotes-by-age.log"),
  "fails_on: a declared failure is recorded")
check(has(read(W .. "m/age2/tests/regress/fixtures/declared/declared-promotes-by-age.log") or "",
  "\nend status=fail gcs=2 records=0 message="), "fails_on: its log says it failed")
out, code = run("run --check " .. q(W .. "m") .. " " .. M .. F .. "declared.lua")
check(has(out, "check against " .. W .. "m: 0 of 12 event logs differ, 3 missing"), "matrix: --check per configuration", out)

out, code = run("run --record " .. q(W .. "t") .. " --config configs/tiny.yaml --config configs/tiny.yaml " ..
  F .. "promote.lua")
check(code == 0 and read(W .. "t/tiny-2/tests/regress/fixtures/promote/promoted-on-the-second-scavenge.log"),
  "two configs with one name: the second is NAME-2", out)

local function bad_matrix(text, expect_text)
  write(W .. "bad-matrix.lua", text)
  local o, c = run("run --matrix " .. q(W .. "bad-matrix.lua") .. " " .. F .. "promote.lua")
  check(c == 2 and has(o, expect_text), "bad matrix exits 2: " .. expect_text, o)
end
bad_matrix("return 5", "must return a non-empty list of configurations")
bad_matrix("return {{name = 'a'}, {name = 'a'}}", "configuration name 'a' is used twice")
bad_matrix("return {{name = 'a', confg = 'x.yaml'}}", "unknown key 'confg' (known: name, config, set)")
bad_matrix("return {{name = 'a', zeta = 1, beta = 2, kappa = 3}}", "unknown keys 'beta', 'kappa', 'zeta' (known")
bad_matrix("return {{name = 'a b'}}", "name must be a plain word")
bad_matrix("return {{name = 'a', config = 'no-such.yaml'}}", "configuration a (no-such.yaml)")
bad_matrix("return {{name = 'a', set = {'nope.key=1'}}}", "nope.key")
bad_matrix("return {{name = 'a'}, {name = 'b'}, nil, {name = 'c'}}", "configuration 3 is nil (a hole in the list)")
bad_matrix("return {{name = 'a'}, x = {name = 'b'}}", "an entry at key \"x\" outside 1..1")
bad_matrix("while true do end", "still running after 10000000 instructions")
bad_matrix("local t = {} for i = 1, 1e9 do t[i] = i end return t", "uses more than 64 MiB")
bad_matrix("this is not Lua", "bad-matrix.lua:1:")

out, code = run("run " .. F .. "records.lua")
check(code == 0, "record() checks its arguments (record refuses functions)", out)
write(W .. "bad-opts.lua", "scenario('x', {differs = 5}, function() end)\n")
out, code = run("run " .. q(W .. "bad-opts.lua"))
write(W .. "many-opts.lua", "scenario('x', {zeta = 1, alpha = 2, kappa = 3}, function() end)\n")
local many, mcode = run("run " .. q(W .. "many-opts.lua"))
check(mcode == 1 and has(many, "unknown options 'alpha', 'kappa', 'zeta'"), "unknown scenario options: all, sorted", many)
check(code == 1 and has(out, "differs must be a configuration name or a list of them"), "differs: checked", out)

-- ----------------------------------------------- --trace-gc-nvp

out = run("run --trace-gc-nvp scripts/seed/08-incremental-marking.lua")
local nvp = out:match("\n# (%[0:0x0%][^\n]*gc=mc[^\n]*)") or ""  -- Node 20 names a Mark-Compact mc
for _, key in ipairs({"pause", "mutator", "gc", "reduce_memory", "incremental.steps_count",
    "incremental.steps_took", "total_size_before", "total_size_after", "holes_size_before",
    "holes_size_after", "allocated", "promoted", "semi_space_copied", "new_space_survived",
    "nodes_died_in_new", "nodes_copied_in_new", "nodes_promoted", "promotion_ratio",
    "average_survival_ratio", "promotion_rate", "semi_space_copy_rate"}) do
  check(nvp:find(" " .. key:gsub("%.", "%%.") .. "=[%d.]+%%? ") or nvp:find(" " .. key .. "=mc "),
    "--trace-gc-nvp has " .. key, nvp)
end

H.finish()
