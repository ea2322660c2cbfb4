-- trace_compare.lua -- `gclab trace compare NODE_TRACE SCENARIO.lua`: one
-- reference workload's `node --trace-gc` log next to gclab's replay of it,
-- the two GC sequences side by side and the four fidelity measures of
-- issue 16 with pass/fail.  Its one job: measure and judge; the trace
-- parser is trace.lua's (M.parse), running the scenario is trace.lua's too.
--
-- The measures (thresholds from issue 16; docs/fidelity.md):
--   scavenges      Scavenge count, gclab within +-10% of Node's
--   mark_compacts  Mark-Compact count (with "(reduce)"), within +-1
--   oom            out of memory in both or in neither; when in both, at
--                  the same allocation within +-5%: the bytes allocated
--                  up to the last GC (Node: from --trace-gc-nvp's
--                  total_size_before/after, M.parse_nvp; gclab: the
--                  same formula over its events' sizes as V8 counts
--                  them, M.gclab_allocated)
--   promoted       promoted bytes per GC (all promoted bytes / GCs) within
--                  +-15% (Node: --trace-gc-nvp's `promoted=`)
-- Node's --trace-gc line has no allocated or promoted bytes, so the last
-- two need the same workload's --trace-gc-nvp log (--nvp FILE; by default
-- NODE_TRACE with .trace replaced by .nvp, when that file exists).  Node's
-- two logs come from two runs of the same program; V8's GC sequence varies
-- a little from run to run (task timing), so compare counts from one and
-- bytes from the other.
--
-- Node's other runs: W.2.trace, W.3.trace, ... and W.2.nvp, W.3.nvp, ...
-- next to W.trace and W.nvp (M.sibling_runs; --first-run-only ignores
-- them).  With more than one run each measure is judged twice: against
-- the first run, and against Node's runs -- it passes when gclab is within
-- the threshold of at least one run's value (the same program gives
-- different GC sequences on Node, and a prediction that lands where Node
-- itself lands is not wrong).  An nvp log is a run of its own and has
-- every GC too (`gc=`), so Node's runs for the two counts are the traces'
-- and the nvp logs' (since issue 16's stop 34; the first run's count is
-- its trace's).  The exit status and --known-failures go by
-- the second; the table prints both.
--
-- A Node log made with --trace-pretenuring-statistics too (trace.parse
-- reads its lines) gives each side a column of the allocation mementos
-- every GC found and "+T" where the GC tenured a site (gclab: the events'
-- mementos_found and sites_tenured): where the two programs' code ran
-- unoptimized, GC by GC.  It is shown, not judged.
--
-- Exit status: 0 when every measure passes (or, with --known-failures, when
-- exactly the listed measures fail: a CTest pins a workload's documented
-- state, and a change either way fails it), 1 otherwise, 2 on usage errors.

local trace = require "gclab.runner.trace"
local command = require "gclab.runner.command"
local sys = require "gclab.runner.sys"
local expect = require "gclab.runner.expect"

local M = {}

M.USAGE = [[
usage: gclab trace compare NODE_TRACE SCENARIO.lua [OPTIONS]

Run the gclab replay SCENARIO.lua (its first scenario, or the one --filter
picks) and compare its GCs with NODE_TRACE, a `node --trace-gc` log of the
same program: both sequences side by side, then four measures with pass/fail:
  scavenges      Scavenge count within +-10%
  mark_compacts  Mark-Compact count within +-1
  oom            out of memory in both or neither; if both, at the same
                 allocation (bytes allocated up to the last GC) within +-5%
  promoted       promoted bytes per GC within +-15%
A NODE_TRACE made with --trace-pretenuring-statistics too adds a column to
each side: the allocation mementos each GC found, "+T" where it tenured a
site.

options:
  --nvp FILE              Node's --trace-gc-nvp log of the same workload (for
                          allocated and promoted bytes); default: NODE_TRACE
                          with .trace replaced by .nvp, if it exists
  --first-run-only        ignore Node's other runs (W.2.trace, W.3.trace, ...
                          and W.2.nvp, ... next to W.trace and W.nvp); with
                          them, a measure passes when gclab is within its
                          threshold of at least one run (the counts: any
                          trace's or nvp log's; the bytes: any nvp log's)
  --filter TEXT           which scenario ("FILE: NAME" contains TEXT)
  --config FILE           heap profile (default: what the scenario pins)
  --set KEY=VALUE         override a config key
  --known-failures LIST   comma-separated measures expected to fail; exit 0
                          only if exactly these fail
  -h, --help              this text

exit status (by Node's runs when there are several): 0 pass, 1 a measure failed (or not as --known-failures says),
2 usage error.  docs: docs/fidelity.md]]

