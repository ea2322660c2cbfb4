-- mutants.lua -- the .heapsnapshot reader on damaged files, through the
-- Lua module: seeded mutations (tests/lua/mutate.lua) of the committed
-- tiny.heapsnapshot and of a small snapshot gclab writes (plain text:
-- truncation, lines and tokens deleted, doubled, swapped or retyped, bytes
-- flipped, junk, NUL, huge numbers, deep nesting, very long strings), and
-- byte damage to the compressed stream of that snapshot gzipped and of
-- Node's node20-small.heapsnapshot.gz (a flipped byte, junk, truncation),
-- all read in one process with gclab.read_snapshot.  Each mutant is either
-- accepted -- a snapshot whose Summary works, that writes and reads back
-- the same, and that gclab.heap_from_snapshot replays or refuses with a
-- message -- or refused with docs/leaks.md's "FILE: byte N: what" (N
-- within what the file can hold); within a time bound; and afterwards the
-- valid files read as before.  A few refusals also go through `gclab
-- snapshot summary FILE` (exit 1, the same message).  (snapshot.fuzz
-- drives the C reader directly with many more mutants of tiny.heapsnapshot;
-- this is the face scripts and the command use.)
--   gclab lua tests/snapshot/mutants.lua GCLAB-BINARY REPO-ROOT SCRATCH-DIR SEEDS SECONDS
-- SEEDS seeds of 20 mutants of each text, 10 of the gclab gzip and 2 of
-- Node's; SECONDS bounds each read.  GCLAB_READER_FUZZ=N runs N seeds.
local Mu = dofile(arg[2] .. "/tests/lua/mutate.lua")
local C = Mu.start("snapshot mutants", arg)
local root, scratch, H, check = C.root, C.scratch, C.H, C.check
local gclab = require "gclab"
local CLI_CASES = 4
local FIX = root .. "/tests/snapshot/fixtures/"

-- gclab's own small snapshot: a rooted chain with numbers, a non-ASCII
-- name and a WeakRef (a weak edge).
local GCLAB_PLAIN, GCLAB_GZ = scratch .. "/gclab.heapsnapshot", scratch .. "/gclab.heapsnapshot.gz"
do
  local h <close> = gclab.heap({boot = "none"})
  local a = h:root(h:alloc(3, nil, "Holder"))
  local prev = a
  for i = 1, 12 do
    local o = h:alloc(2, nil, i % 3 == 0 and "Item\xc3\xa9" or "Item")
    prev[1], prev[2], prev = o, i, o
  end
  a[3] = h:weak_ref(prev)
  local s <close> = h:snapshot()
  s:write(GCLAB_PLAIN)
  s:write(GCLAB_GZ)
end

local TEXT_OPTS = {nest = {"[", "{", "[{\"a\":"}, junk = {"\"nodes\":", "\"edges\":", "\"strings\":",
  "\"meta\":{}", "\"node_count\":", "\"edge_count\":", "\"\\u0000\"", "\"\\ud800\"", "\"\\u00e9\"", "\"weak\"",
  "\"hidden\"", "4294967295", "9007199254740993", "-0.0", "1E+2", "[[[[", "]]]]"}}
local GZ_OPTS = {ops = Mu.BYTE_OPS, max = 2}
local SOURCES = {
  {name = "tiny.heapsnapshot", path = FIX .. "tiny.heapsnapshot", per_seed = 20, opts = TEXT_OPTS},
  {name = "gclab.heapsnapshot", path = GCLAB_PLAIN, per_seed = 20, opts = TEXT_OPTS},
  {name = "gclab.heapsnapshot.gz", path = GCLAB_GZ, per_seed = 10, opts = GZ_OPTS, gz = true},
  {name = "node20-small.heapsnapshot.gz", path = FIX .. "node20-small.heapsnapshot.gz", per_seed = 2,
    opts = GZ_OPTS, gz = true},
}

local equal = Mu.equal

-- What a snapshot is, for "reads the same": its counts and its Summary.
local function look(s) return {tostring(s), s:summary()} end

local base = {}
for _, src in ipairs(SOURCES) do
  src.text = Mu.read(src.path)
  base[src.path] = look(gclab.read_snapshot(src.path))
end

local path = scratch .. "/mutant.heapsnapshot"
local back = scratch .. "/back.heapsnapshot"
local cli_left = CLI_CASES
for seed = 1, C.seeds do
  for k, src in ipairs(SOURCES) do
    for i = 1, src.per_seed do
      local text, how = Mu.mutant(src.text, seed, i, src.opts)
      local case = string.format("%s seed %d mutant %d (%s)", src.name, seed, i, how)
      Mu.write(path, text)
      local ok, snap = C.timed(C.bound, case, gclab.read_snapshot, path)
      if ok then
        C.accepted = C.accepted + 1
        local seen = look(snap)
        check(tostring(snap):match("^gclab%.snapshot %(%d+ nodes, %d+ edges, %d+ bytes%)$"), case .. ": accepted",
          tostring(snap))
        snap:write(back)
        local rok, again = pcall(gclab.read_snapshot, back)
        check(rok and equal(look(again), seen), case .. ": accepted, but does not write and read back the same",
          not rok and again or nil)
        local hok, heap = C.timed(C.bound, case .. " (heap_from_snapshot)", gclab.heap_from_snapshot, snap,
          {boot = "none"})
        check(hok or type(heap) == "string", case .. ": heap_from_snapshot answers with a heap or a message")
        if hok then heap:close() end
      else
        C.refused = C.refused + 1
        local msg = tostring(snap)
        local n, what = msg:match("^gclab%.read_snapshot: " .. path:gsub("%p", "%%%0") .. ": byte (%d+): (.+)$")
        -- a byte of the uncompressed text: deflate expands at most 1032:1
        local most = src.gz and 1032 * #text or #text
        check(n and tonumber(n) <= most and #what > 0, case .. ": refused with FILE: byte N: what, N within the file",
          msg)
        if cli_left > 0 then
          cli_left = cli_left - 1
          local out, code = H.run("snapshot summary " .. H.quote(path))
          check(code == 1 and H.has(out, "gclab snapshot: " .. msg:sub(#"gclab.read_snapshot: " + 1)),
            case .. ": gclab snapshot summary exits 1 with the message", out)
        end
      end
      -- the next file reads as before, refused or not
      local nxt = SOURCES[k % 2 + 1].path -- the small ones, alternately
      check(equal(look(gclab.read_snapshot(nxt)), base[nxt]), case .. ": " .. nxt .. " reads the same after it")
    end
  end
end
check(equal(look(gclab.read_snapshot(FIX .. "node20-small.heapsnapshot.gz")),
  base[FIX .. "node20-small.heapsnapshot.gz"]), "node20-small.heapsnapshot.gz reads the same at the end")
os.remove(path)
os.remove(back)
C.finish()
