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

function M.tap(out)
  return setmetatable({out = out or io.stdout, passed = 0, failed = 0, skipped = 0, xfailed = 0}, Tap)
end

function Tap:line(s) self.out:write(s, "\n") end

-- A diagnostic line (each line of s prefixed with "# ").
function Tap:diag(s)
  for line in (tostring(s) .. "\n"):gmatch("(.-)\n") do
    self.out:write(line == "" and "#" or ("# " .. line), "\n")
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
    self:line(string.format("ok %d - %s", r.n, r.title))
  elseif r.status == "skip" then
    self.skipped = self.skipped + 1
    self:line(string.format("ok %d - %s # SKIP %s", r.n, r.title, r.skip_reason or ""))
  else
    if r.status == "xfail" then
      self.xfailed = self.xfailed + 1
      self:line(string.format("not ok %d - %s # TODO %s", r.n, r.title, r.todo or "expected failure"))
    else
      self.failed = self.failed + 1
      self:line(string.format("not ok %d - %s", r.n, r.title))
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

local function xml_escape(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31]", "?")
  return (s:gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&apos;",
  }))
end
M.xml_escape = xml_escape

-- Write results as JUnit XML: one <testsuite> per scenario file (and
-- configuration when several ran).  Returns true or nil, error.
function M.write_junit(path, results)
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
  local b = {}
  b[#b + 1] = '<?xml version="1.0" encoding="UTF-8"?>'
  b[#b + 1] = string.format('<testsuites name="gclab" tests="%d" failures="%d" errors="0" skipped="%d">',
    total, failures, skipped)
  for _, k in ipairs(order) do
    local s = suites[k]
    b[#b + 1] = string.format('  <testsuite name="%s" tests="%d" failures="%d" errors="0" skipped="%d">',
      xml_escape(s.name), #s.cases, s.failures, s.skipped)
    for _, r in ipairs(s.cases) do
      local open = string.format('    <testcase classname="%s" name="%s"', xml_escape(s.name),
        xml_escape(r.name))
      if r.status == "pass" then
        b[#b + 1] = open .. "/>"
      elseif r.status == "skip" or r.status == "xfail" then
        local why = r.status == "skip" and (r.skip_reason or "")
          or ((r.todo or "expected failure") .. ": " .. (r.message or ""):match("[^\n]*"))
        b[#b + 1] = open .. ">"
        b[#b + 1] = string.format('      <skipped message="%s"/>', xml_escape(why))
        b[#b + 1] = "    </testcase>"
      else
        local msg = r.message or "failed"
        b[#b + 1] = open .. ">"
        b[#b + 1] = string.format('      <failure message="%s">%s%s</failure>',
          xml_escape(msg:match("[^\n]*")), r.where and (xml_escape(r.where) .. "\n") or "",
          xml_escape(msg))
        b[#b + 1] = "    </testcase>"
      end
    end
    b[#b + 1] = "  </testsuite>"
  end
  b[#b + 1] = "</testsuites>"
  local f, err = io.open(path, "w")
  if not f then return nil, err end
  local ok, werr = f:write(table.concat(b, "\n"), "\n")
  f:close()
  if not ok then return nil, werr end
  return true
end

return M
