# The .heapsnapshot file format (bindings/snapshot_*.c): libyajl for JSON,
# zlib for gzip.  Used by the Lua module and the `gclab snapshot` command.
pkg_check_modules(YAJL REQUIRED IMPORTED_TARGET yajl)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
add_library(gclab_snapshot_file STATIC
  ${CMAKE_CURRENT_LIST_DIR}/snapshot_read.c
  ${CMAKE_CURRENT_LIST_DIR}/snapshot_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/snapshot_write.c
  ${CMAKE_CURRENT_LIST_DIR}/snapshot_replay.c)
set_target_properties(gclab_snapshot_file PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(gclab_snapshot_file PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gclab_snapshot_file PUBLIC gclab_engine PkgConfig::YAJL PkgConfig::ZLIB)
include(${CMAKE_CURRENT_LIST_DIR}/boot.cmake) # the boot heap: bindings/boot_heap.c
