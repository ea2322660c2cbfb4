-- mutants.lua -- the gclab command line, fuzzed: seeded command lines
-- made from the real vocabulary -- every subcommand, every option each
-- documents in its --help, Node's heap flags -- with values valid and
-- hostile (empty, missing, negative, huge, float, NaN, units, '-', '--',
-- --opt=VALUE, repeated options, unknown options close to real ones, paths
-- that do not exist, directories where files are expected and files where
-- directories are) on small real inputs (a tiny scenario, configs/tiny.yaml,
-- tests/snapshot/fixtures/tiny.heapsnapshot, a Node 20 --trace-gc log).
-- Each runs as its own process under `timeout` and must:
--   exit 0, 1 or 2 (no signal, no timeout, no sanitizer report);
--   print no Lua traceback or runner internals on stderr;
--   on exit 2, start stderr with "gclab" and name a word of the command
--   line (the offending option or value) or what is missing;
--   on exit 0 with --help among the options, print usage on stdout;
-- and nothing may be written outside the scratch directory (the commands
-- run in SCRATCH/work/out, their inputs are in SCRATCH/work/in).
--   gclab lua tests/cli/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR LINES SECONDS
-- LINES command lines (GCLAB_ARGV_FUZZ=N runs N instead; GCLAB_ARGV_SEED=S
-- another seed; GCLAB_ARGV_VERBOSE=1 lists every case), each within SECONDS.  A failure names its case number and
-- the command line, which reproduces alone.
local Mu = dofile(arg[2] .. "/tests/lua/mutate.lua")
local C = Mu.checker("argv mutants")
local bin, root, scratch = arg[1], arg[2], arg[3]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local q = H.quote
local sys = require "gclab.runner.sys"
local long = tonumber(os.getenv("GCLAB_ARGV_FUZZ") or "")
local LINES = long and math.max(1, math.floor(long)) or tonumber(arg[4]) or 100
local BOUND = tonumber(arg[5]) or 10
local SEED = math.tointeger(tonumber(os.getenv("GCLAB_ARGV_SEED") or "")) or 1
local VERBOSE = os.getenv("GCLAB_ARGV_VERBOSE") -- each case, its exit status and stderr's first line

-- ------------------------------------------------------------ the scratch

local work = scratch .. "/argv_fuzz"
assert(os.execute("rm -rf " .. q(work) .. " && mkdir -p " .. q(work .. "/in") .. " " .. q(work .. "/out")))
local IN, OUT = work .. "/in", work .. "/out"
local function put(path, text) Mu.write(path, text) end
put(IN .. "/tiny.lua", [[
scenario("tiny: a few objects", {config = {"]] .. root .. [[/configs/tiny.yaml", {boot = "none"}}}, function(heap)
  for _ = 1, 200 do heap:alloc(2) end
  heap:scavenge()
end)
]])
put(IN .. "/script.lua", "local gclab = require 'gclab'\nlocal h = gclab.heap()\nh:alloc(2)\nh:scavenge()\n" ..
  "print(#arg)\n")
put(IN .. "/broken.lua", "scenario(\"broken\", function(heap) error('on purpose') end)\n")
put(IN .. "/syntax.lua", "this is not Lua (\n")
put(IN .. "/empty", "")
put(IN .. "/junk.bin", "\0\1\2\255\254 not a snapshot, not YAML: [{\n")
put(IN .. "/matrix.lua", "return {{name = 'tiny', config = '" .. root .. "/configs/tiny.yaml'}, {name = 'small', " ..
  "set = {'new_space.promotion.age=2'}}}\n")
put(IN .. "/badmatrix.lua", "return {{name = 1}}\n")
assert(os.execute("mkdir -p " .. q(IN .. "/dir")))
put(IN .. "/dir/also.lua", "scenario(\"also\", function(heap) heap:alloc(1) end)\n")
-- in the output directory: a file where a directory is expected, a
-- directory where a file is
put(OUT .. "/afile", "x\n")
assert(os.execute("mkdir -p " .. q(OUT .. "/adir")))

