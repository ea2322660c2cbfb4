-- compare_test.lua -- `gclab trace compare` from outside: the side-by-side,
-- the measures, exit statuses, --known-failures and usage errors, on the
-- hand-made fixtures of tests/fidelity/fixtures (README there: the
-- expected numbers are the fixtures' own, 3 Scavenges of 1 MiB).
--   gclab lua tests/fidelity/compare_test.lua GCLAB-BINARY REPO-ROOT
local bin, root = arg[1], arg[2]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local has, check, run = H.has, H.check, H.run
local F = "tests/fidelity/fixtures/"
local REPLAY = F .. "garbage.lua"

local out, code = run("trace compare " .. F .. "three.trace " .. REPLAY)
check(code == 0, "three vs garbage: exit 0", out)
check(out:match("\nscavenges +3 +3 +%+%-10%% +pass\n"), "scavenges row", out)
check(out:match("\nmark_compacts +0 +0 +%+%-1 +pass\n"), "mark_compacts row", out)
check(out:match("\noom +no OOM +no OOM +same +pass\n"), "oom row", out)
check(out:match("\npromoted +0 KB/GC +0 KB/GC +%+%-15%% +pass\n"), "promoted row (three.nvp found next to the trace)", out)
check(out:match("\n +1  Scavenge +5%.0 %-> +4%.0 MB  allocation failure +| Scavenge +1%.0 %-> +0%.0 MB  allocation failure"),
  "side by side: GC 1", out)
check(has(out, "node:  " .. F .. "three.trace (3 GCs)"), "header names the trace", out)
check(has(out, "\nnvp:   " .. F .. "three.nvp (3 GCs: the oom and promoted bytes)\n"), "header names the nvp log found", out)

out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY .. " --nvp " .. F .. "three.nvp")
check(code == 2 and has(out, "three.nvp has 3 GCs and " .. F .. "ten.trace 10: not logs of the same program?"),
  "an nvp log of another program: exit 2", out)
out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY)
check(code == 1, "ten vs garbage: exit 1", out)
check(out:match("\nscavenges +10 +3 +%+%-10%% +FAIL\n"), "10 against 3 fails", out)
check(out:match("\n +10  Scavenge .- | \n"), "side by side: Node's 10th GC has no gclab partner", out)

out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY .. " --known-failures scavenges")
check(code == 0, "--known-failures scavenges: exit 0", out)
local out2, code2 = run("trace compare --known-failures=scavenges --filter= " .. F .. "ten.trace " .. REPLAY)
check(code2 == 0 and out2 == out, "--known-failures=scavenges --filter=: the --opt=VALUE forms", out2)
check(has(out, "FAIL (known)"), "the known failure is marked", out)

out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --known-failures scavenges,oom")
check(code == 1, "a listed measure that passes: exit 1", out)
check(has(out, "pass (listed as a known failure)"), "... and says so", out)

out, code = run("trace compare " .. F .. "alone.trace " .. REPLAY)
check(code == 1 and out:match("\npromoted +no nvp log"), "no nvp log: promoted fails", out)
check(has(out, "\nnvp:   none (the oom and promoted bytes need --nvp FILE)\n"), "no nvp log: the header says so", out)
out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --nvp " .. F .. "none.nvp")
check(code == 2 and has(out, "none.nvp"), "a missing --nvp file: exit 2 naming it", out)

out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --known-failures speed")
check(code == 2 and has(out, "--known-failures: unknown measure 'speed'"), "unknown measure: exit 2", out)
out, code = run("trace compare " .. F .. "three.trace")
check(code == 2 and has(out, "expected NODE_TRACE and SCENARIO.lua (got 1 file arguments)"), "one file: exit 2", out)
-- a replay that exists but is no scenario file: said so, not "no such file"
out, code = run("trace compare " .. F .. "three.trace /dev/null")
check(code == 2 and has(out, "/dev/null: not a regular file or directory") and not has(out, "no such file"),
  "a device as the replay: exit 2, not a regular file", out)
