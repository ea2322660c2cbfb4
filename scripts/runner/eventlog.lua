-- eventlog.lua -- a scenario's event log: one text line per GC and per
-- record(), written in a fixed key order so that the same script, config
-- and seed give the same bytes on any machine, and a change shows as a
-- changed line.  The format is a public contract: docs/regression.md.
--
--   # gclab event log 1 (docs/regression.md)
--   scenario file=scripts/seed/x.lua name="a name" config=default seed=1
--   gc n=1 heap=1 seq=1 kind=Scavenge reason=testing allocated=80 ... pause_us=3
--   record n=1 gcs=1 key=address type=integer value=262184
--   end status=pass gcs=1 records=1
--
-- Each line is a word and then KEY=VALUE pairs.  A value is bare when it is
-- one plain token (letters, digits, _ . - + / : @ ,), otherwise a quoted
-- string with \\ \" \n \r \t and \xHH escapes.  In gc lines a field that
-- is 0, false or empty is left out (reading it back gives 0, false, "").
-- No wall-clock value is written: times are the engine's virtual clock.

local M = {}

M.VERSION = 1
M.FIRST_LINE = "# gclab event log 1 (docs/regression.md)"

-- ------------------------------------------------------------ fields

local SPACES = {"new", "old", "large", "new_large"}
local SAMPLE = {"size", "objects", "committed"}

-- The gc line's fields in order: {name, kind} with kind "int", "bool" or
-- "str".  `path` is where the value sits in the event table.
local GC_FIELDS = {}
local function field(name, kind, path)
  GC_FIELDS[#GC_FIELDS + 1] = {name = name, kind = kind, path = path or {name}}
end
field("n", "int", {}) -- the log's GC number (over every heap of the scenario)
field("heap", "int", {})
field("seq", "int")
field("kind", "str")
field("reason", "str")
field("collector_reason", "str")
field("reduce_memory", "bool")
field("incremental", "bool")
field("compaction", "str")
-- What the GC did first (so that the first field a change shows is the
-- telling one), then the spaces before and after, limits, virtual clock.
for _, name in ipairs({"allocated", "copied", "copied_objects", "promoted", "promoted_objects",
    "died", "died_in_new", "freed", "moved", "moved_objects", "pages_released", "pages_evacuated",
    "pages_promoted", "steps", "incremental_marked", "largest_step", "marked"}) do
  field(name, "int")
end
for _, when in ipairs({"before", "after"}) do
  for _, sp in ipairs(SPACES) do
    for _, what in ipairs(SAMPLE) do
      field(when .. "." .. sp .. "." .. what, "int", {when, sp, what})
    end
  end
end
for _, name in ipairs({"holes_before", "holes_after", "semi_space_capacity", "old_limit",
    "start_us", "pause_us", "marking_start_us"}) do
  field(name, "int")
end
M.GC_FIELDS = GC_FIELDS

local GC_FIELD = {}
-- Written even when 0 or empty: they identify the GC (no tolerance applies).
local ALWAYS = {n = true, heap = true, seq = true, kind = true, reason = true}

for i, f in ipairs(GC_FIELDS) do
  f.index = i
  f.id = ALWAYS[f.name] or nil
  GC_FIELD[f.name] = f
end
M.GC_FIELD = GC_FIELD

M.DEFAULT = {int = "0", bool = "false", str = ""}

-- ------------------------------------------------------------ values

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    if c == "\r" then return "\\r" end
    if c == "\t" then return "\\t" end
    return string.format("\\x%02x", c:byte())
  end) .. '"'
end

-- A value as text in the log (bare when it is one plain token).
local function encode(s)
  if s ~= "" and s:match("^[%w_%.%-%+/:@,]+$") then return s end
  return quote(s)
end
M.encode = encode