local SNAP = root .. "/tests/snapshot/fixtures/tiny.heapsnapshot"
local SNAPGZ = root .. "/tests/snapshot/fixtures/node20-small.heapsnapshot.gz"
local TRACE = root .. "/scripts/fidelity/node20/grow-1e6.trace"
local NVP = root .. "/scripts/fidelity/node20/grow-1e6.nvp"
local TINY_TRACE = root .. "/tests/fidelity/fixtures/three.trace"
local TINY_NVP = root .. "/tests/fidelity/fixtures/three.nvp"
local YAML = root .. "/configs/tiny.yaml"
local MISSING = IN .. "/no/such/file"

-- ------------------------------------------------------------ values

local function pick(list) return list[math.random(#list)] end
local function chance(p) return math.random() < p end

-- Hostile forms any value may take.
local HOSTILE = {"", "-", "--", "-1", "0", "NaN", "nan", "inf", "-inf", "1e308", "1e-400", "0x10", "1.5",
  "99999999999999999999", "18446744073709551616", "4294967296", " 1", "+1", "1 2", "=", "==", "a=b=c",
  "4MiB", "4 MiB", "1e3", "\xff\xfe", "%", "%d%s", "'", "\"", "\\", ("9"):rep(400), ("a"):rep(300),
  "--help", "-h", "--set", MISSING, IN, OUT .. "/adir", IN .. "/junk.bin", IN .. "/empty"}

local V = {}
V.count = {"0", "1", "2", "3", "10", "-1", "1.0", "1e2", "0x2", "", "abc", "4294967295", "4294967296",
  "99999999999999999999", "NaN", " 2", "+2", "2x"}
V.seconds = {"0", "1", "0.5", ".5", "5.", "10", "1e9", "1000000001", "1e10", "-1", "NaN", "inf", "", "3s",
  "0x10", "1e-400", "99999999999999999999"}
V.seed = {"1", "0", "42", "-1", "18446744073709551615", "18446744073709551616", "0x10", "1.5", "NaN", "",
  "abc", "99999999999999999999"}
V.text = {"tiny", "", "a few", "%", "(", "[", "-", "tiny: a few objects", "\xff", "nomatch"}
V.pattern = {"tiny", "^.*$", "%f[%w]", "a*b*c*d*", "(", "[", "%", "%f[%w]", "[^]", "x%", ".-.-.-", "", "%b()"}
V.set = {"seed=1", "new_space.promotion.age=2", "old_space.max_size=8MiB", "new_space.semi_space.max=64KiB",
  "nokey", "=", "=1", "seed=", "seed=-1", "seed=NaN", "no.such.key=1", "new_space.semi_space.max=1.5",
  "new_space.semi_space.max=-1MiB", "old_space.max_size=99999999999999999999", "old_space.max_size=1e400",
  "new_space.semi_space.max=4 MiB", "new_space.promotion.age=1e3", "boot=none", "boot=nosuch", "seed=0x10",
  "new_space=1", "new_space.semi_space=1", "flags=--max-old-space-size=8", "flags=--bogus"}
V.tolerance = {"*_us=5%", "before.*.size=10", "record.k=1", "x", "=5", "a=-1", "a=NaN%", "a=", "a=5%%", "record.k=1",
  "a=1e400", "a=101%", "*=0"}
V.vary = {"new_space.promotion.age=1,2", "seed=1..3+1", "seed=1,2", "new_space.semi_space.max=32KiB..128KiB*2",
  "seed=", "seed=1,,2", "nokey", "=1,2", "seed=1..0+1", "seed=1..10*1", "seed=a..b+1", "seed=1..1e300*2",
  "seed=1..99999999999999999999+1", "seed=1..200000+1", "seed=0..1+0.5", "seed=1..2", "seed=-1..1+1",
  "no.such.key=1,2", "old_space.max_size=1MiB,NaN", "seed=1..3-1", "seed=1..9223372036854775807*2"}
V.format = {"markdown", "csv", "json", "rows", "", "xml", "CSV"}
V.metric = {"scavenges", "oom", "virtual_time_us", "nosuch", "", "Scavenges"}
V.shard = {"1/2", "2/2", "1/1", "0/1", "1/0", "3/2", "1/99999999999999999999", "99999999999999999999/1",
  "a/b", "1/2/3", "", "-1/2", "1/-2", "1.5/2", "2/1e2"}
V.known = {"oom", "scavenges,promoted", "mark_compacts, promoted", "nosuch", "", ",", "oom,oom"}
V.id = {"1", "3", "0", "-1", "", "abc", "18446744073709551615", "18446744073709551616", "1.5"}
V.name = {"Object", "Array", "", "NoSuchClass", "(GC roots)", "-"}
V.jobs = {"1", "2", "3", "0", "-1", "", "abc", "1.5", "1e2", "0x2", "100000", "99999999999999999999"}
-- inputs (read): real files, and the wrong kinds of thing
V.config = {YAML, YAML, root .. "/configs/node20.yaml", MISSING, IN, IN .. "/empty", IN .. "/junk.bin",
  IN .. "/tiny.lua", "", "-", root .. "/configs"}
V.matrix = {IN .. "/matrix.lua", IN .. "/badmatrix.lua", IN .. "/syntax.lua", MISSING, IN, "", YAML}
V.check = {OUT .. "/rec", YAML, MISSING, IN, "", IN .. "/empty"}
V.scenario = {IN .. "/tiny.lua", IN .. "/tiny.lua", IN .. "/dir", IN .. "/broken.lua", IN .. "/syntax.lua",
  MISSING, YAML, "-", "", IN .. "/empty"}
V.trace = {TINY_TRACE, TINY_TRACE, TRACE, MISSING, IN, IN .. "/empty", IN .. "/junk.bin", "-", "", YAML}
V.nvp = {TINY_NVP, NVP, MISSING, IN, IN .. "/empty", TINY_TRACE, ""}
V.snapshot = {SNAP, SNAP, SNAP, SNAPGZ, MISSING, IN, IN .. "/empty", IN .. "/junk.bin", "-", "", YAML}
V.script = {IN .. "/script.lua", IN .. "/script.lua", IN .. "/syntax.lua", MISSING, IN, "-", ""}
-- outputs (written): relative to the working directory OUT, or inside it
V.outfile = {"out.xml", OUT .. "/abs.xml", "adir/x.xml", "o/../o2.xml", "nodir/x.xml", "adir", "afile", "", "-", "."}
V.outdir = {"rec", "deep/a/b", "afile", "adir", "", ".", OUT .. "/absdir"}
V.plotout = {"plot.html", "plot.svg", "plot.txt", "nodir/p.html", "adir", "", "-"}

-- How many of a list's first values are valid (3 unless said), for the
-- clean command lines.
V.matrix.ok, V.check.ok, V.nvp.ok, V.snapshot.ok, V.script.ok = 1, 1, 2, 4, 2
V.outdir.ok, V.plotout.ok, V.id.ok, V.name.ok = 2, 2, 2, 2
local function value_of(list, clean)
  if clean then return list[math.random(list.ok or 3)] end
  return chance(0.85) and pick(list) or pick(HOSTILE)
end

-- Node's heap flags and their values.
local FLAGS = {
  {"--max-old-space-size", {"8", "64", "0", "-1", "", "1.5", "NaN", "4MiB", "99999999999999999999", "1e3"}},
  {"--max-semi-space-size", {"1", "16", "0", "-1", "0.5", "", "65536"}},
  {"--min-semi-space-size", {"1", "0", "", "2"}},
  {"--semi-space-growth-factor", {"2", "0", "1", "-2", "99999999999999999999"}},
  {"--initial-old-space-size", {"4", "0", ""}},
  {"--max-heap-size", {"32", "0", "-1", ""}},
  {"--max-new-space-size", {"2048", "0", ""}},
  {"--gc-interval", {"10", "0", "-1", "", "1.5", "4294967296"}},
  {"--heapsnapshot-near-heap-limit", {"1", "0", "-1"}},
  {"--physical-memory", {"512MiB", "16GiB", "0", "", "1.5GiB", "-1", "1e3", "99999999999999999999GiB"}},
  {"--incremental-marking"}, {"--stress-compaction"}, {"--always-promote-young-mc"}, {"--trace-gc"},
  {"--trace-gc-nvp"}, {"--expose-gc"}, {"--single-threaded-gc"}, {"--concurrent-marking"},
  {"--node-options-env"},
}
local function heap_flag(clean)
  local f = pick(FLAGS)
  local name = f[1]
  if clean then return f[2] and name .. "=" .. f[2][math.random(2)] or name end
  if chance(0.15) then name = name:gsub("%-", "_"):gsub("^__", "--") end -- Node takes max_old_space_size too
  if not f[2] then
    local r = math.random(10)
    if r == 1 then return name .. "=1" elseif r == 2 then return "--no-" .. name:sub(3) end
    return name
  end
  local r = math.random(10)
  if r == 1 then return name end -- no value
  return name .. "=" .. (chance(0.8) and pick(f[2]) or pick(HOSTILE))
end

-- An unknown option close to a real one: a letter dropped, doubled or
-- changed, one dash, upper case, a plural.
local function near_miss(name)
  local r = math.random(6)
  local at = math.random(3, math.max(3, #name))
  if r == 1 then return name:sub(1, at - 1) .. name:sub(at + 1)
  elseif r == 2 then return name:sub(1, at) .. name:sub(at, at) .. name:sub(at + 1)
  elseif r == 3 then return name:sub(1, at - 1) .. "x" .. name:sub(at + 1)
  elseif r == 4 then return name:sub(2)
  elseif r == 5 then return name:upper()
  end
  return name .. "s"
end

-- ------------------------------------------------------------ commands

-- Each subcommand: the words before the options, what its operands are,
-- and its options, each with the value list it takes (nil: a switch).
-- help: the --help switch is honoured wherever it is among the options.
-- flags: Node's heap flags are accepted.
local CMDS = {
  {pre = {"run"}, operands = {{V.scenario, 1, 2}}, flags = true, opts = {
    {"--config", V.config}, {"--matrix", V.matrix}, {"--set", V.set}, {"--filter", V.text},
    {"--filter-pattern", V.pattern}, {"--list"}, {"--trace-gc"}, {"--trace-gc-nvp"}, {"--verify"},
    {"--stress", V.count}, {"--seed", V.seed}, {"--timeout", V.seconds}, {"--progress", V.seconds},
    {"--junit", V.outfile}, {"--report", V.outdir}, {"--record", V.outdir}, {"--check", V.check},
    {"--tolerance", V.tolerance}}},
  {pre = {"sweep"}, operands = {{V.scenario, 1, 1}}, base = {{"--vary", V.vary}}, opts = {
    {"--vary", V.vary}, {"--config", V.config}, {"--set", V.set}, {"--filter", V.text}, {"--format", V.format},
    {"--chart", V.outfile}, {"--metric", V.metric}, {"-j", V.jobs}, {"--only", V.count}, {"--shard", V.shard},
    {"--emit-ctest", V.outfile}, {"--junit", V.outfile}}},
  {pre = {"trace", "plot"}, operands = {{V.trace, 1, 1}}, opts = {
    {"-o", V.plotout}, {"--compare", V.scenario}, {"--filter", V.text}, {"--config", V.config},
    {"--set", V.set}}},
  {pre = {"trace", "compare"}, operands = {{V.trace, 1, 1}, {V.scenario, 1, 1}}, opts = {
    {"--nvp", V.nvp}, {"--filter", V.text}, {"--config", V.config}, {"--set", V.set},
    {"--known-failures", V.known}}},
  {pre = {"snapshot", "summary"}, operands = {{V.snapshot, 1, 1}}, opts = {{"--top", V.count}, {"--json"}}},
  {pre = {"snapshot", "path"}, operands = {{V.snapshot, 1, 1}}, base = {{"--name", V.name}, {"--id", V.id}},
    opts = {{"--name", V.name}, {"--id", V.id}, {"--json"}, {"--top", V.count}}},
  {pre = {"snapshot", "diff"}, operands = {{V.snapshot, 2, 2}}, opts = {{"--top", V.count}, {"--json"}}},
  {pre = {"snapshot", "leaks"}, operands = {{V.snapshot, 3, 3}}, opts = {{"--top", V.count}, {"--json"}}},
  {pre = {"config"}, operands = {}, flags = true, opts = {
    {"--config", V.config}, {"--set", V.set}}},
  {pre = {"lua"}, lua = true, flags = true, opts = {}},
}
local TOP = {{"help"}, {"--help"}, {"-h"}, {"--version"}, {"-V"}, {"version"}, {}, {"rnu"}, {"runs"},
  {"snapshot"}, {"snapshot", "sumary"}, {"trace"}, {"trace", "plots"}, {"--bogus"}, {"-"}, {""}}

local SUB_HELP = {["-h"] = true, ["--help"] = true}

-- Command line `i`: a list of words and what the checks need to know.
local function command_line(seed, i)
  math.randomseed(seed, i)
  if chance(0.04) then
    local t = pick(TOP)
    return table.move(t, 1, #t, 1, {}), {top = true}
  end
  local c = pick(CMDS)
  -- a third of the lines are clean: valid values, options spelt right,
  -- so that the checks reach past the parsers
  local clean = chance(0.35)
  local words, info = {}, {help = false, clean = clean}
  local opts = {}
  local function add_opt(o, value_list)
    local name = o[1]
    if not clean and chance(0.04) then name = near_miss(name) end
    if not value_list then
      opts[#opts + 1] = {name}
      if not clean and chance(0.05) then opts[#opts][1] = name .. "=1" end
      return
    end
    local v = value_of(value_list, clean)
    local r = math.random(20)
    if r == 1 and not clean then opts[#opts + 1] = {name} -- the value missing (at the end, or taking the next word)
    elseif r <= 4 then opts[#opts + 1] = {name .. "=" .. v}
    else opts[#opts + 1] = {name, v} end
  end
  for _, b in ipairs(c.base or {}) do
    if chance(0.85) then add_opt(b, b[2]) end
  end
  for _ = 1, math.random(0, 4) do
    if #c.opts > 0 and chance(0.8) then
      local o = pick(c.opts)
      add_opt(o, o[2])
      if chance(0.1) then add_opt(o, o[2]) end -- repeated
    elseif c.flags or chance(0.2) then
      opts[#opts + 1] = {heap_flag(clean)}
    end
  end
  if not clean and chance(0.05) then opts[#opts + 1] = {near_miss(pick({"--help", "--config", "--set", "--filter"}))} end
  if chance(0.06) then
    opts[#opts + 1] = {pick({"--help", "-h"})}
    info.help_at = #opts
  end
  -- operands
  local operands = {}
  if c.lua then
    -- gclab lua [HEAP-FLAG]... SCRIPT [ARGS...]
    for _, w in ipairs(c.pre) do words[#words + 1] = w end
    for _, o in ipairs(opts) do for _, w in ipairs(o) do words[#words + 1] = w end end
    if clean or chance(0.9) then words[#words + 1] = value_of(V.script, clean) end
    for _ = 1, math.random(0, 2) do words[#words + 1] = pick(HOSTILE) end
    info.help = info.help_at ~= nil and words[#c.pre + 1] == opts[info.help_at][1]
    info.lua = true
    return words, info
  end
  for _, spec in ipairs(c.operands) do
    local n = math.random(spec[2], spec[3])
    if not clean and chance(0.1) then n = n + pick({-1, 1}) end
    for _ = 1, n do
      operands[#operands + 1] = clean and value_of(spec[1], true) or chance(0.9) and pick(spec[1]) or pick(HOSTILE)
    end
  end
  -- options and operands interleaved; "--" now and then
  for _, w in ipairs(c.pre) do words[#words + 1] = w end
  local items = {}
  for k, o in ipairs(opts) do items[#items + 1] = {o = o, help = k == info.help_at} end
  local at_end = chance(0.5)
  local dashdash = not clean and chance(0.05)
  local ops_items = {}
  for _, w in ipairs(operands) do ops_items[#ops_items + 1] = {o = {w}} end
  local all = {}
  if at_end then
    for _, it in ipairs(ops_items) do all[#all + 1] = it end
    for _, it in ipairs(items) do all[#all + 1] = it end
  else
    for _, it in ipairs(items) do all[#all + 1] = it end
    for _, it in ipairs(ops_items) do all[#all + 1] = it end
    for k = #all, 2, -1 do
      local j = math.random(k)
      all[k], all[j] = all[j], all[k]
    end
  end
  if dashdash then table.insert(all, math.random(#all + 1), {o = {"--"}, dashdash = true}) end
  local after_dashdash = false
  for _, it in ipairs(all) do
    if it.dashdash then after_dashdash = true end
    -- --help is honoured as an option: not after "--", not as a value
    if it.help and not after_dashdash then info.help = true end
    for _, w in ipairs(it.o) do words[#words + 1] = w end
  end
  -- a --help taken as the value of the option before it is not a switch
  if info.help then
    for k = #c.pre + 2, #words do
      if SUB_HELP[words[k]] then
        local prev = words[k - 1]
        for _, o in ipairs(c.opts) do if o[1] == prev and o[2] then info.help = false end end
      end
    end
  end
  info.cmd = table.concat(c.pre, " ")
  return words, info
end

-- ------------------------------------------------------------ checks

local stamp = work .. "/stamp"
put(stamp, "")


-- What must not reach the user on stderr: sanitizer reports, Lua
-- tracebacks, errors of the runner's own code, Lua type errors.
local LEAKS = {"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
  "stack traceback", "runner/", "attempt to ", "(error object", "bad argument #", "[C]:", ".lua:%d+: in "}
-- A script that `gclab lua` runs may fail with its own traceback (exit 1).
local SCRIPT_TRACE = {["stack traceback"] = true, ["[C]:"] = true, [".lua:%d+: in "] = true,
  ["attempt to "] = true, ["bad argument #"] = true}
local function leaked(err, script_failed)
  for _, l in ipairs(LEAKS) do
    if not (script_failed and SCRIPT_TRACE[l]) and err:find(l, 1, not l:find("%%")) then return l end
  end
end

-- Messages of exit 2 that say what is missing rather than which word is wrong.
local ABSENT = {"expected", "needs", "no scenario files", "nothing to vary", "give", "usage:", "wants one of",
  "cannot be used together", "needs --check"}

-- The first line of stderr names a word of the command line (whole, or the
-- option or value of a --opt=VALUE, or a file's name), or says what is missing.
local function names_something(line, words)
  for _, a in ipairs(ABSENT) do if line:find(a, 1, true) then return true end end
  for _, w in ipairs(words) do
    local parts = {w}
    local n, v = w:match("^(%-%-?[^=]+)=(.*)$")
    if n then parts[#parts + 1], parts[#parts + 2] = n, v end
    parts[#parts + 1] = w:match("[^/]+$")
    for _, p in ipairs(parts) do
      -- too short or too common to be a sign of naming it
      if #p >= 2 and p ~= "--" and line:find(p:sub(1, 60), 1, true) then return true end
      -- a one-character word only as a name: "-: cannot read", "'-'"
      if #p == 1 and (line:find(" " .. p .. ":", 1, true) or line:find("'" .. p .. "'", 1, true)) then
        return true
      end
    end
  end
  return false
end

local function show(words)
  local out = {}
  for _, w in ipairs(words) do
    local s = #w > 40 and w:sub(1, 40) .. "..." or w
    out[#out + 1] = q((s:gsub("[^%g ]", function(ch) return string.format("\\x%02x", ch:byte()) end)))
  end
  return "gclab " .. table.concat(out, " ")
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

local codes, clean_codes = {}, {}
local t_start = os.time()
for i = 1, LINES do
  local words, info = command_line(SEED, i)
  local args = {}
  for _, w in ipairs(words) do args[#args + 1] = q(w) end
  local case = string.format("case %d/%d: %s", SEED, i, show(words))
  local cmd = "cd " .. q(OUT) .. " && exec timeout -k 2 " .. BOUND .. " " .. q(bin) .. " " .. table.concat(args, " ")
    .. " </dev/null >" .. q(work .. "/stdout") .. " 2>" .. q(work .. "/stderr")
  local t0 = sys.monotonic()
  local _, how, code = os.execute(cmd)
  local dt = sys.monotonic() - t0
  if dt > C.slowest then C.slowest, C.slowest_case = dt, string.format("case %d/%d", SEED, i) end
  local out, err = read(work .. "/stdout"), read(work .. "/stderr")
  codes[code] = (codes[code] or 0) + 1
  if info.clean then clean_codes[code] = (clean_codes[code] or 0) + 1 end
  if VERBOSE then
    io.write(string.format("# %s%s -> %s %s\n", info.clean and "clean " or "", case, tostring(code),
      err:match("^[^\n]*"):sub(1, 200)))
  end
  local tail = "exit " .. tostring(code) .. " (" .. tostring(how) .. ")\nstderr: " .. err:sub(1, 1500)
  C.check(how == "exit" and (code == 0 or code == 1 or code == 2),
    case .. ": exits 0, 1 or 2" .. (code == 124 and " (timed out)" or ""), tail)
  local l = leaked(err, info.lua and code == 1)
  C.check(not l, case .. ": no sanitizer report or Lua internals on stderr ('" .. tostring(l) .. "')", tail)
  if code == 2 then
    local first = err:match("^[^\n]*")
    C.check(first:match("^gclab") ~= nil, case .. ": exit 2 with a message starting 'gclab'", tail)
    C.check(info.top or names_something(first, words), case .. ": exit 2 names what is wrong", tail)
  end
  if code == 0 and info.help then
    C.check(out:find("usage", 1, true) ~= nil, case .. ": --help prints usage on stdout", "stdout: " .. out:sub(1, 300))
  end
  if code == 0 then C.accepted = C.accepted + 1 else C.refused = C.refused + 1 end
end

-- Nothing new outside the scratch directory: the source tree (but build
-- directories and .git) and the scratch directory's other entries.
local prune = "\\( -name .git -o -name 'build*' -o -path " .. q(work) .. " \\) -prune -o"
local function newer(dir)
  local f = assert(io.popen("find " .. q(dir) .. " " .. prune .. " -newer " .. q(stamp) .. " -print 2>/dev/null"))
  local s = f:read("a")
  f:close()
  local list = {}
  for p in s:gmatch("[^\n]+") do
    if p ~= dir then list[#list + 1] = p end
  end
  return list
end
local stray = newer(root)
C.check(#stray == 0, "nothing written into the source tree", table.concat(stray, "\n"))
local sstray = newer(scratch)
C.check(#sstray == 0, "nothing written into the scratch directory outside " .. work, table.concat(sstray, "\n"))

local function tally(t)
  local summary = {}
  for code, n in pairs(t) do summary[#summary + 1] = string.format("exit %s: %d", tostring(code), n) end
  table.sort(summary)
  return table.concat(summary, ", ")
end
io.write(string.format("argv mutants: %d command lines (seed %d) in %d s: %s (the clean ones: %s)\n", LINES, SEED,
  os.time() - t_start, tally(codes), tally(clean_codes)))
if C.failures == 0 then os.execute("rm -rf " .. q(work)) end
C.finish()
