-- html_report.lua -- `gclab run --report DIR`: one self-contained HTML file
-- per run (DIR/report.html): inline CSS and SVG, no scripts, nothing
-- fetched.  Per scenario, failures first: its GCs on the virtual clock
-- (pause bars by kind, incremental steps), heap size per space before and
-- after each GC (stacked) with the old-generation limit, promoted and freed
-- bytes, the --trace-gc lines, and the heap maps it made (heap:map).
--
-- The collector is fed by main.lua's hooks: event(heap, ev) for every GC,
-- the gclab.on_map hook for every map, result(r) when a scenario ends
-- (its events and maps are attached to it then).  The page is XHTML
-- written with gclab.xml_writer (libxml2), so it parses as XML too.

local gclab = require "gclab"
local chart = require "gclab.runner.chart"
local baseline = require "gclab.runner.baseline"

local M = {}

local CSS = [[
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.15em;border-top:1px solid #ccc;padding-top:.8em}
.pass h2 .st{color:#2a7d2a}.fail h2 .st{color:#c62828}.skip h2 .st,.xfail h2 .st{color:#888}
.st{font-size:.85em;font-weight:bold;margin-right:.5em}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}
pre.msg{background:#fdecea;border-left:4px solid #c62828}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}th{background:#f0f0f0}
td.l,th.l{text-align:left}nav li{font-size:13px}nav .fail a{color:#c62828;font-weight:bold}
figure{margin:1em 0}figcaption{font-size:12px;color:#555}svg{max-width:100%;height:auto}
]]

function M.new(dir)
  local c = {dir = dir, results = {}, events = {}, maps = {}}

  function c:event(heap, ev)
    self.events[#self.events + 1] = {heap = heap.serial, ev = ev, trace = heap:trace(ev.seq)}
  end

  function c:map(_, svg, title)
    self.maps[#self.maps + 1] = {svg = svg, title = title}
  end

  function c:result(r)
    self.results[#self.results + 1] = {r = r, events = self.events, maps = self.maps}
    self.events, self.maps = {}, {}
  end

  return c
end

local function timeline_events(list)
  local out = {}
  for _, e in ipairs(list) do
    local ev = e.ev
    local before, after = {}, {}
    for _, sp in ipairs(chart.SPACES) do
      before[sp] = ev.before[sp].size
      after[sp] = ev.after[sp].size
    end
    out[#out + 1] = {start_ms = ev.start_us / 1000, pause_ms = ev.pause_us / 1000, kind = ev.kind,
      before = before, after = after, limit = ev.old_limit, steps = ev.steps,
      marking_start_ms = ev.incremental and ev.marking_start_us > 0 and ev.marking_start_us / 1000 or nil}
  end
  return out
end
M.timeline_events = timeline_events

local function summary_table(w, list)
  local n, pause, maxp, promoted, freed = {}, 0, 0, 0, 0
  for _, e in ipairs(list) do
    local ev = e.ev
    n[ev.kind] = (n[ev.kind] or 0) + 1
    pause = pause + ev.pause_us
    maxp = math.max(maxp, ev.pause_us)
    promoted = promoted + ev.promoted
    freed = freed + ev.freed
  end
  local last = list[#list] and list[#list].ev
  w:start("table", {class = "summary"})
  w:start("tr")
  for _, h in ipairs({"Scavenges", "Mark-Sweeps", "Mark-Compacts", "total pause", "max pause", "promoted",
    "freed", "old-generation limit"}) do w:element("th", nil, h) end
  w:close()
  w:start("tr")
  for _, v in ipairs({n.Scavenge or 0, n["Mark-Sweep"] or 0, n["Mark-Compact"] or 0,
    string.format("%.3f ms", pause / 1000), string.format("%.3f ms", maxp / 1000), chart.bytes(promoted),
    chart.bytes(freed), last and chart.bytes(last.old_limit) or "-"}) do
    w:element("td", nil, v)
  end
  w:close()
  w:close()
end

local function gc_table(w, list)
  w:start("details")
  w:element("summary", nil, "every GC (" .. #list .. ")")
  w:start("table", {class = "gcs"})
  w:start("tr")
  for _, h in ipairs({"heap", "#", "kind", "reason", "start (ms)", "pause (ms)", "promoted", "freed",
    "old after", "old limit"}) do w:element("th", nil, h) end
  w:close()
  for _, e in ipairs(list) do
    local ev = e.ev
    w:start("tr")
    w:element("td", nil, e.heap)
    w:element("td", nil, ev.seq)
    w:element("td", {class = "l"}, ev.kind)
    w:element("td", {class = "l"}, ev.reason)
    w:element("td", nil, string.format("%.3f", ev.start_us / 1000))
    w:element("td", nil, string.format("%.3f", ev.pause_us / 1000))
    w:element("td", nil, chart.bytes(ev.promoted))
    w:element("td", nil, chart.bytes(ev.freed))
    w:element("td", nil, chart.bytes(ev.after.old.size))
    w:element("td", nil, chart.bytes(ev.old_limit))
    w:close()
  end
  w:close()
  w:close()
end

local STATUS = {pass = "PASS", fail = "FAIL", skip = "SKIP", xfail = "XFAIL"}

-- Failures first, then the rest, each group in run order.
local function ordered(results)
  local out = {}
  for _, x in ipairs(results) do if x.r.status == "fail" then out[#out + 1] = x end end
  for _, x in ipairs(results) do if x.r.status ~= "fail" then out[#out + 1] = x end end
  return out
end

local function scenario_section(w, x, id)
  local r = x.r
  w:start("section", {id = id, class = r.status})
  w:start("h2")
  w:element("span", {class = "st"}, STATUS[r.status] or r.status)
  w:text(r.title or ((r.file or "") .. ": " .. (r.name or "")))
  w:close()
  if r.status == "fail" or r.message then
    w:element("pre", {class = r.status == "fail" and "msg" or nil},
      (r.message or "") .. (r.where and ("\n  at " .. r.where) or ""))
  end
  if r.skip_reason then w:element("p", nil, "skipped: " .. r.skip_reason) end
  if #x.events > 0 then
    summary_table(w, x.events)
    chart.timeline(w, {title = "GCs on the virtual clock", events = timeline_events(x.events), clock = "virtual"})
    gc_table(w, x.events)
    w:start("details")
    w:element("summary", nil, "--trace-gc (" .. #x.events .. " lines)")
    local lines = {}
    for i, e in ipairs(x.events) do lines[i] = e.trace end
    w:element("pre", {class = "trace"}, table.concat(lines, "\n"))
    w:close()
  else
    w:element("p", nil, "no GC ran")
  end
  for _, m in ipairs(x.maps) do
    w:start("figure", {class = "heapmap"})
    w:raw(m.svg)
    w:element("figcaption", nil, m.title or "heap map")
    w:close()
  end
  w:close()
end

-- Write DIR/report.html.  run_info: {title, lines = {...}}.  Returns
-- path or nil, message.
function M.write(c, run_info)
  local w = gclab.xml_writer()
  w:doctype("html")
  w:start("html", {xmlns = "http://www.w3.org/1999/xhtml", lang = "en"})
  w:start("head")
  w:element("meta", {charset = "utf-8"})
  w:element("title", nil, run_info.title)
  w:element("style", nil, CSS)
  w:close()
  w:start("body")
  w:element("h1", nil, run_info.title)
  local failed = 0
  for _, x in ipairs(c.results) do if x.r.status == "fail" then failed = failed + 1 end end
  w:element("p", {class = "totals"}, string.format("%d scenarios, %d failed", #c.results, failed))
  for _, l in ipairs(run_info.lines or {}) do w:element("p", nil, l) end
  local list = ordered(c.results)
  w:start("nav")
  w:start("ol")
  for i, x in ipairs(list) do
    w:start("li", {class = x.r.status})
    w:element("a", {href = "#s" .. i}, (STATUS[x.r.status] or x.r.status) .. " " .. (x.r.title or ""))
    w:close()
  end
  w:close()
  w:close()
  for i, x in ipairs(list) do scenario_section(w, x, "s" .. i) end
  w:close()
  w:close()
  local dok, derr = baseline.mkdir_p(c.dir)
  if not dok then return nil, derr end
  local path = c.dir:gsub("/$", "") .. "/report.html"
  local ok, err = w:write(path)
  if not ok then return nil, err end
  return path
end

return M