-- The shortest text that reads back as the same float.
local function float_text(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  for digits = 15, 17 do
    local s = string.format("%." .. digits .. "g", x)
    if tonumber(s) == x then return s end
  end
  return string.format("%.17g", x)
end
M.float_text = float_text

local function number_text(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  return float_text(x)
end

-- ------------------------------------------------------------ writing

local function get(ev, path)
  local v = ev
  for _, k in ipairs(path) do
    if type(v) ~= "table" then return nil end
    v = v[k]
  end
  return v
end

-- One gc line from an event table (docs/lua-api.md, "Event tables").
function M.gc_line(n, heap_serial, ev)
  local parts = {"gc"}
  for _, f in ipairs(GC_FIELDS) do
    local v
    if f.name == "n" then v = n
    elseif f.name == "heap" then v = heap_serial
    else v = get(ev, f.path) end
    local text
    if f.kind == "int" then
      text = v ~= nil and number_text(v) or "0"
    elseif f.kind == "bool" then
      text = v and "true" or "false"
    else
      text = v ~= nil and tostring(v) or ""
    end
    if ALWAYS[f.name] or text ~= M.DEFAULT[f.kind] then
      parts[#parts + 1] = f.name .. "=" .. (f.kind == "str" and encode(text) or text)
    end
  end
  return table.concat(parts, " ")
end

-- record(key, value) as entries {key, type, value (text)}: tables are
-- flattened to dotted keys in sorted order, handles written as they print.
-- Raises a message (without position) for values that cannot be logged.
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta == "number" end
  return a < b
end

function M.record_entries(key, value, is_handle)
  local out = {}
  local function add(k, v, seen, depth)
    local t = type(v)
    if t == "nil" then out[#out + 1] = {key = k, type = "nil", value = ""}
    elseif t == "boolean" then out[#out + 1] = {key = k, type = "boolean", value = tostring(v)}
    elseif t == "number" then out[#out + 1] = {key = k, type = math.type(v), value = number_text(v)}
    elseif t == "string" then out[#out + 1] = {key = k, type = "string", value = v}
    elseif is_handle(v) then out[#out + 1] = {key = k, type = "handle", value = tostring(v)}
    elseif t == "table" and getmetatable(v) == nil then
      if seen[v] then error("record: the table under '" .. k .. "' contains itself", 0) end
      if depth >= 100 then
        error("record: the table under '" .. k:sub(1, 60) .. "...' is nested deeper than 100 levels", 0)
      end
      seen[v] = true
      local keys = {}
      for kk in pairs(v) do
        if math.type(kk) ~= "integer" and type(kk) ~= "string" then
          error("record: the table under '" .. k .. "' has a " .. type(kk) ..
            " key (only string and integer keys can be logged)", 0)
        end
        keys[#keys + 1] = kk
      end
      table.sort(keys, key_less)
      if #keys == 0 then out[#out + 1] = {key = k, type = "table", value = "{}"} end
      for _, kk in ipairs(keys) do add(k .. "." .. tostring(kk), v[kk], seen, depth + 1) end
      seen[v] = nil
    else
      error("record: cannot log a " .. t .. " value (under '" .. k .. "'): only nil, booleans, " ..
        "numbers, strings, handles and plain tables of them", 0)
    end
  end
  add(key, value, {}, 0)
  return out
end

function M.record_line(n, gcs, e)
  return string.format("record n=%d gcs=%d key=%s type=%s value=%s", n, gcs, encode(e.key),
    e.type, encode(e.value))
end

function M.scenario_line(file, name, config, seed)
  return string.format("scenario file=%s name=%s config=%s seed=%s", encode(file), encode(name),
    encode(config), encode(tostring(seed)))
end

function M.end_line(status, gcs, records, message)
  local s = string.format("end status=%s gcs=%d records=%d", status, gcs, records)
  if message and message ~= "" then s = s .. " message=" .. encode(message) end
  return s
end

-- ------------------------------------------------------------ reading

local LINE_KEYS = {
  scenario = {file = true, name = true, config = true, seed = true},
  record = {n = true, gcs = true, key = true, type = true, value = true},
  ["end"] = {status = true, gcs = true, records = true, message = true},
}
local REQUIRED = {
  scenario = {"file", "name", "config", "seed"},
  gc = {"n", "heap", "seq", "kind", "reason"},
  record = {"n", "gcs", "key", "type", "value"},
  ["end"] = {"status", "gcs", "records"},
}
-- A name or value of the log in a message: as the log writes it (bare
-- when one plain token, else quoted with control bytes escaped), at most
-- 60 bytes of it ("..." after it when cut).
local function shown(s)
  if #s > 60 then return encode(s:sub(1, 60)) .. "..." end
  return encode(s)
end

local UNESCAPE = {['"'] = '"', ["\\"] = "\\", n = "\n", r = "\r", t = "\t"}

-- Split "word k=v k=v" into word and an ordered list of {k, v}; nil, msg.
local function split(line)
  local word, pos = line:match("^(%a+)()")
  if not word then return nil, "expected a line starting with scenario, gc, record or end" end
  local pairs_ = {}
  local len = #line
  while pos <= len do
    local sp = line:match("^ +()", pos)
    if not sp then return nil, "expected a space before column " .. pos end
    pos = sp
    if pos > len then break end
    local key, after = line:match("^([%w_%.]+)=()", pos)
    if not key then return nil, "expected KEY=VALUE at column " .. pos end
    pos = after
    local value
    if line:sub(pos, pos) == '"' then
      local buf = {}
      local i = pos + 1
      while true do
        local c = line:sub(i, i)
        if c == "" then return nil, "unterminated string for '" .. shown(key) .. "'" end
        if c == '"' then break end
        if c == "\\" then
          local e = line:sub(i + 1, i + 1)
          if UNESCAPE[e] then buf[#buf + 1] = UNESCAPE[e]; i = i + 2
          elseif e == "x" and line:sub(i + 2, i + 3):match("^%x%x$") then
            buf[#buf + 1] = string.char(tonumber(line:sub(i + 2, i + 3), 16)); i = i + 4
          else return nil, "bad escape in the value of '" .. shown(key) .. "'" end
        else
          buf[#buf + 1] = c; i = i + 1
        end
      end
      value = table.concat(buf)
      pos = i + 1
    else
      value, pos = line:match("^([^%s\"]*)()", pos)
      if value == "" then return nil, "empty value for '" .. shown(key) .. "' (write \"\")" end
    end
    pairs_[#pairs_ + 1] = {key, value}
  end
  return word, pairs_
end

local function is_int(s) return s:match("^%-?%d+$") ~= nil end

-- Parse a log's text.  Returns a table
--   {header = {file, name, config, seed}, gcs = {{field = value...}...},
--    records = {{n, gcs, key, type, value}...}, finish = {status, gcs, records, message}}
-- or nil and "NAME:LINE: what is wrong".
function M.parse(text, name)
  local log = {gcs = {}, records = {}}
  local lineno = 0
  local function bad(msg) return nil, string.format("%s:%d: %s", name, lineno, msg) end
  if text:find("\0", 1, true) then
    lineno = select(2, text:sub(1, text:find("\0", 1, true)):gsub("\n", "")) + 1
    return bad("a NUL byte: not an event log")
  end
  if text ~= "" and text:sub(-1) ~= "\n" then text = text .. "\n" end
  for line in text:gmatch("([^\n]*)\n") do
    lineno = lineno + 1
    if line:match("^#") or line:match("^%s*$") then
      if lineno == 1 and line:match("^# gclab event log") then
        local v = line:match("^# gclab event log (%d+)")
        if v and tonumber(v) > M.VERSION then
          return bad("event log format " .. shown(v) .. " is newer than this gclab reads (" .. M.VERSION .. ")")
        end
      end
      goto continue
    end
    do
      local word, kv = split(line)
      if not word then return bad(kv) end
      local allowed = LINE_KEYS[word]
      if word ~= "gc" and not allowed then
        return bad("unknown line '" .. shown(word) .. "' (expected scenario, gc, record or end)")
      end
      if log.finish then return bad("'" .. shown(word) .. "' after the end line") end
      if word ~= "scenario" and not log.header then return bad("expected the scenario line first") end
      local t = {}
      for _, p in ipairs(kv) do
        local k, v = p[1], p[2]
        if t[k] ~= nil then return bad("'" .. shown(k) .. "' given twice") end
        if word == "gc" then
          local f = GC_FIELD[k]
          if not f then return bad("unknown GC field '" .. shown(k) .. "'") end
          if f.kind == "int" and not is_int(v) then
            return bad("GC field '" .. k .. "' is not an integer: " .. shown(v))
          end
          if f.kind == "bool" and v ~= "true" and v ~= "false" then
            return bad("GC field '" .. k .. "' is not true or false: " .. shown(v))
          end
        elseif not allowed[k] then
          return bad("unknown field '" .. shown(k) .. "' in the " .. word .. " line")
        end
        t[k] = v
      end
      for _, k in ipairs(REQUIRED[word]) do
        if t[k] == nil then return bad("the " .. word .. " line has no '" .. k .. "'") end
      end
      if word == "scenario" then
        if log.header then return bad("a second scenario line") end
        log.header = t
      elseif word == "gc" then
        if tonumber(t.n) ~= #log.gcs + 1 then
          return bad("GC n=" .. shown(t.n) .. " out of order (expected n=" .. (#log.gcs + 1) .. ")")
        end
        log.gcs[#log.gcs + 1] = t
      elseif word == "record" then
        if not is_int(t.n) or tonumber(t.n) ~= #log.records + 1 then
          return bad("record n=" .. shown(t.n) .. " out of order (expected n=" .. (#log.records + 1) .. ")")
        end
        if not is_int(t.gcs) then return bad("record gcs is not an integer: " .. shown(t.gcs)) end
        log.records[#log.records + 1] = t
      else
        if not is_int(t.gcs) or tonumber(t.gcs) ~= #log.gcs then
          return bad("end says gcs=" .. shown(t.gcs) .. " but the log has " .. #log.gcs .. " gc lines")
        end
        if not is_int(t.records) or tonumber(t.records) ~= #log.records then
          return bad("end says records=" .. shown(t.records) .. " but the log has " .. #log.records ..
            " record lines")
        end
        log.finish = t
      end
    end
    ::continue::
  end
  if not log.header then
    lineno = math.max(lineno, 1)
    return bad("no scenario line: not an event log (empty file?)")
  end
  if not log.finish then return bad("no end line: the log is truncated") end
  return log
end

-- The value of a gc field, with the default for a field left out.
function M.gc_value(gc, name)
  local v = gc[name]
  if v ~= nil then return v end
  local f = GC_FIELD[name]
  return f and M.DEFAULT[f.kind] or ""
end

-- ------------------------------------------------------------ names

-- A scenario name as a file name: lower case, runs of anything but a-z 0-9
-- as one '-', at most 60 characters (cut at a '-' when possible).
function M.slug(name)
  local s = name:lower():gsub("[^a-z0-9]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  if #s > 60 then
    local cut = s:sub(1, 61):match("^(.*)%-")
    s = (cut and #cut >= 20) and cut or s:sub(1, 60)
    s = s:gsub("%-+$", "")
  end
  if s == "" then s = "scenario" end
  return s
end

-- Slugs for a file's scenarios in declaration order; a slug already taken
-- gets -2, -3, ... (so names that differ only in punctuation or case, or
-- past the cut, still get a file each, always the same one).
function M.slugs(names)
  local taken, out = {}, {}
  for i, name in ipairs(names) do
    local base = M.slug(name)
    local s, k = base, 1
    while taken[s] do k = k + 1; s = base .. "-" .. k end
    taken[s] = true
    out[i] = s
  end
  return out
end

return M
