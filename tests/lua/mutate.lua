-- mutate.lua -- seeded mutations of a file's bytes, and the loop around
-- them, for the reader mutation tests (tests/config/mutants.lua,
-- tests/snapshot/mutants.lua, tests/fidelity/mutants.lua): one job, to
-- turn a valid input into reproducible damaged ones and to check how a
-- reader answers each.
--   local Mu = dofile(REPO_ROOT .. "/tests/lua/mutate.lua")
--   local text, how = Mu.mutant(valid_text, seed, i, opts)
-- The same (text, seed, i, opts) always gives the same mutant (Lua 5.4's
-- xoshiro256** reseeded with seed and i), and `how` says what was done, so
-- a failure names its case and reproduces alone.
local M = {}

-- Text inserted or swapped in: bytes that are not text, numbers no reader
-- should hold, line endings, quotes and brackets.  opts.junk adds a
-- reader's own (keys, tokens of its format).
M.JUNK = {"\0", "\xff", "\xc3", "\xed\xa0\x80", "\r", "\r\n", "\t", "\n", " ", "\\", "\"", "'", "#",
  "-1", "0", "-0", "1e308", "1e-400", "0x10", "NaN", "inf", "4294967296", "18446744073709551616",
  "99999999999999999999999999999999", "1.5", "1.2.3", "..", "null", "true", "[]", "{}", "[", "]",
  "{", "}", ",", ":", "&a", "*a", "!!str", "%"}

-- Tokens: runs of word characters (numbers, keys, units), or one other
-- non-space byte.  Lines: the spans between newlines.  Each kind is found
-- when first asked for and cached per text, as flat arrays of starts and
-- ends ({n =, s = {...}, e = {...}}): a log of half a megabyte has about
-- 100,000 tokens, and a table per token made the fidelity mutants slow.
local cache = setmetatable({}, {__mode = "k"})
local FIND = {}
function FIND.tokens(text, l)
  for a, b in text:gmatch("()[%w_%.%+%-]+()") do l.n = l.n + 1; l.s[l.n], l.e[l.n] = a, b - 1 end
  for a, b in text:gmatch("()[^%w_%.%+%-%s]()") do l.n = l.n + 1; l.s[l.n], l.e[l.n] = a, b - 1 end
end
function FIND.lines(text, l)
  local at = 1
  while at <= #text do
    local nl = text:find("\n", at, true) or #text
    l.n = l.n + 1
    l.s[l.n], l.e[l.n] = at, nl
    at = nl + 1
  end
end
local function spans(text, kind)
  local c = cache[text]
  if not c then c = {}; cache[text] = c end
  if not c[kind] then
    c[kind] = {n = 0, s = {}, e = {}}
    FIND[kind](text, c[kind])
  end
  return c[kind]
end

