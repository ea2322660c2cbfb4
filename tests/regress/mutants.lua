-- mutants.lua -- the event log reader and the tolerances file reader on
-- damaged files: seeded mutations (tests/lua/mutate.lua: truncation, lines
-- and tokens deleted, doubled, swapped or retyped, bytes flipped, junk,
-- NUL, huge numbers, very long lines) of a few committed baselines
-- (tests/baselines/, left as they are) and of a tolerances file, read in
-- one process by what `gclab run --check DIR` reads them with: a
-- baseline.session("check") judging this run's log (the valid baseline)
-- against the mutant at its place in a scratch baseline tree
-- (eventlog.parse, then baseline.compare and render), and
-- baseline.read_tolerances, whose tolerances then judge a log that differs.
-- Each mutant is either accepted -- a log whose counts match its lines,
-- judged the same or different with the difference shown -- or refused
-- with what docs/regression.md promises: "corrupt baseline: FILE:LINE:
-- what" (the line inside the file), "FILE:LINE: what" for a tolerances
-- file; never a Lua error of another kind, never raw control bytes or
-- kilobytes of the input in a message, within a time bound; and
-- afterwards the valid logs read the same.  A few mutants also go through
-- `gclab run --check` on a copy of one scenario file's baselines (the same
-- verdict and message for the mutated one, the file's other scenarios
-- still checked and passing, exit 1), and a few damaged tolerances files
-- (exit 2 with the message).
--   gclab lua tests/regress/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS
-- SEEDS seeds of 8 mutants of each file; SECONDS bounds each read.
-- GCLAB_READER_FUZZ=N runs N seeds instead.
local Mu = dofile(arg[2] .. "/tests/lua/mutate.lua")
local C = Mu.start("event log mutants", arg)
local root, scratch, H, check = C.root, C.scratch, C.H, C.check
local eventlog = require "gclab.runner.eventlog"
local baseline = require "gclab.runner.baseline"
local PER_FILE, CLI_CASES, CLI_TOLERANCES = 8, 4, 2

-- {config, scenario file, slug}: a small log (the CLI's, one of four
-- scenarios of a file that runs in milliseconds), records with quoted
-- strings, a failure's quoted message, nine GCs of two heaps.
local FILES = {
  {"default", "scripts/seed/02-scavenge-copies.lua", "the-semispaces-swap-roles-after-each-scavenge"},
  {"default", "scripts/examples/07-three-snapshots.lua",
    "find-leaks-what-opening-a-dialog-left-behind-after-closing"},
  {"classic", "scripts/examples/04-configs.lua", "the-heap-s-configuration-is-a-table"},
  {"tiny", "scripts/examples/04-configs.lua", "two-promotion-policies-one-program"},
}
local CLI_FILE = 1

local OPTS = {nest = {"\"", "gc ", "n="},
  junk = {"gc ", "record ", "end ", "scenario ", "# gclab event log 1 (docs/regression.md)\n",
    "# gclab event log 2\n", "n=1 ", "n=2 ", "heap=1 ", "seq=1 ", "kind=Scavenge ", "reason=testing ",
    "allocated=40 ", "incremental=true ", "reduce_memory=maybe ", "before.new.size=", "key=x ",
    "type=integer ", "value=\"a b\" ", "status=pass ", "gcs=0 ", "records=0 ", "message=", "=", "\"\\x\"",
    "\"\\xZZ\"", "\\\"", "\"\\n\"", "\x1b[31m", "-9223372036854775808", "9223372036854775808"}}

-- The tolerances file: the forms docs/regression.md shows, and sections.
local TOLERANCES = table.concat({
  "# start times drift with any cost change; compare them loosely",
  "*_us=10%",
  "before.*.size = 5%",
  "record.widget_path_length=2",
  "[classic]",
  "promoted=2%",
  "  [ tiny ]  # a comment",
  "pause_us=100",
  "*=0",
  ""}, "\n")
local TOL_OPTS = {nest = {"*", "["},
  junk = {"*", "%", "=", "[", "]", "[classic]\n", "promoted=", "record.", "*_us", "5%", "100", "1e9", "#"}}

