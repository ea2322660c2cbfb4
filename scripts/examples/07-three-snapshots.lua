-- memlab's three snapshots: base (before an action), target (after it),
-- final (after undoing it).  Whatever the action allocated (in target, not
-- in base) that undoing it did not free (still reachable in final) is a
-- leak candidate; gclab.find_leaks groups them by class, with the retainer
-- path of each group's largest object.  (docs/leaks.md)

local TINY = {config = "../../configs/tiny.yaml"}

-- An app with a view tree and an observer registry.  Opening a dialog
-- adds a Dialog with Widgets to the view tree, registers each widget's
-- callback with the registry, and shows Tooltips; closing it unmounts the
-- dialog and the tooltips -- but, with `forget_observers`, leaves the
-- callbacks registered.
local function app(heap, forget_observers)
  local global = heap:root(heap:alloc(2, 0, "App"))
  local view = heap:alloc(1, 0, "ViewTree")
  local registry = heap:alloc(1, 0, "ObserverRegistry") -- slot 1: list of Observers
  global[1], global[2] = view, registry
  local a = {}
  function a.open_dialog()
    heap:scope(function()
      local dialog = heap:alloc(9, 0, "Dialog")
      for i = 1, 8 do
        local w = heap:alloc(2, 0, "Widget")
        w[1] = heap:alloc(0, 160, "WidgetState")
        dialog[i] = w
        local obs = heap:alloc(2, 0, "Observer") -- {callback = widget, next}
        obs[1] = w
        obs[2] = registry[1]
        registry[1] = obs
      end
      dialog[9] = heap:alloc(0, 512, "Tooltip")
      view[1] = dialog
    end)
  end
  function a.close_dialog()
    view[1] = nil
    if not forget_observers then registry[1] = nil end
  end
  return a
end

local function three_snapshots(heap, forget_observers)
  local a = app(heap, forget_observers)
  heap:full_gc()
  local base = heap:snapshot()
  a.open_dialog()
  heap:full_gc()
  local target = heap:snapshot()
  a.close_dialog()
  heap:full_gc()
  return base, target, heap:snapshot()
end

scenario("find_leaks: what opening a dialog left behind after closing it", TINY, function(heap)
  local base, target, final = three_snapshots(heap, true)
  local leaks = gclab.find_leaks(base, target, final)
  local found = {}
  for _, row in ipairs(leaks) do
    found[#found + 1] = row.name .. " x" .. row.count .. " (" .. row.retained_size .. " bytes)"
  end
  record("leaks", table.concat(found, ", "))
  -- The dialog and its tooltip were freed; the widgets were not.
  expect(#leaks).to_be(3)
  expect(leaks[1].name).to_be("Observer")
  expect(leaks[2].name).to_be("Widget")
  expect(leaks[2].count).to_be(8)
  expect(leaks[3].name).to_be("WidgetState")
  for _, row in ipairs(leaks) do expect(row.name).never.to_be("Tooltip") end
  -- Who holds them: the path of the largest Widget ends in an Observer's
  -- slot 1, under the registry.
  local path = leaks[2].path
  expect(path[#path].from.name).to_be("Observer")
  expect(path[#path].edge).to_be("[0]")
  local via = {}
  for _, step in ipairs(path) do via[step.from.name] = true end
  expect(via.ObserverRegistry, "the registry is on the path").to_be(true)
  record("widget_path_length", #path)
end)

scenario("find_leaks: nothing when closing unregisters the observers", TINY, function(heap)
  local base, target, final = three_snapshots(heap, false)
  expect(#gclab.find_leaks(base, target, final)).to_be(0)
  -- The Comparison of base and final agrees: nothing new survived.
  for _, row in ipairs(base:diff(final)) do expect(row.new, row.name).to_be(0) end
end)
