# The boot heap (bindings/boot_heap.c): configs/boot/node20-boot.heapsnapshot.gz
# is built into the binary as a C array (bindings/embed.cmake), so a plain
# build from a fresh clone finds it wherever the binary runs.
set(GCLAB_BOOT_SNAPSHOT ${PROJECT_SOURCE_DIR}/configs/boot/node20-boot.heapsnapshot.gz)
if(NOT EXISTS ${GCLAB_BOOT_SNAPSHOT})
  message(FATAL_ERROR "config key boot: node20: ${GCLAB_BOOT_SNAPSHOT} is missing "
                      "(configs/boot/README.md says how it is made)")
endif()
set(GCLAB_BOOT_DATA ${CMAKE_CURRENT_BINARY_DIR}/boot_node20_data.c)
add_custom_command(OUTPUT ${GCLAB_BOOT_DATA}
  COMMAND ${CMAKE_COMMAND} -DIN=${GCLAB_BOOT_SNAPSHOT} -DOUT=${GCLAB_BOOT_DATA}
          -DSYMBOL=gclab_boot_node20 -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  DEPENDS ${GCLAB_BOOT_SNAPSHOT} ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  COMMENT "Embedding the boot heap snapshot")
target_sources(gclab_snapshot_file PRIVATE ${CMAKE_CURRENT_LIST_DIR}/boot_heap.c ${GCLAB_BOOT_DATA})
