-- matrix.lua -- the configurations a run goes through: --config files and
-- --matrix entries, each {name, label, path, set, desc}.  Names are plain
-- tokens (they become baseline directory names) and unique in a run.

local expect_mod = require "gclab.runner.expect"
local baseline = require "gclab.runner.baseline"
local scenario = require "gclab.runner.scenario"

local M = {}

-- A --matrix file is data: its chunk runs in a coroutine of its own, with
-- no globals and within these bounds, so a file that loops or grows
-- without end is an error naming it, not a hung run.
local MATRIX_MAX_INSTRUCTIONS = 10000000
local MATRIX_MAX_KB = 64 * 1024
local HOOK_EVERY = 1000

local function run_matrix_chunk(chunk, path)
  local co = coroutine.create(chunk)
  local used, start_kb = 0, collectgarbage("count")
  debug.sethook(co, function()
    used = used + HOOK_EVERY
    if used > MATRIX_MAX_INSTRUCTIONS then
      error(path .. ": still running after " .. MATRIX_MAX_INSTRUCTIONS ..
        " instructions (a --matrix file returns a list; does it loop?)", 0)
    end
    if collectgarbage("count") - start_kb > MATRIX_MAX_KB then
      error(path .. ": uses more than " .. MATRIX_MAX_KB // 1024 .. " MiB (a --matrix file returns a list)", 0)
    end
  end, "", HOOK_EVERY)
  local ok, list = coroutine.resume(co)
  if not ok then return false, list end
  if coroutine.status(co) ~= "dead" then return false, path .. ": yielded instead of returning a list" end
  return true, list
end

-- A --matrix file: a Lua chunk (run with no globals) returning a list of
-- configurations {name = N, config = PATH-or-TABLE, set = {"K=V", ...}}.
-- Config paths are relative to the matrix file.  Returns the list or nil,
-- message.
local function load_matrix(path)
  local chunk, err = loadfile(path, "t", {})
  if not chunk then return nil, err end
  local ok, list = run_matrix_chunk(chunk, path)
  if not ok then return nil, tostring(list) end
  if type(list) ~= "table" or #list == 0 then
    return nil, path .. ": must return a non-empty list of configurations"
  end
  -- a list: keys 1..n and nothing else (an entry after a hole, or under a
  -- name, would be skipped without a word)
  local n = #list
  for k in pairs(list) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      return nil, path .. ": the list has an entry at key " .. expect_mod.repr(k) ..
        " outside 1.." .. n .. " (a hole, or a named key): list the configurations one after another"
    end
  end
  for i = 1, n do
    if list[i] == nil then return nil, path .. ": configuration " .. i .. " is nil (a hole in the list)" end
  end
  local out = {}
  for i, e in ipairs(list) do
    local where = path .. ": configuration " .. i
    if type(e) ~= "table" then return nil, where .. ": a table expected, got " .. type(e) end
    local unknown, nunknown = scenario.unknown_keys(e, {name = true, config = true, set = true})
    if unknown then
      return nil, where .. ": unknown key" .. (nunknown > 1 and "s " or " ") .. unknown .. " (known: name, config, set)"
    end
    if type(e.name) ~= "string" or not e.name:match("^[%w_.%-]+$") or e.name:match("^%.+$") then
      return nil, where .. ": name must be a plain word (letters, digits, _ . -), got " ..
        expect_mod.repr(e.name)
    end
    where = path .. ": configuration '" .. e.name .. "'"
    if e.config ~= nil and type(e.config) ~= "string" and type(e.config) ~= "table" then
      return nil, where .. ": config must be a YAML path or a table"
    end
    local set = e.set or {}
    if type(set) == "string" then set = {set} end
    if type(set) ~= "table" then return nil, where .. ": set must be a list of \"KEY=VALUE\" strings" end
    for _, kv in ipairs(set) do
      if type(kv) ~= "string" or not kv:find("=", 1, true) then
        return nil, where .. ": set must be a list of \"KEY=VALUE\" strings, got " .. expect_mod.repr(kv)
      end
    end
    local desc = type(e.config) == "string" and e.config or (e.config and "a table" or "built-in default")
    if #set > 0 then desc = desc .. " + " .. table.concat(set, " ") end
    out[#out + 1] = {name = e.name, label = e.name,
      path = scenario.resolve_config(e.config, scenario.dirname(path)),
      set = set, desc = e.name .. " (" .. desc .. ")"}
  end
  return out
end

-- The configurations of the run, each {name, label, path, set}: --config
-- files (named after their stem; a second "tiny" is "tiny-2") and --matrix
-- entries, in command-line order; none given: the built-in default.
-- specs: {{config = PATH} or {matrix = PATH}, ...}.  Returns the list or
-- nil, message.
function M.configurations(specs)
  local configs, names = {}, {}
  for _, spec in ipairs(specs) do
    if spec.config then
      local base = baseline.config_name(spec.config)
      local name, k = base, 1
      while names[name] do k = k + 1; name = base .. "-" .. k end
      names[name] = true
      configs[#configs + 1] = {name = name, label = spec.config, path = spec.config, set = {}}
    else
      local list, err = load_matrix(spec.matrix)
      if not list then return nil, "--matrix: " .. err end
      for _, c in ipairs(list) do
        if names[c.name] then
          return nil, "--matrix " .. spec.matrix .. ": configuration name '" .. c.name .. "' is used twice"
        end
        names[c.name] = true
        configs[#configs + 1] = c
      end
    end
  end
  if #configs == 0 then configs[1] = {name = "default", label = "default", set = {}} end
  return configs
end

return M
