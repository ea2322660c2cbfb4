# Old-generation and incremental-marking benchmarks (issues 3 and 4): a full
# Mark-Sweep / Mark-Compact of a million live objects against Boehm GC's
# GC_gcollect, and incremental versus stop-the-world marking work.
add_executable(bench_full_gc ${CMAKE_CURRENT_LIST_DIR}/bench_full_gc.c)
target_link_libraries(bench_full_gc PRIVATE gclab_engine)

pkg_check_modules(BDWGC IMPORTED_TARGET bdw-gc)
if(BDWGC_FOUND)
  target_link_libraries(bench_full_gc PRIVATE PkgConfig::BDWGC)
  target_compile_definitions(bench_full_gc PRIVATE GCLAB_HAVE_BOEHM=1)
else()
  message(STATUS "bdw-gc not found: bench_full_gc builds without the Boehm comparison "
                 "(install libgc-dev for it)")
endif()

add_executable(bench_incremental ${CMAKE_CURRENT_LIST_DIR}/bench_incremental.c)
target_link_libraries(bench_incremental PRIVATE gclab_engine)
