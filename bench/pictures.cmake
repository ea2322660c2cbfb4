# Pictures benchmark (issue 14): a 1 GiB heap map's time and size against
# <= 1 s and <= 2 MB, and a 1000-combination sweep's time.
#   cmake --build build --target bench_pictures
#   build/gclab lua bench/pictures.lua build/gclab [HEAP-MIB] [COMBINATIONS]
if(TARGET gclab)
  add_custom_target(bench_pictures
    COMMAND gclab lua ${CMAKE_CURRENT_LIST_DIR}/pictures.lua $<TARGET_FILE:gclab>
    DEPENDS gclab
    USES_TERMINAL
    COMMENT "pictures: a 1 GiB heap map, a 1000-combination sweep")
  # Keep it working in CI, small: a 16 MiB heap, 8 combinations.
  add_test(NAME bench_pictures_smoke
    COMMAND gclab lua ${CMAKE_CURRENT_LIST_DIR}/pictures.lua $<TARGET_FILE:gclab> 16 8)
  set_tests_properties(bench_pictures_smoke PROPERTIES LABELS "bench;lua" TIMEOUT 300)
endif()
