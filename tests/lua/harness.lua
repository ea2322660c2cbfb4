-- harness.lua -- what the command-level Lua tests share (runner_test.lua,
-- tests/regress/regress_test.lua, tests/pictures, tests/snapshot/cli_test.lua,
-- ...): run the gclab binary or a shell command from a directory, make a
-- scratch directory, count checks, print failures with the output that
-- explains them, and finish with the `N checks, N failed` line and the exit
-- status.
--   local H = dofile(REPO_ROOT .. "/tests/lua/harness.lua").new(BINARY, REPO_ROOT)
local M = {}

-- A string quoted for the POSIX shell.
function M.quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

function M.has(out, s) return out:find(s, 1, true) ~= nil end
function M.has_line(out, s) return ("\n" .. out):find("\n" .. s .. "\n", 1, true) ~= nil end

function M.new(bin, root)
  local H = {quote = M.quote, has = M.has, has_line = M.has_line}
  local failures, checks = 0, 0

  -- Run `gclab ARGS` in `dir` (the repository root by default); `prefix`
  -- goes before the binary (environment settings).  Returns the output
  -- (stdout and stderr) and the exit status.
  function H.run(args, prefix, dir)
    local cmd = "cd " .. M.quote(dir or root) .. " && " .. (prefix or "") .. M.quote(bin) .. " "
      .. args .. " 2>&1"
    local f = assert(io.popen(cmd))
    local out = f:read("a")
    local _, _, code = f:close()
    return out, code
  end

  -- Run the shell command `cmd` in the repository root.  Returns its output
  -- (stdout and stderr, without the last newline) and the exit status.
  function H.sh(cmd)
    local f = assert(io.popen("cd " .. M.quote(root) .. " && " .. cmd .. " 2>&1"))
    local out = f:read("a"):gsub("\n$", "")
    local _, _, code = f:close()
    return out, code
  end

  -- A new empty directory, named like os.tmpname(); the test removes it.
  function H.tmpdir()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. M.quote(dir)))
    return dir
  end

  function H.check(cond, what, out)
    checks = checks + 1
    if not cond then
      failures = failures + 1
      io.write("not ok - ", what, "\n")
      if out then io.write((tostring(out):gsub("[^\n]*", "#   %0")), "\n") end
    end
  end

  function H.finish()
    io.write(string.format("%d checks, %d failed\n", checks, failures))
    os.exit(failures == 0 and 0 or 1)
  end

  return H
end

return M
