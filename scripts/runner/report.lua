-- report.lua -- what the runner prints: TAP on stdout as results arrive,
-- and JUnit XML written at the end when --junit FILE is given.
--
-- A result is {n, title, file, name, config, status = "pass"|"fail"|"skip"|
-- "xfail", message, where, skip_reason, todo}.  "xfail" is a failure the
-- scenario declared for this configuration (fails_on): TAP's
-- `not ok ... # TODO`, which counts as passed.  Output holds no wall-clock value, address
-- or anything else that varies between runs of the same input.

local M = {}

-- ------------------------------------------------------------------ TAP

local Tap = {}
Tap.__index = Tap

-- before: called before each line is written (ends a comment line a
-- scenario's output left open).
function M.tap(out, before)
  return setmetatable({out = out or io.stdout, before = before, passed = 0, failed = 0, skipped = 0,
    xfailed = 0}, Tap)
end

function Tap:line(s)
  if self.before then self.before() end
  self.out:write(s, "\n")
end

-- Text on a TAP result line: "\" and "#" escaped (TAP 13: an unescaped
-- "#" starts a directive, so a name "x # SKIP" would turn a failure into a
-- skip), and control characters written as \0, \n, \t, \x1b... so a name
-- with a line break cannot start a forged line.
local CONTROL = {["\0"] = "\\0", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}
local function control(c) return CONTROL[c] or string.format("\\x%02x", c:byte()) end
local function tap_text(s)
  return (tostring(s):gsub("[\\#]", "\\%0"):gsub("[%z\1-\31\127]", control))
end
M.tap_text = tap_text

-- A diagnostic line (each line of s prefixed with "# ").  A line break
-- starts another "# " line; the other control characters but a tab (a
-- CR, an ESC, a NUL ...) are written as on a result line (\r, \x1b, \0),
-- so a failure message cannot forge or overwrite TAP lines.  A tab is
-- kept: it is print's separator and harmless.
local function diag_text(line)
  return (line:gsub("[%z\1-\8\11-\31\127]", control))
end

function Tap:diag(s)
  if self.before then self.before() end
  for line in (tostring(s) .. "\n"):gmatch("(.-)\n") do
    self.out:write(line == "" and "#" or ("# " .. diag_text(line)), "\n")
  end
end

function Tap:start(header)
  self:line("TAP version 13")
  for _, h in ipairs(header or {}) do self:diag(h) end
  self.out:flush()
end

function Tap:result(r)
  if r.status == "pass" then
    self.passed = self.passed + 1
    self:line(string.format("ok %d - %s", r.n, tap_text(r.title)))
  elseif r.status == "skip" then
    self.skipped = self.skipped + 1
    self:line(string.format("ok %d - %s # SKIP %s", r.n, tap_text(r.title), tap_text(r.skip_reason or "")))
  else
    if r.status == "xfail" then
      self.xfailed = self.xfailed + 1
      self:line(string.format("not ok %d - %s # TODO %s", r.n, tap_text(r.title),
        tap_text(r.todo or "expected failure")))
    else
      self.failed = self.failed + 1
      self:line(string.format("not ok %d - %s", r.n, tap_text(r.title)))
    end
    local msg = r.message or "failed"
    if r.where and msg:sub(1, #r.where + 1) ~= r.where .. ":" then
      self:diag("  at " .. r.where)
    end
    for line in (msg .. "\n"):gmatch("(.-)\n") do self:diag("  " .. line) end
  end
  self.out:flush()
end

function Tap:finish(total, notes)
  self:line("1.." .. total)
  for _, n in ipairs(notes or {}) do self:diag(n) end
  if self.skipped > 0 then self:diag(self.skipped .. " skipped") end
  if self.xfailed > 0 then
    local what = self.xfailed == 1 and " expected failure" or " expected failures"
    self:diag(self.xfailed .. what .. " (fails_on)")
  end
  self:line(string.format("%d passed, %d failed", self.passed + self.skipped + self.xfailed, self.failed))
  self.out:flush()
end

-- ---------------------------------------------------------------- JUnit

-- Write results as JUnit XML: one <testsuite> per scenario file (and
-- configuration when several ran).  The XML is made by gclab.xml_writer
-- (libxml2's xmlTextWriter: it escapes, and replaces characters XML cannot
-- hold).  Returns true or nil, error.
function M.write_junit(path, results)
  local gclab = require "gclab"
  local suites, order = {}, {}
  for _, r in ipairs(results) do
    local key = r.file .. (r.config and (" [" .. r.config .. "]") or "")
    local s = suites[key]
    if not s then
      s = {name = key, cases = {}, failures = 0, skipped = 0}
      suites[key] = s
      order[#order + 1] = key
    end
    s.cases[#s.cases + 1] = r
    if r.status == "fail" then s.failures = s.failures + 1 end
    if r.status == "skip" or r.status == "xfail" then s.skipped = s.skipped + 1 end
  end
  local total, failures, skipped = #results, 0, 0
  for _, k in ipairs(order) do
    failures = failures + suites[k].failures
    skipped = skipped + suites[k].skipped
  end
  local w = gclab.xml_writer({indent = true})
  w:start("testsuites", {{"name", "gclab"}, {"tests", total}, {"failures", failures}, {"errors", 0},
    {"skipped", skipped}})
  for _, k in ipairs(order) do
    local s = suites[k]
    w:start("testsuite", {{"name", s.name}, {"tests", #s.cases}, {"failures", s.failures}, {"errors", 0},
      {"skipped", s.skipped}})
    for _, r in ipairs(s.cases) do
      local attrs = {{"classname", s.name}, {"name", r.name}}
      if r.status == "pass" then
        w:element("testcase", attrs)
      elseif r.status == "skip" or r.status == "xfail" then
        local why = r.status == "skip" and (r.skip_reason or "")
          or ((r.todo or "expected failure") .. ": " .. (r.message or ""):match("[^\n]*"))
        w:start("testcase", attrs)
        w:element("skipped", {message = why})
        w:close()
      else
        local msg = r.message or "failed"
        w:start("testcase", attrs)
        w:element("failure", {message = msg:match("[^\n]*")}, (r.where and (r.where .. "\n") or "") .. msg)
        w:close()
      end
    end
    w:close()
  end
  w:close()
  return w:write(path)
end

return M
