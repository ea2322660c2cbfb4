-- matrix.lua -- the configurations a run goes through: --config files and
-- --matrix entries, each {name, label, path, set, desc}.  Names are plain
-- tokens (they become baseline directory names) and unique in a run.

local expect_mod = require "gclab.runner.expect"
local baseline = require "gclab.runner.baseline"
local scenario = require "gclab.runner.scenario"

local M = {}

-- A --matrix file: a Lua chunk (run with no globals) returning a list of
-- configurations {name = N, config = PATH-or-TABLE, set = {"K=V", ...}}.
-- Config paths are relative to the matrix file.  Returns the list or nil,
-- message.
local function load_matrix(path)
  local chunk, err = loadfile(path, "t", {})
  if not chunk then return nil, err end
  local ok, list = pcall(chunk)
  if not ok then return nil, tostring(list) end
  if type(list) ~= "table" or #list == 0 then
    return nil, path .. ": must return a non-empty list of configurations"
  end
  local out = {}
  for i, e in ipairs(list) do
    local where = path .. ": configuration " .. i
    if type(e) ~= "table" then return nil, where .. ": a table expected, got " .. type(e) end
    for k in pairs(e) do
      if k ~= "name" and k ~= "config" and k ~= "set" then
        return nil, where .. ": unknown key '" .. tostring(k) .. "' (known: name, config, set)"
      end
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
