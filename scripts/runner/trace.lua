-- trace.lua -- `gclab trace plot FILE`: a `node --trace-gc` log as a
-- picture, and with --compare a gclab run of the same workload beside and
-- over it, so that a fidelity difference is seen rather than hunted.
--
-- Node 20's line format (V8 11.3's Heap::PrintShortHeapStatistics /
-- GCTracer::Print), e.g.
--   [4576:0x2a663c70]       74 ms: Mark-Compact 43.0 (70.2) -> 2.7 (36.2) MB, 0.67 / 0.00 ms
--     (+ 0.1 ms in 2 steps since start of marking, ...) (average mu = 1.000, current mu = 1.000)
--     finalize incremental marking via task; GC in old space requested
-- (one line).  Sizes are MB of 2^20 bytes; the first number in ( ) is
-- committed memory.  Other lines (the OOM report, stack frames, program
-- output) are skipped and counted.
--
-- Output: an XHTML page (inline SVG, no scripts) with the trace's timeline,
-- with --compare the gclab run's timeline and a table side by side, and
-- the lines themselves; -o FILE.svg writes only the trace's timeline.

local gclab = require "gclab"
local chart = require "gclab.runner.chart"
local scenario = require "gclab.runner.scenario"
local runner = require "gclab.runner"
local command = require "gclab.runner.command"
local sys = require "gclab.runner.sys"
local html_report = require "gclab.runner.html_report"
local shown = require("gclab.runner.expect").shown

local M = {}

M.USAGE = [[
usage: gclab trace plot FILE [OPTIONS]
       gclab trace compare NODE_TRACE SCENARIO.lua [OPTIONS]
                                      (see --help there)

Plot a `node --trace-gc` log (Node 20's format): one bar per GC on Node's
clock (height: pause; colour: kind), heap size before and after each GC,
and the lines themselves.

options:
  -o FILE             write to FILE (.html: a page; .svg: the timeline only);
                      default (or -o -): the page on stdout
  --compare FILES     also run these gclab scenarios (the first one that
                      passes --filter) and show its GCs on the virtual clock
                      beside Node's, its pauses outlined over Node's
  --filter TEXT       with --compare: which scenario ("FILE: NAME"
                      contains TEXT)
  --config FILE       with --compare: heap profile (default: the built-in,
                      node20)
  --set KEY=VALUE     with --compare: override a config key
  -h, --help          this text

docs: docs/pictures.md]]

local MB = 1024 * 1024

-- A number as V8 prints it in a trace line: decimal digits, at most one
-- point, at most 15 digits (so that it is exact and finite); nil if not.
local function decimal(text)
  if #text > 16 or not (text:match("^%d+$") or text:match("^%d+%.%d+$")) then return nil end
  return tonumber(text)
end
M.decimal = decimal -- also trace_compare's, for --trace-gc-nvp fields

-- A file's whole text, or an error {usage = "PATH: reason"} (a directory
-- opens on Linux and fails at the read).  A special file is refused
-- before it is opened: a FIFO's open waits for a writer, /dev/zero's read
-- never ends.
function M.read_file(path)
  if sys.kind(path) == "special file" then error({usage = path .. ": cannot read: not a regular file"}) end
  local f, err = io.open(path, "rb")
  if not f then error({usage = err}) end
  local text, rerr = f:read("a")
  f:close()
  if not text then error({usage = path .. ": cannot read: " .. tostring(rerr)}) end
  return text
end

local GC_LINE = "^%[%d+:0x%x+%]%s+(%S+) ms: (.*)$"
local GC_KINDS = {"Scavenge", "Mark-Compact", "Mark-Sweep", "Mark-sweep", "Minor Mark-Compact", "Minor Mark-Sweep"}
local KNOWN_KIND = {}
for _, k in ipairs(GC_KINDS) do KNOWN_KIND[k] = true end

