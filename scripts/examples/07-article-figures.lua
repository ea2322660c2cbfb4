-- The article's three pictures, drawn from a live heap with heap:map.
--
--   1. the two semispaces before and after a Scavenge (From and To);
--   2. old space after a Mark-Sweep: live objects where they were, holes
--      between them;
--   3. old space after a Mark-Compact, with evacuate (sparse pages emptied
--      into others, then released) and with slide (live objects moved to
--      one end).
--
-- Each figure is one heap:map call.  The maps are returned as SVG text; with
-- GCLAB_PICTURES=DIR in the environment they are also written there
-- (docs/pictures/ holds the ones docs/pictures.md shows:
--   GCLAB_PICTURES=docs/pictures build/gclab run scripts/examples/07-article-figures.lua).
-- The heap is tiny.yaml's: 4 KiB pages, so a 40-byte object is a box you
-- can see.

local TINY = {config = "../../configs/tiny.yaml"}
local dir = os.getenv("GCLAB_PICTURES")
local function file(name) return dir and (dir .. "/" .. name .. ".svg") or nil end

-- `n` objects in a rooted holder; every `keep_every`-th one stays
-- referenced, the rest are garbage at the next GC.
local function fill(heap, n, keep_every, name)
  local holder = heap:root(heap:alloc(n // keep_every + 1))
  local k = 0
  for i = 1, n do
    local o = heap:alloc(2, 0, name)
    if i % keep_every == 0 then k = k + 1; holder[k] = o end
  end
  return holder
end

local function count(svg, pattern)
  local n = 0
  for _ in svg:gmatch(pattern) do n = n + 1 end
  return n
end

scenario("figure 1: the semispaces before and after a Scavenge", TINY, function(heap)
  fill(heap, 120, 3, "Point")
  local before = heap:layout()
  local svg1 = heap:map{title = "Figure 1a: new space before a Scavenge", color = "live",
    file = file("figure-1a-before-scavenge")}
  heap:scavenge()
  local svg2 = heap:map{title = "Figure 1b: after the Scavenge: survivors copied to To, From left empty",
    color = "live", since = before, file = file("figure-1b-after-scavenge")}
  -- before: 121 objects, one box each; after: 41 survivors, 80 dead outlines
  expect(count(svg1, 'class="o c')).to_be(121)
  expect(count(svg2, 'class="o c0"')).to_be(41)
  expect(count(svg2, 'class="dead"')).to_be(80 + 1) -- and the legend's swatch
  expect(svg2:find("new From", 1, true)).to_be_truthy()
  expect(svg2:find("new To", 1, true)).to_be_truthy()
end)

scenario("figure 2: old space after a Mark-Sweep, full of holes", TINY, function(heap)
  local holder = fill(heap, 600, 1, "Node")
  heap:scavenge(); heap:scavenge() -- promote all 600
  for i = 1, 600 do if i % 4 ~= 0 then holder[i] = nil end end
  heap:mark_sweep()
  local svg = heap:map{title = "Figure 2: old space after a Mark-Sweep: live objects stay, holes between",
    file = file("figure-2-after-mark-sweep")}
  expect(heap:stats().old.free).to_be_greater_than(0)
  expect(count(svg, 'class="hole"')).to_be_greater_than(100)
end)

local function fragmented(heap)
  local holder = fill(heap, 600, 1, "Node")
  heap:scavenge(); heap:scavenge()
  -- keep a few objects on each page: sparse pages become candidates
  for i = 1, 600 do if i % 10 ~= 0 then holder[i] = nil end end
  heap:mark_sweep()
  return heap:layout()
end

-- One Mark-Compact figure: the moved objects are marked (a black outline)
-- and counted against the GC's own event.
local function compact_figure(strategy, title, name)
  return function(heap)
    local before = fragmented(heap)
    heap:mark_compact(strategy)
    local svg = heap:map{title = title, since = before, file = file(name)}
    local ev = heap:events()[#heap:events()]
    expect(ev.moved_objects).to_be_greater_than(0)
    expect(count(svg, ' mv"')).to_be(ev.moved_objects + 1) -- and the legend's swatch
    return svg
  end
end

scenario("figure 3a: old space after a Mark-Compact (evacuate)", TINY, function(heap)
  local svg = compact_figure("evacuate",
    "Figure 3a: after a Mark-Compact (evacuate): sparse pages emptied and released",
    "figure-3a-after-mark-compact-evacuate")(heap)
  expect(count(svg, 'class="ghost"') + count(svg, 'class="pg evac"')).to_be_greater_than(1)
end)

scenario("figure 3b: old space after a Mark-Compact (slide)", TINY,
  compact_figure("slide", "Figure 3b: after a Mark-Compact (slide): live objects moved to one end",
    "figure-3b-after-mark-compact-slide"))
