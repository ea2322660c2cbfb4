# Young-generation benchmarks (issue 2): binary-trees against Boehm GC and
# malloc/free, and the scavenger's copy rate against memcpy.
add_executable(bench_binary_trees ${CMAKE_CURRENT_LIST_DIR}/bench_binary_trees.c)
target_link_libraries(bench_binary_trees PRIVATE gclab_engine)

pkg_check_modules(BDWGC IMPORTED_TARGET bdw-gc)
if(BDWGC_FOUND)
  target_link_libraries(bench_binary_trees PRIVATE PkgConfig::BDWGC)
  target_compile_definitions(bench_binary_trees PRIVATE GCLAB_HAVE_BOEHM=1)
else()
  message(STATUS "bdw-gc not found: bench_binary_trees builds without the Boehm column "
                 "(install libgc-dev for it)")
endif()

add_executable(bench_scavenge_copy ${CMAKE_CURRENT_LIST_DIR}/bench_scavenge_copy.c)
target_link_libraries(bench_scavenge_copy PRIVATE gclab_engine)
