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

-- A diagnostic line (each line of s prefixed with "# ").
function Tap:diag(s)
  if self.before then self.before() end
  for line in (tostring(s) .. "\n"):gmatch("(.-)\n") do
    self.out:write(line == "" and "#" or ("# " .. line), "\n")
  end
end

-- Text on a TAP result line: "\" and "#" escaped (TAP 13: an unescaped
-- "#" starts a directive, so a name "x # SKIP" would turn a failure into a
-- skip), and control characters written as \0, \n, \t, \x1b... so a name
-- with a line break cannot start a forged line.
local CONTROL = {["\0"] = "\\0", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}
local function tap_text(s)
  return (tostring(s):gsub("[\\#]", "\\%0"):gsub("[%z\1-\31\127]", function(c)
    return CONTROL[c] or string.format("\\x%02x", c:byte())
  end))
end
M.tap_text = tap_text

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

-- Text as XML 1.0 character data or attribute value: valid UTF-8 (each
-- byte of an invalid sequence becomes U+FFFD, checked with the utf8
-- library), no character XML forbids (control characters, U+FFFE/U+FFFF
-- become "?"), markup characters escaped.
local REPLACEMENT = utf8.char(0xFFFD)
local function xml_escape(s)
  s = tostring(s)
  local parts, i = {}, 1
  while true do
    local ok, bad = utf8.len(s, i)
    if ok then parts[#parts + 1] = s:sub(i); break end
    parts[#parts + 1] = s:sub(i, bad - 1)
    parts[#parts + 1] = REPLACEMENT
    i = bad + 1
  end
  s = table.concat(parts):gsub("[%z\1-\8\11\12\14-\31\127]", "?"):gsub("\xEF\xBF[\xBE\xBF]", "?")
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
  -- every failure names the path: opening, writing, and closing (a full
  -- disk shows only when the buffer is flushed)
  local f, err = io.open(path, "w")
  if not f then return nil, err end
  local ok, werr = f:write(table.concat(b, "\n"), "\n")
  local cok, cerr = f:close()
  if not ok then return nil, path .. ": " .. tostring(werr) end
  if not cok then return nil, path .. ": " .. tostring(cerr) end
  return true
end

return M
