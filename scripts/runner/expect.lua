-- expect.lua -- the `expect` helper scenario files get from the runner.
--
--   expect(actual [, label]).to_be(expected)
--   expect(actual, "o.space").never.to_be("new")
--   expect(function() heap:alloc(-1) end).to_error("bad argument")
--
-- A failed expectation raises an error at the line of the scenario that
-- called the matcher, reading (for example)
--
--   scripts/seed/x.lua:12: o.space: to_be failed
--     expected: "old"
--       actual: "new"
--
-- Values print deterministically (no table addresses): strings quoted,
-- tables as sorted literals cut at depth 3, handles through their
-- __tostring (object id, name, space, size, address offset).

local M = {}

local function is_callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end

-- A byte of 0x80 and above that is not part of a printable UTF-8
-- character (a lone or cut-short sequence, an overlong one, a surrogate,
-- a C1 control U+0080..U+009F) as \xHH; %q leaves those bytes as they are.
local function utf8_or_hex(seq)
  local out, i = {}, 1
  while i <= #seq do
    local b = seq:byte(i)
    local n = b >= 0xf0 and 4 or b >= 0xe0 and 3 or b >= 0xc0 and 2 or 1
    local ch = seq:sub(i, i + n - 1)
    if n > 1 and #ch == n and utf8.len(ch) == 1 and utf8.codepoint(ch) > 0x9f then
      out[#out + 1] = ch
      i = i + n
    else
      out[#out + 1] = string.format("\\x%02x", b)
      i = i + 1
    end
  end
  return table.concat(out)
end

local function repr(v, depth, seen)
  depth = depth or 0
  local t = type(v)
  if t == "string" then
    return (string.format("%q", v):gsub("\\\n", "\\n"):gsub("[\128-\255][\128-\191]*", utf8_or_hex))
  end
  if t == "number" then
    if math.type(v) == "float" and v == math.floor(v) and v == v and math.abs(v) < 2^53 then
      return string.format("%.1f", v)
    end
    return tostring(v)
  end
  if t == "table" then
    seen = seen or {}
    if seen[v] then return "<cycle>" end
    if depth >= 3 then return "{...}" end
    local mt = getmetatable(v)
    if type(mt) == "table" and mt.__tostring then return tostring(v) end
    seen[v] = true
    local keys, n = {}, #v
    for k in pairs(v) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
    end
    -- a total order, the same every run (pairs' order is not): other keys
    -- (tables, booleans) by what they show
    local shown = {}
    for _, k in ipairs(keys) do
      local tk = type(k)
      if tk ~= "string" and tk ~= "number" then shown[k] = repr(k, depth + 1, {}) end
    end
    table.sort(keys, function(a, b)
      local ta, tb = type(a), type(b)
      if ta ~= tb then return ta < tb end
      if ta == "string" or ta == "number" then return a < b end
      return shown[a] < shown[b]
    end)
    local parts = {}
    for i = 1, n do parts[#parts + 1] = repr(v[i], depth + 1, seen) end
    for _, k in ipairs(keys) do
      local ks = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k
        or ("[" .. repr(k, depth + 1, seen) .. "]")
      parts[#parts + 1] = ks .. " = " .. repr(v[k], depth + 1, seen)
      if #parts > 40 then parts[#parts + 1] = "..."; break end
    end
    seen[v] = nil
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  if t == "userdata" then
    local mt = getmetatable(v)
    if mt ~= nil then
      local ok, s = pcall(tostring, v)
      if ok and type(s) == "string" and not s:match("0x%x+") then return s end
    end
    return "<userdata>"
  end
  if t == "function" then return "<function>" end
  if t == "thread" then return "<coroutine>" end
  return tostring(v)
end
M.repr = repr

-- A piece of an input in an error message (a damaged log line, a bad
-- tolerance): its first `max` bytes (120 by default) as repr quotes them,
-- "..." after the quote when cut.
function M.shown(s, max)
  max = max or 120
  return repr(s:sub(1, max)) .. (#s > max and "..." or "")
end

-- Tables nested deeper than this are an error, not minutes of recursion
-- ending in "stack overflow".
local MAX_DEPTH = 1000

local function deep_equal(a, b, seen, depth)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    return type(a) == "number" and type(b) == "number" and a == b
  end
  depth = (depth or 0) + 1
  if depth > MAX_DEPTH then
    error("expect: to_equal: tables nested deeper than " .. MAX_DEPTH .. " levels", 0)
  end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_equal(v, b[k], seen, depth) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_equal = deep_equal

-- Raise `msg` at the first stack frame outside this file: the scenario
-- line that called the matcher.
local SELF = debug.getinfo(1, "S").source
local function raise(msg)
  local level = 2
  while true do
    local info = debug.getinfo(level, "S")
    if not info then level = 1; break end
    if info.source ~= SELF then break end
    level = level + 1
  end
  error(msg, level)
end

local function fail(self, matcher, lines)
  local head = (self.label and (self.label .. ": ") or "") ..
    (self.negated and "never." or "") .. matcher .. " failed"
  raise(head .. "\n" .. table.concat(lines, "\n"))
end

local function check(self, matcher, ok, lines)
  if self.negated then ok = not ok end
  if not ok then fail(self, matcher, lines) end
end

local function ev(x) return "  expected: " .. x end
local function av(x) return "    actual: " .. x end

local function number_arg(self, x, matcher)
  if type(self.actual) ~= "number" then
    fail(self, matcher, {ev("a number"), av(repr(self.actual))})
  end
  if type(x) ~= "number" then raise(matcher .. ": expected a number argument, got " .. type(x)) end
end

local matchers = {}

function matchers.to_be(self, x)
  check(self, "to_be", rawequal(self.actual, x) or self.actual == x,
    {ev((self.negated and "not " or "") .. repr(x)), av(repr(self.actual))})
end

function matchers.to_equal(self, x)
  local ok, equal = pcall(deep_equal, self.actual, x)
  if not ok then raise(tostring(equal)) end -- at the scenario's line
  check(self, "to_equal", equal,
    {ev((self.negated and "not " or "") .. repr(x)), av(repr(self.actual))})
end

function matchers.to_be_truthy(self)
  check(self, "to_be_truthy", self.actual ~= nil and self.actual ~= false,
    {ev(self.negated and "nil or false" or "a value other than nil and false"), av(repr(self.actual))})
end

function matchers.to_be_falsy(self)
  check(self, "to_be_falsy", self.actual == nil or self.actual == false,
    {ev(self.negated and "a value other than nil and false" or "nil or false"), av(repr(self.actual))})
end

function matchers.to_be_nil(self)
  check(self, "to_be_nil", self.actual == nil,
    {ev(self.negated and "a non-nil value" or "nil"), av(repr(self.actual))})
end

local function compare(name, op, word)
  matchers[name] = function(self, x)
    number_arg(self, x, name)
    check(self, name, op(self.actual, x),
      {ev((self.negated and "not " or "") .. word .. " " .. repr(x)), av(repr(self.actual))})
  end
end
compare("to_be_greater_than", function(a, b) return a > b end, ">")
compare("to_be_at_least", function(a, b) return a >= b end, ">=")
compare("to_be_less_than", function(a, b) return a < b end, "<")
compare("to_be_at_most", function(a, b) return a <= b end, "<=")

function matchers.to_be_between(self, lo, hi)
  number_arg(self, lo, "to_be_between")
  number_arg(self, hi, "to_be_between")
  check(self, "to_be_between", self.actual >= lo and self.actual <= hi,
    {ev((self.negated and "not " or "") .. "between " .. repr(lo) .. " and " .. repr(hi)),
     av(repr(self.actual))})
end

function matchers.to_be_close_to(self, x, tolerance)
  number_arg(self, x, "to_be_close_to")
  tolerance = tolerance or 1e-9
  check(self, "to_be_close_to", math.abs(self.actual - x) <= tolerance,
    {ev((self.negated and "not " or "") .. repr(x) .. " +/- " .. repr(tolerance)),
     av(repr(self.actual))})
end

function matchers.to_be_a(self, kind)
  if type(kind) ~= "string" then
    raise("to_be_a: expected a type name (\"number\", \"handle\", ...), got " .. repr(kind))
  end
  local t = type(self.actual)
  local ok, gclab = pcall(require, "gclab")
  if ok and gclab.is_handle(self.actual) then t = "handle"
  elseif ok and gclab.is_heap(self.actual) then t = "heap"
  elseif t == "number" then
    if kind == "integer" or kind == "float" then t = math.type(self.actual) end
  end
  check(self, "to_be_a", t == kind,
    {ev((self.negated and "not " or "") .. "a " .. kind), av(repr(self.actual) .. " (" .. t .. ")")})
end

function matchers.to_contain(self, x)
  local a, found = self.actual, false
  if type(a) == "string" and type(x) == "string" then
    found = a:find(x, 1, true) ~= nil
  elseif type(a) == "table" then
    for _, v in pairs(a) do
      if v == x or deep_equal(v, x) then found = true; break end
    end
  else
    fail(self, "to_contain", {ev("a string or a table"), av(repr(a))})
  end
  check(self, "to_contain", found,
    {ev((self.negated and "not " or "") .. "to contain " .. repr(x)), av(repr(a))})
end

function matchers.to_match(self, pattern)
  if type(self.actual) ~= "string" then
    fail(self, "to_match", {ev("a string"), av(repr(self.actual))})
  end
  if type(pattern) ~= "string" then
    raise("bad argument #1 to 'to_match' (a Lua pattern string expected, got " .. type(pattern) .. ")")
  end
  local ok, m = pcall(string.match, self.actual, pattern)
  if not ok then -- the pattern is malformed: name it, not this file's line
    raise("bad argument #1 to 'to_match' (" .. tostring(m) .. ": " .. repr(pattern) .. ")")
  end
  check(self, "to_match", m ~= nil,
    {ev((self.negated and "not " or "") .. "to match " .. repr(pattern)), av(repr(self.actual))})
end

-- expect(fn).to_error([substring]): fn must raise an error whose message
-- contains `substring` (plain text).  Returns the message.
function matchers.to_error(self, substring)
  if not is_callable(self.actual) then
    fail(self, "to_error", {ev("a function"), av(repr(self.actual))})
  end
  local ok, err = pcall(self.actual)
  local msg = err
  if not ok and type(err) ~= "string" then msg = repr(err) end
  if self.negated then
    if not ok then fail(self, "to_error", {ev("no error"), av("error " .. repr(msg))}) end
    return nil
  end
  if ok then fail(self, "to_error", {ev("an error" .. (substring and (" containing " .. repr(substring)) or "")), av("no error")}) end
  if substring and not tostring(msg):find(substring, 1, true) then
    fail(self, "to_error", {ev("an error containing " .. repr(substring)), av("error " .. repr(msg))})
  end
  return msg
end

local Expectation = {}

local function new(actual, label, negated)
  -- a label is a string; anything else is not one (the second result of
  -- expect(s:find(x)) is a number, and a table made "..." fail inside the
  -- runner's message)
  if type(label) ~= "string" then label = nil end
  local self = {actual = actual, label = label, negated = negated}
  return setmetatable(self, Expectation)
end

local DATA = {actual = true, label = true, negated = true}

Expectation.__index = function(self, k)
  if DATA[k] then return nil end
  if k == "never" then return new(self.actual, self.label, not self.negated) end
  local m = matchers[k]
  if not m then
    local names = {}
    for name in pairs(matchers) do names[#names + 1] = name end
    table.sort(names)
    raise("expect: no matcher '" .. tostring(k) .. "' (matchers: " .. table.concat(names, ", ") ..
      "; negate with .never)")
  end
  return function(first, ...)
    if rawequal(first, self) then -- expect(x):to_be(y) passes the expectation as y
      raise("expect(...):" .. k .. "(...): call a matcher with a dot, expect(x)." .. k .. "(y)")
    end
    return m(self, first, ...)
  end
end

-- expect.fail(message): fail the scenario with a message.
local function expect_fail(message)
  raise(tostring(message or "failed"))
end

M.expect = setmetatable({fail = expect_fail, repr = repr, equal = deep_equal}, {
  __call = function(_, actual, label) return new(actual, label, false) end,
})
M.matchers = matchers

return M
