# The YAML heap-configuration loader (bindings -> engine): gclab_config.
# Public header: gclab_config.h.  Reference: docs/configuration.md.
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)

add_library(gclab_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config_schema.c
  ${CMAKE_CURRENT_LIST_DIR}/config_suggest.c
  ${CMAKE_CURRENT_LIST_DIR}/config_origins.c
  ${CMAKE_CURRENT_LIST_DIR}/config_yaml.c
  ${CMAKE_CURRENT_LIST_DIR}/config_set.c
  ${CMAKE_CURRENT_LIST_DIR}/config_emit.c
  ${CMAKE_CURRENT_LIST_DIR}/config_cli.c
  ${CMAKE_CURRENT_LIST_DIR}/config_flags.c
  ${CMAKE_CURRENT_LIST_DIR}/config_derived.c
  ${CMAKE_CURRENT_LIST_DIR}/config_node.c
  ${CMAKE_CURRENT_LIST_DIR}/config_cli_flags.c)
target_include_directories(gclab_config PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gclab_config PUBLIC gclab_engine PRIVATE PkgConfig::YAML)
set_target_properties(gclab_config PROPERTIES POSITION_INDEPENDENT_CODE ON)
