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

-- a scenario's config: YAML paths in nested table layers are the
-- scenario file's too
out, code = run("run " .. F .. "nested_config.lua")
check(code == 0 and has_line(out, "1 passed, 0 failed"), "nested config layers: paths resolved", out)

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
-- a path that is there but no scenario file or directory says what it is
out, code = run("run /dev/null")
check(code == 2 and has(out, "gclab run: /dev/null: not a regular file or directory"),
  "a device: not a regular file (it said: no such file or directory)", out)
do
  local dir = H.tmpdir()
  H.sh("ln -s loop " .. sh_quote(dir .. "/loop"))
  out, code = run("run " .. sh_quote(dir .. "/loop"))
  check(code == 2 and has(out, dir .. "/loop: Too many levels of symbolic links"),
    "a symbolic link loop: the system's reason", out)
  out, code = run("run " .. sh_quote(dir .. "/none"))
  check(code == 2 and has(out, "no such file or directory: " .. dir .. "/none"), "a missing path", out)
  H.sh("rm -rf " .. sh_quote(dir))
end

-- options
out, code = run("run --list " .. F .. "pass " .. F .. "mixed.lua")
check(code == 0 and has_line(out, F .. "pass/one.lua: adds") and not has(out, "TAP"), "--list", out)
out = run("run --filter expectation " .. F .. "mixed.lua")
check(has_line(out, "1..1") and has(out, "fails an expectation"), "--filter plain", out)
out = run("run --filter-pattern '^.*adds$' " .. F .. "pass")
check(has_line(out, "1..1") and has(out, ": adds"), "--filter-pattern", out)
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

-- issue 10 item 6: os.exit in a scenario, in on_gc, swallowed by pcall,
-- in a finalizer, while a file loads: the run still ends with its plan,
-- its summary and exit status 1
out, code = run("run " .. F .. "exit")
check(code == 1, "os.exit: exit status 1, not the scenario's 0", out)
check(has_line(out, "1..8") and has_line(out, "2 passed, 6 failed"), "os.exit: plan and summary", out)
check(has_line(out, "not ok 2 - " .. F .. "exit/exit.lua: calls os.exit(0)"), "os.exit: the scenario fails", out)
check(has(out, "exit.lua:5: os.exit(0) called: a scenario cannot end the run"), "os.exit: message and line", out)
check(has_line(out, "not ok 3 - " .. F .. "exit/exit.lua: swallows its own os.exit"), "os.exit under pcall", out)
check(has_line(out, "not ok 4 - " .. F .. "exit/exit.lua: calls os.exit inside on_gc"), "os.exit in on_gc", out)
check(has_line(out, "ok 6 - " .. F .. "exit/exit.lua: still runs after the exits"), "os.exit: run goes on", out)
check(has_line(out, "not ok 7 - " .. F .. "exit/exit.lua: (outside a scenario)"), "os.exit in a finalizer", out)
check(has_line(out, "not ok 8 - " .. F .. "exit/load.lua: (loading the file)"), "os.exit while loading", out)
out, code = run("run " .. F .. "exit_tostring.lua")
check(code == 1 and has_line(out, "0 passed, 1 failed") and has(out, "os.exit(0) called")
  and has(out, "(error object is a table value)"), "os.exit in an error object's __tostring", out)

-- issue 10 item 7: a long scenario says it is alive on stderr (--progress)
out, code = run("run --progress 0.1 " .. F .. "progress.lua")
check(code == 0 and out:find("gclab run: still running after %d+%.%ds: " .. F:gsub("%p", "%%%0") .. "progress%.lua: busy\n") ~= nil,
  "--progress: a still-running line names the scenario", out)
check(has_line(out, "ok 1 - " .. F .. "progress.lua: busy"), "--progress: the TAP line is unchanged", out)
out, code = run("run --progress 0 " .. F .. "progress.lua")
check(code == 0 and not has(out, "still running"), "--progress 0: no progress lines", out)
out, code = run("run --progress -1 " .. F .. "progress.lua")
check(code == 2 and has(out, "option --progress expects a decimal number of seconds"), "--progress -1 refused", out)

-- issue 10 item 7: --timeout fails the scenario by name and goes on, also
-- when the scenario catches the error or loops in a coroutine
out, code = run("run --timeout 0.5 " .. F .. "timeout.lua")
check(code == 1 and has_line(out, "1 passed, 3 failed"), "--timeout: three timed out, the run finished", out)
check(has(out, "timeout.lua:2: timed out after 0.5s (--timeout): " .. F .. "timeout.lua: loops forever"),
  "--timeout: message names the scenario and line", out)
check(has_line(out, "not ok 2 - " .. F .. "timeout.lua: swallows the timeout"), "--timeout: not swallowed by pcall",
  out)
check(has_line(out, "not ok 3 - " .. F .. "timeout.lua: loops in an old coroutine"), "--timeout: in a coroutine", out)
check(has_line(out, "ok 4 - " .. F .. "timeout.lua: runs after the timeouts"), "--timeout: run goes on", out)
for _, t in ipairs({"-1", "x", "nan", "inf", "1e-400", "0x1p3", "1e10", "2e9"}) do
  out, code = run("run --timeout " .. t .. " " .. F .. "pass")
  check(code == 2 and has(out, "option --timeout expects a decimal number of seconds from 0 (no limit) to 1e9"), "--timeout " .. t .. " refused", out)
