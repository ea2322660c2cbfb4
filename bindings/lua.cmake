# The Lua 5.4 module `gclab`, built twice from the same objects:
#   gclab_lua  STATIC  preloaded by the `gclab` command (cli/)
#   gclab_lua_module  MODULE  ${CMAKE_BINARY_DIR}/lua/gclab.so, for stock lua5.4:
#       LUA_CPATH="build/lua/?.so;;" lua5.4 -e 'local gclab = require "gclab"'
# The shared module does not link liblua: the interpreter that loads it
# provides the Lua API (linking a second copy would break luaL_checkversion).
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)
# libxml2's xmlTextWriter: the one XML/SVG/HTML writer (bindings/lua_xml.c).
pkg_check_modules(XML2 REQUIRED IMPORTED_TARGET libxml-2.0)
# libyajl's generator and libcsv's writer: JSON and CSV output (lua_formats.c).
pkg_check_modules(YAJL REQUIRED IMPORTED_TARGET yajl)
find_library(CSV_LIBRARY NAMES csv)
find_path(CSV_INCLUDE_DIR csv.h)
if(NOT CSV_LIBRARY OR NOT CSV_INCLUDE_DIR)
  message(FATAL_ERROR "libcsv not found: install libcsv-dev (sh build.sh deps)")
endif()

file(GLOB GCLAB_LUA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/lua_*.c)
add_library(gclab_lua_obj OBJECT ${GCLAB_LUA_SOURCES})
set_target_properties(gclab_lua_obj PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(gclab_lua_obj PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${LUA_INCLUDE_DIRS} ${CSV_INCLUDE_DIR})
target_compile_definitions(gclab_lua_obj PRIVATE GCLAB_VERSION="${PROJECT_VERSION}")
target_link_libraries(gclab_lua_obj PUBLIC gclab_engine PkgConfig::XML2 PkgConfig::YAJL ${CSV_LIBRARY})
if(TARGET gclab_config)
  # The YAML/table config loader (bindings/yaml.cmake); without it only
  # gclab.heap() with the built-in default works.
  target_compile_definitions(gclab_lua_obj PRIVATE GCLAB_HAVE_CONFIG=1)
  target_link_libraries(gclab_lua_obj PUBLIC gclab_config)
  set_target_properties(gclab_config PROPERTIES POSITION_INDEPENDENT_CODE ON)
endif()

add_library(gclab_lua STATIC $<TARGET_OBJECTS:gclab_lua_obj>)
target_include_directories(gclab_lua PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gclab_lua PUBLIC gclab_engine PkgConfig::LUA PkgConfig::XML2 PkgConfig::YAJL ${CSV_LIBRARY})
if(TARGET gclab_config)
  target_link_libraries(gclab_lua PUBLIC gclab_config)
endif()

add_library(gclab_lua_module MODULE $<TARGET_OBJECTS:gclab_lua_obj>)
set_target_properties(gclab_lua_module PROPERTIES
  OUTPUT_NAME gclab PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lua)
target_link_libraries(gclab_lua_module PRIVATE gclab_engine PkgConfig::XML2 PkgConfig::YAJL ${CSV_LIBRARY})
if(TARGET gclab_config)
  target_link_libraries(gclab_lua_module PRIVATE gclab_config)
endif()
# The file side of snapshots (bindings/snapshot.cmake): gclab.read_snapshot,
# snap:write, gclab.heap_from_snapshot.
target_link_libraries(gclab_lua_obj PUBLIC gclab_snapshot_file)
target_link_libraries(gclab_lua PUBLIC gclab_snapshot_file)
target_link_libraries(gclab_lua_module PRIVATE gclab_snapshot_file)