out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --nvp ''")
check(code == 2 and has(out, "--nvp: the path is empty"), "an empty --nvp: exit 2 naming the option", out)
out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --nvp=")
check(code == 2 and has(out, "--nvp: the path is empty"), "--nvp=: exit 2 naming the option", out)
out, code = run("trace compare " .. F .. "missing.trace " .. REPLAY)
check(code == 2 and has(out, "missing.trace"), "missing trace: exit 2 naming it", out)
out, code = run("trace compare " .. F .. "empty.trace " .. REPLAY)
check(code == 2 and has(out, "no --trace-gc lines found"), "no GC lines: exit 2", out)
out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --nvp " .. F .. "three.trace")
check(code == 2 and has(out, "no --trace-gc-nvp lines found"), "--nvp of a plain trace: exit 2", out)
-- damaged logs: the line and what is wrong, exit 2 (never a Lua error)
local tmp = os.tmpname()
local function damaged(trace_text, nvp_text)
  local f = assert(io.open(tmp .. ".trace", "wb")); f:write(trace_text); f:close()
  os.remove(tmp .. ".nvp")
  if nvp_text then f = assert(io.open(tmp .. ".nvp", "wb")); f:write(nvp_text); f:close() end
  return run("trace compare " .. tmp .. ".trace " .. REPLAY)
end
local three = assert(io.open(root .. "/" .. F .. "three.trace")):read("a")
local three_nvp = assert(io.open(root .. "/" .. F .. "three.nvp")):read("a")
out, code = damaged((three:gsub("5%.0 %(6%.0%)", "5.0.1 (6.0)", 1)))
check(code == 2 and has(out, ".trace:1: '5.0.1' is not a number as V8 writes one"), "a bad number: line named", out)
out, code = damaged(three .. "[1:0x1]     13 ms: Scavenge 5.0 (6.0) -> 4.0 (6.")
check(code == 2 and has(out, ".trace:" .. select(2, three:gsub("\n", "")) + 1 .. ": a Scavenge line that does not parse"),
  "a line cut short: line named", out)
-- the line is shown quoted, cut at 120 bytes: a NUL, control bytes and
-- invalid UTF-8 as escapes, never raw on the terminal
local cut_line = "[1:0x1]     13 ms: Scavenge 5.0 (6.0) -> 4.0 (6."
out, code = damaged(three .. cut_line)
check(code == 2
  and has(out, ": a Scavenge line that does not parse (cut short? a bad number?): \"" .. cut_line .. "\"\n"),
  "a line cut short: the line quoted", out)