M.MEASURES = {"scavenges", "mark_compacts", "oom", "promoted"}
local KNOWN = {scavenges = true, mark_compacts = true, oom = true, promoted = true}
local MB = 1024 * 1024
local OOM_TEXT = "JavaScript heap out of memory"

local TAKES = {["--nvp"] = true, ["--filter"] = true, ["--config"] = true, ["--set"] = true,
  ["--known-failures"] = true}

local function parse_args(argv)
  argv = command.inline_values(argv, TAKES)
  local o = {sets = {}, known = {}, files = {}}
  local i = 2   -- argv[1] is "compare"
  local function value(name)
    i = i + 1
    return command.value(argv, i, name)
  end
  while i <= #argv do
    local a = argv[i]
    if a == "-h" or a == "--help" then o.help = true
    elseif a == "--first-run-only" then o.first_only = true
    elseif a == "--nvp" then
      o.nvp = value(a)
      if o.nvp == "" then error({usage = "--nvp: the path is empty"}) end
    elseif a == "--filter" then o.filter = value(a)
    elseif a == "--config" then o.config = value(a)
    elseif a == "--set" then o.sets[#o.sets + 1] = value(a)
    elseif a == "--known-failures" then
      for m in value(a):gmatch("[^,%s]+") do
        if not KNOWN[m] then
          error({usage = "--known-failures: unknown measure '" .. m ..
            "' (known: scavenges, mark_compacts, oom, promoted)"})
        end
        o.known[m] = true
      end
    elseif a:sub(1, 1) == "-" then error({usage = "unknown option '" .. a .. "'"})
    else o.files[#o.files + 1] = a end
    i = i + 1
  end
  if o.help then return o end
  if #o.files ~= 2 then
    error({usage = "expected NODE_TRACE and SCENARIO.lua (got " .. #o.files .. " file arguments)"})
  end
  o.trace, o.scenario = o.files[1], o.files[2]
  return o
end

local read = trace.read_file

-- The bytes allocated, the sum of `promoted=` and the GC count of a
-- --trace-gc-nvp log.  Allocated: each GC's `total_size_before` minus the
-- previous GC's `total_size_after` (0 before the first), summed.  That is
-- V8's own formula for `allocated=` (GCTracer::PrintNVP:
-- current_.start_object_size - previous_.end_object_size), taken between
-- consecutive GCs: V8 11.3's tracer ends a full GC cycle only when its
-- sweeping is done, and a Scavenge before then keeps the Mark-Compact as
-- `previous_`, so its `allocated=` counts again everything since that
-- Mark-Compact (leak-oom-32m.nvp: 5 Scavenges after each of two
-- Mark-Compacts; summing `allocated=` counts 6.6 MiB twice).  Also the
-- GCs of each kind, by `gc=` (V8 11.3's GCTracer::PrintNVP: `s` a
-- Scavenge, `mc` a Mark-Compact, "(reduce)" ones too, `mmc` a minor
-- Mark-Compact, which neither count takes, as in a --trace-gc log).
local NVP_KIND = {s = "Scavenge", mc = "Mark-Compact", mmc = false}

function M.parse_nvp(text, name)
  local out = {gcs = 0, allocated = 0, promoted = 0, oom = text:find(OOM_TEXT, 1, true) ~= nil,
    kinds = {Scavenge = 0, ["Mark-Compact"] = 0}}
  local after_prev, n = 0, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if line:match("^%[%d+:0x%x+%]%s+%S+ ms: pause=") then
      local v = {}
      for _, field in ipairs({"total_size_before", "total_size_after", "promoted"}) do
        if select(2, line:gsub(" " .. field .. "=", "")) > 1 then
          error({usage = string.format("%s:%d: %s= appears twice in one line", name, n, field)})
        end
        local raw = line:match(" " .. field .. "=(%S*)")
        v[field] = raw and raw:match("^%d+$") and trace.decimal(raw)
        if not v[field] then
          error({usage = string.format("%s:%d: %s", name, n, raw
            and (field .. "=" .. expect.shown(raw, 30) .. " is not a byte count (digits, at most 15)")
            or ("a --trace-gc-nvp line without " .. field .. "="))})
        end
      end
      local gc = line:match(" gc=(%S*)")
      local kind = gc and NVP_KIND[gc]
      if kind == nil then
        error({usage = string.format("%s:%d: %s", name, n, gc
          and ("gc=" .. expect.shown(gc, 30) .. " is not a GC kind --trace-gc-nvp writes (s, mc, mmc)")
          or "a --trace-gc-nvp line without gc=")})
      end
      if kind then out.kinds[kind] = out.kinds[kind] + 1 end
      out.gcs = out.gcs + 1
      out.allocated = out.allocated + (v.total_size_before - after_prev)
      after_prev = v.total_size_after
      out.promoted = out.promoted + v.promoted
    end
  end
  if out.gcs == 0 then error({usage = name .. ": no --trace-gc-nvp lines found (expected '... ms: pause=...')"}) end
  return out
end

-- gclab's bytes allocated up to its last GC, by parse_nvp's formula over
-- its events: each GC's size before minus the previous GC's size after
-- (0 before the first), each size as V8's Heap::SizeOfObjects() counts it
-- and gclab's --trace-gc-nvp prints it (the events' size_of_objects_before
-- and _after: the young generation by its extent, fillers included).
-- `raw`: the replay's events ({ev = event} each).
function M.gclab_allocated(raw)
  local sum, after_prev = 0, 0
  for _, r in ipairs(raw) do
    sum = sum + r.ev.size_of_objects_before - after_prev
    after_prev = r.ev.size_of_objects_after
  end
  return sum
end

-- Node's --trace-gc log as compare reads it: trace.parse's events (or nil,
-- message) and oom, whether it ran out of memory.  Node's out-of-memory
-- report repeats the last GCs' lines after "<--- Last few GCs --->": each
-- GC counts once.
function M.parse_node(text, name)
  local cut = text:find("<--- Last few GCs --->", 1, true)
  local node, perr = trace.parse(cut and text:sub(1, cut - 1) or text, name)
  if not node then return nil, perr end
  node.oom = text:find(OOM_TEXT, 1, true) ~= nil
  return node
end

local function count(events, kind)
  local n = 0
  for _, e in ipairs(events) do if e.kind == kind then n = n + 1 end end
  return n
end

-- |a - b| <= pct% of b (b the reference); both zero pass.
local function within_pct(a, b, pct)
  return math.abs(a - b) * 100 <= pct * math.abs(b)
end

-- Whether the name of `path` is listed in its directory (a dangling
-- symbolic link is, though stat finds nothing); false when the directory
-- cannot be listed.
local function listed(path)
  local dir, name = path:match("^(.*/)([^/]*)$")
  local names = sys.listdir(dir or ".")
  for _, n in ipairs(names or {}) do
    if n == (name or path) then return true end
  end
  return false
end

-- Node's other runs of the workload whose first log is `path` (W.trace or
-- W.nvp): W.2.trace, W.3.trace, ... while they exist (the first missing
-- number ends the list).  Returns their paths, possibly none.  A name that
-- is there but cannot be looked at (a dangling symbolic link, a link
-- loop) is an error naming it: it does not end the list unsaid.
function M.sibling_runs(path)
  local stem, ext = path:match("^(.*)(%.[^./]+)$")
  local out = {}
  if not stem then return out end
  for k = 2, 99 do
    local p = stem .. "." .. k .. ext
    -- there (read_file refuses what it cannot read); not opened here: a
    -- FIFO's open would wait for a writer
    local kind, kerr, missing = sys.kind(p)
    if not kind then
      if not missing then error({usage = kerr}) end
      if listed(p) then error({usage = p .. ": cannot read: a dangling symbolic link (its target is missing)"}) end
      break
    end
    out[#out + 1] = p
  end
  return out
end

-- "lo-hi" of a list of numbers (one value: itself), each shown by fmt.
local function band(values, fmt)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(values) do lo, hi = math.min(lo, v), math.max(hi, v) end
  if #values == 0 then return "-" end
  local a, b = string.format(fmt, lo), string.format(fmt, hi)
  return a == b and a or (a .. "-" .. b)
end

-- One measure's row: `first` Node's first run's value, `values` every
-- run's (first included), `judge(v)` whether gclab passes against a value.
local function row(name, rule, gclab_shown, first_shown, values, judge, shown_band)
  local pass_first, pass_any = judge(values[1]), false
  for _, v in ipairs(values) do if judge(v) then pass_any = true end end
  return {name = name, node = first_shown, gclab = gclab_shown, rule = rule, runs = shown_band,
    pass_first = pass_first, pass = pass_any}
end

-- The four measures.  node = {events (trace.parse), nvp (parse_nvp or nil),
-- oom, runs = {traces, nvps}: every run's parse_node / parse_nvp, the
-- first run first (absent: the first run alone)}; gclab = {events (its
-- trace lines parsed), raw (its events), oom}.  Each row: `pass_first`
-- against the first run, `pass` against any run.
function M.measure(node, gclab)
  local traces = node.runs and node.runs.traces or {node}
  local nvps = node.runs and node.runs.nvps or {node.nvp}
  local rows = {}
  -- a count is judged against every run: the traces' (the first run's
  -- first) and, unless only the first run is asked for, the nvp logs'
  local function counts(kind)
    local v = {}
    for i, t in ipairs(traces) do v[i] = count(t.events, kind) end
    if not node.first_only then
      for _, n in ipairs(nvps) do v[#v + 1] = n.kinds[kind] end
    end
    return v
  end
  local gs, gm = count(gclab.events, "Scavenge"), count(gclab.events, "Mark-Compact")
  local sv = counts("Scavenge")
  rows[#rows + 1] = row("scavenges", "+-10%", gs, sv[1], sv,
    function(n) return within_pct(gs, n, 10) end, band(sv, "%d"))
  local mv = counts("Mark-Compact")
  rows[#rows + 1] = row("mark_compacts", "+-1", gm, mv[1], mv,
    function(n) return math.abs(n - gm) <= 1 end, band(mv, "%d"))
  local g_alloc, g_prom = M.gclab_allocated(gclab.raw), 0
  for _, r in ipairs(gclab.raw) do g_prom = g_prom + r.ev.promoted end
  -- oom: the first run is its trace's verdict with its nvp's bytes; the
  -- others are each trace's verdict (bytes unknown: it can match only a
  -- gclab run that did not run out) and each nvp's verdict with its bytes.
  local ov = {{oom = node.oom, allocated = node.nvp and node.nvp.allocated}}
  for i = 2, #traces do ov[#ov + 1] = {oom = traces[i].oom} end
  for i = 2, #nvps do ov[#ov + 1] = {oom = nvps[i].oom, allocated = nvps[i].allocated} end
  local function oom_judge(v)
    if v.oom ~= gclab.oom then return false end
    if not v.oom then return true end
    return v.allocated ~= nil and within_pct(g_alloc, v.allocated, 5)
  end
  local ooms, oom_bytes = 0, {}   -- shown: the traces that ran out, the nvp logs' bytes
  for _, t in ipairs(traces) do if t.oom then ooms = ooms + 1 end end
  for _, n in ipairs(nvps) do if n.oom then oom_bytes[#oom_bytes + 1] = n.allocated / MB end end
  local oom_band = ooms == 0 and "no OOM" or string.format("%d of %d OOM", ooms, #traces)
  if #oom_bytes > 0 then oom_band = oom_band .. ", " .. band(oom_bytes, "%.1f") .. " MB" end
  if node.oom ~= gclab.oom then
    rows[#rows + 1] = row("oom", "same", gclab.oom and "OOM" or "no OOM", node.oom and "OOM" or "no OOM",
      ov, oom_judge, oom_band)
  elseif not node.oom then
    rows[#rows + 1] = row("oom", "same", "no OOM", "no OOM", ov, oom_judge, oom_band)
  elseif not node.nvp then
    rows[#rows + 1] = row("oom", "+-5%", "OOM", "OOM, no nvp log", ov, oom_judge, oom_band)
  else
    rows[#rows + 1] = row("oom", "+-5% allocated", string.format("%.1f MB", g_alloc / MB),
      string.format("%.1f MB", node.nvp.allocated / MB), ov, oom_judge, oom_band)
  end
  if not node.nvp then
    rows[#rows + 1] = {name = "promoted", node = "no nvp log", gclab = "-", rule = "+-15%", runs = "-",
      pass_first = false, pass = false}
  else
    local gp = #gclab.raw > 0 and g_prom / #gclab.raw or 0
    local pv, pk = {}, {}
    for i, n in ipairs(nvps) do pv[i] = n.promoted / n.gcs; pk[i] = pv[i] / 1024 end
    rows[#rows + 1] = row("promoted", "+-15%", string.format("%.0f KB/GC", gp / 1024),
      string.format("%.0f KB/GC", pv[1] / 1024), pv, function(np) return within_pct(gp, np, 15) end,
      band(pk, "%.0f") .. " KB/GC")
  end
  return rows
end

local function short(e)
  if not e then return "" end
  local r = e.reason ~= "" and ("  " .. e.reason) or ""
  return string.format("%-12s %6.1f -> %6.1f MB%s", e.label, e.before.total / MB, e.after.total / MB, r)
end

function M.report(out, o, node, gclab, rows)
  out:write(string.format("node:  %s (%d GCs%s)\n", o.trace, #node.events, node.oom and ", out of memory" or ""))
  -- which log the byte measures come from: a second run's (docs/fidelity.md)
  if node.nvp then
    out:write(string.format("nvp:   %s (%d GCs: the oom and promoted bytes)\n", node.nvp_path, node.nvp.gcs))
  else
    out:write("nvp:   none (the oom and promoted bytes need --nvp FILE)\n")
  end
  out:write(string.format("gclab: %s (%s, %d GCs%s)\n\n", gclab.title, gclab.status, #gclab.events,
    gclab.oom and ", out of memory" or ""))
  if node.pretenuring then
    -- Node's log has --trace-pretenuring-statistics lines (trace.parse):
    -- each side's allocation mementos found by the GC, "+T" where it
    -- tenured a site (gclab: the event's mementos_found, sites_tenured).
    local function sites(found, tenured)
      return tostring(found) .. (tenured > 0 and " +T" or "")
    end
    out:write(string.format("%4s  %-56s %11s | %-56s %11s\n", "#", "node --trace-gc", "mementos", "gclab",
      "mementos"))
    for i = 1, math.max(#node.events, #gclab.events) do
      local ne, ge, raw = node.events[i], gclab.events[i], gclab.raw[i]
      local line = string.format("%4d  %-56s %11s | %-56s %11s", i, short(ne):sub(1, 56),
        ne and sites(ne.sites.found, ne.sites.tenured) or "", short(ge):sub(1, 56),
        raw and sites(raw.ev.mementos_found or 0, raw.ev.sites_tenured or 0) or "")
      out:write((line:gsub("%s+$", "")), "\n")
    end
  else
    out:write(string.format("%4s  %-68s | %s\n", "#", "node --trace-gc", "gclab"))
    for i = 1, math.max(#node.events, #gclab.events) do
      out:write(string.format("%4d  %-68s | %s\n", i, short(node.events[i]):sub(1, 68), short(gclab.events[i])))
    end
  end
  local runs = node.runs and (#node.runs.traces + #node.runs.nvps > 2)
  if not runs then
    out:write("\nmeasure        node             gclab            threshold        result\n")
  else
    out:write(string.format("\nNode's runs: %d --trace-gc, %d --trace-gc-nvp (%s.N); a measure passes within its "
      .. "threshold of any run\n", #node.runs.traces, #node.runs.nvps, (o.trace:gsub("%.trace$", ""))))
    out:write("\nmeasure        node             gclab            threshold        Node's runs                 result\n")
  end
  for _, r in ipairs(rows) do
    local res = r.pass and "pass" or "FAIL"
    if runs and r.pass ~= r.pass_first then res = res .. (r.pass_first and " (first run: pass)" or " (first run: FAIL)") end
    if o.known[r.name] then res = res .. (r.pass and " (listed as a known failure)" or " (known)") end
    if runs then
      out:write(string.format("%-14s %-16s %-16s %-16s %-27s %s\n", r.name, tostring(r.node), tostring(r.gclab),
        r.rule, r.runs, res))
    else
      out:write(string.format("%-14s %-16s %-16s %-16s %s\n", r.name, tostring(r.node), tostring(r.gclab), r.rule,
        res))
    end
  end
end

function M.main(argv)
  return command.main("trace compare", function()
    local o = parse_args(argv)
    if o.help then io.stdout:write(M.USAGE, "\n"); return 0 end
    local node, perr = M.parse_node(read(o.trace), o.trace)
    if not node then error({usage = perr}) end
    local nvp_path = o.nvp
    if not nvp_path and o.trace:match("%.trace$") then
      local guess = o.trace:gsub("%.trace$", ".nvp")
      if sys.kind(guess) then nvp_path = guess end
    end
    -- two runs of one program differ by a GC or two (the committed
    -- references: at most 1); far more means two different programs.  An
    -- nvp log must be near the first trace's count, or, for Node's other
    -- runs, near some trace run's.
    local function check_same_program(nvp, path, traces)
      for _, t in ipairs(traces) do
        if math.abs(nvp.gcs - #t.events) <= math.max(2, #t.events // 4) then return end
      end
      error({usage = string.format("%s has %d GCs and %s %d: not logs of the same program?", path, nvp.gcs,
        o.trace, #node.events)})
    end
    if nvp_path then
      node.nvp, node.nvp_path = M.parse_nvp(read(nvp_path), nvp_path), nvp_path
      check_same_program(node.nvp, nvp_path, {node})
    end
    -- Node's other runs (M.sibling_runs), each checked as the first
    node.runs = {traces = {node}, nvps = {node.nvp}}
    node.first_only = o.first_only
    if not o.first_only then
      for _, p in ipairs(M.sibling_runs(o.trace)) do
        local t, terr = M.parse_node(read(p), p)
        if not t then error({usage = terr}) end
        node.runs.traces[#node.runs.traces + 1] = t
      end
      if nvp_path then
        for _, p in ipairs(M.sibling_runs(nvp_path)) do
          local n = M.parse_nvp(read(p), p)
          check_same_program(n, p, node.runs.traces)
          node.runs.nvps[#node.runs.nvps + 1] = n
        end
      end
    end
    local run = trace.run_compare({compare = {o.scenario}, filter = o.filter, config = o.config, sets = o.sets})
    local lines = {}
    for i, e in ipairs(run.raw) do lines[i] = e.trace end
    local parsed = #lines > 0 and trace.parse(table.concat(lines, "\n"), run.title) or {events = {}}
    local g = {title = run.title, status = run.status, raw = run.raw, events = parsed.events, oom = false}
    -- The replay says it ran out of memory by recording oom = true
    -- (scenario files catch the error to check it; docs/fidelity.md).
    for _, rec in ipairs(run.records or {}) do
      if rec[1] == "oom" and rec[2] == true then g.oom = true end
    end
    if run.status ~= "pass" then
      io.stderr:write("gclab trace compare: the replay ", run.title, " did not pass: ",
        tostring(run.message), "\n")
      return 1
    end
    local rows = M.measure(node, g)
    M.report(io.stdout, o, node, g, rows)
    local agree = true
    for _, r in ipairs(rows) do
      if r.pass == (o.known[r.name] or false) then agree = false end
    end
    return agree and 0 or 1
  end)
end

return M
