-- Fidelity: a slow leak to out of memory (node20/slowleak.js, trace
-- node20/slowleak-oom-16m.trace, `node --trace-gc --max-old-space-size=16
-- slowleak.js`):
--
--   const keep = [];
--   for (let i = 0; i < n; i++) {
--     let t = null;
--     for (let j = 0; j < 4; j++) t = { a: t, b: null };
--     if (i % 2 === 0) keep.push({ a: null, b: null });
--   }
--
-- {a, b} is heap:alloc(2) (40 bytes); `t` is rooted (a local), `keep` a
-- JSArray (lib/jsarray.lualib).  Node ends with "Reached heap limit"; the
-- replay records oom = true when gclab ends the same way.

local J = dofile(SCENARIO_DIR .. "/lib/jsarray.lualib")
-- --max-old-space-size=16 alone leaves the semispace maximum at its default
-- (16 MiB): V8 11.3's ConfigureHeap derives it from the old generation only
-- with --max-heap-size or physical memory (i17's engine/heap_sizing.c).
local CONFIG = {"../../configs/node20.yaml", old_space = {max_size = "16MiB"}}

scenario("slow leak: 4 temporaries per iteration, every 2nd keeps one, out of memory under 16 MiB",
  {config = CONFIG, differs = {}}, function(heap)
    local keep = J.new(heap, heap:root(heap:alloc(1, 0, "JSArray")))
    local t = heap:root(heap:alloc(1, 0, "Local"))
    local alloc = heap.alloc
    local site_t, site_k = heap:site("{a: t, b: null}"), heap:site("{a: null, b: null}")
    local ok, err = pcall(function()
      for i = 0, 1e8 do
        t[1] = nil
        for _ = 1, 4 do
          local o = alloc(heap, 2, 0, "Temp", site_t)
          o[1] = t[1]
          t[1] = o
        end
        if i % 2 == 0 then J.push(keep, alloc(heap, 2, 0, "Leak", site_k)) end
      end
    end)
    expect(ok, "the leak ends").to_be(false)
    expect(err, "with").to_contain(gclab.OOM_MESSAGE)
    expect(keep.length, "keep.length").to_be_between(150000, 400000)
    record("kept", keep.length)
    record("oom", true)
  end)
