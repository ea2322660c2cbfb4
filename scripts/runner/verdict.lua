-- verdict.lua -- what a scenario's result becomes under a configuration,
-- after it ran: its fails_on declaration (an expected failure is TAP
-- `# TODO`, an unexpected pass a failure), its event log compared with the
-- first configuration's in a matrix (against its `differs` declaration),
-- and the log recorded (--record) or checked (--check) through a baseline
-- session; then the stale baselines and the per-configuration summary.
--
-- One verdict object per run: verdict.new(configs, session).  Each config
-- carries its counters (passed, failed, skipped, xfailed, compared,
-- differing), which :tally and :settle keep and :notes prints.

local eventlog = require "gclab.runner.eventlog"
local baseline = require "gclab.runner.baseline"
local scenario = require "gclab.runner.scenario"
local sys = require "gclab.runner.sys"

local M = {}

local Verdict = {}
Verdict.__index = Verdict

-- configs: the run's configurations (matrix.configurations); session: a
-- baseline session (--record / --check) or nil.
function M.new(configs, session)
  for _, c in ipairs(configs) do
    c.passed, c.failed, c.skipped, c.xfailed, c.compared, c.differing = 0, 0, 0, 0, 0, {}
  end
  local matrix = #configs > 1
  return setmetatable({configs = configs, session = session, matrix = matrix,
    logging = session ~= nil or matrix, -- whether scenarios' event logs are kept
    reference = {}, -- matrix: the first configuration's logs, by file key and name
    keys = {}},     -- file -> key
    Verdict)
end

function Verdict:file_key(f)
  self.keys[f] = self.keys[f] or baseline.file_key(f)
  return self.keys[f]
end

-- Count a reported result in its configuration's totals.
function Verdict:tally(r, c)
  if r.status == "pass" then c.passed = c.passed + 1
  elseif r.status == "skip" then c.skipped = c.skipped + 1
  elseif r.status == "xfail" then c.xfailed = c.xfailed + 1
  else c.failed = c.failed + 1 end
end

