-- baseline.lua -- `gclab run --record DIR` and `--check DIR`: where each
-- scenario's event log lives, comparing a run with it field by field
-- (with optional tolerances), and printing what changed.
--
-- Layout: DIR/<config>/<file>/<slug>.log, where <config> is the
-- configuration's name (docs/regression.md), <file> the scenario file's
-- path relative to the current directory without ".lua" (".." segments
-- written "__"), <slug> the scenario name made a file name (eventlog.slug).
-- Every part is derived from the command line and the files, never from
-- the machine, so baselines recorded anywhere check anywhere from the
-- same directory.

local sys = require "gclab.runner.sys"
local eventlog = require "gclab.runner.eventlog"
local shown = require("gclab.runner.expect").shown

local M = {}

-- "1 GC", "2 GCs"
local function count(n, what) return n .. " " .. what .. (n == 1 and "" or "s") end
M.count = count

-- ------------------------------------------------------------ paths

local function split_path(p)
  local segs = {}
  for s in p:gmatch("[^/]+") do segs[#segs + 1] = s end
  return segs
end

local cwd_cache
local function cwd()
  if not cwd_cache then
    local c = sys.getcwd() or "."
    cwd_cache = sys.realpath(c) or c
  end
  return cwd_cache
end

-- A scenario file's path relative to the current directory, with symlinks
-- of its directory resolved: scripts/seed/x.lua however it was named
-- (./scripts/seed/x.lua, /abs/repo/scripts/seed/x.lua, scripts//seed/...).
function M.file_key(path)
  local dir, base = path:match("^(.*)/([^/]*)$")
  if not dir then dir, base = ".", path end
  if dir == "" then dir = "/" end
  local rdir = sys.realpath(dir)
  if not rdir then
    -- not resolvable (should not happen for a file that loaded): lexical
    local segs = {}
    for _, s in ipairs(split_path(path)) do
      if s == ".." and #segs > 0 and segs[#segs] ~= ".." then segs[#segs] = nil
      elseif s ~= "." then segs[#segs + 1] = s end
    end
    return table.concat(segs, "/")
  end
  local a, b = split_path(cwd()), split_path(rdir)
  local common = 0
  while common < #a and common < #b and a[common + 1] == b[common + 1] do common = common + 1 end
  local out = {}
  for _ = common + 1, #a do out[#out + 1] = ".." end
  for i = common + 1, #b do out[#out + 1] = b[i] end
  out[#out + 1] = base
  return table.concat(out, "/")
end

-- The same for a directory ("" for the current directory itself).
function M.dir_key(path)
  local k = M.file_key(M.join(path, "x"))
  if k == "x" then return "" end
  return (k:gsub("/x$", ""))
end

-- The directory (below DIR/<config>) for a file key.
local function file_dir(key)
  local segs = split_path((key:gsub("%.lua$", "")))
  for i, s in ipairs(segs) do if s == ".." then segs[i] = "__" end end
  return table.concat(segs, "/")
end

function M.join(first, ...)
  local s = first
  for _, p in ipairs({...}) do
    if p ~= "" then s = s:gsub("/+$", "") .. "/" .. p:gsub("^/+", "") end
  end
  return s
end

function M.log_dir(dir, config_name, file_key)
  return M.join(dir, config_name, file_dir(file_key))
end

function M.log_path(dir, config_name, file_key, slug)
  return M.join(M.log_dir(dir, config_name, file_key), slug .. ".log")
end

-- A configuration's name from its --config path: the file's stem, made a
-- plain token (configs/classic.yaml -> classic).
function M.config_name(path)
  local base = path:match("([^/]*)$")
  local stem = base:gsub("%.ya?ml$", "")
  stem = stem:gsub("[^%w_.%-]+", "-")
  if stem == "" or stem:match("^%.+$") then stem = "config" end
  return stem
end

local function mkdir_p(path)
  local acc = path:sub(1, 1) == "/" and "/" or ""
  for _, s in ipairs(split_path(path)) do
    acc = acc == "" and s or (acc == "/" and "/" .. s or acc .. "/" .. s)
    local ok, err = sys.mkdir(acc)
    if not ok then return nil, err end
  end
  return true
end
M.mkdir_p = mkdir_p -- also html_report.lua's

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s, rerr = f:read("a")
  f:close()
  if not s then return nil, path .. ": " .. tostring(rerr) end
  return s
end
M.read_file = read_file

local function write_file(path, text)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  local cok, cerr = f:close()
  if not ok then return nil, path .. ": " .. tostring(werr) end
  if not cok then return nil, path .. ": " .. tostring(cerr) end
  return true
end

-- ------------------------------------------------------------ tolerances

-- "FIELD=SPEC": FIELD a gc field name or record.KEY, '*' matching any
-- characters; SPEC "N%" (of the baseline value) or "N" (absolute).
-- Returns {text, glob = FIELD, rel | abs} or nil, message (what it shows
-- of the text quoted by expect's repr: a control byte shows as an escape).
function M.parse_tolerance(s)
  local name, spec = s:match("^%s*([^=%s]+)%s*=%s*(%S+)%s*$")
  if not name then
    return nil, "expected FIELD=TOLERANCE (e.g. promoted=5% or pause_us=100), got " .. shown(s)
  end
  local t = {text = name .. "=" .. spec, glob = (name:gsub("%*+", "*"))}
  local pct = spec:match("^(.*)%%$")
  local n = tonumber(pct or spec)
  if not n or n < 0 or n ~= n or n == math.huge then
    return nil, "tolerance for " .. shown(name, 60) .. " must be a non-negative number or percentage, got " ..
      shown(spec, 60)
  end
  if pct then t.rel = n / 100 else t.abs = n end
  return t
end

-- Does `name` match `glob` ('*' any characters, every other byte itself)?
-- Not through a Lua pattern: one of 200 '*' raised "pattern too complex"
-- in the middle of --check, and a few '*' between letters backtrack
-- exponentially on a long record key.  This backtracks to the last '*'
-- only, and parse_tolerance made each run of '*' one: at most #name * #name
-- steps, whatever the glob.
local function glob_match(name, glob)
  local n, g, star, mark = 1, 1, nil, 0
  while n <= #name do
    local c = glob:sub(g, g)
    if c == "*" then
      star, mark, g = g, n, g + 1
    elseif c ~= "" and c == name:sub(n, n) then
      n, g = n + 1, g + 1
    elseif star then
      mark = mark + 1
      n, g = mark, star + 1
    else
      return false
    end
  end
  while glob:sub(g, g) == "*" do g = g + 1 end
  return g > #glob
end

-- The tolerances file DIR/tolerances: "FIELD=SPEC" lines, '#' comments,
-- "[NAME]" starts a section that applies to configuration NAME only.
-- Returns a list of {config = NAME | nil, ...tolerance} or nil, message.
function M.read_tolerances(path)
  local kind, kerr, missing = sys.kind(path)
  if not kind and missing then return {} end -- no tolerances file: none
  if not kind then return nil, kerr end
  if kind ~= "file" then return nil, path .. " is a " .. kind .. ", not a file" end
  local text, err = read_file(path)
  if not text then return nil, err end
  local out, section, lineno = {}, nil, 0
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    lineno = lineno + 1
    local body = line:gsub("#.*$", ""):match("^%s*(.-)%s*$")
    if body ~= "" then
      local sec = body:match("^%[%s*([%w_.%-]+)%s*%]$")
      if sec then
        section = sec
      else
        local t, terr = M.parse_tolerance(body)
        if not t then return nil, string.format("%s:%d: %s", path, lineno, terr) end
        t.config = section
        out[#out + 1] = t
      end
    end
  end
  return out
end

-- The tolerance for a field under a configuration (the last that matches).
local function tolerance_for(tols, name, config)
  local found
  for _, t in ipairs(tols or {}) do
    if (t.config == nil or t.config == config) and glob_match(name, t.glob) then found = t end
  end
  return found
end

local function within(t, b, n)
  local bn, nn = tonumber(b), tonumber(n)
  if not (t and bn and nn) then return false end
  local limit = t.abs or math.abs(bn) * t.rel
  return math.abs(nn - bn) <= limit + 1e-9
end

-- ------------------------------------------------------------ comparing

-- (a kind or reason with control bytes, only in a damaged baseline, shows
-- as the log writes it, escaped)
local function label_of(gc)
  local function plain(s) return s:find("%c") and eventlog.encode(s) or s end
  return string.format("GC %s (%s, %s)", gc.n, plain(gc.kind or "?"), plain(gc.reason or ""))
end

-- Compare a baseline log with this run's (both parsed).  opts.tolerances,
-- opts.config (for tolerance sections), opts.ignore_config (the header's
-- config may differ: matrix comparisons).  Returns a difference table with
-- .differs, or a table with differs == false.
function M.compare(base, now, opts)
  opts = opts or {}
  local d = {header = {}, gcs = {}, gc_added = {}, gc_removed = {}, records = {}, finish = {},
    fields = 0, within = 0, records_differ = 0}
  for _, k in ipairs({"file", "name", "config", "seed"}) do
    if not (opts.ignore_config and k == "config") and base.header[k] ~= now.header[k] then
      d.header[#d.header + 1] = {field = k, base = base.header[k], now = now.header[k]}
    end
  end
  local nb, nn = #base.gcs, #now.gcs
  for i = 1, math.min(nb, nn) do
    local b, n = base.gcs[i], now.gcs[i]
    local fields = {}
    for _, f in ipairs(eventlog.GC_FIELDS) do
      local vb, vn = eventlog.gc_value(b, f.name), eventlog.gc_value(n, f.name)
      if vb ~= vn then
        local tol = f.kind == "int" and not f.id and tolerance_for(opts.tolerances, f.name, opts.config)
        if within(tol, vb, vn) then
          d.within = d.within + 1
        else
          fields[#fields + 1] = {field = f.name, base = vb, now = vn, numeric = f.kind == "int"}
        end
      end
    end
    if #fields > 0 then
      d.gcs[#d.gcs + 1] = {n = i, label = label_of(b), now_label = label_of(n), fields = fields}
      d.fields = d.fields + #fields
    end
  end
  for i = nb + 1, nn do d.gc_added[#d.gc_added + 1] = label_of(now.gcs[i]) end
  for i = nn + 1, nb do d.gc_removed[#d.gc_removed + 1] = label_of(base.gcs[i]) end
  d.gc_count = {base = nb, now = nn}
  local rb, rn = #base.records, #now.records
  for i = 1, math.max(rb, rn) do
    local b, n = base.records[i], now.records[i]
    if not b or not n then
      d.records[#d.records + 1] = {n = i, key = (b or n).key, base = b and b.value, now = n and n.value,
        missing = not n, added = not b}
      d.records_differ = d.records_differ + 1
    else
      local diffs = {}
      for _, k in ipairs({"key", "type", "value", "gcs"}) do
        if b[k] ~= n[k] then
          local numeric = k == "gcs" or (k == "value" and (b.type == "integer" or b.type == "float")
            and b.type == n.type)
          if k == "value" and numeric
            and within(tolerance_for(opts.tolerances, "record." .. b.key, opts.config), b[k], n[k]) then
            d.within = d.within + 1
          else
            diffs[#diffs + 1] = {field = k, base = b[k], now = n[k], numeric = numeric}
          end
        end
      end
      if #diffs > 0 then
        d.records[#d.records + 1] = {n = i, key = b.key, diffs = diffs}
        d.records_differ = d.records_differ + 1
      end
    end
  end
  d.record_count = {base = rb, now = rn}
  for _, k in ipairs({"status", "message"}) do
    local vb, vn = base.finish[k] or "", now.finish[k] or ""
    if vb ~= vn then d.finish[#d.finish + 1] = {field = k, base = vb, now = vn} end
  end
  d.differs = #d.header > 0 or #d.gcs > 0 or nb ~= nn or #d.records > 0 or #d.finish > 0
  return d
end

-- ------------------------------------------------------------ printing

local function show(v)
  if v == nil then return "(none)" end
  return eventlog.encode(v)
end

-- "40 -> 0 (-40, -100.0%)" for numbers, "\"a\" -> \"b\"" otherwise.
local function change(b, n, numeric)
  local s = show(b) .. " -> " .. show(n)
  local bn, nn = tonumber(b), tonumber(n)
  if numeric and bn and nn then
    local delta = nn - bn
    local ds = math.type(delta) == "integer" and string.format("%+d", delta)
      or string.format("%+g", delta)
    if bn ~= 0 then
      s = s .. string.format(" (%s, %+.1f%%)", ds, 100 * delta / math.abs(bn))
    else
      s = s .. " (" .. ds .. ")"
    end
  end
  return s
end
M.change = change

local MAX_GCS_SHOWN = 4
local MAX_FIELDS_INLINE = 4

-- The difference as lines of text: what, the first difference, details
-- (capped), and a summary line.  `what` names the baseline; base_word and
-- now_word name the two sides ("baseline" and "now" by default).
function M.render(d, what, base_word, now_word)
  base_word, now_word = base_word or "baseline", now_word or "now"
  local out = {what}
  local first
  if #d.header > 0 then
    local h = d.header[1]
    first = string.format("scenario line: %s: %s %s, %s %s", h.field, base_word, show(h.base), now_word,
      show(h.now))
  elseif #d.gcs > 0 then
    local g, f = d.gcs[1], d.gcs[1].fields[1]
    first = string.format("%s: %s: %s %s, %s %s", g.label, f.field, base_word, show(f.base), now_word,
      show(f.now))
  elseif d.gc_count.base ~= d.gc_count.now then
    first = string.format("the number of GCs: %s %d, %s %d", base_word, d.gc_count.base, now_word,
      d.gc_count.now)
  elseif #d.records > 0 then
    local r = d.records[1]
    if r.diffs then
      local f = r.diffs[1]
      first = string.format("record %d (%s): %s: %s %s, %s %s", r.n, show(r.key), f.field, base_word,
        show(f.base), now_word, show(f.now))
    else
      first = string.format("record %d (%s): %s", r.n, show(r.key), r.added and ("only " .. now_word)
        or ("only " .. base_word))
    end
  elseif #d.finish > 0 then
    local f = d.finish[1]
    first = string.format("end: %s: %s %s, %s %s", f.field, base_word, show(f.base), now_word, show(f.now))
  end
  out[#out + 1] = "first difference: " .. (first or "?")
  for i = 2, #d.header do
    local h = d.header[i]
    out[#out + 1] = string.format("  scenario line: %s: %s", h.field, change(h.base, h.now))
  end
  for i, g in ipairs(d.gcs) do
    if i > MAX_GCS_SHOWN then
      out[#out + 1] = string.format("  ... and %d more GCs with differences", #d.gcs - MAX_GCS_SHOWN)
      break
    end
    local label = g.label == g.now_label and g.label or (g.label .. ", now " .. g.now_label:match("%((.*)%)"))
    if i == 1 then
      out[#out + 1] = "  " .. label .. ":"
      for j, f in ipairs(g.fields) do
        if j > 12 then out[#out + 1] = string.format("    ... and %d more fields", #g.fields - 12); break end
        out[#out + 1] = "    " .. f.field .. ": " .. change(f.base, f.now, f.numeric)
      end
    else
      local parts = {}
      for j, f in ipairs(g.fields) do
        if j > MAX_FIELDS_INLINE then
          parts[#parts + 1] = string.format("... %d more", #g.fields - MAX_FIELDS_INLINE)
          break
        end
        parts[#parts + 1] = f.field .. " " .. change(f.base, f.now, f.numeric)
      end
      out[#out + 1] = "  " .. label .. ": " .. table.concat(parts, ", ")
    end
  end
  if d.gc_count.base ~= d.gc_count.now then
    local s = string.format("  GCs: %s %d, %s %d", base_word, d.gc_count.base, now_word, d.gc_count.now)
    local function some(list)
      return list[1] .. (#list > 1 and string.format(" and %d more", #list - 1) or "")
    end
    if #d.gc_added > 0 then s = s .. "; new: " .. some(d.gc_added) end
    if #d.gc_removed > 0 then s = s .. "; gone: " .. some(d.gc_removed) end
    out[#out + 1] = s
  end
  for i, r in ipairs(d.records) do
    if i > MAX_GCS_SHOWN then
      out[#out + 1] = string.format("  ... and %d more records", #d.records - MAX_GCS_SHOWN)
      break
    end
    if r.added then
      out[#out + 1] = string.format("  record %d (%s): new, %s", r.n, show(r.key), show(r.now))
    elseif r.missing then
      out[#out + 1] = string.format("  record %d (%s): gone (was %s)", r.n, show(r.key), show(r.base))
    else
      local parts = {}
      for _, f in ipairs(r.diffs) do
        parts[#parts + 1] = f.field .. " " .. change(f.base, f.now, f.numeric)
      end
      out[#out + 1] = string.format("  record %d (%s): %s", r.n, show(r.key), table.concat(parts, ", "))
    end
  end
  local status_changed = false
  for _, f in ipairs(d.finish) do
    -- a new failure's message is the scenario's own diagnostic, shown already
    if f.field == "status" then status_changed = true end
    if not (f.field == "message" and status_changed) then
      out[#out + 1] = string.format("  end: %s: %s", f.field, change(f.base, f.now))
    end
  end
  local summary = {}
  if #d.header > 0 then summary[#summary + 1] = "the scenario line" end
  if #d.gcs > 0 then
    summary[#summary + 1] = string.format("%d of %s (%s)", #d.gcs, count(math.min(d.gc_count.base,
      d.gc_count.now), "GC"), count(d.fields, "field"))
  end
  if #d.gc_added > 0 then summary[#summary + 1] = count(#d.gc_added, "GC") .. " more" end
  if #d.gc_removed > 0 then summary[#summary + 1] = count(#d.gc_removed, "GC") .. " fewer" end
  if #d.records > 0 then
    summary[#summary + 1] = string.format("%d of %s", d.records_differ,
      count(math.max(d.record_count.base, d.record_count.now), "record"))
  end
  if #d.finish > 0 then summary[#summary + 1] = status_changed and "the status" or "the message" end
  local s = "changed: " .. table.concat(summary, ", ")
  if d.within > 0 then s = s .. " (" .. count(d.within, "more value") .. " within tolerance)" end
  out[#out + 1] = s
  return out
end

-- ------------------------------------------------------------ a session

-- One --record or --check run: M.session(mode, dir, tolerances) -> an
-- object with :scenario (record or check one log), :not_recorded, :stale
-- (after each configuration) and :summary (the lines printed at the end).
local Session = {}
Session.__index = Session

function M.session(mode, dir, tolerances)
  return setmetatable({mode = mode, dir = dir, tolerances = tolerances or {},
    written = {}, differing = {},
    counts = {scenarios = 0, differ = 0, missing = 0, corrupt = 0, gcs = 0, fields = 0, records = 0,
      within = 0, new = 0, changed = 0, unchanged = 0, not_recorded = 0, stale = 0}}, Session)
end

-- Record or check one scenario's log (its text).  Returns nil when all is
-- well, or lines of text to add to the scenario's result and true when the
-- result must fail.
function Session:scenario(config_name, file_key, slug, log_text, title)
  local path = M.log_path(self.dir, config_name, file_key, slug)
  self.written[path] = true
  local c = self.counts
  c.scenarios = c.scenarios + 1
  if self.mode == "record" then
    local old = sys.kind(path) == "file" and read_file(path)
    if old == log_text then c.unchanged = c.unchanged + 1; return nil end
    local ok, err = mkdir_p(M.log_dir(self.dir, config_name, file_key))
    if ok then ok, err = write_file(path, log_text) end
    if not ok then return {"cannot write the baseline: " .. tostring(err)}, true end
    if old then c.changed = c.changed + 1 else c.new = c.new + 1 end
    return nil
  end
  -- check
  local kind, kerr, missing = sys.kind(path)
  if kind and kind ~= "file" then
    c.corrupt = c.corrupt + 1
    return {"corrupt baseline: " .. path .. " is a " .. kind .. ", not a regular file"}, true
  elseif not kind and not missing then
    c.corrupt = c.corrupt + 1
    return {"cannot read the baseline: " .. tostring(kerr)}, true
  elseif not kind then
    c.missing = c.missing + 1
    return {"no baseline " .. path .. " (record it: gclab run --record " .. self.dir .. " ...)"}, true
  end
  local text, rerr = read_file(path)
  if not text then
    c.corrupt = c.corrupt + 1
    return {"cannot read the baseline: " .. tostring(rerr)}, true
  end
  if text == log_text then return nil end -- the common case: no need to parse
  local base, perr = eventlog.parse(text, path)
  if not base then
    c.corrupt = c.corrupt + 1
    return {"corrupt baseline: " .. perr .. " (fix it or record it again with --record)"}, true
  end
  local now = assert(eventlog.parse(log_text, "(this run)"))
  local d = M.compare(base, now, {tolerances = self.tolerances, config = config_name})
  c.within = c.within + d.within
  if not d.differs then return nil end
  c.differ = c.differ + 1
  local lines = M.render(d, "event log differs from the baseline " .. path)
  self.differing[#self.differing + 1] = (title or path) .. ": " .. lines[2]:gsub("^first difference: ", "")
  c.gcs = c.gcs + #d.gcs + #d.gc_added + #d.gc_removed
  c.fields = c.fields + d.fields
  c.records = c.records + d.records_differ
  return lines, true
end

-- A scenario that failed without declaring it (fails_on) under --record:
-- its log is not written, and its old baseline (if any) is kept.
function Session:not_recorded(config_name, file_key, slug)
  self.written[M.log_path(self.dir, config_name, file_key, slug)] = true
  self.counts.scenarios = self.counts.scenarios + 1
  self.counts.not_recorded = self.counts.not_recorded + 1
end

-- Baselines that no scenario of this run wrote (a scenario renamed or
-- removed, a file deleted): the *.log files in DIR/<config>/<file>/ for a
-- file argument, or anywhere below DIR/<config>/<dir>/ for a directory
-- argument.  Call after the configuration's run, only when no scenario was
-- filtered out.  With --record they are removed; both modes return them.
function Session:stale(config_name, key, is_dir)
  local out = {}
  local function scan(dir, recurse)
    local names = sys.listdir(dir)
    if not names then return end
    table.sort(names)
    for _, name in ipairs(names) do
      local p = M.join(dir, name)
      local kind = sys.kind(p)
      if kind == "file" and name:match("%.log$") and not self.written[p] then
        self.counts.stale = self.counts.stale + 1
        if self.mode == "record" then os.remove(p) end
        out[#out + 1] = p
      elseif kind == "directory" and recurse then
        scan(p, true)
      end
    end
  end
  if is_dir then
    scan(M.join(self.dir, config_name, file_dir(key)), true)
  else
    scan(M.log_dir(self.dir, config_name, key), false)
  end
  return out
end

-- The summary lines printed at the end of the run.
function Session:summary()
  local c = self.counts
  if self.mode == "record" then
    local s = string.format("recorded %s in %s: %d new, %d changed, %d unchanged",
      count(c.scenarios - c.not_recorded, "event log"), self.dir, c.new, c.changed, c.unchanged)
    local lines = {s}
    if c.stale > 0 then lines[#lines + 1] = "removed " .. count(c.stale, "stale baseline") end
    if c.not_recorded > 0 then
      lines[#lines + 1] = "not recorded: " .. count(c.not_recorded, "failed scenario") ..
        " (fix them or declare the failures with fails_on)"
    end
    return lines
  end
  local s = string.format("check against %s: %d of %d event logs differ", self.dir, c.differ,
    c.scenarios)
  if c.differ > 0 then
    local what = {}
    if c.gcs > 0 then what[#what + 1] = count(c.gcs, "GC") end
    if c.fields > 0 then what[#what + 1] = count(c.fields, "field") end
    if c.records > 0 then what[#what + 1] = count(c.records, "record") end
    if #what > 0 then s = s .. " (" .. table.concat(what, ", ") .. ")" end
  end
  s = s .. string.format(", %d missing, %d corrupt", c.missing, c.corrupt)
  if c.stale > 0 then s = s .. string.format(", %d stale", c.stale) end
  if c.within > 0 then s = s .. "; " .. count(c.within, "value") .. " within tolerance" end
  local lines = {s}
  for i, l in ipairs(self.differing) do
    if i > 50 then lines[#lines + 1] = string.format("  ... and %d more", #self.differing - 50); break end
    lines[#lines + 1] = "  " .. l
  end
  if c.missing > 0 then
    lines[#lines + 1] = "missing baselines: their paths hold the scenario files' paths relative to the " ..
      "current directory; run from the directory they were recorded in, or record them with --record"
  end
  return lines
end

return M
