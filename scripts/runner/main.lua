-- main.lua -- `gclab run`: load scenario files, run each scenario on a fresh
-- heap, report TAP (and JUnit XML).
--
-- Flow: parse options -> collect files (directories: every *.lua below,
-- sorted) -> for each configuration (one, or several --config: a matrix)
-- set gclab.defaults (config, --set, --verify, --stress, trace hook) ->
-- load each file in its own environment (collecting scenario(...) calls)
-- -> run the scenarios that pass --filter, in file order -> summary.
--
-- Event logs (eventlog.lua): while a scenario runs, every GC of its heaps
-- and every record() becomes a line of its log; --record DIR writes the
-- logs, --check DIR compares them (baseline.lua).  In a matrix (several
-- configurations) each log is also compared with the first
-- configuration's, against the scenario's `differs` declaration.
--
-- Determinism: scenarios see math.random seeded from --seed before each
-- file is loaded and before each scenario runs; nothing printed depends on
-- time or addresses.  Exit status: 0 all passed, 1 any failed, 2 usage or
-- configuration error.

local gclab = require "gclab"
local sys = require "gclab.runner.sys"
local expect_mod = require "gclab.runner.expect"
local report = require "gclab.runner.report"
local eventlog = require "gclab.runner.eventlog"
local baseline = require "gclab.runner.baseline"

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
                     scenario's own config), e.g. --set new_space.promotion.age=2
  --filter PATTERN   run only scenarios whose title "FILE: NAME" contains
                     PATTERN as plain text or matches it as a Lua pattern
  --list             list the scenarios (after --filter) without running them
  --trace-gc         print one line per GC in V8's --trace-gc format ("# " lines)
  --trace-gc-nvp     the same in V8's --trace-gc-nvp name=value format
  --verify           verify the heap after every GC and incremental step,
                     and at the end of every scenario
  --stress N         run a scavenge every N allocations (V8's --stress-scavenge)
  --seed N           seed for math.random and the heap (printed at start)
  --junit FILE       also write JUnit XML to FILE
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
    local v = argv[i]
    if v == nil then error({usage = "option " .. name .. " needs a value"}) end
    return v
  end
  local function count(name, v)
    local n = math.tointeger(tonumber(v))
    if not n or n < 0 then error({usage = "option " .. name .. " expects a non-negative integer, got '" .. v .. "'"}) end
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
      elseif name == "--config" then o.configs[#o.configs + 1] = {config = value(name, inline)}
      elseif name == "--matrix" then o.configs[#o.configs + 1] = {matrix = value(name, inline)}
      elseif name == "--record" then o.record = value(name, inline)
      elseif name == "--check" then o.check = value(name, inline)
      elseif name == "--tolerance" then
        local t, terr = baseline.parse_tolerance(value(name, inline))
        if not t then error({usage = "--tolerance: " .. terr}) end
        o.tolerances[#o.tolerances + 1] = t
      elseif name == "--set" then
        local s = value(name, inline)
        if not s:find("=", 1, true) then error({usage = "--set expects KEY=VALUE, got '" .. s .. "'"}) end
        o.sets[#o.sets + 1] = s
      elseif name == "--filter" then o.filter = value(name, inline)
      elseif name == "--list" then o.list = true
      elseif name == "--trace-gc" then o.trace = true
      elseif name == "--trace-gc-nvp" then o.trace_nvp = true
      elseif name == "--verify" then o.verify = true
      elseif name == "--stress" then o.stress = count(name, value(name, inline))
      elseif name == "--seed" then o.seed = count(name, value(name, inline))
      elseif name == "--junit" then o.junit = value(name, inline)
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

local function join(dir, name)
  if dir:sub(-1) == "/" then return dir .. name end
  return dir .. "/" .. name
end

local function walk(dir, out)
  local names, err = sys.listdir(dir)
  if not names then return nil, err end
  table.sort(names)
  for _, name in ipairs(names) do
    local p = join(dir, name)
    local kind = sys.kind(p)
    if kind == "directory" then
      local ok, e = walk(p, out)
      if not ok then return nil, e end
    elseif kind == "file" and name:match("%.lua$") then
      out[#out + 1] = p
    end
  end
  return true
end

-- Files named on the command line in order; each directory's *.lua files
-- (recursively) sorted by path.  A file is run once even if named twice.
local function collect_files(paths)
  local files, seen = {}, {}
  for _, p in ipairs(paths) do
    local kind = sys.kind(p)
    local found = {}
    if kind == "directory" then
      local ok, err = walk(p, found)
      if not ok then return nil, err end
      table.sort(found)
    elseif kind == "file" then
      found[1] = p
    else
      return nil, "no such file or directory: " .. p
    end
    for _, f in ipairs(found) do
      if not seen[f] then seen[f] = true; files[#files + 1] = f end
    end
  end
  return files
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

-- --------------------------------------------------------- scenarios

local function filter_match(title, pattern)
  if not pattern then return true end
  if title:find(pattern, 1, true) then return true end
  local ok, r = pcall(string.find, title, pattern)
  return ok and r ~= nil
end

-- The message and the innermost scenario-file location of an error.
local function make_handler(files)
  return function(err)
    local msg
    if type(err) == "string" then
      msg = err
    else
      local mt = getmetatable(err)
      if type(mt) == "table" and mt.__tostring then msg = tostring(err)
      else msg = "(error object is a " .. type(err) .. " value)" end
    end
    local where
    for level = 2, 200 do
      local info = debug.getinfo(level, "Sl")
      if not info then break end
      local src = info.source
      if src:sub(1, 1) == "@" and files[src:sub(2)] and info.currentline and info.currentline > 0 then
        where = src:sub(2) .. ":" .. info.currentline
        break
      end
    end
    return {message = msg, where = where}
  end
end

-- Load one scenario file: returns the list of its scenarios, or nil and a
-- failure {message, where}.
local function load_file(path, ctx)
  local scenarios, names = {}, {}
  local loading = true
  local env = setmetatable({}, {__index = _G})
  env.gclab = gclab
  env.expect = expect_mod.expect
  env.SCENARIO_DIR = dirname(path)
  env.record = function(key, value)
    local cur = ctx.current
    if not cur then error("record: only inside a running scenario", 2) end
    if type(key) ~= "string" or key == "" then
      error("bad argument #1 to 'record' (a non-empty string expected, got " .. type(key) .. ")", 2)
    end
    local ok, entries = pcall(eventlog.record_entries, key, value, gclab.is_handle)
    if not ok then error(entries, 2) end
    cur.records[#cur.records + 1] = {key, value}
    for _, e in ipairs(entries) do
      cur.nrec = cur.nrec + 1
      cur.lines[#cur.lines + 1] = eventlog.record_line(cur.nrec, cur.ngc, e)
    end
  end
  env.scenario = function(name, a, b)
    if not loading then error("scenario: declare scenarios at the top level of the file", 2) end
    if type(name) ~= "string" or name == "" then
      error("bad argument #1 to 'scenario' (a non-empty name expected, got " .. type(name) .. ")", 2)
    end
    local opts, fn = a, b
    if b == nil then opts, fn = {}, a end
    if type(opts) ~= "table" then error("bad argument #2 to 'scenario' (options table expected)", 2) end
    if type(fn) ~= "function" then error("bad argument #" .. (b == nil and 2 or 3) ..
      " to 'scenario' (function expected, got " .. type(fn) .. ")", 2) end
    for k in pairs(opts) do
      if k ~= "config" and k ~= "skip" and k ~= "differs" and k ~= "fails_on" then
        error("scenario '" .. name .. "': unknown option '" .. tostring(k) ..
          "' (known: config, skip, differs, fails_on)", 2)
      end
    end
    local lists = {}
    for _, k in ipairs({"differs", "fails_on"}) do
      local v = opts[k]
      if v ~= nil then
        if type(v) == "string" then v = {v} end
        local set = {}
        if type(v) ~= "table" then
          error("scenario '" .. name .. "': " .. k .. " must be a configuration name or a list of them", 2)
        end
        for _, c in ipairs(v) do
          if type(c) ~= "string" then
            error("scenario '" .. name .. "': " .. k .. " must list configuration names (strings)", 2)
          end
          set[c] = true
        end
        lists[k] = set
      end
    end
    if names[name] then error("scenario '" .. name .. "' is declared twice in this file", 2) end
    names[name] = true
    local info = debug.getinfo(2, "l")
    scenarios[#scenarios + 1] = {name = name, opts = opts, fn = fn, file = path,
      line = info and info.currentline, differs = lists.differs, fails_on = lists.fails_on}
  end
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, {message = err} end
  math.randomseed(ctx.seed)
  local ok, failure = xpcall(chunk, ctx.handler)
  loading = false
  if not ok then return nil, failure end
  local list = {}
  for i, sc in ipairs(scenarios) do list[i] = sc.name end
  for i, slug in ipairs(eventlog.slugs(list)) do scenarios[i].slug = slug end
  return scenarios
end

-- Config paths (a config itself, or the layers of its list part) are
-- relative to the file that names them: a scenario's file, a matrix file.
local function resolve_config(c, base_dir)
  local function resolve(p)
    if type(p) == "string" and p:sub(1, 1) ~= "/" then return join(base_dir, p) end
    return p
  end
  if type(c) ~= "table" then return resolve(c) end
  local copy = {}
  for k, v in pairs(c) do copy[k] = v end
  for i = 1, #c do copy[i] = resolve(c[i]) end
  return copy
end

local function scenario_config(sc)
  return resolve_config(sc.opts.config, dirname(sc.file))
end

local function run_scenario(sc, ctx)
  if sc.opts.skip then
    return {status = "skip", skip_reason = tostring(sc.opts.skip), records = {}, log_lines = {}}
  end
  local heaps = {}
  local state = {records = {}, lines = {}, ngc = 0, nrec = 0}
  ctx.current = state
  ctx.heaps = heaps
  gclab.defaults(ctx.defaults) -- also restarts heap numbering: heap 1 is this scenario's
  math.randomseed(ctx.seed)
  local result
  local ok, heap = pcall(gclab.heap, scenario_config(sc))
  if not ok then
    result = {status = "fail", message = tostring(heap),
      where = sc.line and (sc.file .. ":" .. sc.line)}
  else
    local fok, failure = xpcall(sc.fn, ctx.handler, heap)
    if not fok then
      result = {status = "fail", message = failure.message, where = failure.where}
    end
    -- The scenario was one job: when it ends, its KeepDuringJob set empties
    -- and the FinalizationRegistry cleanups it queued run (docs/weak.md).
    for _, h in ipairs(heaps) do
      if not result and not h.closed then
        local jok, jerr = xpcall(h.end_job, ctx.handler, h)
        if not jok then
          result = {status = "fail", message = "ending the job: " .. tostring(jerr.message or jerr),
            where = jerr.where}
        end
      end
    end
    if not result and ctx.verify then
      for _, h in ipairs(heaps) do
        if not h.closed then
          local vok, verr = pcall(h.verify, h)
          if not vok then
            result = {status = "fail", message = "after the scenario: " .. tostring(verr)}
            break
          end
        end
      end
    end
  end
  for _, h in ipairs(heaps) do
    if not h.closed then pcall(h.close, h) end
  end
  ctx.current, ctx.heaps = nil, nil
  result = result or {status = "pass"}
  result.records = state.records
  result.log_lines, result.ngc, result.nrec = state.lines, state.ngc, state.nrec
  return result
end

-- ---------------------------------------------------------------- main

local function stderr(msg) io.stderr:write(msg, "\n") end

-- A --matrix file: a Lua chunk (run with no globals) returning a list of
-- configurations {name = N, config = PATH-or-TABLE, set = {"K=V", ...}}.
-- Config paths are relative to the matrix file.  Returns the list or nil,
-- message.
local function load_matrix(path)
  local chunk, err = loadfile(path, "t", {})
  if not chunk then return nil, err end
  local ok, list = pcall(chunk)
  if not ok then return nil, tostring(list) end
  if type(list) ~= "table" or #list == 0 then
    return nil, path .. ": must return a non-empty list of configurations"
  end
  local out = {}
  for i, e in ipairs(list) do
    local where = path .. ": configuration " .. i
    if type(e) ~= "table" then return nil, where .. ": a table expected, got " .. type(e) end
    for k in pairs(e) do
      if k ~= "name" and k ~= "config" and k ~= "set" then
        return nil, where .. ": unknown key '" .. tostring(k) .. "' (known: name, config, set)"
      end
    end
    if type(e.name) ~= "string" or not e.name:match("^[%w_.%-]+$") or e.name:match("^%.+$") then
      return nil, where .. ": name must be a plain word (letters, digits, _ . -), got " ..
        expect_mod.repr(e.name)
    end
    where = path .. ": configuration '" .. e.name .. "'"
    if e.config ~= nil and type(e.config) ~= "string" and type(e.config) ~= "table" then
      return nil, where .. ": config must be a YAML path or a table"
    end
    local set = e.set or {}
    if type(set) == "string" then set = {set} end
    if type(set) ~= "table" then return nil, where .. ": set must be a list of \"KEY=VALUE\" strings" end
    for _, kv in ipairs(set) do
      if type(kv) ~= "string" or not kv:find("=", 1, true) then
        return nil, where .. ": set must be a list of \"KEY=VALUE\" strings, got " .. expect_mod.repr(kv)
      end
    end
    local desc = type(e.config) == "string" and e.config or (e.config and "a table" or "built-in default")
    if #set > 0 then desc = desc .. " + " .. table.concat(set, " ") end
    out[#out + 1] = {name = e.name, label = e.name, path = resolve_config(e.config, dirname(path)),
      set = set, desc = e.name .. " (" .. desc .. ")"}
  end
  return out
end

-- The configurations of the run, each {name, label, path, set}: --config
-- files (named after their stem; a second "tiny" is "tiny-2") and --matrix
-- entries, in command-line order; none given: the built-in default.
local function configurations(specs)
  local configs, names = {}, {}
  for _, spec in ipairs(specs) do
    if spec.config then
      local base = baseline.config_name(spec.config)
      local name, k = base, 1
      while names[name] do k = k + 1; name = base .. "-" .. k end
      names[name] = true
      configs[#configs + 1] = {name = name, label = spec.config, path = spec.config, set = {}}
    else
      local list, err = load_matrix(spec.matrix)
      if not list then return nil, "--matrix: " .. err end
      for _, c in ipairs(list) do
        if names[c.name] then
          return nil, "--matrix " .. spec.matrix .. ": configuration name '" .. c.name .. "' is used twice"
        end
        names[c.name] = true
        configs[#configs + 1] = c
      end
    end
  end
  if #configs == 0 then configs[1] = {name = "default", label = "default", set = {}} end
  return configs
end

-- Paths in a failure message as they are in the log (relative to the
-- current directory), whatever path the file was named by.
local function log_message(msg, file, key)
  if not msg or msg == "" then return msg end
  local function plain(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end
  msg = msg:gsub(plain(file), (key:gsub("%%", "%%%%")))
  local dir, kdir = dirname(file), dirname(key)
  if dir ~= kdir then msg = msg:gsub(plain(dir .. "/"), (kdir:gsub("%%", "%%%%") .. "/")) end
  return msg
end

local function append_message(r, lines)
  local text = table.concat(lines, "\n")
  if r.message and r.message ~= "" then r.message = r.message .. "\n" .. text else r.message = text end
end

function M.main(argv)
  local ok, o = pcall(parse_args, argv)
  if not ok then
    if type(o) == "table" and o.usage then
      stderr("gclab run: " .. o.usage .. "\nTry 'gclab run --help'.")
      return 2
    end
    error(o, 0)
  end
  if o.help then
    io.stdout:write(M.USAGE, "\n")
    return 0
  end
  if #o.paths == 0 then
    stderr("gclab run: no scenario files or directories given\nTry 'gclab run --help'.")
    return 2
  end
  local files, ferr = collect_files(o.paths)
  if not files then
    stderr("gclab run: " .. ferr)
    return 2
  end

  local sets = {}
  for _, s in ipairs(o.sets) do sets[#sets + 1] = s end
  if o.seed then sets[#sets + 1] = "seed=" .. o.seed end

  local configs, cerr0 = configurations(o.configs)
  if not configs then
    stderr("gclab run: " .. cerr0)
    return 2
  end
  for _, c in ipairs(configs) do
    c.sets = {}
    for _, s in ipairs(c.set) do c.sets[#c.sets + 1] = s end
    for _, s in ipairs(sets) do c.sets[#c.sets + 1] = s end
    local cok, cerr = pcall(gclab.defaults, {config = c.path, set = c.sets})
    if not cok then
      stderr("gclab run: " .. (c.desc and ("configuration " .. c.desc .. ": ") or "") .. tostring(cerr))
      return 2
    end
    c.seed = o.seed or gclab.config().seed
    c.passed, c.failed, c.skipped, c.xfailed, c.compared, c.differing = 0, 0, 0, 0, 0, {}
  end

  -- --record DIR / --check DIR
  local session
  if o.record then
    local kind = sys.kind(o.record)
    if kind and kind ~= "directory" then
      stderr("gclab run: --record: " .. o.record .. " exists and is not a directory")
      return 2
    end
    session = baseline.session("record", o.record)
  elseif o.check then
    if sys.kind(o.check) ~= "directory" then
      stderr("gclab run: --check: no baseline directory " .. o.check ..
        " (record the baselines first: gclab run --record " .. o.check .. " ...)")
      return 2
    end
    local tols, terr = baseline.read_tolerances(baseline.join(o.check, "tolerances"))
    if not tols then
      stderr("gclab run: tolerances: " .. terr)
      return 2
    end
    for _, t in ipairs(o.tolerances) do tols[#tols + 1] = t end
    session = baseline.session("check", o.check, tols)
  end
  local matrix = #configs > 1
  local logging = session ~= nil or matrix

  local file_set = {}
  for _, f in ipairs(files) do file_set[f] = true end
  local ctx = {handler = make_handler(file_set), verify = o.verify}

  local tap = report.tap(io.stdout)
  local results, n = {}, 0

  if o.list then
    gclab.defaults({config = configs[1].path, set = configs[1].sets})
    ctx.seed = configs[1].seed
    local status = 0
    for _, f in ipairs(files) do
      local scs, failure = load_file(f, ctx)
      if not scs then
        stderr("gclab run: " .. f .. ": " .. failure.message)
        status = 1
      else
        for _, sc in ipairs(scs) do
          local title = f .. ": " .. sc.name
          if filter_match(title, o.filter) then io.stdout:write(title, "\n") end
        end
      end
    end
    return status
  end

  local function event_hook()
    if not (logging or o.trace or o.trace_nvp) then return nil end
    return function(heap, ev)
      local cur = ctx.current
      if logging and cur then
        cur.ngc = cur.ngc + 1
        cur.lines[#cur.lines + 1] = eventlog.gc_line(cur.ngc, heap.serial, ev)
      end
      if o.trace then tap:diag(heap:trace(ev.seq)) end
      if o.trace_nvp then tap:diag(heap:trace(ev.seq, "nvp")) end
    end
  end
  local header = {"gclab " .. gclab.version .. "  seed: " .. configs[1].seed}
  if o.record then header[#header + 1] = "record: " .. o.record end
  if o.check then header[#header + 1] = "check: " .. o.check end
  tap:start(header)

  local function report_result(r, c)
    n = n + 1
    r.n = n
    results[#results + 1] = r
    tap:result(r)
    if r.status == "pass" then c.passed = c.passed + 1
    elseif r.status == "skip" then c.skipped = c.skipped + 1
    elseif r.status == "xfail" then c.xfailed = c.xfailed + 1
    else c.failed = c.failed + 1 end
  end

  local reference = {} -- matrix: the first configuration's logs, by file key and name
  local keys = {}      -- file -> key
  local function file_key(f)
    keys[f] = keys[f] or baseline.file_key(f)
    return keys[f]
  end

  -- A scenario's result under configuration c (index ci): fails_on, then
  -- its log: compared with the first configuration's (differs), then
  -- recorded (if the result is not a failure) or checked.
  local function settle(r, sc, c, ci, f)
    local key = file_key(f)
    local log_status = r.status
    local log_msg = r.status == "skip" and r.skip_reason or log_message(r.message, f, key)
    local misdeclared = false -- failed only because of fails_on or differs
    if sc.fails_on and sc.fails_on[c.name] and r.status ~= "skip" then
      if r.status == "fail" then
        r.status = "xfail"
        r.todo = "expected to fail under " .. c.name .. " (fails_on)"
      else
        r.status, misdeclared = "fail", true
        r.message = "passed under " .. c.name .. ", where it is declared to fail: remove \"" .. c.name ..
          "\" from its fails_on"
      end
    end
    if not logging then return end
    local lines = {eventlog.FIRST_LINE, eventlog.scenario_line(key, sc.name, c.name, c.seed)}
    for _, l in ipairs(r.log_lines) do lines[#lines + 1] = l end
    lines[#lines + 1] = eventlog.end_line(log_status, r.ngc or 0, r.nrec or 0, log_msg)
    local text = table.concat(lines, "\n") .. "\n"
    if matrix then
      local id = key .. "\0" .. sc.name
      -- compared without the scenario line (its config= differs); parsed
      -- only when the rest differs
      local body = text:gsub("^([^\n]*\n)[^\n]*\n", "%1")
      if ci == 1 then
        reference[id] = {text = text, body = body}
      elseif reference[id] then
        local ref_name = configs[1].name
        local ref = reference[id]
        local d = {differs = false}
        if body ~= ref.body then
          ref.log = ref.log or assert(eventlog.parse(ref.text, "(" .. ref_name .. ")"))
          d = baseline.compare(ref.log, assert(eventlog.parse(text, "(this run)")), {ignore_config = true})
        end
        local declared = sc.differs and sc.differs[c.name]
        c.compared = c.compared + 1
        local lines_ = d.differs and baseline.render(d, "", ref_name, c.name) or nil
        if d.differs then
          c.differing[#c.differing + 1] = {title = f .. ": " .. sc.name, declared = declared,
            first = lines_[2]:gsub("^first difference: ", "")}
        end
        if sc.differs and d.differs and not declared then
          lines_[1] = "its event log differs from the one under " .. ref_name .. ", but its differs " ..
            "option does not name " .. c.name .. ":"
          append_message(r, lines_)
          misdeclared = misdeclared or r.status ~= "fail"
          r.status = "fail"
        elseif sc.differs and declared and not d.differs then
          append_message(r, {"declared to differ under " .. c.name .. " (differs), but its event log " ..
            "equals the one under " .. ref_name .. ": remove \"" .. c.name .. "\" from differs"})
          misdeclared = misdeclared or r.status ~= "fail"
          r.status = "fail"
        end
      end
    end
    if session then
      local extra, must_fail
      if session.mode == "record" and r.status == "fail" then
        session:not_recorded(c.name, key, sc.slug)
        extra = {misdeclared and "(its event log was not recorded: correct the declaration)"
          or ("(its event log was not recorded: fix the scenario, or declare the failure with " ..
            "fails_on = {\"" .. c.name .. "\"})")}
      else
        extra, must_fail = session:scenario(c.name, key, sc.slug, text, r.title)
      end
      if extra then
        append_message(r, extra)
        if must_fail then r.status = "fail" end
      end
    end
  end

  -- Stale baselines below what this configuration ran (no --filter):
  -- removed by --record, failures of --check.
  local function stale(c)
    if not session or o.filter then return end
    local seen = {}
    for _, p in ipairs(o.paths) do
      local key
      if sys.kind(p) == "directory" then key = baseline.dir_key(p) else key = file_key(p) end
      for _, path in ipairs(session:stale(c.name, key, sys.kind(p) == "directory")) do
        if not seen[path] then
          seen[path] = true
          if session.mode == "record" then
            tap:diag("removed stale baseline " .. path)
          else
            report_result({file = path, name = "(stale baseline)", status = "fail",
              config = matrix and c.label or nil,
              title = path .. ": stale baseline" .. (matrix and (" [" .. c.label .. "]") or ""),
              message = "no scenario run writes this baseline (renamed or removed?): delete it, " ..
                "or run --record again"}, c)
          end
        end
      end
    end
  end

  for ci, c in ipairs(configs) do
    ctx.seed = c.seed
    ctx.defaults = {
      config = c.path, set = c.sets, verify = o.verify, stress = o.stress,
      on_event = event_hook(),
      on_heap = function(h) if ctx.heaps then ctx.heaps[#ctx.heaps + 1] = h end end,
    }
    gclab.defaults(ctx.defaults)
    if c.desc then tap:diag("config: " .. c.desc)
    elseif matrix or c.path then tap:diag("config: " .. c.label) end
    local loaded_all = true
    for _, f in ipairs(files) do
      local scs, failure = load_file(f, ctx)
      if not scs then
        loaded_all = false
        local r = {file = f, name = "(loading the file)", status = "fail",
          message = failure.message, where = failure.where, config = matrix and c.label or nil}
        r.title = f .. ": " .. r.name .. (matrix and (" [" .. c.label .. "]") or "")
        report_result(r, c)
      else
        for _, sc in ipairs(scs) do
          local title = f .. ": " .. sc.name
          if filter_match(title, o.filter) then
            local r = run_scenario(sc, ctx)
            r.file, r.name = f, sc.name
            r.config = matrix and c.label or nil
            r.title = title .. (matrix and (" [" .. c.label .. "]") or "")
            settle(r, sc, c, ci, f)
            report_result(r, c)
          end
        end
      end
      collectgarbage()
    end
    if loaded_all then stale(c) end
  end
  gclab.defaults()

  local notes = {}
  if n == 0 and o.filter then notes[1] = "no scenario matched --filter " .. o.filter end
  if matrix then
    for ci, c in ipairs(configs) do
      local s = string.format("config %s: %d passed, %d failed", c.label, c.passed + c.skipped + c.xfailed,
        c.failed)
      if c.skipped > 0 then s = s .. string.format(", %d skipped", c.skipped) end
      if c.xfailed > 0 then s = s .. ", " .. baseline.count(c.xfailed, "expected failure") end
      notes[#notes + 1] = s
      if ci > 1 then
        local declared = 0
        for _, d in ipairs(c.differing) do if d.declared then declared = declared + 1 end end
        notes[#notes + 1] = string.format("  event logs that differ from %s's: %d of %d (%d declared)",
          configs[1].label, #c.differing, c.compared, declared)
        for i, d in ipairs(c.differing) do
          if i > 50 then
            notes[#notes + 1] = string.format("    ... and %d more", #c.differing - 50)
            break
          end
          notes[#notes + 1] = "    " .. d.title .. ": " .. d.first
        end
      end
    end
  end
  if session then
    for _, l in ipairs(session:summary()) do notes[#notes + 1] = l end
  end
  tap:finish(n, notes)

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