-- Paths in a failure message as they are in the log (relative to the
-- current directory), whatever path the file was named by.
local function log_message(msg, file, key)
  if not msg or msg == "" then return msg end
  local function plain(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end
  msg = msg:gsub(plain(file), (key:gsub("%%", "%%%%")))
  local dir, kdir = scenario.dirname(file), scenario.dirname(key)
  if dir ~= kdir then msg = msg:gsub(plain(dir .. "/"), (kdir:gsub("%%", "%%%%") .. "/")) end
  return msg
end

local function append_message(r, lines)
  local text = table.concat(lines, "\n")
  if r.message and r.message ~= "" then r.message = r.message .. "\n" .. text else r.message = text end
end

-- fails_on: an expected failure becomes "xfail", an unexpected pass a
-- failure.  Returns true when the result failed only because of it.
local function apply_fails_on(r, sc, c)
  if not (sc.fails_on and sc.fails_on[c.name] and r.status ~= "skip") then return false end
  if r.status == "fail" then
    r.status = "xfail"
    r.todo = "expected to fail under " .. c.name .. " (fails_on)"
    return false
  end
  r.status = "fail"
  r.message = "passed under " .. c.name .. ", where it is declared to fail: remove \"" .. c.name ..
    "\" from its fails_on"
  return true
end

-- Matrix: compare the log (text) with the first configuration's and hold
-- it to the scenario's `differs`.  Returns true when the result failed
-- only because of the declaration.
function Verdict:compare_with_first(r, sc, ci, f, key, text)
  local c, first = self.configs[ci], self.configs[1]
  local id = key .. "\0" .. sc.name
  -- compared without the scenario line (its config= differs); parsed only
  -- when the rest differs
  local body = text:gsub("^([^\n]*\n)[^\n]*\n", "%1")
  if ci == 1 then
    self.reference[id] = {text = text, body = body}
    return false
  end
  local ref = self.reference[id]
  if not ref then return false end
  local d = {differs = false}
  if body ~= ref.body then
    ref.log = ref.log or assert(eventlog.parse(ref.text, "(" .. first.name .. ")"))
    d = baseline.compare(ref.log, assert(eventlog.parse(text, "(this run)")), {ignore_config = true})
  end
  local declared = sc.differs and sc.differs[c.name]
  c.compared = c.compared + 1
  local lines = d.differs and baseline.render(d, "", first.name, c.name) or nil
  if d.differs then
    c.differing[#c.differing + 1] = {title = f .. ": " .. sc.name, declared = declared,
      first = lines[2]:gsub("^first difference: ", "")}
  end
  local misdeclared = false
  if sc.differs and d.differs and not declared then
    lines[1] = "its event log differs from the one under " .. first.name .. ", but its differs " ..
      "option does not name " .. c.name .. ":"
    append_message(r, lines)
    misdeclared = r.status ~= "fail"
    r.status = "fail"
  elseif sc.differs and declared and not d.differs then
    append_message(r, {"declared to differ under " .. c.name .. " (differs), but its event log " ..
      "equals the one under " .. first.name .. ": remove \"" .. c.name .. "\" from differs"})
    misdeclared = r.status ~= "fail"
    r.status = "fail"
  end
  return misdeclared
end

-- A scenario's result r under configuration ci (sc from file f): fails_on,
-- then its log: compared with the first configuration's (differs), then
-- recorded (if the result is not a failure) or checked.  Changes r.
function Verdict:settle(r, sc, ci, f)
  local c = self.configs[ci]
  local key = self:file_key(f)
  local log_status = r.status
  local log_msg = r.status == "skip" and r.skip_reason or log_message(r.message, f, key)
  local misdeclared = apply_fails_on(r, sc, c) -- failed only because of fails_on or differs
  if not self.logging then return end
  local lines = {eventlog.FIRST_LINE, eventlog.scenario_line(key, sc.name, c.name, c.seed)}
  for _, l in ipairs(r.log_lines) do lines[#lines + 1] = l end
  lines[#lines + 1] = eventlog.end_line(log_status, r.ngc or 0, r.nrec or 0, log_msg)
  local text = table.concat(lines, "\n") .. "\n"
  if self.matrix then
    misdeclared = self:compare_with_first(r, sc, ci, f, key, text) or misdeclared
  end
  local session = self.session
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

-- Stale baselines below what configuration c ran (call only when no
-- scenario was filtered out): removed by --record, failures of --check.
-- Returns the diagnostic lines to print and the failed results to report.
function Verdict:stale(c, paths)
  local diags, results = {}, {}
  local session = self.session
  if not session then return diags, results end
  local seen = {}
  for _, p in ipairs(paths) do
    local is_dir = sys.kind(p) == "directory"
    local key = is_dir and baseline.dir_key(p) or self:file_key(p)
    for _, path in ipairs(session:stale(c.name, key, is_dir)) do
      if not seen[path] then
        seen[path] = true
        if session.mode == "record" then
          diags[#diags + 1] = "removed stale baseline " .. path
        else
          results[#results + 1] = {file = path, name = "(stale baseline)", status = "fail",
            config = self.matrix and c.label or nil,
            title = path .. ": stale baseline" .. (self.matrix and (" [" .. c.label .. "]") or ""),
            message = "no scenario run writes this baseline (renamed or removed?): delete it, " ..
              "or run --record again"}
        end
      end
    end
  end
  return diags, results
end

-- The lines printed before the summary: per configuration in a matrix,
-- then the baseline session's.
function Verdict:notes()
  local notes, configs = {}, self.configs
  if self.matrix then
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
  if self.session then
    for _, l in ipairs(self.session:summary()) do notes[#notes + 1] = l end
  end
  return notes
end

return M
