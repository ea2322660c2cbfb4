-- sweep.lua -- `gclab sweep`: run scenarios under every combination of
-- heap-parameter values and tabulate what the collector did.
--
-- Flow: options -> the values of each --vary (lists and ranges) -> the
-- combinations (the first --vary varies slowest) -> for each combination
-- (or the ones this process owns: --only, --shard) run every scenario of
-- the files on a fresh heap with the combination's --set overrides,
-- measuring from its GC events -> a table (markdown, CSV or JSON), an SVG
-- chart, a CTest file or a JUnit matrix.
--
-- -j N runs N shards as N child processes (this same binary, --shard K/N,
-- each writing its rows to a temporary file as a Lua table literal made
-- with %q) and merges them in combination order: the output does not
-- depend on N.  Deterministic: everything measured is on the virtual
-- clock.  Exit status: 0 every scenario ran (out of memory is a result,
-- not a failure), 1 a scenario failed otherwise, 2 usage error.

local gclab = require "gclab"
local sys = require "gclab.runner.sys"
local runner = require "gclab.runner"
local scenario = require "gclab.runner.scenario"
local chart = require "gclab.runner.chart"
local command = require "gclab.runner.command"

local M = {}

M.USAGE = [[
usage: gclab sweep --vary KEY=VALUES [--vary ...] [OPTIONS] FILES-OR-DIRS...

Run every scenario of the files under every combination of the varied
configuration keys and print one row of GC metrics per combination and
scenario.  VALUES is a comma-separated list of values and ranges:
  1MiB,2MiB,8MiB       values as --set takes them
  1MiB..64MiB*2        a geometric range: 1, 2, 4 ... 64 MiB
  10..50+10            an arithmetic range: 10, 20 ... 50

options:
  --vary KEY=VALUES  a configuration key to vary (repeatable)
  --config FILE      base heap profile (YAML) below the scenarios' own
  --set KEY=VALUE    a fixed override (after the scenario's own config)
  --filter TEXT      only scenarios whose "FILE: NAME" contains TEXT
  --format F         markdown (default), csv or json
  --chart FILE       also write an SVG chart of --metric against the first
                     --vary key (one line per other combination and scenario)
  --metric NAME      the chart's metric (default scavenges; see the columns)
  -j N               run in N processes
  --only N           run only combination N (1-based)
  --shard K/N        run only the combinations i with i % N == K % N
                     (1 <= K <= N)
  --emit-ctest FILE  write a CTest file with one test per combination
                     (include() it from a CMakeLists.txt, or ctest -S)
  --junit FILE       also write the rows as a JUnit matrix (one testcase each)
  -h, --help         this text

docs: docs/sweeps.md]]

M.METRICS = {"scavenges", "mark_sweeps", "mark_compacts", "total_pause_us", "max_pause_us",
  "mutator_utilization", "promoted_bytes", "peak_committed_bytes", "oom", "oom_at_allocation",
  "virtual_time_us"}

-- ------------------------------------------------------------ values

local UNITS = {B = 1, KB = 1000, MB = 1000 ^ 2, GB = 1000 ^ 3, KiB = 1024, MiB = 1024 ^ 2, GiB = 1024 ^ 3}

-- "4MiB" -> 4194304, "10" -> 10, "1.5" -> 1.5; nil if not a number.
function M.parse_number(s)
  local n, unit = s:match("^%s*([%d%.]+)%s*(%a*)%s*$")
  n = n and tonumber(n)
  if not n then return nil end
  if unit == "" then return math.tointeger(n) or n end
  local f = UNITS[unit]
  if not f then return nil end
  return math.tointeger(n * f) or n * f
end

-- 4194304 -> "4MiB" (the largest binary unit that divides it), 10 -> "10".
function M.format_number(n, with_unit)
  if with_unit and math.type(n) == "integer" then
    for _, u in ipairs({{"GiB", 1024 ^ 3}, {"MiB", 1024 ^ 2}, {"KiB", 1024}}) do
      if n >= u[2] and n % math.tointeger(u[2]) == 0 then return string.format("%d%s", n // math.tointeger(u[2]), u[1]) end
    end
    return string.format("%d", n)
  end
  return tostring(n)
end

-- "a..b*f" or "a..b+s" -> list of value strings; errors as {usage = msg}.
-- The k-th value is computed from a (a + k*s, a * f^k), not accumulated, so
-- a decimal step reaches its end (1.0..2.0+0.1 ends at 2); the end is kept
-- when it is within a millionth of a step of a value.  Bounds must be
-- exact: integers beyond 2^53 only as Lua integers (up to 2^63 - 1).
local MAX_RANGE_VALUES = 100000
local function expand_range(item)
  local a, b, op, step = item:match("^(.-)%.%.(.-)([%*%+])(.+)$")
  if not a then
    a, b = item:match("^(.-)%.%.(.+)$")
    if not a then return {item} end
    error({usage = "range '" .. item .. "' needs a step: A..B*FACTOR or A..B+STEP"})
  end
  local with_unit = a:match("%a") ~= nil
  local x, y, st = M.parse_number(a), M.parse_number(b), M.parse_number(step)
  if not (x and y and st) then error({usage = "range '" .. item .. "': bounds and step must be numbers or sizes"}) end
  for _, v in ipairs({x, y, st}) do
    if math.type(v) == "float" and (v ~= v or math.abs(v) >= 2 ^ 53) then
      error({usage = "range '" .. item .. "': " .. tostring(v) .. " is too large for a range"
        .. " (at most 2^63 - 1 for integers, 2^53 for decimals); list the values instead"})
    end
  end
  if (op == "*" and (st <= 1 or x <= 0)) or (op == "+" and st <= 0) or y < x then
    error({usage = "range '" .. item .. "' does not advance from " .. a .. " to " .. b})
  end
  local out = {}
  if op == "+" then
    local n
    if math.type(x) == "integer" and math.type(y) == "integer" and math.type(st) == "integer" then
      n = (y - x) // st -- exact; bounds are not negative, so y - x does not wrap
    else
      n = math.floor((y - x) / st + 1e-6)
    end
    if n >= MAX_RANGE_VALUES then error({usage = "range '" .. item .. "' has more than " .. MAX_RANGE_VALUES .. " values"}) end
    for k = 0, n do
      local v = x + k * st
      if math.type(v) == "float" then v = math.tointeger(v) or tonumber(string.format("%.12g", v)) end
      out[#out + 1] = M.format_number(v, with_unit)
    end
    return out
  end
  local v = x
  while true do
    out[#out + 1] = M.format_number(v, with_unit)
    if #out > MAX_RANGE_VALUES then error({usage = "range '" .. item .. "' has more than " .. MAX_RANGE_VALUES .. " values"}) end
    -- stop when the next value would pass the end (integers: exactly, and
    -- before v * st could wrap; decimals: within a millionth)
    if math.type(v) == "integer" and math.type(st) == "integer" then
      if v > y // st then break end
    elseif v * st > y * (1 + 1e-6) then break end
    local nv = v * st
    if math.type(nv) == "float" then nv = math.tointeger(nv) or tonumber(string.format("%.12g", nv)) end
    v = nv
  end
  return out
end

-- "KEY=V1,A..B*F,..." -> {key = KEY, values = {...}}
function M.parse_vary(spec)
  local key, list = spec:match("^([%w_%.]+)=(.+)$")
  if not key then error({usage = "--vary expects KEY=V1,V2,... or KEY=A..B*F, got '" .. spec .. "'"}) end
  local values = {}
  for item in (list .. ","):gmatch("([^,]*),") do
    if item == "" then error({usage = "--vary " .. key .. ": an empty value in '" .. list .. "'"}) end
    for _, v in ipairs(expand_range(item)) do values[#values + 1] = v end
  end
  return {key = key, values = values}
end

-- Every combination, the first key varying slowest: {{v1, v2, ...}, ...}
function M.combinations(varies)
  local out = {{}}
  for _, v in ipairs(varies) do
    local next_ = {}
    for _, c in ipairs(out) do
      for _, val in ipairs(v.values) do
        local c2 = table.move(c, 1, #c, 1, {})
        c2[#c2 + 1] = val
        next_[#next_ + 1] = c2
      end
    end
    out = next_
  end
  return out
end

-- ------------------------------------------------------------ options

-- A whole number in decimal digits (not 1e3, 0x10 or 1.0), below 2^31; nil if not.
local function whole(v)
  local n = v and v:match("^%d+$") and #v <= 10 and math.tointeger(tonumber(v))
  if n and n < 2 ^ 31 then return n end
  return nil
end

local TAKES = {["--vary"] = true, ["--config"] = true, ["--set"] = true, ["--filter"] = true, ["--format"] = true,
  ["--chart"] = true, ["--metric"] = true, ["--only"] = true, ["--shard"] = true, ["--emit-ctest"] = true,
  ["--junit"] = true, ["-j"] = true}

local function parse_args(argv)
  argv = command.inline_values(argv, TAKES)
  local o = {varies = {}, sets = {}, paths = {}, format = "markdown", metric = "scavenges", jobs = 1, raw = {}}
  local i = 1
  local function value(name)
    i = i + 1
    return command.value(argv, i, name)
  end
  while i <= #argv do
    local a = argv[i]
    local keep = true -- passed on to child processes
    if a:sub(1, 1) ~= "-" then o.paths[#o.paths + 1] = a
    elseif a == "-h" or a == "--help" then o.help = true
    elseif a == "--vary" then
      local v = M.parse_vary(value(a))
      for _, seen in ipairs(o.varies) do
        if seen.key == v.key then
          error({usage = v.key .. " is varied twice (--vary " .. v.key .. "=...): give all its values in one --vary"})
        end
      end
      o.varies[#o.varies + 1] = v
    elseif a == "--config" then o.config = value(a)
    elseif a == "--set" then
      local s = value(a)
      if not s:find("=", 1, true) then error({usage = "--set expects KEY=VALUE, got '" .. s .. "'"}) end
      o.sets[#o.sets + 1] = s
    elseif a == "--filter" then o.filter = value(a)
    elseif a == "--format" then
      o.format = value(a); keep = false
      if o.format ~= "markdown" and o.format ~= "csv" and o.format ~= "json" and o.format ~= "rows" then
        error({usage = "--format must be markdown, csv or json, got '" .. o.format .. "'"})
      end
    elseif a == "--chart" then o.chart = value(a); keep = false
    elseif a == "--metric" then o.metric = value(a); keep = false
    elseif a == "--emit-ctest" then o.ctest = value(a); keep = false
    elseif a == "--junit" then o.junit = value(a); keep = false
    elseif a == "-j" or a:match("^%-j%d+$") then
      local v = a == "-j" and value(a) or a:sub(3)
      o.jobs = whole(v)
      if not o.jobs or o.jobs < 1 then error({usage = "-j expects a positive integer, got '" .. v .. "'"}) end
      keep = false
    elseif a == "--only" then
      local v = value(a)
      o.only = whole(v)
      if not o.only or o.only < 1 then error({usage = "--only expects a combination number >= 1, got '" .. v .. "'"}) end
      keep = false
    elseif a == "--shard" then
      local v = value(a)
      local k, n = v:match("^(%d+)/(%d+)$")
      k, n = whole(k), whole(n)
      if not (k and n) or n < 1 or k < 1 or k > n then
        error({usage = "--shard expects K/N with 1 <= K <= N, got '" .. v .. "'"})
      end
      o.shard = {k, n}
      keep = false
    else error({usage = "unknown option '" .. a .. "'"}) end
    if keep and a:sub(1, 1) == "-" then
      o.raw[#o.raw + 1] = a
      if a ~= "-h" and a ~= "--help" then o.raw[#o.raw + 1] = argv[i] end
    end
    i = i + 1
  end
  local known = false
  for _, m in ipairs(M.METRICS) do known = known or m == o.metric end
  if not known then error({usage = "--metric: unknown metric '" .. o.metric .. "' (known: " ..
    table.concat(M.METRICS, ", ") .. ")"}) end
  return o
end
M.parse_args = parse_args

-- ------------------------------------------------------------ running

-- Metrics of one scenario run from its heap's events and final stats.
local function measure(events, final, result)
  local m = {scavenges = 0, mark_sweeps = 0, mark_compacts = 0, total_pause_us = 0, max_pause_us = 0,
    promoted_bytes = 0, peak_committed_bytes = final and final.total.committed or 0,
    virtual_time_us = final and final.virtual_time_us or 0, oom = false}
  for _, ev in ipairs(events) do
    if ev.kind == "Scavenge" then m.scavenges = m.scavenges + 1
    elseif ev.kind == "Mark-Sweep" then m.mark_sweeps = m.mark_sweeps + 1
    else m.mark_compacts = m.mark_compacts + 1 end
    m.total_pause_us = m.total_pause_us + ev.pause_us
    m.max_pause_us = math.max(m.max_pause_us, ev.pause_us)
    m.promoted_bytes = m.promoted_bytes + ev.promoted
    m.peak_committed_bytes = math.max(m.peak_committed_bytes, ev.before.total.committed,
      ev.after.total.committed)
  end
  local t = m.virtual_time_us
  m.mutator_utilization = t > 0 and math.floor((t - m.total_pause_us) / t * 10000 + 0.5) / 10000 or 1.0
  if result.status == "fail" and result.message and (result.message:find(gclab.OOM_MESSAGE, 1, true) or
      result.message:find(gclab.OOM_RETRY_MESSAGE, 1, true) or
      result.message:find(gclab.OOM_INEFFECTIVE_MESSAGE, 1, true)) then
    m.oom = true
    m.oom_at_allocation = final and final.objects_allocated + 1
    m.oom_at_bytes = final and final.allocated_bytes
  end
  return m
end

-- Run every scenario under one combination; returns rows.
local function run_combination(run, ci)
  local o, combo = run.o, run.combos[ci]
  local sets = {}
  for _, s in ipairs(o.sets) do sets[#sets + 1] = s end
  for k, v in ipairs(run.o.varies) do sets[#sets + 1] = v.key .. "=" .. combo[k] end
  local rows = {}
  local ctx = run.ctx
  local events, final, main_heap
  ctx.defaults = {config = o.config, set = sets,
    on_heap = function(h) if ctx.heaps then ctx.heaps[#ctx.heaps + 1] = h end end,
    on_event = function(h, ev) if h == main_heap then events[#events + 1] = ev end end}
  local ok, err = pcall(gclab.defaults, ctx.defaults)
  if not ok then error({usage = "combination " .. ci .. " (" .. table.concat(sets, " ") .. "): " .. tostring(err)}) end
  ctx.seed = gclab.config().seed
  for _, f in ipairs(run.files) do
    local scs, failure = scenario.load_file(f, ctx)
    if not scs then
      rows[#rows + 1] = {combo = ci, values = combo, scenario = f .. ": (loading the file)", status = "fail",
        message = failure.message, metrics = measure({}, nil, {status = "fail"})}
    else
      for _, sc in ipairs(scs) do
        local title = f .. ": " .. sc.name
        if runner.filter_match(title, {filter = o.filter}) then
          events, final, main_heap = {}, nil, nil
          local wrapped = setmetatable({fn = function(heap)
            main_heap = heap
            local fok, ferr = pcall(sc.fn, heap)
            final = heap:stats()
            if not fok then error(ferr, 0) end
          end}, {__index = sc})
          local r = scenario.run(wrapped, ctx)
          local row = {combo = ci, values = combo, scenario = title, status = r.status, message = r.message}
          row.metrics = measure(events, final, r)
          if row.metrics.oom then row.status = "oom" end
          rows[#rows + 1] = row
        end
      end
    end
  end
  gclab.defaults()
  return rows
end

local function owned(o, ci)
  if o.only then return ci == o.only end
  if o.shard then return ci % o.shard[2] == o.shard[1] % o.shard[2] end
  return true
end

-- Lua table literal of the rows (strings with %q), read back with load().
local function serialize(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  -- %q writes a float as a hex float: exact, and read back as a float
  -- (%.17g wrote 1.0 as "1", an integer: -j N printed 1 where -j 1 printed 1.0)
  if t == "number" then return math.type(v) == "integer" and string.format("%d", v) or string.format("%q", v) end
  if t == "boolean" or t == "nil" then return tostring(v) end
  local parts, keys = {}, {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == "number"
  end)
  for _, k in ipairs(keys) do
    local key = type(k) == "number" and ("[" .. k .. "]") or ("[" .. string.format("%q", k) .. "]")
    parts[#parts + 1] = key .. "=" .. serialize(v[k])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- -j N: N child processes, one shard each, rows merged in order.
local function run_parallel(run)
  local exe = assert(sys.realpath("/proc/self/exe"))
  local procs = {}
  -- no more processes than combinations: each shard owns one at least
  local jobs = math.min(run.o.jobs, #run.combos)
  for k = 1, jobs do
    local tmp = os.tmpname()
    local args = {quote(exe), "sweep", "--format", "rows", "--shard", k .. "/" .. jobs}
    for _, a in ipairs(run.o.raw) do args[#args + 1] = quote(a) end
    for _, p in ipairs(run.o.paths) do args[#args + 1] = quote(p) end
    local cmd = table.concat(args, " ") .. " > " .. quote(tmp) .. " 2>&1"
    procs[k] = {tmp = tmp, pipe = assert(io.popen(cmd, "r"))}
  end
  local rows, status = {}, 0
  for k, p in ipairs(procs) do
    p.pipe:read("a")
    local _, _, code = p.pipe:close()
    local f = io.open(p.tmp, "rb")
    local text = f and f:read("a") or ""
    if f then f:close() end
    os.remove(p.tmp)
    local chunk = load(text, "=shard " .. k, "t", {})
    local ok, shard_rows = false, nil
    if chunk and code ~= 2 then ok, shard_rows = pcall(chunk) end
    if not ok or type(shard_rows) ~= "table" then
      error({usage = "shard " .. k .. "/" .. jobs .. " failed (exit " .. tostring(code) .. "): " .. text})
    end
    if code ~= 0 then status = 1 end
    for _, r in ipairs(shard_rows) do rows[#rows + 1] = r end
  end
  table.sort(rows, function(a, b)
    if a.combo ~= b.combo then return a.combo < b.combo end
    return a.order < b.order
  end)
  return rows, status
end

-- ------------------------------------------------------------ output

local function cell(m, key)
  local v = m[key]
  if v == nil then return "" end
  if type(v) == "boolean" then return v and "yes" or "no" end
  return v
end

local function columns(o)
  local cols = {}
  for _, v in ipairs(o.varies) do cols[#cols + 1] = v.key end
  cols[#cols + 1] = "scenario"
  cols[#cols + 1] = "status"
  for _, m in ipairs(M.METRICS) do cols[#cols + 1] = m end
  return cols
end

local function row_fields(o, r)
  local f = {}
  for k = 1, #o.varies do f[#f + 1] = r.values[k] end
  f[#f + 1] = r.scenario
  f[#f + 1] = r.status
  for _, m in ipairs(M.METRICS) do f[#f + 1] = cell(r.metrics, m) end
  return f
end

local function markdown(o, rows)
  local cols = columns(o)
  local out = {"| " .. table.concat(cols, " | ") .. " |"}
  local sep = {}
  for i = 1, #cols do sep[i] = i > #o.varies + 2 and "---:" or "---" end
  out[#out + 1] = "| " .. table.concat(sep, " | ") .. " |"
  for _, r in ipairs(rows) do
    local f = row_fields(o, r)
    for i, v in ipairs(f) do
      local name = cols[i]
      if type(v) == "number" and (name:match("_bytes$")) then v = chart.bytes(v)
      elseif name == "mutator_utilization" and type(v) == "number" then v = string.format("%.2f%%", v * 100) end
      f[i] = tostring(v):gsub("|", "\\|"):gsub("\n", " ")
    end
    out[#out + 1] = "| " .. table.concat(f, " | ") .. " |"
  end
  return table.concat(out, "\n") .. "\n"
end

local function csv(o, rows)
  local out = {gclab.csv_row(columns(o))}
  for _, r in ipairs(rows) do out[#out + 1] = gclab.csv_row(row_fields(o, r)) end
  return table.concat(out, "\r\n") .. "\r\n"
end

local function json(o, rows)
  local list = {}
  for _, r in ipairs(rows) do
    local e = {scenario = r.scenario, status = r.status, config = {}, message = r.message}
    for k, v in ipairs(o.varies) do e.config[v.key] = r.values[k] end
    for _, m in ipairs(M.METRICS) do e[m] = r.metrics[m] end
    e.oom_at_bytes = r.metrics.oom_at_bytes
    list[#list + 1] = e
  end
  return gclab.json_encode({vary = (function()
    local v = {}
    for i, x in ipairs(o.varies) do v[i] = {key = x.key, values = x.values} end
    return v
  end)(), rows = list}, {pretty = true}) .. "\n"
end

-- The chart: the metric against the first varied key; one series per
-- value of the other keys and scenario.
function M.chart(o, rows, path)
  local first = o.varies[1]
  local index = {}
  for i, v in ipairs(first.values) do index[v] = i end
  local series, by_name = {}, {}
  for _, r in ipairs(rows) do
    local rest = {}
    for k = 2, #o.varies do rest[#rest + 1] = o.varies[k].key .. "=" .. r.values[k] end
    local name = r.scenario .. (#rest > 0 and (" [" .. table.concat(rest, " ") .. "]") or "")
    local s = by_name[name]
    if not s then s = {name = name, values = {}}; by_name[name] = s; series[#series + 1] = s end
    local v = r.metrics[o.metric]
    if type(v) == "boolean" then v = v and 1 or 0 end
    if v then s.values[index[r.values[1]]] = v end
  end
  local w = gclab.xml_writer()
  chart.line(w, {title = o.metric .. " against " .. first.key, x_label = first.key, y_label = o.metric,
    x = first.values, series = series, fmt = o.metric:match("_bytes$") and "bytes" or nil})
  return w:write(path)
end

local function junit(o, rows, path)
  local w = gclab.xml_writer({indent = true})
  local failures = 0
  for _, r in ipairs(rows) do if r.status == "fail" then failures = failures + 1 end end
  w:start("testsuites")
  w:start("testsuite", {name = "gclab sweep", tests = #rows, failures = failures})
  for _, r in ipairs(rows) do
    local cfg = {}
    for k, v in ipairs(o.varies) do cfg[#cfg + 1] = v.key .. "=" .. r.values[k] end
    w:start("testcase", {classname = "sweep." .. table.concat(cfg, ","), name = r.scenario})
    w:start("properties")
    for _, m in ipairs(M.METRICS) do
      w:element("property", {name = m, value = tostring(cell(r.metrics, m))})
    end
    w:close()
    if r.status == "fail" then w:element("failure", {message = r.message or "failed"}, r.message or "") end
    w:close()
  end
  return w:write(path)
end

-- One add_test per combination, running this binary with --only, in the
-- add_test(NAME COMMAND...) form that both a CTestTestfile.cmake and a
-- CMakeLists.txt accept; arguments in bracket quotes (no escaping).
local function emit_ctest(run, path)
  local exe = assert(sys.realpath("/proc/self/exe"))
  local cwd = assert(sys.getcwd())
  local lines = {"# Generated by gclab sweep --emit-ctest: one test per combination.", ""}
  local function bracket(s)
    if s:find("]==]", 1, true) then error({usage = "--emit-ctest: an argument contains ]==]"}) end
    return "[==[" .. s .. "]==]"
  end
  for ci, combo in ipairs(run.combos) do
    local desc = {}
    for k, v in ipairs(run.o.varies) do desc[#desc + 1] = v.key .. "=" .. combo[k] end
    local args = {bracket(exe), "sweep", "--only", tostring(ci)}
    for _, a in ipairs(run.o.raw) do args[#args + 1] = bracket(a) end
    for _, p in ipairs(run.o.paths) do args[#args + 1] = bracket(p) end
    local name = bracket("sweep/" .. ci .. " " .. table.concat(desc, " "))
    lines[#lines + 1] = "add_test(" .. name .. " " .. table.concat(args, " ") .. ")"
    lines[#lines + 1] = "set_tests_properties(" .. name .. " PROPERTIES LABELS sweep WORKING_DIRECTORY " ..
      bracket(cwd) .. ")"
  end
  local f, err = io.open(path, "w")
  if not f then return nil, err end
  local ok, werr = f:write(table.concat(lines, "\n"), "\n")
  local cok, cerr = f:close()
  if not ok then return nil, werr end
  if not cok then return nil, cerr end
  return true
end

-- ------------------------------------------------------------ main

-- Files, combinations and the rows of the combinations this process owns
-- (all of them, in N processes with -j N).  Returns rows, exit status
-- (0 or 1) and the run; raises {usage = msg} on a usage error.
function M.run(o)
  if #o.varies == 0 then error({usage = "nothing to vary: give --vary KEY=V1,V2,..."}) end
  if #o.paths == 0 then error({usage = "no scenario files or directories given"}) end
  local files, ferr = runner.collect_files(o.paths)
  if not files then error({usage = ferr}) end
  local file_set = {}
  for _, f in ipairs(files) do file_set[f] = true end
  local run = {o = o, files = files, combos = M.combinations(o.varies),
    ctx = {handler = scenario.handler(file_set)}}
  if o.only and o.only > #run.combos then
    error({usage = "--only " .. o.only .. ": there are " .. #run.combos .. " combinations"})
  end
  if o.ctest then return {}, 0, run end
  if o.jobs > 1 and not o.only and not o.shard and #run.combos > 1 then
    local rows, st = run_parallel(run)
    return rows, st, run
  end
  local rows, st = {}, 0
  for ci = 1, #run.combos do
    if owned(o, ci) then
      for _, r in ipairs(run_combination(run, ci)) do
        r.order = #rows + 1
        rows[#rows + 1] = r
        if r.status == "fail" then st = 1 end
      end
    end
  end
  return rows, st, run
end

function M.main(argv)
  return command.main("sweep", function()
    local o = parse_args(argv)
    if o.help then io.stdout:write(M.USAGE, "\n"); return 0 end
    local oerr = (o.chart and command.output_file_error("--chart", o.chart)) or
                 (o.junit and command.output_file_error("--junit", o.junit))
    if oerr then error({usage = oerr}) end
    local rows, st, run = M.run(o)
    if o.ctest then
      local eok, eerr = emit_ctest(run, o.ctest)
      if not eok then error({usage = "--emit-ctest: " .. tostring(eerr)}) end
      return 0
    end
    local text
    if o.format == "rows" then text = "return " .. serialize(rows) .. "\n"
    elseif o.format == "csv" then text = csv(o, rows)
    elseif o.format == "json" then text = json(o, rows)
    else text = markdown(o, rows) end
    io.stdout:write(text)
    if o.chart then
      local cok, cerr = M.chart(o, rows, o.chart)
      if not cok then error({usage = "--chart: " .. tostring(cerr)}) end
    end
    if o.junit then
      local jok, jerr = junit(o, rows, o.junit)
      if not jok then error({usage = "--junit: " .. tostring(jerr)}) end
    end
    return st
  end)
end

return M
