-- pictures.lua -- the pictures benchmark (issue 14's targets), one run:
--   1. a heap map of a 1 GiB heap: render time and SVG size against the
--      targets (<= 1 s, <= 2 MB), and against the time the heap took to
--      build (a ratio made in the same run);
--   2. a 1000-combination sweep over a small scenario with -j 2, timed,
--      and a 40-combination slice with -j 1 and -j 2 for the speed-up.
--
--   gclab lua bench/pictures.lua GCLAB-BINARY [HEAP-MIB] [COMBINATIONS]
--   (or: cmake --build build --target bench_pictures)
-- HEAP-MIB defaults to 1024, COMBINATIONS to 1000 (10 x 10 x 10; smaller
-- values take the first values of each key).

local gclab = require "gclab"
local BIN = assert(arg[1], "usage: gclab lua bench/pictures.lua GCLAB-BINARY [HEAP-MIB] [COMBINATIONS]")
local MIB = math.tointeger(tonumber(arg[2] or "1024"))
local COMBOS = math.tointeger(tonumber(arg[3] or "1000"))
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local function now() return os.clock() end -- CPU seconds of this process
local function wall(cmd)
  -- wall time of a child process, from the shell's own clock (date +%s%N)
  local f = assert(io.popen("s=$(date +%s%N); " .. cmd .. " >/dev/null 2>&1; rc=$?; e=$(date +%s%N); " ..
    "echo $(( (e - s) / 1000000 )) $rc"))
  local out = f:read("a")
  f:close()
  local ms, rc = out:match("^(%d+) (%d+)")
  if rc ~= "0" then error("the sweep failed (exit " .. tostring(rc) .. "): " .. cmd, 0) end
  return tonumber(ms) / 1000
end

-- 1. ---------------------------------------------------------- heap map
local target = MIB * 1024 * 1024
local heap = gclab.heap{old_space = {max_size = (2 * MIB + 64) .. "MiB"}}
local t0 = now()
local holders, holder, n, total = {}, nil, 0, 0
local sizes = {1024, 2048, 4096, 8192, 512, 3072}
local k = 0
while total < target * 4 // 3 do -- a quarter dies below: about target bytes stay
  if not holder or n == 8192 then
    holder = heap:root(heap:alloc(8192))
    holders[#holders + 1] = holder
    n = 0
  end
  k = k + 1
  local size = sizes[k % #sizes + 1]
  n = n + 1
  holder[n] = heap:alloc(0, size, k % 7 == 0 and "Buffer" or "Chunk")
  total = total + size
end
for i, h in ipairs(holders) do -- a quarter dies: holes
  for j = 1, 8192 do if (i + j) % 4 == 0 then h[j] = nil end end
end
heap:mark_sweep()
local build_s = now() - t0
local st = heap:stats()
t0 = now()
local svg = heap:map{title = string.format("a %d MiB heap", MIB), file = os.getenv("GCLAB_BENCH_MAP")}
local map_s = now() - t0
print(string.format("heap map: %s committed, %s of objects (%d objects, %d pages): %.3f s CPU, %.2f MB of SVG " ..
  "(targets <= 1 s: %.2fx, <= 2 MB: %.2fx); building the heap took %.2f s (map/build %.3f)",
  string.format("%.0f MiB", st.total.committed / 1048576), string.format("%.0f MiB", st.total.size / 1048576),
  st.total.objects, st.total.pages or #heap:pages(),
  map_s, #svg / 1e6, map_s / 1.0, #svg / 2e6, build_s, map_s / build_s))
heap:close()

-- 2. ---------------------------------------------------------- sweep
local function values(spec, count)
  local a, step, unit = spec[1], spec[2], spec[3]
  return a .. unit .. ".." .. (a + step * (count - 1)) .. unit .. "+" .. step .. unit
end
local per = math.max(1, math.floor(COMBOS ^ (1 / 3) + 0.5))
local keys = {
  "new_space.semi_space.max=" .. values({16, 16, "KiB"}, per),
  "old_space.max_size=" .. values({1, 1, "MiB"}, per),
  "incremental.step_budget=" .. values({4, 4, "KiB"}, per),
}
local function sweep(j, ks)
  local cmd = {("%q"):format(BIN), "sweep", "-j", tostring(j), "--config", ("%q"):format(HERE .. "/../configs/tiny.yaml"),
    "--set", "new_space.semi_space.initial=16KiB", "--set", "incremental.activation_size=512KiB"}
  for _, v in ipairs(ks) do cmd[#cmd + 1] = "--vary"; cmd[#cmd + 1] = v end
  cmd[#cmd + 1] = ("%q"):format(HERE .. "/sweep_scenario.lua")
  return wall(table.concat(cmd, " "))
end
local ncomb = per * per * per
local t_all = sweep(2, keys)
print(string.format("sweep: %d combinations with -j 2: %.1f s (%.1f ms a combination; target: minutes)",
  ncomb, t_all, t_all / ncomb * 1000))
local slice = {"new_space.semi_space.max=" .. values({16, 16, "KiB"}, 4), "old_space.max_size=" .. values({1, 1, "MiB"}, 10)}
local t1, t2 = sweep(1, slice), sweep(2, slice)
print(string.format("sweep: 40 combinations: -j 1 %.2f s, -j 2 %.2f s (speed-up %.2fx on this machine's cores)",
  t1, t2, t1 / t2))
