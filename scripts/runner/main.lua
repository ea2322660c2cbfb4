-- main.lua -- `gclab run`: load scenario files, run each scenario on a fresh
-- heap, report TAP (and JUnit XML).
--
-- Flow: parse options -> collect files (directories: every *.lua below,
-- sorted) -> for each configuration (one, or several --config: a matrix)
-- set gclab.defaults (config, --set, --verify, --stress, trace hook) ->
-- load each file in its own environment (collecting scenario(...) calls)
-- -> run the scenarios that pass --filter, in file order -> summary.
--
-- The pieces: matrix.lua makes the configurations (--config, --matrix);
-- scenario.lua loads a file and runs one scenario; verdict.lua settles
-- each result (fails_on; in a matrix the event log compared with the
-- first configuration's, against `differs`; --record DIR / --check DIR
-- through baseline.lua); report.lua prints TAP and writes JUnit.  Event
-- logs (eventlog.lua): while a scenario runs, every GC of its heaps and
-- every record() becomes a line of its log.
--
-- Determinism: scenarios see math.random seeded from --seed before each
-- file is loaded and before each scenario runs; nothing printed depends on
-- time or addresses.  Exit status: 0 all passed, 1 any failed, 2 usage or
-- configuration error.

local gclab = require "gclab"
local sys = require "gclab.runner.sys"
local report = require "gclab.runner.report"
local html_report = require "gclab.runner.html_report"
local eventlog = require "gclab.runner.eventlog"
local baseline = require "gclab.runner.baseline"
local scenario = require "gclab.runner.scenario"
local matrix = require "gclab.runner.matrix"
local verdict = require "gclab.runner.verdict"
local guard = require "gclab.runner.guard"
local command = require "gclab.runner.command"

local M = {}

