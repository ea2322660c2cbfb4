-- mutants.lua -- the runner's readers of Node's GC logs on damaged files:
-- seeded mutations (tests/lua/mutate.lua: truncation, lines and tokens
-- deleted, doubled, swapped or retyped, bytes flipped, junk, NUL, huge
-- numbers, very long lines) of every reference workload's
-- scripts/fidelity/node20/*.trace and *.nvp, read in one process by what
-- `gclab trace compare` reads them with (trace_compare.parse_node,
-- trace.parse underneath, and trace_compare.parse_nvp).  Each mutant is either accepted -- events
-- with a known GC kind, sizes and times that are numbers, lines inside
-- the file -- or refused with "FILE:LINE: what" (the line inside the
-- file, what it shows of the line quoted: no raw control bytes), or with
-- "FILE: no ... lines found" when no line is a GC line;
-- never a Lua error of another shape, within a time bound; and afterwards
-- the valid logs read as before (the next log, after each log's mutants).
-- A few refusals also go through `gclab trace compare` (exit 2, the same
-- message).
--   gclab lua tests/fidelity/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS
-- SEEDS seeds of 6 mutants of each log; SECONDS bounds each read.
-- GCLAB_READER_FUZZ=N runs N seeds instead.
local Mu = dofile(arg[2] .. "/tests/lua/mutate.lua")
local C = Mu.start("trace mutants", arg)
local root, scratch, H, check = C.root, C.scratch, C.H, C.check
local tc = require "gclab.runner.trace_compare"
local PER_FILE, CLI_CASES = 6, 3
local DIR = root .. "/scripts/fidelity/node20/"
local REPLAY = root .. "/tests/fidelity/fixtures/garbage.lua"
-- Every workload's first --trace-gc and --trace-gc-nvp run (W.trace,
-- W.nvp), and the --trace-gc logs made with --trace-pretenuring-statistics
-- too (W.sites.trace: allocation-site lines, one run each), found in the
-- directory so that a new workload is mutated without being listed here
-- (the later runs, W.2.trace and so on, are of the same form).
local LOGS, has_trace = {}, {}
local ls = assert(io.popen("LC_ALL=C ls " .. H.quote(DIR)))
for name in ls:lines() do
  if name:match("^[%w%-]+%.trace$") or name:match("^[%w%-]+%.nvp$") or name:match("^[%w%-]+%.sites%.trace$") then
    LOGS[#LOGS + 1] = name
    if name:match("%.trace$") then has_trace[name:match("^(.-)%.")] = true end
  end
end
ls:close()
check(#LOGS >= 200, "scripts/fidelity/node20/ holds the workloads' logs", #LOGS .. " logs")
local KINDS = {Scavenge = true, ["Mark-Compact"] = true, ["Mark-Sweep"] = true, ["Mark-sweep"] = true,
  ["Minor Mark-Compact"] = true, ["Minor Mark-Sweep"] = true}

local OPTS = {nest = {"(", "[", "[1:0x1] "},
  junk = {"[4576:0x2a663c70] ", "    74 ms: ", "Scavenge ", "Mark-Compact ", "Mark-Compact (reduce) ",
    "43.0 (70.2) -> 2.7 (36.2) MB, ", "0.67 / 0.00 ms ", "(average mu = 1.000, current mu = 1.000) ",
    "pause=", "total_size_before=", "total_size_after=", "promoted=", "allocated=", " ms: ", "MB", "->",
    "<--- Last few GCs --->\n", "JavaScript heap out of memory", "1234567890123456", "12345678901234567",
    "[1:0x1] pretenuring: ", "deopt_maybe_tenured=", "mementos=", " tenured=", " => tenure",
    "AllocationSite(0x1): (created, found, ratio) (1, 1, 1.000000) "}}

local function number(v) return type(v) == "number" and v == v and v >= 0 and v < math.huge end

local function lines(text)
  local n = 1
  for _ in text:gmatch("\n") do n = n + 1 end
  return n
end

-- A refusal's message: "NAME:LINE: what" with the line inside the text, or
-- the whole file's "NAME: no ... lines found".
local function located(msg, name, text)
  local q = name:gsub("%p", "%%%0")
  local l, what = msg:match("^" .. q .. ":(%d+): (.+)$")
  -- (what shows of the line is quoted: no raw control bytes)
  if l then return tonumber(l) >= 1 and tonumber(l) <= lines(text) and #what > 0 and not what:find("[%z\1-\31\127]") end
  return msg:match("^" .. q .. ": no %-%-trace%-gc[%-nvp]* lines found") ~= nil
end

-- What a log reads to, for "reads the same".
local function look_trace(t)
  local found, tenured = 0, 0
  for _, e in ipairs(t.events) do found, tenured = found + e.sites.found, tenured + e.sites.tenured end
  return string.format("%d events, %d skipped, oom %s, last %s %s, mementos %d, tenured %d", #t.events,
    t.skipped, tostring(t.oom), t.events[#t.events].kind, t.events[#t.events].after.total, found, tenured)
end
local function look_nvp(v) return string.format("%d %d %d %s", v.gcs, v.allocated, v.promoted, tostring(v.oom)) end

-- every log by file name
local base, texts = {}, {}
local function look(file, text)
  if file:match("%.trace$") then return look_trace(assert(tc.parse_node(text, file))) end
  return look_nvp(tc.parse_nvp(text, file))
end
for _, file in ipairs(LOGS) do
  texts[file] = Mu.read(DIR .. file)
  base[file] = look(file, texts[file])
end

local path = scratch .. "/mutant"
local cli_left = {trace = CLI_CASES, nvp = CLI_CASES}
for seed = 1, C.seeds do
  for k, file in ipairs(LOGS) do
    do
      local w, ext = file:match("^(.*)%.(%a+)$")
      local name = path .. "." .. ext
      for i = 1, PER_FILE do
        local text, how = Mu.mutant(texts[file], seed, i, OPTS)
        local case = string.format("%s seed %d mutant %d (%s)", file, seed, i, how)
        local ok, res, err
        if ext == "trace" then
          ok, res, err = C.timed(C.bound, case, tc.parse_node, text, name)
          check(ok, case .. ": parse_node raised an error", not ok and res)
          if ok and not res then ok, res = false, err end
        else
          ok, res = C.timed(C.bound, case, tc.parse_nvp, text, name)
          check(ok or (type(res) == "table" and type(res.usage) == "string"),
            case .. ": parse_nvp raised something else than a usage error", tostring(res))
          if not ok and type(res) == "table" then res = res.usage end
        end
        if ok then
          C.accepted = C.accepted + 1
          if ext == "trace" then
            local bad, last = nil, lines(text)
            for _, e in ipairs(res.events) do
              if not (KINDS[e.kind] and number(e.start_ms) and number(e.pause_ms) and number(e.before.total)
                and number(e.after.total) and e.line >= 1 and e.line <= last
                and number(e.sites.found) and number(e.sites.tenured)) then bad = e end
            end
            check(not bad and #res.events >= 1, case .. ": accepted events are GC events",
              bad and string.format("line %d: kind '%s'", bad.line, bad.kind:sub(1, 40)))
          else
            check(res.gcs >= 1 and math.type(res.allocated) == "integer" and number(res.promoted),
              case .. ": accepted as byte counts")
          end
        else
          C.refused = C.refused + 1
          check(located(tostring(res), name, text), case .. ": refused with FILE:LINE: what", tostring(res))
          if ok ~= nil and cli_left[ext] > 0 and (ext == "trace" or has_trace[w]) then
            cli_left[ext] = cli_left[ext] - 1
            Mu.write(name, text)
            local args = ext == "trace" and H.quote(name) .. " " .. H.quote(REPLAY)
              or H.quote(DIR .. w .. ".trace") .. " " .. H.quote(REPLAY) .. " --nvp " .. H.quote(name)
            local out, code = H.run("trace compare " .. args)
            check(code == 2 and H.has(out, "gclab trace compare: " .. tostring(res)),
              case .. ": gclab trace compare exits 2 with the message", out)
            os.remove(name)
          end
        end
      end
      -- the next log reads as before, after this log's mutants
      local nxt = LOGS[k % #LOGS + 1]
      check(look(nxt, texts[nxt]) == base[nxt],
        string.format("%s seed %d: %s reads the same after its mutants", file, seed, nxt))
    end
  end
end
C.finish()
