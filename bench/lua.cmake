# Lua binding benchmark: binary-trees on gclab heap objects vs plain Lua
# tables, timed in one run: the per-operation table, then binary-trees with
# heap:scope and with root/unroot per node (ratios; docs/benchmarks.md).
#   cmake --build build --target bench_lua_binary_trees      (depth 16)
#   build/gclab lua bench/lua_binary_trees.lua [DEPTH] [CONFIG.yaml]
if(TARGET gclab)
  add_custom_target(bench_lua_binary_trees
    COMMAND gclab lua ${CMAKE_CURRENT_LIST_DIR}/lua_binary_trees.lua 16
    DEPENDS gclab
    USES_TERMINAL
    COMMENT "binary-trees depth 16: gclab heap vs plain Lua tables")
  # Keep the benchmark working (and its two programs agreeing) in CI, small.
  add_test(NAME bench_lua_binary_trees_smoke
    COMMAND gclab lua ${CMAKE_CURRENT_LIST_DIR}/lua_binary_trees.lua 8)
  set_tests_properties(bench_lua_binary_trees_smoke PROPERTIES LABELS "bench;lua"
    ENVIRONMENT "GCLAB_BENCH_OPS=2000")
endif()
