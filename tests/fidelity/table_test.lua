-- table_test.lua -- docs/fidelity.md's "Measures per workload" table agrees
-- with the compare tests of tests/fidelity/CMakeLists.txt: the same
-- workloads, each row's **fail** cells exactly the measures its
-- `--known-failures` lists (the compare tests fail when that list is
-- wrong, so the table cannot drift from what `gclab trace compare` says),
-- its "within all four" cell **yes** exactly when it lists none, and the
-- totals under the table the count of those.  Reads the two files only;
-- the replays run in the fidelity_compare_* tests.
--   gclab lua tests/fidelity/table_test.lua GCLAB-BINARY REPO-ROOT
local bin, root = arg[1], arg[2]
local H = dofile(root .. "/tests/lua/harness.lua").new(bin, root)
local check = H.check

local function slurp(path)
  local f = assert(io.open(root .. "/" .. path, "r"))
  local s = f:read("a")
  f:close()
  return s
end

-- The measures in the table's column order, as --known-failures names them.
local MEASURES = {"scavenges", "mark_compacts", "oom", "promoted"}

-- name -> sorted, comma-joined known failures ("" for none), in file order.
local known, order = {}, {}
for name, list in slurp("tests/fidelity/CMakeLists.txt"):gmatch('\n%s*"([^"|]+)|[^|"]+|[^|"]+|[^|"]+|([^|"]+)"') do
  check(known[name] == nil, "CMakeLists.txt: workload " .. name .. " listed once")
  local set = {}
  if list ~= "-" then
    for m in list:gmatch("[^,]+") do set[#set + 1] = m end
  end
  table.sort(set)
  known[name] = table.concat(set, ",")
  order[#order + 1] = name
end
check(#order >= 8, "CMakeLists.txt: at least the issue's 8 workloads (" .. #order .. " found)")

local doc = slurp("docs/fidelity.md")
local head = doc:find("\n| workload | Scavenges: Node", 1, true)
check(head ~= nil, "docs/fidelity.md: the Measures per workload table is there")
if not head then H.finish() end

-- The table's rows: from the line after the separator to the first line
-- that is not a row.
local rows, seen = 0, {}
local pos = doc:find("\n", doc:find("\n", head + 1, true) + 1, true)
local failing_measures, good_workloads = 0, 0
for line in doc:sub(pos + 1):gmatch("([^\n]*)\n") do
  if line:sub(1, 2) ~= "| " then break end
  rows = rows + 1
  local cells = {}
  for c in (line:sub(2, -2) .. "|"):gmatch("%s*(.-)%s*|") do cells[#cells + 1] = c end
  local name = cells[1]:match("^(%S+)")
  local where = "docs/fidelity.md row " .. name
  check(#cells == 6, where .. ": six cells", line)
  check(not seen[name], where .. ": one row", line)
  seen[name] = true
  check(known[name] ~= nil, where .. ": a compare test in tests/fidelity/CMakeLists.txt", line)
  local fails = {}
  for i, m in ipairs(MEASURES) do
    local cell = cells[i + 1] or ""
    local verdict = cell:match("/ [^/]*(%*%*fail%*%*)") or cell:match("/ [^/]* (pass)")
    check(verdict ~= nil, where .. ": the " .. m .. " cell ends in pass or **fail**", cell)
    if verdict == "**fail**" then fails[#fails + 1] = m end
  end
  table.sort(fails)
  local listed = table.concat(fails, ",")
  failing_measures = failing_measures + #fails
  if known[name] then
    check(listed == known[name], where .. ": **fail** cells (" .. listed
      .. ") are the --known-failures (" .. known[name] .. ")", line)
  end
  local all4 = cells[6] or ""
  check((#fails == 0) == (all4:match("^%*%*yes%*%*") ~= nil), where
    .. ": within all four is **yes** exactly when no cell fails", line)
  if #fails == 0 then good_workloads = good_workloads + 1 end
end
for _, name in ipairs(order) do
  check(seen[name], "docs/fidelity.md: a row for " .. name)
end
check(rows == #order, "docs/fidelity.md: " .. rows .. " rows, " .. #order .. " compare tests")

-- "W of the N workloads are within all four thresholds and P of the T
-- measures pass" (by Node's runs; the first run's totals are not checked).
local w, n, p, t = doc:match("(%d+) of the (%d+)%s+workloads are within all four thresholds and (%d+) of the (%d+)%s+measures%s+pass")
check(w ~= nil, "docs/fidelity.md: the totals under the table")
check(tonumber(n) == rows and tonumber(w) == good_workloads, "docs/fidelity.md: workloads within all four "
  .. tostring(w) .. " of " .. tostring(n) .. " = " .. good_workloads .. " of " .. rows)
check(tonumber(t) == 4 * rows and tonumber(p) == 4 * rows - failing_measures, "docs/fidelity.md: measures "
  .. tostring(p) .. " of " .. tostring(t) .. " = " .. (4 * rows - failing_measures) .. " of " .. 4 * rows)
io.write(string.format("# %d workloads, %d within all four, %d of %d measures pass\n",
  rows, good_workloads, 4 * rows - failing_measures, 4 * rows))
H.finish()
