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
-- the valid logs read as before.  A few refusals also go through `gclab
-- trace compare` (exit 2, the same message).
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
local WORKLOADS = {"bt-14", "grow-1e6", "grow-1e6-semi4", "leak-oom-32m", "idle", "pretenure-semi1",
  "cache-2e6", "slowleak-oom-16m", "bigarrays-12", "midlife-3e6", "batch-10",
  "index-2e6", "largechurn-4000", "gcloop-2e6", "drop-2500000",
  "bufleak-oom-64m", "weakcache-1e6", "weakrefs-1e6", "finreg-1e6",
  "closures-1e6", "remap-30", "setgrow-1e6", "tokens-1e6", "ring-64m", "ticks-1500", "reducer-60", "mapleak-oom-48m",
  "midlife-3e6-semi64", "index-2e6-min16", "weakjobs-50",
  "finjobs-50", "minorgc-2e6", "listenerleak-oom-24m", "arraygrow-1e7", "grid-50",
  "arrays-2e5", "ctor-1e6", "ctor-1e6-semi4", "ctor-3e6-oom-32m",
  "pairs-1e6", "factory-2e6", "bst-1e6", "keys-2e6", "keys-4e6-oom-16m", "cons-1e6",
  "smileak-oom-32m", "scatter-3e6-40m", "queue-5e6",
  "buffers-2e4", "typed-2e5", "concat-5e4", "json-1e6", "async-1e6", "slices-oom-32m", "sort-300", "sawtooth-20",
  "heavyidle-20", "fullidle-12-32m", "spread-3e6", "dict-1e6",
  "bigfact-2e4", "lrulist-5e6", "phase-4e6",
  "bst-1e6-oom-24m", "grow-1e7", "grow-3e6-oom-64m", "setgrow-1e6-oom-24m",
  "spread-3e6-semi1", "json-1e6-semi1", "arrays-2e5-semi1", "factory-2e6-semi1",
  "closures-1e6-semi1", "dict-1e6-semi1", "tokens-1e6-semi1", "pairs-1e6-semi1",
  "points-1e6", "names-1e6", "names-3e6-oom-48m", "points-3e6-oom-64m",
  "names-1e6-semi1"}
-- --trace-gc logs made with --trace-pretenuring-statistics too (their
-- allocation-site lines; W.sites.trace, one run each)
local SITES = {"grow-1e6.sites", "cache-2e6.sites", "remap-30.sites", "ring-64m.sites", "pairs-1e6.sites",
  "factory-2e6.sites", "bst-1e6.sites"}
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

-- every log by file name: each workload's first trace and nvp, the sites logs
local LOGS, base, texts = {}, {}, {}
for _, w in ipairs(WORKLOADS) do LOGS[#LOGS + 1] = w .. ".trace"; LOGS[#LOGS + 1] = w .. ".nvp" end
for _, w in ipairs(SITES) do LOGS[#LOGS + 1] = w .. ".trace" end
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
            local bad
            for _, e in ipairs(res.events) do
              if not (KINDS[e.kind] and number(e.start_ms) and number(e.pause_ms) and number(e.before.total)
                and number(e.after.total) and e.line >= 1 and e.line <= lines(text)
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
          if ok ~= nil and cli_left[ext] > 0 then
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
        -- the next log reads as before
        local nxt = LOGS[k % #LOGS + 1]
        check(look(nxt, texts[nxt]) == base[nxt], case .. ": " .. nxt .. " reads the same after it")
      end
    end
  end
end
C.finish()