local function lines(text)
  local n = 1
  for _ in text:gmatch("\n") do n = n + 1 end
  return n
end
-- Messages are shown on terminals and in TAP: nothing but line breaks of
-- the message's own may be control bytes, and what it shows of the input
-- is cut short.
local function tame(s, max) return not s:find("[%z\1-\9\11-\31\127]") and #s <= (max or 300) end
local function pat(s) return (s:gsub("%p", "%%%0")) end

-- ------------------------------------------------------------ inputs

local SRC = root .. "/tests/baselines/"
for _, f in ipairs(FILES) do
  f.text = Mu.read(baseline.log_path(SRC, f[1], f[2], f[3]))
  f.log = assert(eventlog.parse(f.text, f[3]))
end

-- What a log reads to, for "reads the same".
local function look(log)
  local parts = {log.header.name, log.header.config, #log.gcs, #log.records, log.finish.status,
    log.finish.message or ""}
  for _, g in ipairs(log.gcs) do
    for _, fd in ipairs(eventlog.GC_FIELDS) do parts[#parts + 1] = eventlog.gc_value(g, fd.name) end
  end
  for _, r in ipairs(log.records) do parts[#parts + 1] = r.key .. "=" .. r.type .. ":" .. r.value end
  return table.concat(parts, "|")
end
for _, f in ipairs(FILES) do f.look = look(f.log) end

-- An accepted log holds what --check relies on.
local function well_formed(log)
  if not (log.header and log.finish) then return "no header or end" end
  for _, k in ipairs({"file", "name", "config", "seed"}) do
    if type(log.header[k]) ~= "string" then return "scenario line without " .. k end
  end
  if tonumber(log.finish.gcs) ~= #log.gcs or tonumber(log.finish.records) ~= #log.records then
    return "end line counts"
  end
  for i, g in ipairs(log.gcs) do
    if tonumber(g.n) ~= i then return "gc " .. i .. " numbered " .. tostring(g.n) end
    for _, fd in ipairs(eventlog.GC_FIELDS) do
      local v = eventlog.gc_value(g, fd.name)
      if type(v) ~= "string" or (fd.kind == "int" and not v:match("^%-?%d+$"))
        or (fd.kind == "bool" and v ~= "true" and v ~= "false") then
        return "gc " .. i .. " field " .. fd.name
      end
    end
  end
  for i, r in ipairs(log.records) do
    if tonumber(r.n) ~= i or not r.gcs:match("^%-?%d+$") then return "record " .. i end
  end
end

-- ------------------------------------------------------------ baselines

-- Damage found by the seeds, kept as cases: raw values in messages (a
-- terminal escape, kilobytes of digits) show as the log writes them, cut.
do
  local f = FILES[CLI_FILE]
  local cases = {
    {"end status=pass gcs=2 records=0\n", "end status=pass gcs=2 records=0\27[2J\n",
      ':5: end says records="0\\x1b[2J" but the log has 0 record lines'},
    {"end status=pass gcs=2 ", 'end status=pass gcs="2\\n\\x07" ',
      ':5: end says gcs="2\\n\\x07" but the log has 2 gc lines'},
    {"gc n=2 ", "gc n=" .. ("9"):rep(5000) .. " ", ":4: GC n=" .. ("9"):rep(60) .. "... out of order (expected n=2)"},
    {"gc n=2 ", "gc n=2 " .. ("a"):rep(5000) .. "=1 ", ":4: unknown GC field '" .. ("a"):rep(60) .. "...'"},
  }
  for _, c in ipairs(cases) do
    local text = f.text:gsub(pat(c[1]), (c[2]:gsub("%%", "%%%%")))
    local log, err = eventlog.parse(text, "x.log")
    check(not log and err == "x.log" .. c[3], "damaged: " .. c[3], err)
  end
  -- a kind or reason with a control byte, accepted: the difference names
  -- the GC with it escaped
  local base = assert(eventlog.parse((f.text:gsub("reason=testing", "reason=te\27[2Jst", 1)), "x.log"))
  local out = baseline.render(baseline.compare(base, f.log), "x")
  check(out[2] == 'first difference: GC 1 (Scavenge, "te\\x1b[2Jst"): reason: baseline "te\\x1b[2Jst", now testing',
    "damaged: a control byte in a GC's reason shows escaped in the difference", table.concat(out, "\n"))
end

local TREE = scratch .. "/baselines"
os.remove(TREE .. "/tolerances") -- a failed run's
-- the CLI file's other scenarios' baselines, as they are
do
  local f = FILES[CLI_FILE]
  local from, to = baseline.log_dir(SRC, f[1], f[2]), baseline.log_dir(TREE, f[1], f[2])
  assert(baseline.mkdir_p(to))
  for _, name in ipairs(assert(require("gclab.runner.sys").listdir(from))) do
    Mu.write(to .. "/" .. name, Mu.read(from .. "/" .. name))
  end
end
local CORRUPT = " (fix it or record it again with --record)"
local cli_left = CLI_CASES
for seed = 1, C.seeds do
  for k, f in ipairs(FILES) do
    local path = baseline.log_path(TREE, f[1], f[2], f[3])
    assert(baseline.mkdir_p(baseline.log_dir(TREE, f[1], f[2])))
    for i = 1, PER_FILE do
      local text, how = Mu.mutant(f.text, seed, i, OPTS)
      local case = string.format("%s/%s seed %d mutant %d (%s)", f[1], f[3], seed, i, how)
      Mu.write(path, text)
      -- the reader alone
      local ok, log, err = C.timed(C.bound, case, eventlog.parse, text, path)
      check(ok, case .. ": eventlog.parse raised an error", not ok and log)
      if ok and log then
        C.accepted = C.accepted + 1
        local bad = well_formed(log)
        check(not bad, case .. ": accepted as a log --check can compare", bad)
      elseif ok then
        C.refused = C.refused + 1
        local l, what = tostring(err):match("^" .. pat(path) .. ":(%d+): (.+)$")
        check(l and tonumber(l) >= 1 and tonumber(l) <= lines(text) and tame(what),
          case .. ": refused with FILE:LINE: what, the line inside the file", tostring(err))
      end
      -- as --check judges it: this run's log is the valid baseline
      local session = baseline.session("check", TREE, {})
      local sok, out, failed = C.timed(C.bound, case .. " (check)", session.scenario, session, f[1], f[2], f[3],
        f.text, "title")
      check(sok, case .. ": the check raised an error", not sok and out)
      if sok and ok then
        local c = session.counts
        if not log then
          check(failed and c.corrupt == 1 and #out == 1 and out[1] == "corrupt baseline: " .. err .. CORRUPT,
            case .. ": --check fails it as a corrupt baseline, with the message", out and table.concat(out, "\n"))
        elseif out then
          check(failed and c.differ == 1 and out[1] == "event log differs from the baseline " .. path
            and #out >= 3 and out[#out]:match("^changed: ") and tame(table.concat(out), math.huge),
            case .. ": --check fails it as a difference, shown", table.concat(out, "\n"))
        else
          check(look(log) == f.look, case .. ": --check passes it only when it reads as the baseline")
        end
        -- one scenario of a file through the command line: the same
        -- verdict, and the file's other scenarios still checked
        if k == CLI_FILE and cli_left > 0 and (not log or out) then
          cli_left = cli_left - 1
          local cout, code = H.run("run --check " .. H.quote(TREE) .. " " .. f[2])
          local _, oks = cout:gsub("\nok %d+ %- ", "")
          check(code == 1 and H.has(cout, "#   " .. out[1]:gsub("\n.*", "")) and oks == 3
            and H.has(cout, log and "1 of 4 event logs differ, 0 missing, 0 corrupt"
              or "0 of 4 event logs differ, 0 missing, 1 corrupt")
            and not H.has(cout, "stack traceback"),
            case .. ": gclab run --check fails that scenario alone, with the message, and exits 1", cout)
        end
      end
      -- the next log reads as before
      local g = FILES[k % #FILES + 1]
      check(look(assert(eventlog.parse(g.text, g[3]))) == g.look, case .. ": " .. g[3] .. " reads the same after it")
    end
    Mu.write(path, f.text)
  end
end

-- ------------------------------------------------------------ tolerances

-- Two logs that differ in every number of their GCs: the tolerances judge
-- them.
local A = FILES[#FILES].log
local B = {header = A.header, records = A.records, finish = A.finish, gcs = {}}
for i, g in ipairs(A.gcs) do
  local c = {}
  for k, v in pairs(g) do c[k] = v end
  for _, fd in ipairs(eventlog.GC_FIELDS) do
    if fd.kind == "int" and not fd.id then c[fd.name] = tostring(tonumber(eventlog.gc_value(g, fd.name)) + 1) end
  end
  B.gcs[i] = c
end
local tpath = TREE .. "/tolerances"
local tcli_left = CLI_TOLERANCES
-- Globs a Lua pattern could not take: "pattern too complex" (an error out
-- of --check), exponential backtracking on a long record key.
do
  local long = {header = A.header, gcs = {}, finish = {status = "pass", gcs = "0", records = "1"},
    records = {{n = "1", gcs = "0", key = ("a"):rep(5000), type = "integer", value = "1"}}}
  local other = {header = A.header, gcs = {}, finish = long.finish,
    records = {{n = "1", gcs = "0", key = long.records[1].key, type = "integer", value = "2"}}}
  -- {glob, some field of A and B within it, the long keys' values differ}
  for _, c in ipairs({{("*"):rep(300), true, false}, {("*"):rep(300) .. "size", true, true},
      {"record." .. ("*a"):rep(40) .. "b", false, true}, {"record." .. ("a*"):rep(40), false, false}}) do
    local glob = c[1]
    local t = assert(baseline.parse_tolerance(glob .. "=100%"))
    local ok, d = C.timed(C.bound, "tolerance " .. glob:sub(1, 20) .. "...", baseline.compare, B, A,
      {tolerances = {t}})
    local ok2, d2 = C.timed(C.bound, "tolerance " .. glob:sub(1, 20) .. "... on a long key", baseline.compare, long,
      other, {tolerances = {t}})
    check(ok and ok2 and (d.within > 0) == c[2] and d2.differs == c[3],
      "tolerance " .. glob:sub(1, 40) .. "...: judged", not (ok and ok2) and tostring(not ok and d or d2))
  end
end
for seed = 1, C.seeds do
  for i = 1, PER_FILE * 2 do
    local text, how = Mu.mutant(TOLERANCES, seed, i, TOL_OPTS)
    local case = string.format("tolerances seed %d mutant %d (%s)", seed, i, how)
    Mu.write(tpath, text)
    local ok, tols, err = C.timed(C.bound, case, baseline.read_tolerances, tpath)
    check(ok, case .. ": read_tolerances raised an error", not ok and tols)
    if ok and tols then
      C.accepted = C.accepted + 1
      local config = ({"classic", "tiny", "default"})[i % 3 + 1] -- (sections apply or not)
      local cok, d = C.timed(C.bound, case .. " under " .. config, baseline.compare, B, A,
        {tolerances = tols, config = config})
      check(cok and type(d) == "table", case .. ": its tolerances judge a log under " .. config, not cok and d)
    elseif ok then
      C.refused = C.refused + 1
      local l, what = tostring(err):match("^" .. pat(tpath) .. ":(%d+): (.+)$")
      check(l and tonumber(l) >= 1 and tonumber(l) <= lines(text) and tame(what),
        case .. ": refused with FILE:LINE: what, the line inside the file", tostring(err))
      if tcli_left > 0 then
        tcli_left = tcli_left - 1
        local cout, code = H.run("run --check " .. H.quote(TREE) .. " " .. FILES[CLI_FILE][2])
        check(code == 2 and H.has(cout, "tolerances: " .. err) and not H.has(cout, "stack traceback"),
          case .. ": gclab run --check exits 2 with the message", cout)
      end
    end
  end
end
os.remove(tpath)
C.finish()