out, code = damaged(three .. cut_line .. "\0\27[2J\r\xff\xc3(" .. ("x"):rep(200))
check(code == 2 and has(out, ": \"" .. cut_line .. "\\0\\27[2J\\13\\xff\\xc3(" .. ("x"):rep(120 - #cut_line - 9)
  .. "\"...\n") and not out:find("[%z\1-\9\11-\31\127\128-\255]"),
  "a line with a NUL, control bytes and invalid UTF-8: escaped, cut at 120 bytes", out)
out, code = damaged((three:gsub("Scavenge", "Scaveng\xe9", 1)))
check(code == 2 and has(out, ".trace:1: \"Scaveng\\xe9\" is not a GC kind V8 writes (Scavenge, Mark-Compact, "),
  "a damaged GC kind: line named (it read as an event no measure counts)", out)
out, code = damaged((three:gsub("Scavenge", "", 1)))
check(code == 2 and has(out, ".trace:1: \"\" is not a GC kind V8 writes"), "no GC kind: line named", out)
out, code = damaged(three, (three_nvp:gsub(" promoted=0 ", " promoted=" .. ("9"):rep(40) .. " ", 1)))
check(code == 2 and has(out, ".nvp:1: promoted=\"999999999999999999999999999999\"... is not a byte count"),
  "an nvp number beyond 15 digits (it read as inf and passed)", out)
out, code = damaged(three, (three_nvp:gsub(" promoted=0 ", " ", 1)))
check(code == 2 and has(out, ".nvp:1: a --trace-gc-nvp line without promoted="), "an nvp field missing: line named", out)
out, code = damaged(three, (three_nvp:gsub(" promoted=0 ", " promoted=0 promoted=7 ", 1)))
check(code == 2 and has(out, ".nvp:1: promoted= appears twice"), "an nvp field twice", out)
os.remove(tmp .. ".trace"); os.remove(tmp .. ".nvp"); os.remove(tmp)
out, code = run("trace compare " .. F .. " " .. REPLAY)
check(code == 2 and has(out, "cannot read: Is a directory"), "a directory as the trace: exit 2", out)
out, code = run("trace plot " .. F)
check(code == 2 and has(out, "cannot read: Is a directory"), "trace plot of a directory: exit 2", out)
-- special files are refused before they are opened or read: /dev/zero's
-- read never ended, a FIFO's open (also a FIFO W.2.trace or W.nvp found
-- next to the trace) waited for a writer
out, code = run("trace compare /dev/zero " .. REPLAY, "timeout 60 ")
check(code == 2 and has(out, "/dev/zero: cannot read: not a regular file"), "a device as the trace: exit 2", out)
out, code = run("trace plot /dev/zero", "timeout 60 ")
check(code == 2 and has(out, "/dev/zero: cannot read: not a regular file"), "trace plot of a device: exit 2", out)
do
  local dir = H.tmpdir()
  H.sh("cp " .. H.quote(F .. "three.trace") .. " " .. H.quote(dir .. "/w.trace") .. " && mkfifo " .. H.quote(dir .. "/w.2.trace"))
  out, code = run("trace compare " .. H.quote(dir .. "/w.trace") .. " " .. REPLAY, "timeout 60 ")
  check(code == 2 and has(out, dir .. "/w.2.trace: cannot read: not a regular file"),
    "a FIFO as Node's second run: exit 2, not a hang", out)
  H.sh("rm " .. H.quote(dir .. "/w.2.trace") .. " && mkfifo " .. H.quote(dir .. "/w.nvp"))
  out, code = run("trace compare " .. H.quote(dir .. "/w.trace") .. " " .. REPLAY, "timeout 60 ")
  check(code == 2 and has(out, dir .. "/w.nvp: cannot read: not a regular file"),
    "a FIFO as the nvp log next to the trace: exit 2, not a hang", out)
  -- a name that is there but cannot be read does not end Node's runs unsaid
  H.sh("rm " .. H.quote(dir .. "/w.nvp") .. " && ln -s nowhere " .. H.quote(dir .. "/w.2.trace"))
  out, code = run("trace compare " .. H.quote(dir .. "/w.trace") .. " " .. REPLAY)
  check(code == 2 and has(out, dir .. "/w.2.trace: cannot read: a dangling symbolic link"),
    "a dangling symbolic link as Node's second run: exit 2 naming it, not the end of the runs", out)
  H.sh("rm " .. H.quote(dir .. "/w.2.trace") .. " && ln -s w.2.trace " .. H.quote(dir .. "/w.2.trace"))
  out, code = run("trace compare " .. H.quote(dir .. "/w.trace") .. " " .. REPLAY)
  check(code == 2 and has(out, dir .. "/w.2.trace: Too many levels of symbolic links"),
    "a symbolic link loop as Node's second run: exit 2 naming it", out)
  H.sh("rm " .. H.quote(dir .. "/w.2.trace"))
  out, code = run("trace compare " .. H.quote(dir .. "/w.trace") .. " " .. REPLAY)
  check(code == 1 and not has(out, "Node's runs"), "no second run: one run, no error", out)
  H.sh("rm -rf " .. H.quote(dir))
end

-- Node's other runs (spread.2.trace, spread.2.nvp next to spread.trace,
-- spread.nvp): the first run has 10 Scavenges, the second 3, as garbage.lua
out, code = run("trace compare " .. F .. "spread.trace " .. REPLAY)
check(code == 0, "spread: gclab within a threshold of Node's second run: exit 0", out)
check(has(out, "\nNode's runs: 2 --trace-gc, 2 --trace-gc-nvp (" .. F .. "spread.N); a measure passes within its "
  .. "threshold of any run\n"), "spread: the runs are named", out)
