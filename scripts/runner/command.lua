-- command.lua -- what the command lines of the runner's subcommands share
-- (gclab run, sweep, trace plot, trace compare): an option's value, and a
-- usage error ({usage = msg}) made its message and exit status 2.
--
--   command.value(argv, i, name)  argv[i], the value of option `name`
--   command.inline_values(argv, takes)  "--opt=VALUE" as "--opt" "VALUE"
--   command.usage(name, msg)      "gclab NAME: MSG" and the --help hint on
--                                 stderr; returns 2
--   command.main(name, body)      body()'s exit status, or a usage error's
--   command.output_file_error(option, path)  why an output file cannot be
--                                 written there, or nil (checked before a run)

local sys = require "gclab.runner.sys"
local scenario = require "gclab.runner.scenario"

local M = {}

-- argv[i], the value given after option `name`; a usage error when none is.
function M.value(argv, i, name)
  local v = argv[i]
  if v == nil then error({usage = "option " .. name .. " needs a value"}) end
  return v
end

-- argv with each "--opt=VALUE" of an option in `takes` (a set of the
-- names that take a value) made the two words "--opt" "VALUE", as gclab
-- run and gclab config read them.  A word that is an option's value is
-- left alone ("--set --filter=x" sets "--filter=x").
function M.inline_values(argv, takes)
  local out, i = {}, 1
  while i <= #argv do
    local a = argv[i]
    local name, v = a:match("^(%-%-[%w-]+)=(.*)$")
    if name and takes[name] then
      out[#out + 1], out[#out + 2] = name, v
    else
      out[#out + 1] = a
      if takes[a] and argv[i + 1] ~= nil then
        out[#out + 1] = argv[i + 1]
        i = i + 1
      end
    end
    i = i + 1
  end
  return out
end

-- Why the output file `path` of `option` cannot be written -- it is a
-- directory, or its directory does not exist -- as a message; nil if it
-- can.  Checked before a run, so that a long run is not lost at its end.
function M.output_file_error(option, path)
  if sys.kind(path) == "directory" then return option .. ": " .. path .. " is a directory" end
  local parent = scenario.dirname(path)
  if parent ~= "" and sys.kind(parent) ~= "directory" then
    return option .. ": no directory " .. parent .. " for " .. path
  end
end

-- A usage error of `gclab NAME`: its message and the --help hint on stderr.
function M.usage(name, msg)
  io.stderr:write("gclab " .. name .. ": " .. msg .. "\nTry 'gclab " .. name .. " --help'.\n")
  return 2
end

-- Runs body() and returns its exit status; a usage error it raises is
-- printed (M.usage) and gives 2, any other error is raised again.
function M.main(name, body)
  local ok, status = pcall(body)
  if ok then return status end
  if type(status) == "table" and status.usage then return M.usage(name, status.usage) end
  error(status, 0)
end

return M
