-- guard.lua -- what keeps a scenario from ending, stalling or corrupting
-- the run: os.exit, the time limit, and what the scenario prints.
--
--  * os.exit is replaced for the life of the runner's Lua state: a call
--    raises an error and marks whatever is running (a scenario, a file
--    being loaded, or the run between them) as failed, so the run always
--    ends with its plan, its summary and its true exit status.
--  * --timeout: a count hook (set on the main thread, and by adopt on each
--    coroutine a scenario file creates: Lua keeps a hook function per
--    thread) compares a monotonic clock with the running scenario's
--    deadline; past it, the hook raises in scenario code (never in the
--    runner's own) until the scenario has unwound.  A long call into C
--    (one heap:alloc that collects, a string function) is interrupted only
--    when it returns to Lua.
--  * print, io.write and io.stdout seen by scenario files go to the TAP
--    stream as "# " comment lines (sys.comments).
--
-- A sink is a table {failure = nil|message}; the guard writes the first
-- failure (an os.exit, a timeout) of whatever runs into the current sink.

local sys = require "gclab.runner.sys"

local M = {}

local HOOK_COUNT = 1000 -- VM instructions between clock reads

local state = {sink = nil, stray = {failure = nil}, deadline = nil, timed_out = nil}

-- Where Lua code belongs to the runner itself (its chunk names).
local RUNNER_SOURCE = debug.getinfo(1, "S").source:match("^(.*/)[^/]*$") or "@runner/"

local function is_runner(level)
  local info = debug.getinfo(level + 1, "S")
  return info ~= nil and (info.source:sub(1, #RUNNER_SOURCE) == RUNNER_SOURCE or info.what == "C")
end

local function mark(message)
  local sink = state.sink or state.stray
  if not sink.failure then sink.failure = message end
end

local function exit_guard(code)
  local shown = code == nil and "" or tostring(code)
  local msg = "os.exit(" .. shown .. ") called: a scenario cannot end the run (it fails instead)"
  mark(msg)
  error(msg, 2)
end

local function hook()
  local deadline = state.deadline
  if not deadline then return end
  if not state.timed_out then
    if sys.monotonic() < deadline then return end
    state.timed_out = true
    mark(state.timeout_message)
  end
  -- from now on at every instruction of this thread, so that a pcall in
  -- the scenario cannot swallow it: keep raising until the scenario is
  -- gone; never inside the runner (its handler and cleanup must run)
  debug.sethook(hook, "", 1)
  if not is_runner(2) then error(state.timeout_message, 2) end
end

local installed = false

-- Once per state: replace os.exit, set the hook on the calling thread.
function M.install()
  if installed then return end
  installed = true
  os.exit = exit_guard
  debug.sethook(hook, "", HOOK_COUNT)
end

-- Give a coroutine the time-limit hook (threads do not inherit it).
function M.adopt(co)
  debug.sethook(co, hook, "", HOOK_COUNT)
  return co
end

-- Run fn(...) with sink as the current sink and, if seconds > 0, a
-- deadline of seconds from now (what: the name printed when it passes).
-- Returns fn's results.  Sinks nest (a scenario inside a file load does
-- not happen, but a heap's finalizer can run anywhere).
function M.within(sink, seconds, what, fn, ...)
  local outer_sink, outer_deadline, outer_msg = state.sink, state.deadline, state.timeout_message
  state.sink = sink
  if seconds and seconds > 0 then
    state.deadline = sys.monotonic() + seconds
    state.timed_out = nil
    state.timeout_message = string.format("timed out after %gs (--timeout): %s", seconds, what)
    -- hooks are per coroutine: a coroutine made before install has none
    debug.sethook(hook, "", HOOK_COUNT)
  end
  local results = table.pack(pcall(fn, ...))
  state.sink, state.deadline, state.timeout_message = outer_sink, outer_deadline, outer_msg
  if state.timed_out then debug.sethook(hook, "", HOOK_COUNT) end
  state.timed_out = nil
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- The failure marked outside any sink since the last call (nil if none).
function M.take_stray()
  local f = state.stray.failure
  state.stray.failure = nil
  return f
end

-- The print / io a scenario file sees: output as TAP comments.
function M.scenario_io()
  local comments = sys.comments()
  local env_io = {}
  for k, v in pairs(io) do env_io[k] = v end
  env_io.stdout = comments
  env_io.write = function(...) return comments:write(...) end
  env_io.output = function(f)
    if f == nil then return comments end
    return io.output(f)
  end
  local function print_(...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do parts[i] = tostring((select(i, ...))) end
    comments:write(table.concat(parts, "\t"), "\n")
  end
  return env_io, print_
end

-- End a comment line a scenario left open (before a TAP line).
M.end_comment = sys.end_comment

return M