check(out:match("\nscavenges +10 +3 +%+%-10%% +3%-10 +pass %(first run: FAIL%)\n"),
  "spread: scavenges row with the runs' band and the first run's verdict", out)
check(out:match("\noom +no OOM +no OOM +same +no OOM +pass\n"), "spread: oom row", out)
out, code = run("trace compare " .. F .. "spread.trace " .. REPLAY .. " --first-run-only")
check(code == 1 and out:match("\nscavenges +10 +3 +%+%-10%% +FAIL\n") and not has(out, "Node's runs"),
  "spread --first-run-only: the first run alone, exit 1", out)
out, code = run("trace compare " .. F .. "spread.trace " .. REPLAY .. " --known-failures scavenges")
check(code == 1 and has(out, "pass (first run: FAIL) (listed as a known failure)"),
  "spread: --known-failures goes by the runs", out)
-- A scratch workload `w` whose first run is ten.trace and ten.nvp (as
-- w.trace, w.nvp): put(name, text) adds a log, clear() removes them all
-- and the directory.
local TEN = assert(io.open(root .. "/" .. F .. "ten.trace")):read("a")
local TEN_NVP = assert(io.open(root .. "/" .. F .. "ten.nvp")):read("a")
local function scratch_workload()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir " .. d))
  local names = {}
  local function put(name, text)
    local f = assert(io.open(d .. "/" .. name, "wb"))
    f:write(text)
    f:close()
    names[name] = true
  end
  local function clear()
    for n in pairs(names) do os.remove(d .. "/" .. n) end
    os.remove(d)
  end
  put("w.trace", TEN)
  put("w.nvp", TEN_NVP)
  return d, put, clear
end

-- An nvp log is a run too: its counts (gc=s, gc=mc) are among Node's
-- runs for the two count measures.  w.2.nvp is ten.nvp with 7 of its
-- Scavenges made Mark-Compacts: 3 Scavenges, garbage.lua's count.
do
  local d, put, clear = scratch_workload()
  put("w.2.trace", TEN)
  put("w.2.nvp", (TEN_NVP:gsub(" gc=s ", " gc=mc ", 7)))
  out, code = run("trace compare " .. d .. "/w.trace " .. REPLAY)
  check(out:match("\nscavenges +10 +3 +%+%-10%% +3%-10 +pass %(first run: FAIL%)\n"),
    "an nvp run's Scavenge count is one of Node's runs", out)
  check(out:match("\nmark_compacts +0 +0 +%+%-1 +0%-7 +pass\n"), "... and its Mark-Compact count", out)
  out, code = run("trace compare " .. d .. "/w.trace " .. REPLAY .. " --first-run-only")
  check(code == 1 and out:match("\nscavenges +10 +3 +%+%-10%% +FAIL\n"),
    "--first-run-only: the count is the first trace's", out)
  put("w.2.nvp", (TEN_NVP:gsub(" gc=s ", " gc=x ", 1)))
  out, code = run("trace compare " .. d .. "/w.trace " .. REPLAY)
  check(code == 2 and has(out, d .. "/w.2.nvp:1: gc=\"x\" is not a GC kind --trace-gc-nvp writes (s, mc, mmc)"),
    "an nvp line with an unknown gc=: exit 2, file and line named", out)
  put("w.2.nvp", (TEN_NVP:gsub(" gc=s ", " ", 1)))
  out, code = run("trace compare " .. d .. "/w.trace " .. REPLAY)
  check(code == 2 and has(out, d .. "/w.2.nvp:1: a --trace-gc-nvp line without gc="),
    "an nvp line without gc=: exit 2", out)
  clear()
end

