-- chart.lua -- SVG charts for the sweep, the report and trace plots, drawn
-- with gclab.xml_writer (libxml2 escapes every text and attribute).
--
--   chart.line(w, spec)      a metric against a varied key: one polyline
--                            per series, points labelled, x categorical
--   chart.timeline(w, spec)  GCs on a (virtual or real) clock: pause bars
--                            by kind, and heap size per space before/after
--                            each GC, stacked, with the old-generation limit
--
-- Both append one <svg> element to the writer `w` (a document of its own,
-- or inline in an HTML page).  Coordinates are integers or fixed-point
-- decimals made with string.format, so output is deterministic.

local M = {}

local PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac"}
M.PALETTE = PALETTE

M.KIND_COLOR = {Scavenge = "#4e79a7", ["Mark-Sweep"] = "#f28e2b", ["Mark-Compact"] = "#e15759"}
M.SPACE_COLOR = {new = "#4e79a7", old = "#f28e2b", large = "#e15759", new_large = "#76b7b2", total = "#8c8c8c"}
M.SPACES = {"new", "old", "large", "new_large"}

local function num(x) return (string.format("%.1f", x):gsub("%.0$", "")) end
M.num = num

-- "1.5 MiB" for byte counts (as heap maps print them).
function M.bytes(n)
  local units = {"B", "KiB", "MiB", "GiB", "TiB"}
  local u, scale = 1, 1
  while u < #units and n >= scale * 1024 do scale = scale * 1024; u = u + 1 end
  if u == 1 then
    if n == math.floor(n) then return string.format("%d B", math.floor(n)) end
    return num(n) .. " B" -- an axis tick between whole bytes (an axis of zeros goes 0..1 B)
  end
  local t = math.floor(n * 10 / scale + 0.5)
  if t % 10 == 0 then return string.format("%d %s", t // 10, units[u]) end
  return string.format("%d.%d %s", t // 10, t % 10, units[u])
end

-- A "nice" axis maximum: 1, 2 or 5 times a power of ten, >= v.
local function nice(v)
  if v <= 0 then return 1 end
  local p = 10 ^ math.floor(math.log(v, 10))
  for _, m in ipairs({1, 2, 5, 10}) do
    if m * p >= v then return m * p end
  end
  return 10 * p
end
M.nice = nice

local function axis_label(v, fmt)
  if fmt == "bytes" then return M.bytes(v) end
  if math.type(v) == "integer" or v == math.floor(v) then return string.format("%d", math.floor(v)) end
  return string.format("%.3g", v)
end

local function svg_open(w, width, height, title)
  w:start("svg", {xmlns = "http://www.w3.org/2000/svg", width = width, height = height,
    viewBox = "0 0 " .. width .. " " .. height, class = "chart"})
  w:element("title", nil, title)
  -- every rule under .chart: the chart may be inline in an HTML page
  w:element("style", nil, ".chart text{font-family:sans-serif;font-size:11px;fill:#222}" ..
    ".chart .ttl{font-size:13px;font-weight:bold}.chart .ax{stroke:#444;stroke-width:1}" ..
    ".chart .grid{stroke:#ddd}.chart .ser{fill:none;stroke-width:2}")
  w:element("rect", {width = "100%", height = "100%", fill = "#fff"})
  w:element("text", {class = "ttl", x = 10, y = 18}, title)
end

-- Y axis with 5 grid lines from 0 to ymax at plot box (x0, y0, pw, ph).
local function y_axis(w, x0, y0, pw, ph, ymax, fmt, label)
  for i = 0, 5 do
    local y = y0 + ph - ph * i / 5
    w:element("line", {class = "grid", x1 = x0, x2 = x0 + pw, y1 = num(y), y2 = num(y)})
    w:element("text", {x = x0 - 6, y = num(y + 4), ["text-anchor"] = "end"}, axis_label(ymax * i / 5, fmt))
  end
  w:element("line", {class = "ax", x1 = x0, x2 = x0, y1 = y0, y2 = y0 + ph})
  w:element("line", {class = "ax", x1 = x0, x2 = x0 + pw, y1 = y0 + ph, y2 = y0 + ph})
  if label then w:element("text", {x = 10, y = y0 - 8}, label) end
end

-- spec: {title, x_label, y_label, x = {labels...}, series = {{name, values = {...}}},
--        fmt = "bytes"|nil, width, height}
function M.line(w, spec)
  local width, height = spec.width or 720, spec.height or 400
  local nser = #spec.series
  local legend_h = 16 * nser
  local x0, y0, pw, ph = 80, 40, width - 110, height - 100 - legend_h
  svg_open(w, width, height, spec.title)
  local ymax = 0
  for _, s in ipairs(spec.series) do
    for _, v in pairs(s.values) do if v > ymax then ymax = v end end
  end
  ymax = nice(ymax)
  y_axis(w, x0, y0, pw, ph, ymax, spec.fmt, spec.y_label)
  local n = #spec.x
  local function px(i) return n == 1 and x0 + pw / 2 or x0 + pw * (i - 1) / (n - 1) end
  for i, lab in ipairs(spec.x) do
    w:element("text", {x = num(px(i)), y = y0 + ph + 16, ["text-anchor"] = "middle"}, lab)
  end
  w:element("text", {x = num(x0 + pw / 2), y = y0 + ph + 34, ["text-anchor"] = "middle"}, spec.x_label)
  for si, s in ipairs(spec.series) do
    local color = PALETTE[(si - 1) % #PALETTE + 1]
    local pts = {}
    for i = 1, n do
      local v = s.values[i]
      if v then pts[#pts + 1] = num(px(i)) .. "," .. num(y0 + ph - ph * v / ymax) end
    end
    w:start("g", {class = "series"})
    w:element("title", nil, s.name)
    w:element("polyline", {class = "ser", stroke = color, points = table.concat(pts, " ")})
    for i = 1, n do
      local v = s.values[i]
      if v then
        w:start("circle", {cx = num(px(i)), cy = num(y0 + ph - ph * v / ymax), r = 3, fill = color})
        w:element("title", nil, s.name .. ": " .. spec.x[i] .. " -> " .. axis_label(v, spec.fmt))
        w:close()
      end
    end
    w:close()
    local ly = y0 + ph + 50 + 16 * (si - 1)
    w:element("rect", {x = x0, y = ly - 9, width = 12, height = 10, fill = color})
    w:element("text", {x = x0 + 18, y = ly}, s.name)
  end
  w:close()
end

-- spec: {title, spaces = {names...} (default the four spaces; {"total"} for
--        a Node trace), events = {{start_ms, pause_ms, kind, before = {space = bytes},
--        after = {space = bytes}, limit = bytes|nil, steps = n|nil}},
--        end_ms, clock = "virtual"|"wall", overlay = {events...}|nil, overlay_name}
-- Top: one bar per GC on the clock, height = pause, colour = kind (an
-- overlay's GCs are outlined).  Bottom: heap size per space before and
-- after each GC as stacked columns, and the old-generation limit as a line.
function M.timeline(w, spec)
  local spaces = spec.spaces or M.SPACES
  local width = spec.width or 900
  local x0, pw = 80, width - 110
  local top_y, top_h = 40, 120
  local bot_y, bot_h = top_y + top_h + 50, 180
  local height = bot_y + bot_h + 60
  svg_open(w, width, height, spec.title)
  local evs = spec.events
  local tmax, pmax, hmax = spec.end_ms or 0, 0, 0
  local function total(s)
    local t = 0
    for _, sp in ipairs(spaces) do t = t + (s[sp] or 0) end
    return t
  end
  for _, list in ipairs({evs, spec.overlay or {}}) do
    for _, e in ipairs(list) do
      tmax = math.max(tmax, e.start_ms + e.pause_ms)
      pmax = math.max(pmax, e.pause_ms)
      hmax = math.max(hmax, total(e.before), total(e.after))
    end
  end
  -- the limit joins the scale only when it is near the heap: a 512 MiB
  -- limit over a 2 MiB heap would flatten the bars; it is then named
  local lmax = 0
  for _, e in ipairs(evs) do lmax = math.max(lmax, e.limit or 0) end
  local limit_shown = lmax > 0 and lmax <= 4 * hmax
  if limit_shown then hmax = math.max(hmax, lmax) end
  tmax, pmax, hmax = nice(tmax), nice(pmax), nice(hmax)
  local function tx(t) return x0 + pw * t / tmax end
  -- pauses
  y_axis(w, x0, top_y, pw, top_h, pmax, nil, "pause (ms, " .. (spec.clock or "virtual") .. " clock)")
  for i = 0, 4 do
    w:element("text", {x = num(tx(tmax * i / 4)), y = top_y + top_h + 14, ["text-anchor"] = "middle"},
      axis_label(tmax * i / 4) .. " ms")
  end
  local function bars(list, outline, name)
    w:start("g", {class = outline and "overlay" or "pauses"})
    for _, e in ipairs(list) do
      local h = math.max(1, top_h * e.pause_ms / pmax)
      local attrs = {x = num(tx(e.start_ms)), y = num(top_y + top_h - h),
        width = num(math.max(2, pw * e.pause_ms / tmax)), height = num(h)}
      if outline then attrs.fill = "none"; attrs.stroke = "#000"; attrs["stroke-dasharray"] = "2 1"
      else attrs.fill = M.KIND_COLOR[e.kind] or "#888" end
      w:start("rect", attrs)
      w:element("title", nil, string.format("%s%s at %s ms: %s ms pause%s", name and (name .. ": ") or "",
        e.kind, axis_label(e.start_ms), axis_label(e.pause_ms),
        (e.steps and e.steps > 0) and (", " .. e.steps .. " incremental steps") or ""))
      w:close()
      if e.steps and e.steps > 0 and not outline then
        w:element("line", {x1 = num(tx(e.start_ms)), x2 = num(tx(e.start_ms)), y1 = top_y + top_h,
          y2 = top_y + top_h + 4, stroke = "#000", class = "steps"})
      end
      if e.marking_start_ms and not outline then -- incremental marking ran from there to this pause
        w:start("rect", {x = num(tx(e.marking_start_ms)), y = top_y + top_h - 3,
          width = num(math.max(1, tx(e.start_ms) - tx(e.marking_start_ms))), height = 3, fill = "#9467bd",
          class = "marking"})
        w:element("title", nil, string.format("incremental marking from %s ms: %d steps", axis_label(e.marking_start_ms),
          e.steps or 0))
        w:close()
      end
    end
    w:close()
  end
  bars(evs, false)
  if spec.overlay then bars(spec.overlay, true, spec.overlay_name) end
  -- heap per space, stacked, before (left half) and after (right half) of each GC
  y_axis(w, x0, bot_y, pw, bot_h, hmax, "bytes", "heap size per space before | after each GC")
  local n = #evs
  local col = n > 0 and pw / n or pw
  w:start("g", {class = "heap"})
  for i, e in ipairs(evs) do
    for half, s in ipairs({e.before, e.after}) do
      local y = bot_y + bot_h
      local x = x0 + col * (i - 1) + (half - 1) * col / 2
      for _, sp in ipairs(spaces) do
        local v = s[sp] or 0
        if v > 0 then
          local h = bot_h * v / hmax
          y = y - h
          w:start("rect", {x = num(x), y = num(y), width = num(math.max(0.5, col / 2 - 0.5)), height = num(h),
            fill = M.SPACE_COLOR[sp]})
          w:element("title", nil, string.format("GC %d %s, %s: %s", i, half == 1 and "before" or "after", sp,
            M.bytes(v)))
          w:close()
        end
      end
    end
  end
  w:close()
  local pts = {}
  for i, e in ipairs(evs) do
    if e.limit then pts[#pts + 1] = num(x0 + col * (i - 0.5)) .. "," .. num(bot_y + bot_h - bot_h * e.limit / hmax) end
  end
  if not limit_shown and lmax > 0 then
    w:element("text", {x = x0 + pw, y = bot_y - 8, ["text-anchor"] = "end", class = "limit"},
      "old-generation limit up to " .. M.bytes(lmax) .. " (above the scale)")
  elseif #pts > 0 then
    w:element("polyline", {points = table.concat(pts, " "), fill = "none", stroke = "#d62728",
      ["stroke-dasharray"] = "5 3", class = "limit"})
  end
  -- legend
  local lx, ly = x0, bot_y + bot_h + 24
  local items = {}
  for _, k in ipairs({"Scavenge", "Mark-Sweep", "Mark-Compact"}) do items[#items + 1] = {M.KIND_COLOR[k], k} end
  for _, sp in ipairs(spaces) do items[#items + 1] = {M.SPACE_COLOR[sp], sp == "total" and "heap (all spaces)" or (sp .. " space")} end
  items[#items + 1] = {"#d62728", "old-generation limit"}
  items[#items + 1] = {"#9467bd", "incremental marking"}
  if spec.overlay then items[#items + 1] = {"none", spec.overlay_name or "overlay"} end
  for i, it in ipairs(items) do
    local x = lx + ((i - 1) % 5) * 150
    local y = ly + ((i - 1) // 5) * 16
    w:element("rect", {x = x, y = y - 9, width = 12, height = 10, fill = it[1], stroke = "#000",
      ["stroke-width"] = it[1] == "none" and 1 or 0})
    w:element("text", {x = x + 18, y = y}, it[2])
  end
  w:close()
end

return M