end
-- --filter is plain text: pattern characters are only characters (this
-- pattern used to backtrack for minutes), and a malformed pattern is no
-- error; --filter-pattern refuses malformed and costly patterns by name
out, code = run("run --filter '" .. ("(.-)"):rep(12) .. "x' " .. F .. "pass")
check(code == 0 and has_line(out, "1..0"), "--filter: plain text", out)
out, code = run("run --filter '[' " .. F .. "pass")
check(code == 0 and has_line(out, "1..0"), "--filter: '[' is plain text", out)
out, code = run("run --filter-pattern '[a' " .. F .. "pass")
check(code == 2 and has(out, "--filter-pattern '[a': malformed pattern (missing ']')")
  and not has(out, "runner/"), "--filter-pattern: malformed pattern named", out)
out, code = run("run --filter-pattern '(.-)(.-)(.-)x' " .. F .. "pass")
check(code == 2 and has(out, "more than 2 repetitions"), "--filter-pattern: costly pattern refused", out)
out, code = run("run --filter-pattern '[*+-]-.*' " .. F .. "pass")
check(code == 0, "--filter-pattern: set contents are not repetitions", out)
out = run("run --filter one --filter-pattern 'adds$' " .. F .. "pass")
check(has_line(out, "1..1") and has(out, ": adds"), "--filter and --filter-pattern together", out)

-- issue 10 item 8: JUnit write failures are errors naming the path; XML is
-- valid UTF-8
out, code = run("run --junit /dev/full " .. F .. "pass")
check(code == 2 and has(out, "--junit: /dev/full: No space left on device"), "--junit /dev/full fails", out)
out, code = run("run --junit " .. F .. " " .. F .. "pass")
check(code == 2 and has(out, "--junit: " .. F), "--junit DIRECTORY fails with the path", out)
do
  local errfile = os.tmpname()
  local _, _, c = os.execute("cd " .. sh_quote(root) .. " && " .. sh_quote(bin) .. " run " .. F .. "pass >/dev/full 2>"
    .. sh_quote(errfile))
  local ef = assert(io.open(errfile))
  out = ef:read("a")
  ef:close()
  os.remove(errfile)
  check(c == 2 and has(out, "gclab run: writing the output to stdout: No space left on device"),
    "TAP to a full disk fails", out)
end
local bad_utf8 = os.tmpname()
local bf = assert(io.open(bad_utf8, "w"))
bf:write('scenario("bad \\xff\\xfe byte \\xe2\\x82 cut", function() error("msg \\xc3( <&>") end)\n')
bf:close()
out, code = run("run --junit " .. sh_quote(junit) .. " " .. sh_quote(bad_utf8))
f = io.open(junit)
xml = f and f:read("a") or ""
if f then f:close() end
os.remove(junit)
os.remove(bad_utf8)
check(code == 1 and utf8.len(xml) ~= nil, "junit: valid UTF-8 from invalid names and messages", xml)
check(has(xml, 'name="bad \u{FFFD}\u{FFFD} byte \u{FFFD}\u{FFFD} cut"') and has(xml, "msg \u{FFFD}( &lt;&amp;&gt;"),
  "junit: invalid bytes become U+FFFD", xml)

-- issue 10 item 9
out, code = run("run " .. F .. "output.lua")
check(not has(out, "\nok 99") and not has(out, "\nnot ok 98") and not has(out, "\nok 97")
  and not has(out, "\nBail out!"), "scenario output cannot forge TAP lines", out)
check(has_line(out, "# ok 99 - forged by print") and has_line(out, "# not ok 98 - forged by io.write")
  and has_line(out, "# ok 97 - forged by io.stdout") and has_line(out, "# Bail out! forged by io.output"),
  "scenario output is kept as TAP comments", out)
check(has_line(out, "not ok 2 - " .. F .. "output.lua: fails \\# SKIP forged by its name"),
  "a '#' in a name is escaped (no forged SKIP)", out)
check(has_line(out, "ok 3 - " .. F .. "output.lua: a name with a\\nline break"), "a line break in a name", out)
check(has_line(out, "ok 4 - " .. F .. "output.lua: a name with a \\0 byte")
  and has_line(out, "ok 5 - " .. F .. "output.lua: a name with a \\0 byte, twice")
  and not has(out, "\0"), "a NUL in a name is shown, not written or truncated", out)
check(has_line(out, "# a\\rok 96 - forged by a CR\ttab\\x1b[2J\\0z\\x7f"),
  "print: control characters but a tab escaped in the comment line", out)
check(has_line(out, "not ok 7 - " .. F .. "output.lua: fails with control characters")
  and has_line(out, "#   one\\rok 95 - forged by a CR") and has_line(out, "#   two \\x1b[31mred\\0"),
  "a failure message: one \"# \" line per line, control characters escaped", out)
