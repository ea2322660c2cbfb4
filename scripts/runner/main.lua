-- main.lua -- `gclab run`: load scenario files, run each scenario on a fresh
-- heap, report TAP (and JUnit XML).
--
-- Flow: parse options -> collect files (directories: every *.lua below,
-- sorted) -> for each configuration (one, or several --config: a matrix)
-- set gclab.defaults (config, --set, --verify, --stress, trace hook) ->
-- load each file in its own environment (collecting scenario(...) calls)
-- -> run the scenarios that pass --filter, in file order -> summary.
--
-- Determinism: scenarios see math.random seeded from --seed before each
-- file is loaded and before each scenario runs; nothing printed depends on
-- time or addresses.  Exit status: 0 all passed, 1 any failed, 2 usage or
-- configuration error.

local gclab = require "gclab"
local sys = require "gclab.runner.sys"
local expect_mod = require "gclab.runner.expect"
local report = require "gclab.runner.report"

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
  -h, --help         this text

docs: docs/runner.md (scenario files, expect matchers), docs/lua-api.md]]

-- ------------------------------------------------------------ options

local function parse_args(argv)
  local o = {configs = {}, sets = {}, paths = {}, stress = 0}
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
      elseif name == "--config" then o.configs[#o.configs + 1] = value(name, inline)
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
    if type(key) ~= "string" then error("bad argument #1 to 'record' (string expected)", 2) end
    cur.records[#cur.records + 1] = {key, value}
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
      if k ~= "config" and k ~= "skip" then
        error("scenario '" .. name .. "': unknown option '" .. tostring(k) .. "' (known: config, skip)", 2)
      end
    end
    if names[name] then error("scenario '" .. name .. "' is declared twice in this file", 2) end
    names[name] = true
    local info = debug.getinfo(2, "l")
    scenarios[#scenarios + 1] = {name = name, opts = opts, fn = fn, file = path,
      line = info and info.currentline}
  end
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, {message = err} end
  math.randomseed(ctx.seed)
  local ok, failure = xpcall(chunk, ctx.handler)
  loading = false
  if not ok then return nil, failure end
  return scenarios
end

-- Config paths in a scenario's options (the config itself, or the layers
-- of its list part) are relative to the scenario's file.
local function scenario_config(sc)
  local c = sc.opts.config
  local function resolve(p)
    if type(p) == "string" and p:sub(1, 1) ~= "/" then return join(dirname(sc.file), p) end
    return p
  end
  if type(c) ~= "table" then return resolve(c) end
  local copy = {}
  for k, v in pairs(c) do copy[k] = v end
  for i = 1, #c do copy[i] = resolve(c[i]) end
  return copy
end

local function run_scenario(sc, ctx)
  if sc.opts.skip then
    return {status = "skip", skip_reason = tostring(sc.opts.skip)}
  end
  local heaps = {}
  local state = {records = {}}
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
  return result
end

-- ---------------------------------------------------------------- main

local function stderr(msg) io.stderr:write(msg, "\n") end

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

  -- The configurations: each --config file, or the built-in default.
  local configs = {}
  for _, c in ipairs(o.configs) do configs[#configs + 1] = {label = c, path = c} end
  if #configs == 0 then configs[1] = {label = "default"} end
  for _, c in ipairs(configs) do
    local cok, cerr = pcall(gclab.defaults, {config = c.path, set = sets})
    if not cok then
      stderr("gclab run: " .. tostring(cerr))
      return 2
    end
    c.seed = o.seed or gclab.config().seed
  end

  local file_set = {}
  for _, f in ipairs(files) do file_set[f] = true end
  local ctx = {handler = make_handler(file_set), verify = o.verify}

  local tap = report.tap(io.stdout)
  local results, n = {}, 0
  local matrix = #configs > 1

  if o.list then
    gclab.defaults({config = configs[1].path, set = sets})
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

  local header = {}
  local function trace_hook()
    if not (o.trace or o.trace_nvp) then return nil end
    return function(heap, ev)
      if o.trace then tap:diag(heap:trace(ev.seq)) end
      if o.trace_nvp then tap:diag(heap:trace(ev.seq, "nvp")) end
    end
  end
  header[#header + 1] = "gclab " .. gclab.version .. "  seed: " .. configs[1].seed
  tap:start(header)

  for _, c in ipairs(configs) do
    ctx.seed = c.seed
    ctx.defaults = {
      config = c.path, set = sets, verify = o.verify, stress = o.stress,
      on_event = trace_hook(),
      on_heap = function(h) if ctx.heaps then ctx.heaps[#ctx.heaps + 1] = h end end,
    }
    gclab.defaults(ctx.defaults)
    if matrix or c.path then tap:diag("config: " .. c.label) end
    for _, f in ipairs(files) do
      local scs, failure = load_file(f, ctx)
      if not scs then
        n = n + 1
        local r = {n = n, file = f, name = "(loading the file)", status = "fail",
          message = failure.message, where = failure.where, config = matrix and c.label or nil}
        r.title = f .. ": " .. r.name .. (matrix and (" [" .. c.label .. "]") or "")
        results[#results + 1] = r
        tap:result(r)
      else
        for _, sc in ipairs(scs) do
          local title = f .. ": " .. sc.name
          if filter_match(title, o.filter) then
            local r = run_scenario(sc, ctx)
            n = n + 1
            r.n, r.file, r.name = n, f, sc.name
            r.config = matrix and c.label or nil
            r.title = title .. (matrix and (" [" .. c.label .. "]") or "")
            results[#results + 1] = r
            tap:result(r)
          end
        end
      end
      collectgarbage()
    end
  end
  gclab.defaults()

  local notes = {}
  if n == 0 and o.filter then notes[1] = "no scenario matched --filter " .. o.filter end
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
