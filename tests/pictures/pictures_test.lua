-- pictures_test.lua -- heap maps, the XML writer, JSON/CSV rows, the HTML
-- report and trace plots, checked structurally: xmllint (libxml2-utils)
-- parses every SVG/HTML/XML file and counts its elements with XPath.
--   gclab lua tests/pictures/pictures_test.lua BINARY REPO_ROOT
local bin, root = arg[1], arg[2]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local gclab = require "gclab"
local trace = require "gclab.runner.trace"
local q = H.quote

local tmp = H.tmpdir()
local sh = H.sh
local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end
-- xmllint --xpath on a file; an element by local name: E("rect")
local function xpath(file, expr) return (sh("xmllint --xpath " .. q(expr) .. " " .. q(file))) end
local function E(name) return "*[local-name()='" .. name .. "']" end
local function wellformed(file) local out, code = sh("xmllint --noout " .. q(file)); return code == 0, out end
local function errmsg(f, ...) local ok, e = pcall(f, ...); return not ok and tostring(e) or "(no error)" end

-- ---------------------------------------------------------- heap maps
local TINY = root .. "/configs/tiny.yaml"
local function build(heap)
  local keep = heap:root(heap:alloc(200))
  for i = 1, 500 do
    local o = heap:alloc(2, (i % 5 + 1) * 16 + 24, "T" .. (i % 4))
    if i % 3 == 0 then keep[i // 3] = o end
  end
  heap:scavenge()
  heap:scavenge()
  return keep
end

local heap = gclab.heap(TINY)
local _ = build(heap)
local svg = heap:map{title = "test"}
local f1 = tmp .. "/map.svg"
write(f1, svg)
H.check(wellformed(f1), "heap map: well-formed XML")
local st = heap:stats()
H.check(xpath(f1, "count(//" .. E("rect") .. "[starts-with(@class,'o ')])") == tostring(st.total.objects),
  "heap map: one box per object", xpath(f1, "count(//" .. E("rect") .. "[starts-with(@class,'o ')])") ..
  " vs " .. st.total.objects)
H.check(xpath(f1, "count(//" .. E("g") .. "[@class='page'])") == tostring(#heap:pages()),
  "heap map: one group per page", xpath(f1, "count(//" .. E("g") .. "[@class='page'])"))
H.check(xpath(f1, "count(//" .. E("g") .. "[@class='legend'])") == "1", "heap map: a legend")
H.check(xpath(f1, "count(//" .. E("g") .. "[@data-space='new']//" .. E("text") .. "[contains(.,'To')])") ~= "0",
  "heap map: To-space pages are labelled")
H.check(svg:find("KiB", 1, true) ~= nil, "heap map: sizes in KiB")
local heap2 = gclab.heap(TINY)
build(heap2)
H.check(heap2:map{title = "test"} == svg, "heap map: byte-identical for the same program")
-- the file option writes what it returns
local f2 = tmp .. "/map2.svg"
local svg2 = heap:map{title = "test", file = f2}
local rf = assert(io.open(f2, "rb"))
H.check(rf:read("a") == svg2 and svg2 == svg, "heap map: file = PATH writes the returned SVG")
rf:close()
-- colourings
for _, c in ipairs({"space", "age", "mark", "name", "live"}) do
  local s = heap:map{color = c}
  local f = tmp .. "/c-" .. c .. ".svg"
  write(f, s)
  H.check(wellformed(f) and s:find("colour: " .. c, 1, true), "heap map: color = " .. c)
end
H.check(heap:map{color = "name"}:find("T3", 1, true) ~= nil, "color = name: names in the legend")
-- aggregation
local agg = heap:map{bytes_per_pixel = 256}
local f3 = tmp .. "/agg.svg"
write(f3, agg)
H.check(wellformed(f3) and agg:find("aggregated: one cell per 256 B", 1, true), "aggregate mode on request")
H.check(xpath(f3, "count(//" .. E("rect") .. "[starts-with(@class,'o ')])") == "0", "aggregate: no per-object boxes")
H.check(xpath(f3, "count(//" .. E("rect") .. "[starts-with(@class,'c')])") ~= "0", "aggregate: cells")
H.check(heap:map{max_boxes = 10}:find("aggregated", 1, true), "aggregate mode above max_boxes")
-- since: moved objects and evacuated pages
local keep = build(heap)
for i = 1, 200, 2 do keep[i] = nil end -- garbage between live objects: something to slide over
heap:mark_sweep()
local before = heap:layout()
heap:mark_compact("slide")
local moved = heap:events()[#heap:events()].moved_objects
local s4 = heap:map{since = before}
local f4 = tmp .. "/since.svg"
write(f4, s4)
local nmv = tonumber(xpath(f4, "count(//" .. E("g") .. "[@class='page']//" .. E("rect") .. "[contains(@class,' mv')])"))
H.check(moved > 0 and nmv == moved, "since: each moved object marked", nmv .. " vs " .. moved)
-- errors
H.check(errmsg(heap.map, heap, {color = "bogus"}):find("heap:map: color must be space, age, mark, name or live, got 'bogus'", 1, true),
  "bad color named (it said 'bad argument #-2')", errmsg(heap.map, heap, {color = "bogus"}))
H.check(errmsg(heap.map, heap, {colour = "age"}):find("unknown option 'colour'", 1, true), "unknown option named")
H.check(errmsg(heap.map, heap, {since = heap2:layout()}):find("another heap", 1, true), "a layout of another heap")
H.check(errmsg(heap.map, heap, {since = 5}):find("since must be a layout", 1, true), "since must be a layout")
H.check(errmsg(heap.map, heap, {file = tmp .. "/no/such/dir/x.svg"}):find("no/such/dir/x.svg", 1, true),
  "an unwritable file is named")
H.check(errmsg(heap.map, heap, {width = 10}):find("width must be", 1, true), "width range")
heap2:close()
H.check(errmsg(heap2.map, heap2):find("closed", 1, true), "a closed heap")
heap:close()

-- ---------------------------------------------------------- the article's figures
-- docs/pictures/*.svg are what scripts/examples/08-article-figures.lua draws
-- now, byte for byte (regenerate: see docs/pictures.md)
local figs = tmp .. "/figures"
assert(os.execute("mkdir -p " .. q(figs)))
local fout, fcode = H.run("run scripts/examples/08-article-figures.lua", "GCLAB_PICTURES=" .. q(figs) .. " ")
H.check(fcode == 0, "the figures' scenarios pass", fout)
for _, name in ipairs({"figure-1a-before-scavenge", "figure-1b-after-scavenge", "figure-2-after-mark-sweep",
  "figure-3a-after-mark-compact-evacuate", "figure-3b-after-mark-compact-slide"}) do
  local a = io.open(figs .. "/" .. name .. ".svg", "rb")
  local b = io.open(root .. "/docs/pictures/" .. name .. ".svg", "rb")
  H.check(a and b and a:read("a") == b:read("a"), "docs/pictures/" .. name .. ".svg is what the scenario draws")
  if a then a:close() end
  if b then b:close() end
  H.check(wellformed(figs .. "/" .. name .. ".svg"), name .. ": well-formed")
end

-- ---------------------------------------------------------- the XML writer
local w = gclab.xml_writer{indent = true}
w:start("doc", {b = "2", a = 'say "hi" & <bye>'})
w:element("t", nil, "a < b && c > d")
w:element("n", {v = 42})
w:comment("ok")
w:close()
local doc = w:finish()
local f5 = tmp .. "/w.xml"
write(f5, doc)
H.check(wellformed(f5), "xml_writer: escaped text and attributes are well-formed", doc)
H.check(xpath(f5, "string(/doc/@a)") == 'say "hi" & <bye>', "xml_writer: attribute round trip")
H.check(xpath(f5, "string(/doc/t)") == "a < b && c > d", "xml_writer: text round trip")
H.check(doc:find('<doc a=', 1, true) ~= nil, "xml_writer: attributes in sorted order")
local wp = gclab.xml_writer()
wp:element("e", {{"z", 1}, {"a", 2}})
H.check(wp:finish():find('<e z="1" a="2"/>', 1, true) ~= nil, "xml_writer: attribute pairs in their order")
H.check(errmsg(w.start, w, "x"):find("already finished", 1, true), "xml_writer: nothing after finish")
-- characters XML cannot hold (an ANSI escape, a control character, a byte
-- that is not UTF-8) become U+FFFD: the document still parses
local w3 = gclab.xml_writer()
w3:element("a", {v = "q\0r\255"}, "x\1y\27[31mz \xff")
local f6 = tmp .. "/ctl.xml"
write(f6, w3:finish())
H.check(wellformed(f6), "xml_writer: control characters replaced")
H.check(xpath(f6, "string(/a)") == "x\u{FFFD}y\u{FFFD}[31mz \u{FFFD}", "xml_writer: U+FFFD in their place",
  xpath(f6, "string(/a)"))
do
  local hb = gclab.heap(TINY)
  hb:root(hb:alloc(1, 0, "bad\1name"))
  local f7 = tmp .. "/ctl.svg"
  write(f7, hb:map{title = "t\2", color = "name"})
  H.check(wellformed(f7), "heap map: a name with a control character")
  hb:close()
end
local w2 = gclab.xml_writer()
H.check(errmsg(w2.start, w2, "1bad"):find("not an XML name", 1, true), "xml_writer: bad element name")
H.check(errmsg(w2.close, w2):find("no element is open", 1, true), "xml_writer: close with nothing open")
H.check(errmsg(w2.start, w2, "x", {["bad name"] = 1}):find("not an XML attribute name", 1, true), "bad attribute name")
H.check(errmsg(gclab.xml_writer, {indnt = true}):find("unknown option 'indnt'", 1, true), "xml_writer options")
-- an attribute name repeated in the list form is refused (it wrote
-- <a x="1" x="2">, not well-formed); different names still pass
do
  local wd = gclab.xml_writer()
  local m = errmsg(wd.start, wd, "a", {{"x", "1"}, {"y", "2"}, {"x", "3"}})
  H.check(m:find("start: attribute 'x' given twice", 1, true), "xml_writer: a repeated attribute in start", m)
  local we = gclab.xml_writer()
  m = errmsg(we.element, we, "e", {{"k", 1}, {"k", 1}})
  H.check(m:find("element: attribute 'k' given twice", 1, true), "xml_writer: a repeated attribute in element", m)
  local wk = gclab.xml_writer()
  wk:element("e", {{"x", 1}, {"X", 2}, {"x:y", 3}})
  H.check(wk:finish():find('<e x="1" X="2" x:y="3"/>', 1, true), "xml_writer: distinct names pass")
end
-- a name holding a NUL byte is no name (libxml2 wrote the part before it:
-- start("a\0b") made <a>, a map key "k\0z" looked up "k")
for _, c in ipairs({{"start", {"a\0b"}}, {"element", {"e\0f", nil, "t"}}, {"doctype", {"h\0x"}},
    {"start", {"a", {{"x\0y", "v"}}}}, {"start", {"a", {["k\0z"] = "1"}}}}) do
  local wn = gclab.xml_writer()
  local m = errmsg(wn[c[1]], wn, table.unpack(c[2], 1, 3))
  H.check(m:find("not an XML [%w ]*name: '%w' followed by a NUL byte"), "xml_writer: " .. c[1] .. " with a NUL in a name", m)
end
do
  local wa = gclab.xml_writer()
  wa:start("a")
  local m = errmsg(wa.attr, wa, "x\0y", "v")
  H.check(m:find("not an XML name: 'x' followed by a NUL byte", 1, true), "xml_writer: attr with a NUL in its name", m)
end
local ok, werr = gclab.xml_writer():write(tmp .. "/no/such/f.xml")
H.check(ok == nil and werr:find("no/such/f.xml", 1, true), "xml_writer: write error returned", werr)

-- ---------------------------------------------------------- JSON and CSV
H.check(gclab.json_encode({b = {1, 2.5, "x\"y\n"}, a = true, c = {}}) == '{"a":true,"b":[1,2.5,"x\\"y\\n"],"c":[]}',
  "json_encode: sorted keys, escapes", gclab.json_encode({b = {1, 2.5, "x\"y\n"}, a = true, c = {}}))
local cyc = {}
cyc.self = cyc
H.check(errmsg(gclab.json_encode, cyc):find("nested deeper", 1, true), "json_encode: a cycle")
H.check(errmsg(gclab.json_encode, {f = print}):find("function has no JSON form", 1, true), "json_encode: a function")
-- a table that is both a list and an object is refused (its other keys were dropped)
H.check(errmsg(gclab.json_encode, {1, 2, x = 3}):find("list entries and the key x has no JSON form", 1, true),
  "json_encode: a list with another key")
H.check(errmsg(gclab.json_encode, {1, [1.5] = 2}):find("the key 1.5", 1, true), "json_encode: a fractional key")
H.check(gclab.json_encode({["a\0b"] = 1, a = 0}) == '{"a":0,"a\\u0000b":1}', "json_encode: a key holding NUL",
  gclab.json_encode({["a\0b"] = 1, a = 0}))
H.check(gclab.csv_row({"a,b", 'q"q', 3, true}) == '"a,b","q""q","3","true"', "csv_row: RFC 4180 quoting",
  gclab.csv_row({"a,b", 'q"q', 3, true}))

-- ---------------------------------------------------------- the report
local rdir = tmp .. "/report"
local out, code = H.run("run --report " .. q(rdir) .. " tests/pictures/report_scenarios.lua")
H.check(code == 1, "the run fails (one scenario fails)", out)
local page = rdir .. "/report.html"
H.check(wellformed(page), "report: well-formed XHTML")
local sec = "//" .. E("section")
H.check(xpath(page, "count(" .. sec .. ")") == "3", "report: a section per scenario")
H.check(xpath(page, "string((" .. sec .. ")[1]/@class)") == "fail", "report: failures first")
H.check(xpath(page, "count(" .. sec .. "[@class='fail']//" .. E("pre") .. "[contains(.,'to_be failed')])") == "1",
  "report: the failure message")
H.check(xpath(page, "count(" .. sec .. "//" .. E("figure") .. "[@class='heapmap']/" .. E("svg") .. ")") == "1",
  "report: the scenario's heap map inline")
H.check(xpath(page, "string(" .. sec .. "//" .. E("figcaption") .. ")") == "after a <Scavenge> & more",
  "report: the map's title escaped and read back")
H.check(xpath(page, "count(" .. sec .. "[@class='pass']//" .. E("svg") .. "[@class='chart'])") == "1",
  "report: a timeline for the scenario with GCs")
H.check(xpath(page, "count(//" .. E("script") .. ")") == "0", "report: no scripts")
H.check(xpath(page, "count(//@src)") == "0", "report: nothing fetched")
local trace_lines = xpath(page, "string(" .. sec .. "[@class='fail']//" .. E("pre") .. "[@class='trace'])")
H.check(select(2, trace_lines:gsub("ms: ", "")) == 2, "report: the --trace-gc lines", trace_lines)
local text1 = assert(io.open(page, "rb")):read("a")
H.run("run --report " .. q(rdir) .. " tests/pictures/report_scenarios.lua")
H.check(assert(io.open(page, "rb")):read("a") == text1, "report: byte-identical reruns")
out, code = H.run("run --report /dev/null/x tests/pictures/report_scenarios.lua")
H.check(code == 2 and H.has(out, "--report"), "report: an unwritable directory", out)

-- ---------------------------------------------------------- trace plots
-- The fixture is Node 20's leak-oom-32m.trace (/work/shared/reference/node20,
-- README there): `grep -c ' ms: '` counts 119 GC lines, 8 of them
-- Mark-Compact, out of 133 non-empty lines (`grep -vc '^$'`).
local fx = root .. "/tests/pictures/fixtures/leak-oom-32m.trace"
local t = assert(trace.parse(assert(io.open(fx)):read("a"), fx))
local mc = 0
for _, e in ipairs(t.events) do if e.kind == "Mark-Compact" then mc = mc + 1 end end
H.check(#t.events == 119 and mc == 8 and t.skipped == 133 - 119, "trace: 119 GCs, 8 Mark-Compacts",
  #t.events .. " " .. mc .. " " .. t.skipped)
local e1 = t.events[1]
H.check(e1.start_ms == 11 and e1.kind == "Scavenge" and e1.before.total == math.floor(3.9 * 1048576) and
  e1.pause_ms == 0.40 and e1.reason == "allocation failure", "trace: the first line's fields")
local steps
for _, e in ipairs(t.events) do if e.kind == "Mark-Compact" then steps = e.steps; break end end
H.check(steps == 11, "trace: incremental steps of the first Mark-Compact", tostring(steps))
H.check(trace.parse("hello\n", "x") == nil, "trace: a file with no GC lines is refused")
local plot = tmp .. "/plot.html"
local dash = H.run("trace plot " .. q(fx) .. " -o -")
H.check(dash == H.run("trace plot " .. q(fx)) and dash:find("<html", 1, true), "trace plot -o -: the page on stdout")
out, code = H.run("trace plot " .. q(fx) .. " -o " .. q(tmp .. "/no/such/dir/p.html"))
H.check(code == 2 and out:find("-o: no directory", 1, true), "trace plot -o into a missing directory: refused", out)
out, code = H.run("trace plot " .. q(fx) .. " --compare scripts/fidelity/leak-oom-32m.lua -o " .. q(plot))
H.check(code == 0 and wellformed(plot), "trace plot --compare: a well-formed page", out)
local plot2 = tmp .. "/plot2.html"
out, code = H.run("trace plot " .. q(fx) .. " --compare=scripts/fidelity/leak-oom-32m.lua --filter= -o " .. q(plot2))
H.check(code == 0 and select(2, H.sh("cmp " .. q(plot) .. " " .. q(plot2))) == 0,
  "trace plot --compare=FILE --filter=: the --opt=VALUE forms", out)
H.check(xpath(plot, "count(//" .. E("svg") .. ")") == "2", "trace plot --compare: two timelines")
H.check(xpath(plot, "count(//" .. E("g") .. "[@class='overlay']/" .. E("rect") .. ")") ~= "0",
  "trace plot --compare: gclab's pauses over Node's")
local plot_svg = tmp .. "/plot.svg"
out, code = H.run("trace plot " .. q(fx) .. " -o " .. q(plot_svg))
H.check(code == 0 and wellformed(plot_svg), "trace plot -o FILE.svg", out)
H.check(xpath(plot_svg, "count(//" .. E("g") .. "[@class='pauses']/" .. E("rect") .. ")") == "119",
  "trace plot: a bar per GC")
out, code = H.run("trace plot " .. q(root .. "/README.md"))
H.check(code == 2 and H.has(out, "no --trace-gc lines found"), "trace plot: not a trace", out)
out, code = H.run("trace frob")
H.check(code == 2 and H.has(out, "unknown subcommand 'frob'"), "trace: unknown subcommand", out)

os.execute("rm -rf " .. q(tmp))
H.finish()
