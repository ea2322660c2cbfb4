-- scenario.lua -- one scenario file and its scenarios: loading a file in
-- its own environment (scenario, expect, record, gclab, SCENARIO_DIR) and
-- running one scenario on a fresh heap.
--
-- ctx (shared with main.lua) holds what a run sets: seed, verify, timeout,
-- the gclab.defaults table, the error handler, and while a scenario runs
-- ctx.current (its event-log state) and ctx.heaps (the heaps it made, all
-- closed when it ends).  Invariant: ctx.current and ctx.heaps are nil
-- between scenarios.

local gclab = require "gclab"
local expect_mod = require "gclab.runner.expect"
local eventlog = require "gclab.runner.eventlog"
local guard = require "gclab.runner.guard"

local M = {}

function M.join(dir, name)
  if dir:sub(-1) == "/" then return dir .. name end
  return dir .. "/" .. name
end

-- The keys of table t that `known` (a set) lacks, as "'a', 'b'" in sorted
-- order (pairs' order changes from run to run; messages must not), or nil.
function M.unknown_keys(t, known)
  local out = {}
  for k in pairs(t) do
    if not known[k] then out[#out + 1] = "'" .. tostring(k) .. "'" end
  end
  if #out == 0 then return nil end
  table.sort(out)
  return table.concat(out, ", "), #out
end

function M.dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

-- Config paths (a config itself, or the layers of its list part, and
-- theirs, however deep) are relative to the file that names them: a
-- scenario's file, a matrix file.  A table met again (a layer of itself)
-- is left as it is, for the config loader to refuse.
function M.resolve_config(c, base_dir, seen)
  local function resolve(p)
    if type(p) == "string" and p:sub(1, 1) ~= "/" then return M.join(base_dir, p) end
    return p
  end
  if type(c) ~= "table" then return resolve(c) end
  seen = seen or {}
  if seen[c] then return c end
  seen[c] = true
  local copy = {}
  for k, v in pairs(c) do copy[k] = v end
  for i = 1, #c do copy[i] = M.resolve_config(c[i], base_dir, seen) end
  return copy
end

-- The message and the innermost scenario-file location of an error
-- (files: the set of scenario file paths).
function M.handler(files)
  return function(err)
    local msg
    if type(err) == "string" then
      msg = err
    else
      local mt = getmetatable(err)
      -- __tostring is scenario code: it may raise (os.exit, a timeout)
      local tok, text = false, nil
      if type(mt) == "table" and mt.__tostring then tok, text = pcall(tostring, err) end
      if tok and type(text) == "string" then msg = text
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

-- The scenario's `differs` / `fails_on` option as a set of configuration
-- names (nil when absent).
local function name_set(name, k, v)
  if v == nil then return nil end
  if type(v) == "string" then v = {v} end
  if type(v) ~= "table" then
    error("scenario '" .. name .. "': " .. k .. " must be a configuration name or a list of them", 3)
  end
  local set = {}
  for _, c in ipairs(v) do
    if type(c) ~= "string" then
      error("scenario '" .. name .. "': " .. k .. " must list configuration names (strings)", 3)
    end
    set[c] = true
  end
  return set
end

-- Load one scenario file: returns the list of its scenarios, or nil and a
-- failure {message, where}.
function M.load_file(path, ctx)
  local scenarios, names = {}, {}
  local loading = true
  local env = setmetatable({}, {__index = _G})
  env.gclab = gclab
  env.expect = expect_mod.expect
  env.SCENARIO_DIR = M.dirname(path)
  env.io, env.print = guard.scenario_io()
  -- the scenario (event-log state) each coroutine made in this file belongs to
  local owner = setmetatable({}, {__mode = "k"})
  env.coroutine = setmetatable({
    create = function(f)
      local co = guard.adopt(coroutine.create(f))
      owner[co] = ctx.current
      return co
    end,
    wrap = function(f)
      if type(f) ~= "function" then return coroutine.wrap(f) end -- its own error
      local cur = ctx.current
      return coroutine.wrap(function(...)
        local co = guard.adopt(coroutine.running())
        owner[co] = cur
        return f(...)
      end)
    end,
  }, {__index = coroutine})
  env.record = function(key, value)
    local cur = ctx.current
    if not cur then error("record: only inside a running scenario", 2) end
    local mine = owner[coroutine.running()]
    if mine and mine ~= cur then
      error("record: called from a coroutine of scenario '" .. mine.name .. "', which has ended; " ..
        "a scenario records only into its own event log", 2)
    end
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
    local unknown, nunknown = M.unknown_keys(opts, {config = true, skip = true, differs = true, fails_on = true})
    if unknown then
      error("scenario '" .. name .. "': unknown option" .. (nunknown > 1 and "s " or " ") .. unknown ..
        " (known: config, skip, differs, fails_on)", 2)
    end
    local skip = opts.skip
    if skip ~= nil and type(skip) ~= "string" and type(skip) ~= "boolean" then
      error("scenario '" .. name .. "': skip must be a reason (a string) or true, got " .. type(skip), 2)
    end
    local differs, fails_on = name_set(name, "differs", opts.differs), name_set(name, "fails_on", opts.fails_on)
    if names[name] then error("scenario '" .. name .. "' is declared twice in this file", 2) end
    names[name] = true
    local info = debug.getinfo(2, "l")
    scenarios[#scenarios + 1] = {name = name, opts = opts, fn = fn, file = path,
      line = info and info.currentline, differs = differs, fails_on = fails_on}
  end
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, {message = err} end
  math.randomseed(ctx.seed)
  local sink = {}
  local ok, failure = guard.within(sink, nil, nil, xpcall, chunk, ctx.handler)
  loading = false
  if not ok then return nil, failure end
  if sink.failure then return nil, {message = sink.failure} end
  local list = {}
  for i, sc in ipairs(scenarios) do list[i] = sc.name end
  for i, slug in ipairs(eventlog.slugs(list)) do scenarios[i].slug = slug end
  return scenarios
end

-- Run one scenario on a fresh heap from the configuration in force (plus
-- its own config layer).  Returns its result {status = "pass"|"fail"|"skip",
-- message, where, skip_reason, records, log_lines, ngc, nrec}.
function M.run(sc, ctx)
  if sc.opts.skip then
    return {status = "skip", skip_reason = tostring(sc.opts.skip), records = {}, log_lines = {}}
  end
  local heaps = {}
  local state = {name = sc.name, records = {}, lines = {}, ngc = 0, nrec = 0}
  ctx.current = state
  ctx.heaps = heaps
  gclab.defaults(ctx.defaults) -- also restarts heap numbering: heap 1 is this scenario's
  math.randomseed(ctx.seed)
  local result
  local ok, heap = pcall(gclab.heap, M.resolve_config(sc.opts.config, M.dirname(sc.file)))
  if not ok then
    result = {status = "fail", message = tostring(heap),
      where = sc.line and (sc.file .. ":" .. sc.line)}
  else
    local fok, failure = guard.within(state, ctx.timeout, sc.file .. ": " .. sc.name,
      xpcall, sc.fn, ctx.handler, heap)
    if not fok then
      result = {status = "fail", message = failure.message, where = failure.where}
    end
    -- The scenario was one job: when it ends, its KeepDuringJob set empties
    -- and the FinalizationRegistry cleanups it queued run (docs/weak.md),
    -- under the same guard as the scenario (time limit, os.exit).
    for _, h in ipairs(heaps) do
      if not result and not h.closed then
        local jok, jerr = guard.within(state, ctx.timeout, sc.file .. ": " .. sc.name,
          xpcall, h.end_job, ctx.handler, h)
        if not jok then
          result = {status = "fail", message = "ending the job: " .. tostring(jerr.message or jerr),
            where = jerr.where}
        end
      end
    end
    -- Node's process end: V8's pending tasks run before it exits, when the
    -- profile asks (event_loop.exit_idle_ms; docs/runner.md).
    for _, h in ipairs(heaps) do
      local el = not result and not h.closed and h.config.event_loop
      if el and el.exit_idle_ms > 0 then
        local iok, ierr = pcall(h.idle, h, el.exit_idle_ms)
        if not iok then
          result = {status = "fail", message = "at the end (event_loop.exit_idle_ms): " .. tostring(ierr)}
          break
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
  -- an os.exit or a timeout the scenario caught (pcall) still fails it
  if state.failure and not (result.message or ""):find(state.failure, 1, true) then
    result.status = "fail"
    result.message = state.failure .. (result.message and ("\n" .. result.message) or "")
  end
  result.records = state.records
  result.log_lines, result.ngc, result.nrec = state.lines, state.ngc, state.nrec
  return result
end

return M