-- Parse a --trace-gc log.  Returns {events = {...}, lines = {...},
-- skipped = n} or nil, message.  Lines that are not GC lines (the
-- program's own output, --trace-incremental-marking lines, Node's
-- out-of-memory report) are skipped and counted; a line that starts as a
-- GC line (a GC kind after "ms: ") but does not parse -- cut short, a
-- number that is not one -- is an error naming its line, and so is a line
-- of a GC line's shape whose kind (without " (reduce)") is not one of
-- GC_KINDS: no measure would count it.
--
-- A log made with --trace-pretenuring-statistics too has, during each GC
-- that saw allocation-site feedback, V8's lines for it
-- (PretenuringHandler::ProcessPretenuringFeedback, printed before the GC's
-- own line): one per site whose mementos it found,
--   [pid:isolate] pretenuring: AllocationSite(0x...): (created, found,
--     ratio) (12030, 12030, 1.000000) undecided => maybe tenure
-- and then a summary,
--   [pid:isolate] pretenuring: deopt_maybe_tenured=0 visited_sites=1
--     active_sites=1 mementos=12030 tenured=0 not_tenured=1
-- (one line each).  They go with the next GC line, as that GC's `sites =
-- {found, tenured}`: the summary's `mementos` (found behind the young
-- objects the GC evacuated) and the number of sites the GC decided to
-- tenure (site lines "X => tenure" from another decision; the summary's
-- own `tenured` counts every active site that is tenured, decided now or
-- before).  A GC without such lines saw no feedback (V8 prints them only
-- then); `out.pretenuring` is true when the log has any.  A line that
-- starts as one but does not parse is an error naming its line.
local SITES_PREFIX = "^%[%d+:0x%x+%] pretenuring: "
local SUMMARY_START = SITES_PREFIX .. "deopt_maybe_tenured="
local SUMMARY_LINE = SUMMARY_START .. "%d+ visited_sites=%d+ active_sites=%d+ mementos=(%d+) tenured=%d+ " ..
  "not_tenured=%d+%s*$"
local SITE_START = SITES_PREFIX .. "AllocationSite%("
local SITE_LINE = SITE_START .. "0x%x+%): %(created, found, ratio%) %(%d+, %d+, [%d%.]+%) ([%a' ]-) => ([%a' ]-)%s*$"

function M.parse(text, name)
  local out = {events = {}, lines = {}, skipped = 0}
  local n = 0
  local sites -- this GC's pretenuring lines so far, for its GC line
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local t, kind, b, bc, a, ac, pause, rest = line:match(
      "^%[%d+:0x%x+%]%s+([%d%.]+) ms: (.-) ([%d%.]+) %(([%d%.]+)%) %-> ([%d%.]+) %(([%d%.]+)%) MB, ([%d%.]+) / [%d%.]+ ms%s*(.*)$")
    if t then
      for _, v in ipairs({t, b, bc, a, ac, pause}) do
        if not decimal(v) then
          return nil, string.format("%s:%d: '%s' is not a number as V8 writes one (digits, one point, " ..
            "at most 15 digits): %s", name, n, #v > 30 and v:sub(1, 30) .. "..." or v, shown(line))
        end
      end
      local base = kind:gsub(" %(.*%)$", "")
      if not KNOWN_KIND[base] then
        return nil, string.format("%s:%d: %s is not a GC kind V8 writes (%s): %s", name, n,
          shown(base, 30), table.concat(GC_KINDS, ", "), shown(line))
      end
      local steps = rest:match("^%(%+ [%d%.]+ ms in (%d+) steps")
      local reason = rest:match("current mu = [%d%.]+%)%s*(.-);?%s*$") or ""
      out.events[#out.events + 1] = {line = n, start_ms = tonumber(t), kind = base, label = kind,
        before = {total = math.floor(tonumber(b) * MB)}, after = {total = math.floor(tonumber(a) * MB)},
        committed_before = math.floor(tonumber(bc) * MB), committed_after = math.floor(tonumber(ac) * MB),
        pause_ms = tonumber(pause), steps = steps and tonumber(steps) or 0, reason = reason,
        sites = sites or {found = 0, tenured = 0}}
      sites = nil
      out.lines[#out.lines + 1] = line
    elseif line:match(SUMMARY_START) or line:match(SITE_START) then
      local found = line:match(SUMMARY_LINE)
      local from, to = line:match(SITE_LINE)
      if not ((found and decimal(found)) or from) then
        return nil, string.format("%s:%d: a pretenuring statistics line that does not parse (cut short? a bad " ..
          "number?): %s", name, n, shown(line))
      end
      sites = sites or {found = 0, tenured = 0}
      if found then sites.found = tonumber(found)
      elseif to == "tenure" and from ~= "tenure" then sites.tenured = sites.tenured + 1 end
      out.pretenuring = true
    elseif line ~= "" then
      local _, after = line:match(GC_LINE)
      for _, k in ipairs(GC_KINDS) do
        if after and after:sub(1, #k + 1) == k .. " " then
          return nil, string.format("%s:%d: a %s line that does not parse (cut short? a bad number?): %s",
            name, n, k, shown(line))
        end
      end
      out.skipped = out.skipped + 1
    end
  end
  if #out.events == 0 then
    return nil, name .. ": no --trace-gc lines found (expected lines like '[4576:0x2a663c70]  11 ms: " ..
      "Scavenge 3.9 (4.0) -> 3.7 (5.0) MB, 0.73 / 0.00 ms ...')"
  end
  return out
end

local TAKES = {["-o"] = true, ["--compare"] = true, ["--filter"] = true, ["--config"] = true, ["--set"] = true}

local function parse_args(argv)
  argv = command.inline_values(argv, TAKES)
  local o = {sets = {}, compare = {}}
  if argv[1] ~= "plot" then
    if argv[1] == "-h" or argv[1] == "--help" then o.help = true; return o end
    error({usage = argv[1] and ("unknown subcommand '" .. argv[1] .. "' (known: plot, compare)") or "expected a subcommand: plot FILE or compare NODE_TRACE SCENARIO.lua"})
  end
  local i = 2
  local function value(name)
    i = i + 1
    return command.value(argv, i, name)
  end
  local in_compare = false
  while i <= #argv do
    local a = argv[i]
    if a == "-h" or a == "--help" then o.help = true
    elseif a == "-o" then o.out = value(a); in_compare = false
    elseif a == "--compare" then o.compare[#o.compare + 1] = value(a); in_compare = true
    elseif a == "--filter" then o.filter = value(a); in_compare = false
    elseif a == "--config" then o.config = value(a); in_compare = false
    elseif a == "--set" then o.sets[#o.sets + 1] = value(a); in_compare = false
    elseif a:sub(1, 1) == "-" then error({usage = "unknown option '" .. a .. "'"})
    elseif in_compare then o.compare[#o.compare + 1] = a
    elseif o.file then error({usage = "one trace file at a time (got " .. o.file .. " and " .. a .. ")"})
    else o.file = a end
    i = i + 1
  end
  if not o.help and not o.file then error({usage = "expected a trace file: gclab trace plot FILE"}) end
  return o
end

-- Run the first scenario of the --compare files that passes --filter;
-- returns {title, events (timeline form), lines, raw events}.
local function run_compare(o)
  local files, ferr = runner.collect_files(o.compare)
  if not files then error({usage = "--compare: " .. ferr}) end
  local file_set = {}
  for _, f in ipairs(files) do file_set[f] = true end
  local ctx = {handler = scenario.handler(file_set)}
  local collected
  ctx.defaults = {config = o.config, set = o.sets,
    on_heap = function(h) if ctx.heaps then ctx.heaps[#ctx.heaps + 1] = h end end,
    on_event = function(h, ev)
      if collected and h.serial == 1 then
        collected[#collected + 1] = {heap = h.serial, ev = ev, trace = h:trace(ev.seq)}
      end
    end}
  local ok, err = pcall(gclab.defaults, ctx.defaults)
  if not ok then error({usage = "--compare: " .. tostring(err)}) end
  ctx.seed = gclab.config().seed
  for _, f in ipairs(files) do
    local scs, failure = scenario.load_file(f, ctx)
    if not scs then error({usage = "--compare: " .. f .. ": " .. failure.message}) end
    for _, sc in ipairs(scs) do
      local title = f .. ": " .. sc.name
      if runner.filter_match(title, {filter = o.filter}) then
        collected = {}
        local r = scenario.run(sc, ctx)
        gclab.defaults()
        local lines = {}
        for k, e in ipairs(collected) do lines[k] = e.trace end
        return {title = title, status = r.status, message = r.message, raw = collected, records = r.records,
          events = html_report.timeline_events(collected), lines = lines}
      end
    end
  end
  error({usage = "--compare: no scenario matched" .. (o.filter and (" --filter " .. o.filter) or "")})
end

M.run_compare = run_compare  -- trace_compare.lua runs its replay with it

-- Totals as the timeline draws them: one "total" space.
local function totals(events)
  local out = {}
  for i, e in ipairs(events) do
    local b, a = 0, 0
    for _, sp in ipairs(chart.SPACES) do b = b + (e.before[sp] or 0); a = a + (e.after[sp] or 0) end
    out[i] = {start_ms = e.start_ms, pause_ms = e.pause_ms, kind = e.kind, steps = e.steps,
      before = {total = b}, after = {total = a}, limit = e.limit}
  end
  return out
end

local function counts(events)
  local c = {Scavenge = 0, ["Mark-Sweep"] = 0, ["Mark-Compact"] = 0, pause = 0, max = 0}
  for _, e in ipairs(events) do
    c[e.kind] = (c[e.kind] or 0) + 1
    c.pause = c.pause + e.pause_ms
    c.max = math.max(c.max, e.pause_ms)
  end
  return c
end

local function page(o, trace, cmp)
  local w = gclab.xml_writer()
  w:doctype("html")
  w:start("html", {xmlns = "http://www.w3.org/1999/xhtml", lang = "en"})
  w:start("head")
  w:element("meta", {charset = "utf-8"})
  w:element("title", nil, "gclab trace plot: " .. o.file)
  w:element("style", nil, "body{font-family:sans-serif;margin:1.5em;max-width:1100px}" ..
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}table{border-collapse:collapse}" ..
    "td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}th{background:#f0f0f0}.l{text-align:left}")
  w:close()
  w:start("body")
  w:element("h1", nil, "node --trace-gc: " .. o.file)
  w:element("p", nil, string.format("%d GCs; %d other lines skipped", #trace.events, trace.skipped))
  local spec = {title = "Node: GCs on Node's clock (ms)", events = trace.events, clock = "wall",
    spaces = {"total"}}
  if cmp then
    spec.overlay = cmp.events
    spec.overlay_name = "gclab (virtual clock), outlined"
  end
  chart.timeline(w, spec)
  if cmp then
    w:element("h2", nil, "gclab: " .. cmp.title .. " (" .. cmp.status .. ")")
    if cmp.message then w:element("pre", nil, cmp.message) end
    chart.timeline(w, {title = "gclab: GCs on the virtual clock (ms)", events = totals(cmp.events),
      clock = "virtual", spaces = {"total"}})
    local a, b = counts(trace.events), counts(cmp.events)
    w:start("table")
    w:start("tr")
    for _, h in ipairs({"", "Scavenges", "Mark-Sweeps", "Mark-Compacts", "total pause (ms)", "max pause (ms)",
      "heap after the last GC"}) do w:element("th", nil, h) end
    w:close()
    for _, row in ipairs({{"node", a, trace.events}, {"gclab", b, totals(cmp.events)}}) do
      local c, evs = row[2], row[3]
      w:start("tr")
      w:element("td", {class = "l"}, row[1])
      for _, v in ipairs({c.Scavenge, c["Mark-Sweep"], c["Mark-Compact"], string.format("%.2f", c.pause),
        string.format("%.2f", c.max), chart.bytes(evs[#evs] and evs[#evs].after.total or 0)}) do
        w:element("td", nil, v)
      end
      w:close()
    end
    w:close()
  end
  w:element("h2", nil, "the trace")
  w:element("pre", nil, table.concat(trace.lines, "\n"))
  if cmp then
    w:element("h2", nil, "gclab's --trace-gc")
    w:element("pre", nil, table.concat(cmp.lines, "\n"))
  end
  w:close()
  w:close()
  return w:finish()
end

function M.main(argv)
  if argv[1] == "compare" then return require("gclab.runner.trace_compare").main(argv) end
  return command.main("trace", function()
    local o = parse_args(argv)
    if o.help then io.stdout:write(M.USAGE, "\n"); return 0 end
    if o.out == "-" then o.out = nil end -- the page on stdout, as without -o
    local oerr = o.out and command.output_file_error("-o", o.out)
    if oerr then error({usage = oerr}) end
    local text = M.read_file(o.file)
    local trace, perr = M.parse(text, o.file)
    if not trace then error({usage = perr}) end
    local cmp = #o.compare > 0 and run_compare(o) or nil
    local out
    if o.out and o.out:match("%.svg$") then
      local w = gclab.xml_writer()
      chart.timeline(w, {title = "node --trace-gc: " .. o.file, events = trace.events, clock = "wall",
        spaces = {"total"}, overlay = cmp and cmp.events, overlay_name = cmp and "gclab (virtual clock)"})
      out = w:finish()
    else
      out = page(o, trace, cmp)
    end
    if o.out then
      local wf, werr = io.open(o.out, "wb")
      if not wf then error({usage = werr}) end
      local wok, werr2 = wf:write(out)
      local cok, cerr = wf:close()
      if not wok or not cok then error({usage = o.out .. ": " .. tostring(werr2 or cerr)}) end
    else
      io.stdout:write(out)
    end
    return 0
  end)
end

return M