check(not out:find("[\r\27\127]"), "no raw CR, ESC or DEL in the TAP stream", out)
out = run("run --list " .. F .. "output.lua")
check(has_line(out, F .. "output.lua: a name with a \\0 byte") and not has(out, "\0"), "--list shows a NUL", out)
out = run("run " .. F .. "skip_table.lua")
check(has(out, "skip must be a reason (a string) or true, got table") and not has(out, "table: 0x"),
  "{skip = {}} is an error, not an address", out)
out = run("run " .. F .. "record_coroutine.lua")
check(has(out, "record_coroutine.lua:8: record: called from a coroutine of scenario 'makes a coroutine'"),
  "record() from another scenario's coroutine is refused", out)
out = run("run " .. F .. "to_match.lua")
check(has(out, "to_match.lua:4: bad argument #1 to 'to_match' (malformed pattern (missing ']'): \"[a\")")
  and not has(out, "runner/"), "a malformed to_match pattern is named at the scenario's line", out)
out, code = run("run --stress 4294967296 " .. F .. "pass")
check(code == 2 and has(out, "option --stress expects a whole number from 0 to 4294967295")
  and not has(out, "traceback"), "--stress out of range: a usage error", out)
-- --seed takes exactly what the config's seed takes
for _, v in ipairs({"1e3", "0x10", "-1", "18446744073709551616"}) do
  local sout, scode = run("run --seed " .. v .. " " .. F .. "pass")
  local cout, ccode = run("run --set seed=" .. v .. " " .. F .. "pass")
  check(scode == 2 and ccode == 2 and has(sout, "option --seed: found '" .. v .. "'"),
    "--seed " .. v .. " refused like seed=" .. v, sout .. cout)
end
out, code = run("run --seed 18446744073709551615 " .. F .. "pass")
check(code == 0 and has(out, "seed: 18446744073709551615"), "--seed: the config's largest seed", out)
-- a symbolic link loop: each real directory is walked once
local loopdir = os.tmpname()
os.remove(loopdir)
assert(os.execute("mkdir " .. sh_quote(loopdir) .. " && cp " .. sh_quote(root .. "/" .. F .. "pass/one.lua") .. " "
  .. sh_quote(loopdir) .. " && ln -s . " .. sh_quote(loopdir .. "/loop") .. " && ln -s " .. sh_quote(loopdir) .. " "
  .. sh_quote(loopdir .. "/again")))
out, code = run("run " .. sh_quote(loopdir))
os.execute("rm -rf " .. sh_quote(loopdir))
check(code == 0 and has_line(out, "1..2"), "a symlinked directory loop runs each file once", out)

-- the other commands
out, code = run("--version")
check(code == 0 and has(out, "gclab "), "--version", out)
out, code = run("--help")
check(code == 0 and has(out, "usage: gclab COMMAND"), "--help", out)
out, code = run("")
check(code == 2 and out:find("^gclab: expected a command") ~= nil, "no command: says what is missing", out)
out, code = run("config --set new_space.semi_space.max=4MiB")
check(code == 0 and has(out, "max: 4MiB"), "config dispatch", out)
out, code = run("lua " .. F .. "../runner_test.lua")
check(code == 1, "lua: a failing script exits 1", out)

-- output paths: an empty one (an unset shell variable) and one that cannot
-- be written are usage errors before any scenario runs ("--record ''"
-- wrote into /, "--report FILE" failed only after the whole run)
for _, c in ipairs({{"--record ''", "option --record needs a path"}, {"--report ''", "option --report needs a path"},
    {"--config ''", "option --config needs a path"},
    {"--report " .. F .. "pass/one.lua", "--report: " .. F .. "pass/one.lua exists and is not a directory"},
    {"--junit " .. F, "--junit: " .. F .. " is a directory"},
    {"--junit /nonexistent-dir/j.xml", "--junit: no directory /nonexistent-dir for"}}) do
  out, code = run("run " .. c[1] .. " " .. F .. "pass")
  check(code == 2 and has(out, c[2]) and not has(out, "1.."), c[1] .. ": exit 2 before the run", out)
end

-- --report DIR whose report.html is a directory: refused before the run,
-- as the other output paths are (it ran every scenario, then failed)
do
  local rdir = H.tmpdir()
  assert(os.execute("mkdir " .. sh_quote(rdir .. "/report.html")))
  out, code = run("run --report " .. sh_quote(rdir) .. " " .. F .. "pass")
  check(code == 2 and has(out, "--report: " .. rdir .. "/report.html is a directory") and not has(out, "1.."),
    "--report DIR with a directory DIR/report.html: exit 2 before the run", out)
  os.execute("rm -rf " .. sh_quote(rdir))
end

-- every subcommand answers --help on stdout with exit 0; gclab lua takes
-- only heap flags before its script
for _, c in ipairs({"lua --help", "lua -h", "snapshot summary --help", "snapshot diff -h"}) do
  out, code = run(c)
  check(code == 0 and has(out, "usage: gclab"), c .. ": usage, exit 0", out)
end
out, code = run("lua --bogus " .. F .. "pass/one.lua")
check(code == 2 and has(out, "gclab lua: unknown option '--bogus'"), "lua --bogus: exit 2", out)

H.finish()
