-- mutants.lua -- the YAML configuration reader on damaged files: seeded
-- mutations of every configs/*.yaml (tests/lua/mutate.lua: truncation,
-- lines and tokens deleted, doubled, swapped or retyped, bytes flipped,
-- junk, NUL, huge numbers, deep nesting, very long strings) read in one
-- process through gclab.config and gclab.defaults.  Each mutant is either
-- accepted (a configuration table) or refused with the error
-- docs/configuration.md ("Errors") promises: "FILE:LINE:COLUMN: KEY.PATH:
-- what", its line and column inside the mutant; within a time bound; and
-- afterwards every valid file still reads to the same table and a refused
-- gclab.defaults has changed nothing.  A few refusals also go through
-- `gclab config --config FILE` (exit 2, the same message).
--   gclab lua tests/config/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS
-- SEEDS seeds of 24 mutants of each file (CTest: fewer under ASan);
-- SECONDS bounds each read.  GCLAB_READER_FUZZ=N runs N seeds instead.
local bin, root, scratch = arg[1], arg[2], arg[3]
local Mu = dofile(root .. "/tests/lua/mutate.lua")
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local gclab = require "gclab"
local C = Mu.checker("config mutants")
local check = C.check
local SEEDS, BOUND, PER_FILE, CLI_CASES = Mu.seeds(tonumber(arg[4]) or 4), tonumber(arg[5]) or 2, 24, 4

local FILES = {"tiny.yaml", "small.yaml", "classic.yaml", "tiny-classic.yaml", "node20.yaml"}
local OPTS = {nest = {"[", "{", "- ", "  a:\n", "? "},
  junk = {"page_size: 4KiB\n", "old_space:\n", "  max_size: ", "16MiB", "16QiB", "0%", "101%", "yes", "~",
    "&x ", "*x", "!!int ", "<<: ", "---\n", "...\n", "{a: 1}", "[1, 2]", "\"\\0\"", "'", ": ", "- ", "  ", "\t",
    "\xef\xbb\xbf", "flags: --max-old-space-size=", "--semi-space-size=999999"}}

local function equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- Under a profile layer, as `gclab run --config` sets one: a refused
-- gclab.defaults must leave it in place.
local PROFILE = root .. "/configs/small.yaml"
gclab.defaults({config = PROFILE})
local base_default = gclab.config()
local base = {}
for _, f in ipairs(FILES) do base[f] = gclab.config(root .. "/configs/" .. f) end

local function lines_of(text)
  local n, longest = 1, 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do longest = math.max(longest, #l) end
  for _ in text:gmatch("\n") do n = n + 1 end
  return n, longest
end

local path = scratch .. "/mutant.yaml"
local cli_left = CLI_CASES
for seed = 1, SEEDS do
  for _, f in ipairs(FILES) do
    local valid = Mu.read(root .. "/configs/" .. f)
    for i = 1, PER_FILE do
      local text, how = Mu.mutant(valid, seed, i, OPTS)
      local case = string.format("%s seed %d mutant %d (%s)", f, seed, i, how)
      Mu.write(path, text)
      local ok, res = C.timed(BOUND, case, gclab.config, path)
      if ok then
        C.accepted = C.accepted + 1
        check(type(res) == "table" and math.type(res.page_size) == "integer", case .. ": accepted as a table")
      else
        C.refused = C.refused + 1
        local msg = tostring(res)
        local l, c, key, what = msg:match("^gclab%.config: " .. path:gsub("%p", "%%%0") .. ":(%d+):(%d+): (.-): (.+)$")
        local nlines, longest = lines_of(text)
        check(l and tonumber(l) >= 1 and tonumber(l) <= nlines and tonumber(c) >= 1
          and tonumber(c) <= longest + 1 and key ~= "" and what ~= "",
          case .. ": refused with FILE:LINE:COLUMN: KEY: what, inside the file", msg)
        -- the same refusal as a profile layer changes nothing
        local dok, derr = C.timed(BOUND, case .. " (gclab.defaults)", gclab.defaults, {config = path})
        check(not dok and tostring(derr):find(msg:sub(#"gclab.config: " + 1), 1, true),
          case .. ": gclab.defaults refuses it with the same message", tostring(derr))
        check(equal(gclab.config(), base_default), case .. ": a refused gclab.defaults changed the profile")
        if cli_left > 0 then
          cli_left = cli_left - 1
          local out, code = H.run("config --config " .. H.quote(path))
          check(code == 2 and H.has(out, msg:sub(#"gclab.config: " + 1)),
            case .. ": gclab config --config exits 2 with the message", out)
        end
      end
      -- the next file reads as before, refused or not
      local g = FILES[(i % #FILES) + 1]
      check(equal(gclab.config(root .. "/configs/" .. g), base[g]), case .. ": " .. g .. " reads the same after it")
    end
  end
end
os.remove(path)
C.finish()