-- a damaged or foreign second run: exit 2 naming it
do
  local sdir, put, clear = scratch_workload()
  put("w.2.trace", "[1:0x1]     13 ms: Scavenge 5.0 (6.0) -> 4.0 (6.")
  out, code = run("trace compare " .. sdir .. "/w.trace " .. REPLAY)
  check(code == 2 and has(out, sdir .. "/w.2.trace:1: a Scavenge line that does not parse"),
    "a damaged second trace: exit 2, file and line named", out)
  os.remove(sdir .. "/w.2.trace")
  put("w.2.nvp", (assert(io.open(root .. "/" .. F .. "three.nvp")):read("a")))
  out, code = run("trace compare " .. sdir .. "/w.trace " .. REPLAY)
  check(code == 2 and has(out, sdir .. "/w.2.nvp has 3 GCs and " .. sdir .. "/w.trace 10: not logs of the same program?"),
    "a second nvp log of another program: exit 2", out)
  clear()
end

-- A Node log made with --trace-pretenuring-statistics too (sites.trace,
-- hand-made in V8's format): each side's allocation mementos found per GC
-- in a column of its own, "+T" where the GC tenured a site.  sites.lua
-- keeps 1,500 of 15,000 site objects, all with mementos (its comment).
out, code = run("trace compare " .. F .. "sites.trace " .. F .. "sites.lua")
check(code == 1 and out:match("\n +# +node %-%-trace%-gc +mementos | gclab +mementos\n"),
  "sites: both sides get a mementos column", out)
check(out:match("\n +1  Scavenge [^|]- 2000 | Scavenge [^\n]- 1500\n"),
  "sites: GC 1, Node's summary line's mementos=2000 and gclab's 1,500 found", out)
check(out:match("\n +2  Scavenge [^|]- 1900 %+T | Scavenge [^\n]- 0\n"),
  "sites: GC 2, Node tenured a site (maybe tenure => tenure), gclab found none (mementos are not copied)", out)
check(out:match("\n +3  Scavenge [^|]- 500 |\n"),
  "sites: GC 3, a site tenured before (tenure => tenure, the summary's tenured=1) is no new decision", out)
check(out:match("\n +4  Scavenge [^|]- 0 |\n"),
  "sites: GC 4 had no pretenuring lines (found none) and no gclab partner", out)
out = run("trace compare " .. F .. "three.trace " .. REPLAY)
check(not has(out, "mementos"), "a log without pretenuring lines: no mementos column", out)
local sites_text = assert(io.open(root .. "/" .. F .. "sites.trace")):read("a")
local sfile = os.tmpname()
do
  local f = assert(io.open(sfile, "wb"))
  f:write((sites_text:gsub("mementos=1900", "mementos=19x0", 1)))
  f:close()
end
out, code = run("trace compare " .. sfile .. " " .. F .. "sites.lua")
check(code == 2 and has(out, sfile .. ":5: a pretenuring statistics line that does not parse"),
  "a damaged pretenuring line: exit 2, file and line named", out)
os.remove(sfile)

out, code = run("trace compare --help")
check(code == 0 and has(out, "usage: gclab trace compare NODE_TRACE SCENARIO.lua"), "--help", out)

-- The runner's end of a scenario (event_loop.exit_idle_ms): Node's process
-- runs V8's pending tasks before it exits; off by default.
local EXIT = F .. "exit_idle.lua"
out, code = run("run --trace-gc " .. EXIT)
-- The memory reducer's Mark-Compact: "(reduce)", its marking finished by
-- the task, as Node prints it (scripts/fidelity/node20/reducer-60.trace).
local REDUCER = "Mark%-Compact %(reduce%) [^\n]* finalize incremental marking via task; GC in old space requested"
check(code == 0 and not out:match(REDUCER), "exit idle off: no memory reducer", out)
out, code = run("run --trace-gc --set event_loop.exit_idle_ms=9000 " .. EXIT)
check(code == 0 and out:match(REDUCER), "exit idle 9000 ms: the memory reducer's Mark-Compact", out)
out, code = run("run --trace-gc --set event_loop.exit_idle_ms=7000 " .. EXIT)
check(code == 0 and not out:match(REDUCER), "exit idle 7000 ms: before the 8 s timer", out)

H.finish()