M.USAGE = [[
usage: gclab run [OPTIONS] FILES-OR-DIRS...

Run scenario scripts: each file calls scenario(name, fn(heap)) and each
scenario gets a fresh heap.  Directories are searched for *.lua files,
recursively, in sorted order.  Output is TAP; exit status 0 when every
scenario passed, 1 when any failed, 2 on a usage or configuration error.

options:
  --config FILE      heap profile (YAML), relative to the current directory;
                     given several times, the suite runs once per file
  --matrix FILE      configurations from a Lua file returning
                     {{name = N, config = FILE, set = {"K=V", ...}}, ...}
                     (paths relative to it); added to the run like --config
  --set KEY=VALUE    override one config key (after the profile and the
                     scenario's own config),
                     e.g. --set new_space.promotion.age=2
  HEAP-FLAG          Node's heap flags as Node spells them, anywhere among the
                     options (--max-old-space-size=32, --max-semi-space-size=1,
                     ...): one layer before every --set; --gc-interval=N is
                     --stress N (docs/configuration.md)
  --filter TEXT      run only scenarios whose title "FILE: NAME" contains TEXT
                     (plain text)
  --filter-pattern P run only scenarios whose title matches the Lua pattern P
                     (at most 2 repetitions * + - ?); with --filter, both
  --list             list the scenarios (after --filter) without running them
  --trace-gc         print one line per GC in V8's --trace-gc format
                     ("# " lines)
  --trace-gc-nvp     the same in V8's --trace-gc-nvp name=value format
  --verify           verify the heap after every GC and incremental step,
                     and at the end of every scenario
  --stress N         run a scavenge every N allocations
                     (V8's --stress-scavenge)
  --seed N           seed for math.random and the heap (printed at start);
                     the same values as the config's seed key
  --timeout SECONDS  fail a scenario that runs longer than SECONDS (wall
                     clock) and go on with the next; 0 (the default): no limit
  --progress SECONDS a scenario still running after SECONDS (wall clock) says
                     so on stderr, and again every SECONDS; default 10, 0: off
  --junit FILE       also write JUnit XML to FILE
  --report DIR       also write DIR/report.html: per scenario (failures
                     first) its GCs on the virtual clock, heap per space,
                     promoted/freed bytes, --trace-gc lines and heap maps
  --record DIR       write each scenario's event log (every GC, every record())
                     to DIR/CONFIG/FILE/SCENARIO.log; failed scenarios are
                     not recorded (declare expected failures with fails_on)
  --check DIR        compare each scenario's event log with DIR's; a
                     difference, or a missing or corrupt baseline, fails it
  --tolerance F=T    with --check: let field F differ by T (a percentage of
                     the baseline value, 5%, or an absolute number); '*' in F
                     matches anything (before.*.size, *_us); record values are
                     record.KEY.  Repeatable; also read from DIR/tolerances
  -h, --help         this text

docs: docs/runner.md (scenario files, expect matchers), docs/lua-api.md,
docs/regression.md (event logs, baselines, matrices)]]

-- ------------------------------------------------------------ options

local function parse_args(argv)
  local o = {configs = {}, sets = {}, paths = {}, stress = 0, tolerances = {}}
  local i = 1
  local function value(name, inline)
    if inline then return inline end
    i = i + 1
    return command.value(argv, i, name)
  end
  -- a path: not empty ("--record $DIR" with DIR unset wrote into /)
  local function path(name, inline)
    local v = value(name, inline)
    if v == "" then error({usage = "option " .. name .. " needs a path, got an empty string"}) end
    return v
  end
  -- a whole number from 0 to max, in decimal digits
  local function count(name, v, max)
    local n = v:match("^%d+$") and #v <= 10 and math.tointeger(tonumber(v))
    if not n or n > max then
      error({usage = "option " .. name .. " expects a whole number from 0 to " .. max .. ", got '" .. v .. "'"})
    end
    return n
  end
  -- a decimal number of seconds, 0 to 1e9 (no exponent, no hex: 1e-400
  -- would read as 0, which means "none")
  local function seconds(name, v, zero)
    local n = (v:match("^%d+$") or v:match("^%d*%.%d+$") or v:match("^%d+%.$")) and tonumber(v)
    if not n or n > 1e9 then
      error({usage = "option " .. name .. " expects a decimal number of seconds from 0 (" .. zero ..
        ") to 1e9, got '" .. v .. "'"})
    end
    return n
  end
  local only_paths = false
  while i <= #argv do
    local a = argv[i]
    if only_paths or a:sub(1, 1) ~= "-" or a == "-" then
      o.paths[#o.paths + 1] = a
    elseif a == "--" then
      only_paths = true
    else
      local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
      name = name or a
      if name == "-h" or name == "--help" then o.help = true
      elseif name == "--config" then o.configs[#o.configs + 1] = {config = path(name, inline)}
      elseif name == "--matrix" then o.configs[#o.configs + 1] = {matrix = path(name, inline)}
      elseif name == "--record" then o.record = path(name, inline)
      elseif name == "--check" then o.check = path(name, inline)
      elseif name == "--tolerance" then
        local t, terr = baseline.parse_tolerance(value(name, inline))
        if not t then error({usage = "--tolerance: " .. terr}) end
        o.tolerances[#o.tolerances + 1] = t
      elseif name == "--set" then
        local s = value(name, inline)
        if not s:find("=", 1, true) then error({usage = "--set expects KEY=VALUE, got '" .. s .. "'"}) end
        o.sets[#o.sets + 1] = s
      elseif name == "--filter" then o.filter = value(name, inline)
      elseif name == "--filter-pattern" then
        o.pattern = value(name, inline)
        local perr = M.check_pattern(o.pattern)
        if perr then error({usage = "--filter-pattern '" .. o.pattern .. "': " .. perr}) end
      elseif name == "--timeout" then o.timeout = seconds(name, value(name, inline), "no limit")
      elseif name == "--progress" then o.progress = seconds(name, value(name, inline), "off")
      elseif name == "--list" then o.list = true
      elseif name == "--trace-gc" then o.trace = true
      elseif name == "--trace-gc-nvp" then o.trace_nvp = true
      elseif name == "--verify" then o.verify = true
      elseif name == "--stress" then o.stress = count(name, value(name, inline), 4294967295)
      elseif name == "--seed" then o.seed = value(name, inline) -- checked as the config's seed
      elseif name == "--junit" then o.junit = path(name, inline)
      elseif name == "--report" then o.report = path(name, inline)
      else error({usage = "unknown option '" .. a .. "'"}) end
      if inline and (name == "--list" or name == "--verify" or name == "--trace-gc"
        or name == "--trace-gc-nvp" or name == "--help") then
        error({usage = "option " .. name .. " takes no value"})
      end
    end
    i = i + 1
  end
  if o.record and o.check then error({usage = "--record and --check cannot be used together"}) end
  if #o.tolerances > 0 and not o.check then error({usage = "--tolerance needs --check DIR"}) end
  return o
end
M.parse_args = parse_args

-- ------------------------------------------------------------- files

-- The *.lua files below dir, following symbolic links but entering each
-- real directory once (visited: real paths), so a link loop or two links
-- to one directory do not run its files again.
local function walk(dir, out, visited)
  local real = sys.realpath(dir)
  if real then
    if visited[real] then return true end
    visited[real] = true
  end
  local names, err = sys.listdir(dir)
  if not names then return nil, err end
  table.sort(names)
  for _, name in ipairs(names) do
    local p = scenario.join(dir, name)
    local kind = sys.kind(p)
    if kind == "directory" then
      local ok, e = walk(p, out, visited)
      if not ok then return nil, e end
    elseif kind == "file" and name:match("%.lua$") then
      out[#out + 1] = p
    end
  end
  return true
end

-- Files named on the command line in order; each directory's *.lua files
-- (recursively) sorted by path.  A file is run once even if named twice.
-- A path that is missing, a special file (/dev/null, a FIFO) or cannot be
-- looked at (a symbolic link loop) is an error saying which.
local function collect_files(paths)
  local files, seen = {}, {}
  for _, p in ipairs(paths) do
    local kind, kerr, missing = sys.kind(p)
    local found = {}
    if kind == "directory" then
      local ok, err = walk(p, found, {})
      if not ok then return nil, err end
      table.sort(found)
    elseif kind == "file" then
      found[1] = p
    elseif kind == "special file" then
      return nil, p .. ": not a regular file or directory"
    elseif missing then
      return nil, "no such file or directory: " .. p
    else
      return nil, kerr
    end
    for _, f in ipairs(found) do
      if not seen[f] then seen[f] = true; files[#files + 1] = f end
    end
  end
  return files
end

-- Why a --filter-pattern is refused (nil when it is fine): malformed, or
-- more than 2 repetitions, which bounds a match's cost by the title's
-- length cubed (Lua patterns backtrack).
function M.check_pattern(p)
  local ok, err = pcall(string.find, "", p)
  if not ok then return tostring(err) end
  local reps, i = 0, 1
  while i <= #p do
    local ch = p:sub(i, i)
    if ch == "%" then
      i = i + 2
    elseif ch == "[" then -- a set: up to its closing ] (a ] first is literal)
      local j = i + 1
      if p:sub(j, j) == "^" then j = j + 1 end
      j = j + 1
      while p:sub(j, j) ~= "]" do
        if p:sub(j, j) == "%" then j = j + 1 end
        j = j + 1
      end
      i = j + 1
    else
      if (ch == "*" or ch == "+" or ch == "-" or ch == "?") and i > 1 then reps = reps + 1 end
      i = i + 1
    end
  end
  if reps > 2 then
    return "more than 2 repetitions (* + - ?) in a filter pattern (matching could take very long)"
  end
  return nil
end

-- Whether a scenario title passes --filter (plain text) and
-- --filter-pattern (a checked Lua pattern).
local function filter_match(title, o)
  if o.filter and not title:find(o.filter, 1, true) then return false end
  if o.pattern and not title:find(o.pattern) then return false end
  return true
end
-- shared with sweep.lua and trace.lua
M.collect_files, M.filter_match = collect_files, filter_match

-- ---------------------------------------------------------------- main

local function stderr(msg) io.stderr:write(msg, "\n") end

-- An integer read as unsigned 64-bit (the config's seed) in decimal.
local function unsigned_text(n)
  if n >= 0 then return tostring(n) end
  local q = (n >> 1) // 5 -- n / 10, unsigned
  return tostring(q) .. tostring(n - q * 10)
end

-- Usage error: a message on stderr, exit status 2.
local function fail_setup(msg, usage)
  if usage then return command.usage("run", msg) end
  stderr("gclab run: " .. msg)
  return 2
end

-- Options, files, configurations (each with its sets and seed, checked by
-- gclab.defaults) and the baseline session.  Returns a run table, or nil
-- and the exit status after printing the error.
local function prepare(argv)
  local ok, o = pcall(parse_args, argv)
  if not ok then
    if type(o) == "table" and o.usage then return nil, fail_setup(o.usage, true) end
    error(o, 0)
  end
  if o.help then
    io.stdout:write(M.USAGE, "\n")
    return nil, 0
  end
  if #o.paths == 0 then return nil, fail_setup("no scenario files or directories given", true) end
  local files, ferr = collect_files(o.paths)
  if not files then return nil, fail_setup(ferr) end

  local sets = {}
  for _, s in ipairs(o.sets) do sets[#sets + 1] = s end
  if o.seed then
    -- --seed takes what the config's seed key takes: one parser decides
    local sok, serr = pcall(gclab.defaults, {set = {"seed=" .. o.seed}})
    if not sok then
      return nil, fail_setup("option --seed: " .. (tostring(serr):match("found .*$") or tostring(serr)), true)
    end
    sets[#sets + 1] = "seed=" .. o.seed
  end

  local configs, cerr0 = matrix.configurations(o.configs)
  if not configs then return nil, fail_setup(cerr0) end
  for _, c in ipairs(configs) do
    c.sets = {}
    for _, s in ipairs(c.set) do c.sets[#c.sets + 1] = s end
    for _, s in ipairs(sets) do c.sets[#c.sets + 1] = s end
    local cok, cerr = pcall(gclab.defaults, {config = c.path, set = c.sets})
    if not cok then
      return nil, fail_setup((c.desc and ("configuration " .. c.desc .. ": ") or "") .. tostring(cerr))
    end
    c.seed = gclab.config().seed
    c.seed_text = unsigned_text(c.seed)
  end

  -- Output directories (--report, --record) and --junit's file are made
  -- or checked now, so that a place they cannot be written is a usage
  -- error before any scenario runs, not after the run or a failure of
  -- every scenario.
  local function make_dir(option, dir)
    local kind = sys.kind(dir)
    if kind and kind ~= "directory" then return option .. ": " .. dir .. " exists and is not a directory" end
    local mok, merr = baseline.mkdir_p(dir)
    if not mok then return option .. ": cannot make the directory " .. dir .. ": " .. tostring(merr) end
  end
  local derr = (o.report and make_dir("--report", o.report)) or (o.record and make_dir("--record", o.record))
  -- the report's one file, DIR/report.html, must be writable too (a
  -- directory of that name failed only after the whole run)
  derr = derr or (o.report and command.output_file_error("--report", baseline.join(o.report, "report.html")))
  if derr then return nil, fail_setup(derr) end
  local jerr = o.junit and command.output_file_error("--junit", o.junit)
  if jerr then return nil, fail_setup(jerr) end

  -- --record DIR / --check DIR
  local session
  if o.record then
    session = baseline.session("record", o.record) -- its directory is made above
  elseif o.check then
    local kind = sys.kind(o.check)
    if kind and kind ~= "directory" then
      return nil, fail_setup("--check: " .. o.check .. " is a " .. kind .. ", not a baseline directory")
    elseif not kind then
      return nil, fail_setup("--check: no baseline directory " .. o.check ..
        " (record the baselines first: gclab run --record " .. o.check .. " ...)")
    end
    local tols, terr = baseline.read_tolerances(baseline.join(o.check, "tolerances"))
    if not tols then return nil, fail_setup("tolerances: " .. terr) end
    for _, t in ipairs(o.tolerances) do tols[#tols + 1] = t end
    session = baseline.session("check", o.check, tols)
  end

  local file_set = {}
  for _, f in ipairs(files) do file_set[f] = true end
  return {o = o, files = files, configs = configs, verdict = verdict.new(configs, session),
    ctx = {handler = scenario.handler(file_set), verify = o.verify, timeout = o.timeout}}
end

-- --list: the titles that pass --filter, under the first configuration.
local function list(run)
  local o, ctx, c = run.o, run.ctx, run.configs[1]
  gclab.defaults({config = c.path, set = c.sets})
  ctx.seed = c.seed
  local status = 0
  for _, f in ipairs(run.files) do
    local scs, failure = scenario.load_file(f, ctx)
    if not scs then
      stderr("gclab run: " .. f .. ": " .. failure.message)
      status = 1
    else
      for _, sc in ipairs(scs) do
        local title = f .. ": " .. sc.name
        if filter_match(title, o) then io.stdout:write(report.tap_text(title), "\n") end
      end
    end
  end
  return status
end

-- The gclab.defaults on_event hook: each GC becomes a line of the running
-- scenario's log, and a trace line.
local function event_hook(run, tap)
  local o, ctx, logging = run.o, run.ctx, run.verdict.logging
  if not (logging or o.trace or o.trace_nvp or run.collector) then return nil end
  return function(heap, ev)
    if run.collector then run.collector:event(heap, ev) end
    local cur = ctx.current
    if logging and cur then
      cur.ngc = cur.ngc + 1
      cur.lines[#cur.lines + 1] = eventlog.gc_line(cur.ngc, heap.serial, ev)
    end
    if o.trace then tap:diag(heap:trace(ev.seq)) end
    if o.trace_nvp then tap:diag(heap:trace(ev.seq, "nvp")) end
  end
end

-- Every file under every configuration; each result reported as it comes.
local function run_all(run, tap, report_result)
  local o, ctx, v = run.o, run.ctx, run.verdict
  for ci, c in ipairs(run.configs) do
    ctx.seed = c.seed
    ctx.defaults = {
      config = c.path, set = c.sets, verify = o.verify, stress = o.stress,
      on_event = event_hook(run, tap),
      on_heap = function(h) if ctx.heaps then ctx.heaps[#ctx.heaps + 1] = h end end,
    }
    gclab.defaults(ctx.defaults)
    if c.desc then tap:diag("config: " .. c.desc)
    elseif v.matrix or c.path then tap:diag("config: " .. c.label) end
    local label = v.matrix and c.label or nil
    local suffix = label and (" [" .. label .. "]") or ""
    local loaded_all = true
    for _, f in ipairs(run.files) do
      local scs, failure = scenario.load_file(f, ctx)
      if not scs then
        loaded_all = false
        report_result({file = f, name = "(loading the file)", status = "fail", message = failure.message,
          where = failure.where, config = label, title = f .. ": (loading the file)" .. suffix}, c)
      else
        for _, sc in ipairs(scs) do
          local title = f .. ": " .. sc.name
          if filter_match(title, o) then
            local r = scenario.run(sc, ctx)
            r.file, r.name, r.config, r.title = f, sc.name, label, title .. suffix
            v:settle(r, sc, ci, f)
            report_result(r, c)
          end
        end
      end
      collectgarbage()
      -- an os.exit outside any scenario (a finalizer between them)
      local stray = guard.take_stray()
      if stray then
        report_result({file = f, name = "(outside a scenario)", status = "fail", message = stray,
          config = label, title = f .. ": (outside a scenario)" .. suffix}, c)
      end
    end
    if loaded_all and not (o.filter or o.pattern) then
      local diags, stale = v:stale(c, o.paths)
      for _, d in ipairs(diags) do tap:diag(d) end
      for _, r in ipairs(stale) do report_result(r, c) end
    end
  end
  gclab.defaults()
end

function M.main(argv)
  guard.install()
  local run, status = prepare(argv)
  if not run then return status end
  local o = run.o
  if o.list then return list(run) end
  if o.progress then guard.set_progress(o.progress) end

  local tap = report.tap(io.stdout, guard.end_comment)
  local header = {"gclab " .. gclab.version .. "  seed: " .. run.configs[1].seed_text}
  if o.record then header[#header + 1] = "record: " .. o.record end
  if o.check then header[#header + 1] = "check: " .. o.check end
  tap:start(header)

  if o.report then
    run.collector = html_report.new(o.report)
    gclab.on_map(function(...) run.collector:map(...) end)
  end
  local results = {}
  run_all(run, tap, function(r, c)
    if run.collector then run.collector:result(r) end
    results[#results + 1] = r
    r.n = #results
    tap:result(r)
    run.verdict:tally(r, c)
  end)

  local notes = {}
  if #results == 0 and (o.filter or o.pattern) then
    notes[1] = "no scenario matched " .. (o.filter and ("--filter " .. o.filter) or "") ..
      (o.filter and o.pattern and " and " or "") .. (o.pattern and ("--filter-pattern " .. o.pattern) or "")
  end
  for _, l in ipairs(run.verdict:notes()) do notes[#notes + 1] = l end
  tap:finish(#results, notes)

  if run.collector then
    gclab.on_map(nil)
    local hok, herr = html_report.write(run.collector, {title = "gclab run report",
      lines = {"gclab " .. gclab.version .. ", seed " .. run.configs[1].seed .. ", files: " .. table.concat(o.paths, " ")}})
    if not hok then
      stderr("gclab run: --report: " .. tostring(herr))
      return 2
    end
  end
  if o.junit then
    local jok, jerr = report.write_junit(o.junit, results)
    if not jok then
      stderr("gclab run: --junit: " .. tostring(jerr))
      return 2
    end
  end
  return tap.failed > 0 and 1 or 0
end

return M