local function pick(list) return list[math.random(#list)] end
local function cut(text, s, e, with) return text:sub(1, s - 1) .. with .. text:sub(e + 1) end
local function show(s)
  return ((#s > 24 and s:sub(1, 24) .. "..." or s):gsub("[^%g ]", function(ch)
    return string.format("\\x%02x", ch:byte()) end))
end

-- Every operation takes (text, opts) and returns the new text and what it
-- did.  Span operations fall back to a byte flip on a text without spans.
local ops = {}
function ops.truncate(t)
  local n = math.random(0, math.max(0, #t - 1))
  return t:sub(1, n), "truncate at byte " .. n
end
function ops.flip(t)
  if #t == 0 then return "\0", "flip: empty -> NUL" end
  local at, b = math.random(#t), math.random(0, 255)
  return cut(t, at, at, string.char(b)), string.format("byte %d = 0x%02x", at - 1, b)
end
local function span_op(kind, verb)
  return function(t)
    local list = spans(t, kind)
    if list.n < 2 then return ops.flip(t) end
    local i, j = math.random(list.n), math.random(list.n)
    local a, b = {list.s[i], list.e[i]}, {list.s[j], list.e[j]}
    local s = t:sub(a[1], a[2])
    if verb == "delete" then return cut(t, a[1], a[2], ""), kind .. " " .. i .. " deleted"
    elseif verb == "duplicate" then return cut(t, a[1], a[2], s .. s), kind .. " " .. i .. " doubled"
    elseif verb == "replace" then
      return cut(t, a[1], a[2], t:sub(b[1], b[2])), kind .. " " .. i .. " = " .. kind .. " " .. j
    end
    if a[1] > b[1] then a, b = b, a end
    if a[2] >= b[1] then return t, "swap: the same span" end
    return t:sub(1, a[1] - 1) .. t:sub(b[1], b[2]) .. t:sub(a[2] + 1, b[1] - 1) .. t:sub(a[1], a[2])
      .. t:sub(b[2] + 1), kind .. " " .. i .. " and " .. j .. " swapped"
  end
end
ops.delete_line, ops.duplicate_line, ops.swap_lines = span_op("lines", "delete"), span_op("lines", "duplicate"),
  span_op("lines", "swap")
ops.delete_token, ops.duplicate_token, ops.swap_tokens = span_op("tokens", "delete"),
  span_op("tokens", "duplicate"), span_op("tokens", "swap")
ops.retype_token = span_op("tokens", "replace") -- a value becomes another token of the file
function ops.insert_junk(t, o)
  local j = (o.junk and math.random(2) == 1) and pick(o.junk) or pick(M.JUNK)
  local at = math.random(#t + 1)
  return cut(t, at, at - 1, j), "insert '" .. show(j) .. "' at byte " .. (at - 1)
end
function ops.replace_token(t, o)
  local list = spans(t, "tokens")
  if list.n == 0 then return ops.insert_junk(t, o) end
  local i = math.random(list.n)
  local j = (o.junk and math.random(2) == 1) and pick(o.junk) or pick(M.JUNK)
  return cut(t, list.s[i], list.e[i], j), "token " .. i .. " = '" .. show(j) .. "'"
end
-- Hostile sizes: deep nesting, a very long string or number.
function ops.huge(t, o)
  local n = math.random(2) == 1 and math.random(100, 3000) or math.random(10000, 100000)
  local what = pick(o.nest or {"[", "{"})
  local kind = math.random(3)
  local j = kind == 1 and what:rep(n) or kind == 2 and ("a"):rep(n) or ("9"):rep(n)
  local at = math.random(#t + 1)
  return cut(t, at, at - 1, j), string.format("insert %d x '%s' at byte %d", n,
    show(kind == 1 and what or kind == 2 and "a" or "9"), at - 1)
end

M.TEXT_OPS = {"truncate", "flip", "delete_line", "duplicate_line", "swap_lines", "delete_token",
  "duplicate_token", "swap_tokens", "retype_token", "insert_junk", "replace_token", "huge"}
M.BYTE_OPS = {"truncate", "flip", "flip", "insert_junk"} -- for compressed data

-- Mutant `i` of seed `seed`: 1 to opts.max (default 3) operations drawn
-- from opts.ops (default TEXT_OPS).  Returns text, description.
function M.mutant(text, seed, i, opts)
  opts = opts or {}
  math.randomseed(seed, i)
  local names = opts.ops or M.TEXT_OPS
  local how = {}
  for _ = 1, math.random(opts.max or 3) do
    local d
    text, d = ops[pick(names)](text, opts)
    how[#how + 1] = d
  end
  return text, table.concat(how, "; ")
end

function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not M.equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- Counting checks and reporting, as tests/lua/harness.lua does for the
-- command-level tests; every failure names its case.
function M.checker(name)
  local C = {checks = 0, failures = 0, accepted = 0, refused = 0, slowest = 0, slowest_case = "-"}
  function C.check(cond, what, detail)
    C.checks = C.checks + 1
    if not cond then
      C.failures = C.failures + 1
      io.write("not ok - ", what, "\n")
      if detail then io.write((tostring(detail):gsub("[^\n]*", "#   %0")), "\n") end
      if C.failures >= 20 then C.finish() end
    end
  end
  -- Run f(...) under the time bound; returns pcall's results.
  function C.timed(bound, case, f, ...)
    local t0 = os.clock()
    local r = table.pack(pcall(f, ...))
    local dt = os.clock() - t0
    if dt > C.slowest then C.slowest, C.slowest_case = dt, case end
    C.check(dt <= bound, string.format("%s: took %.2f s, more than %.1f s", case, dt, bound))
    return table.unpack(r, 1, r.n)
  end
  function C.finish()
    io.write(string.format("%s: %d mutants accepted, %d refused; slowest %.3f s (%s)\n", name, C.accepted,
      C.refused, C.slowest, C.slowest_case))
    io.write(string.format("%d checks, %d failed\n", C.checks, C.failures))
    os.exit(C.failures == 0 and 0 or 1)
  end
  return C
end

-- A test's arguments, GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS, as
-- a checker with bin, root, scratch, seeds (GCLAB_READER_FUZZ=N for a long
-- run instead), bound (seconds a read may take) and H (harness.lua's).
function M.start(name, argv)
  local T = M.checker(name)
  T.bin, T.root, T.scratch = argv[1], argv[2], argv[3]
  local long = tonumber(os.getenv("GCLAB_READER_FUZZ") or "")
  T.seeds = long and math.max(1, math.floor(long)) or tonumber(argv[4]) or 4
  T.bound = tonumber(argv[5]) or 2
  T.H = dofile(T.root .. "/tests/lua/harness.lua").new(T.bin, T.root)
  return T
end

return M
