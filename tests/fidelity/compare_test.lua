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

out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY .. " --nvp " .. F .. "three.nvp")
check(code == 1, "ten vs garbage: exit 1", out)
check(out:match("\nscavenges +10 +3 +%+%-10%% +FAIL\n"), "10 against 3 fails", out)
check(out:match("\n +10  Scavenge .- | \n"), "side by side: Node's 10th GC has no gclab partner", out)

out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY .. " --nvp " .. F .. "three.nvp --known-failures scavenges")
check(code == 0, "--known-failures scavenges: exit 0", out)
check(has(out, "FAIL (known)"), "the known failure is marked", out)

out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --known-failures scavenges,oom")
check(code == 1, "a listed measure that passes: exit 1", out)
check(has(out, "pass (listed as a known failure)"), "... and says so", out)

out, code = run("trace compare " .. F .. "ten.trace " .. REPLAY)
check(code == 1 and out:match("\npromoted +no nvp log"), "no nvp log: promoted fails", out)

out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --known-failures speed")
check(code == 2 and has(out, "--known-failures: unknown measure 'speed'"), "unknown measure: exit 2", out)
out, code = run("trace compare " .. F .. "three.trace")
check(code == 2 and has(out, "expected NODE_TRACE and SCENARIO.lua (got 1 file arguments)"), "one file: exit 2", out)
out, code = run("trace compare " .. F .. "missing.trace " .. REPLAY)
check(code == 2 and has(out, "missing.trace"), "missing trace: exit 2 naming it", out)
out, code = run("trace compare " .. F .. "empty.trace " .. REPLAY)
check(code == 2 and has(out, "no --trace-gc lines found"), "no GC lines: exit 2", out)
out, code = run("trace compare " .. F .. "three.trace " .. REPLAY .. " --nvp " .. F .. "three.trace")
check(code == 2 and has(out, "no --trace-gc-nvp lines found"), "--nvp of a plain trace: exit 2", out)
out, code = run("trace compare --help")
check(code == 0 and has(out, "usage: gclab trace compare NODE_TRACE SCENARIO.lua"), "--help", out)

-- The runner's end of a scenario (event_loop.exit_idle_ms): Node's process
-- runs V8's pending tasks before it exits; off by default.
local EXIT = F .. "exit_idle.lua"
out, code = run("run --trace-gc " .. EXIT)
check(code == 0 and not has(out, "memory reducer; GC"), "exit idle off: no memory reducer", out)
out, code = run("run --trace-gc --set event_loop.exit_idle_ms=9000 " .. EXIT)
check(code == 0 and out:match("Mark%-Compact %(reduce%) [^\n]* memory reducer; GC in old space requested"),
  "exit idle 9000 ms: the memory reducer's Mark-Compact", out)
out, code = run("run --trace-gc --set event_loop.exit_idle_ms=7000 " .. EXIT)
check(code == 0 and not has(out, "memory reducer; GC"), "exit idle 7000 ms: before the 8 s timer", out)

H.finish()
