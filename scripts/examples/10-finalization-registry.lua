-- A FinalizationRegistry observing collection: each "connection" object
-- owns an OS-level resource (here just a number); when the program drops a
-- connection without closing it, the registry's cleanup releases the
-- resource -- later, never inside the GC, when the program lets cleanups
-- run (heap:run_cleanup(), or at the end of the job).

local TINY = {config = "../../configs/tiny.yaml"}

scenario("dropped connections are reported after a GC, in order", TINY, function(heap)
  local released = {}
  local registry = heap:root(heap:finalization_registry(function(fd)
    released[#released + 1] = fd
  end))
  local open = heap:root(heap:alloc(8, 0, "Pool"))
  for fd = 3, 10 do
    local conn = heap:alloc(1, 96, "Connection")
    registry:register(conn, fd)
    if fd % 2 == 0 then open[fd - 2] = conn end             -- even fds stay in use
  end
  local ev = heap:full_gc()
  expect(ev.cells_queued, "connections found dead by the GC").to_be(4)
  expect(#released, "nothing runs inside the GC").to_be(0)
  expect(heap:cleanup_pending()).to_be(4)
  expect(heap:run_cleanup()).to_be(4)
  expect(released).to_equal({3, 5, 7, 9})
end)

scenario("closing explicitly unregisters; the end of the job runs the rest", TINY, function(heap)
  local released = {}
  local registry = heap:root(heap:finalization_registry(function(fd)
    released[#released + 1] = fd
  end))
  local tokens = heap:root(heap:alloc(2, 0, "Tokens"))
  for fd = 1, 2 do
    local token = heap:alloc(0, 0, "CloseToken")
    tokens[fd] = token
    registry:register(heap:alloc(1, 96, "Connection"), fd, token)
  end
  expect(registry:unregister(tokens[1]), "closed: no cleanup needed").to_be(true)
  heap:full_gc()
  expect(heap:end_job()).to_be(1)
  expect(released).to_equal({2})
end)
