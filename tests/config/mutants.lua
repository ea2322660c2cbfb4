-- mutants.lua -- the YAML configuration reader on damaged files: seeded
-- mutations of every configs/*.yaml (tests/lua/mutate.lua: truncation,
-- lines and tokens deleted, doubled, swapped or retyped, bytes flipped,
-- junk, NUL, huge numbers, deep nesting, very long strings) read in one
-- process, through gclab.config over a profile layer and as that layer
-- (gclab.defaults).  Each mutant is either accepted (a configuration
-- table) or refused with the error docs/configuration.md ("Errors")
-- promises: "FILE:LINE:COLUMN: KEY.PATH: what", its line and column inside
-- the mutant; within a time bound; and afterwards every valid file still
-- reads to the same table and the profile layer is as it was.  A few
-- mutants also go through `gclab config --config FILE`: a refused one
-- exits 2 with the same message, what it prints of an accepted one loads
-- back the same.
--   gclab lua tests/config/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS
-- SEEDS seeds of 24 mutants of each file (CTest: fewer under ASan);
-- SECONDS bounds each read.  GCLAB_READER_FUZZ=N runs N seeds instead.
local Mu = dofile(arg[2] .. "/tests/lua/mutate.lua")
local C = Mu.start("config mutants", arg)
local root, scratch, H, check = C.root, C.scratch, C.H, C.check
local gclab = require "gclab"
local PER_FILE, CLI_CASES = 24, 4

local FILES = {"tiny.yaml", "small.yaml", "classic.yaml", "tiny-classic.yaml", "node20.yaml"}
local OPTS = {nest = {"[", "{", "- ", "  a:\n", "? "},
  junk = {"page_size: 4KiB\n", "old_space:\n", "  max_size: ", "16MiB", "16QiB", "0%", "101%", "yes", "~",
    "&x ", "*x", "!!int ", "<<: ", "---\n", "...\n", "{a: 1}", "[1, 2]", "\"\\0\"", "'", ": ", "- ", "  ", "\t",
    "\xef\xbb\xbf", "flags: --max-old-space-size=", "--semi-space-size=999999"}}

local equal = Mu.equal

-- Under a profile layer, as `gclab run --config` sets one: a refused
-- gclab.defaults must leave it in place.
local PROFILE = root .. "/configs/small.yaml"
gclab.defaults({config = PROFILE})
local base_default = gclab.config()
local base = {}
for _, f in ipairs(FILES) do base[f] = gclab.config(root .. "/configs/" .. f) end

-- Lines as YAML counts them: a lone CR breaks a line too.
local function lines_of(text)
  text = text:gsub("\r\n?", "\n")
  local n, longest = 1, 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do longest = math.max(longest, #l) end
  for _ in text:gmatch("\n") do n = n + 1 end
  return n, longest
end

local path = scratch .. "/mutant.yaml"
local emitted = scratch .. "/emitted.yaml"
local cli_left, emit_left = CLI_CASES, CLI_CASES
for seed = 1, C.seeds do
  for _, f in ipairs(FILES) do
    local valid = Mu.read(root .. "/configs/" .. f)
    for i = 1, PER_FILE do
      local text, how = Mu.mutant(valid, seed, i, OPTS)
      local case = string.format("%s seed %d mutant %d (%s)", f, seed, i, how)
      Mu.write(path, text)
      local nlines, longest = lines_of(text)
      -- A refusal: "PREFIX FILE:LINE:COLUMN: KEY: what", inside the mutant.
      local function located(msg, prefix)
        local l, c, key, what = msg:match("^" .. prefix .. path:gsub("%p", "%%%0") .. ":(%d+):(%d+): (.-): (.+)$")
        return l and tonumber(l) >= 1 and tonumber(l) <= nlines and tonumber(c) >= 1
          and tonumber(c) <= longest + 1 and key ~= "" and what ~= ""
      end
      -- over the profile, as a heap's own config
      local ok, res = C.timed(C.bound, case, gclab.config, path)
      if ok then
        C.accepted = C.accepted + 1
        check(type(res) == "table" and math.type(res.page_size) == "integer", case .. ": accepted as a table")
      else
        C.refused = C.refused + 1
        check(located(tostring(res), "gclab%.config: "),
          case .. ": refused with FILE:LINE:COLUMN: KEY: what, inside the file", tostring(res))
      end
      -- as the profile itself (over the built-in only, so it may be
      -- refused or accepted where the above was not): a refusal changes
      -- nothing; `gclab config --config FILE` says the same
      local dok, derr = C.timed(C.bound, case .. " (gclab.defaults)", gclab.defaults, {config = path})
      if dok then
        -- what `gclab config` prints of it loads back unchanged
        if emit_left > 0 then
          emit_left = emit_left - 1
          local cfg = gclab.config()
          local out, code = H.run("config --config " .. H.quote(path) .. " > " .. H.quote(emitted))
          gclab.defaults({config = emitted})
          check(code == 0 and equal(gclab.config(), cfg), case .. ": gclab config prints what loads back the same",
            out .. Mu.read(emitted))
        end
        gclab.defaults({config = PROFILE})
      else
        check(located(tostring(derr), "config: "),
          case .. ": gclab.defaults refuses it with FILE:LINE:COLUMN: KEY: what", tostring(derr))
        if cli_left > 0 then
          cli_left = cli_left - 1
          local out, code = H.run("config --config " .. H.quote(path))
          check(code == 2 and H.has(out, tostring(derr):sub(#"config: " + 1)),
            case .. ": gclab config --config exits 2 with the message", out)
        end
      end
      check(equal(gclab.config(), base_default), case .. ": gclab.defaults left the profile as it was")
      -- the next file reads as before, refused or not
      local g = FILES[(i % #FILES) + 1]
      check(equal(gclab.config(root .. "/configs/" .. g), base[g]), case .. ": " .. g .. " reads the same after it")
    end
  end
end
os.remove(path)
os.remove(emitted)
C.finish()
