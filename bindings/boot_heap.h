/*
 * boot_heap.h -- the boot heap: Node 20's own objects as they are when a
 * script's first line runs, replayed into a new heap (config key `boot`;
 * bindings/boot_heap.c, docs/configuration.md "The boot heap").
 */
#ifndef GCLAB_BOOT_HEAP_H
#define GCLAB_BOOT_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "gclab.h"

/* Where the built-in snapshot comes from, for messages and docs. */
#define BOOT_NODE20_FILE "configs/boot/node20-boot.heapsnapshot.gz"

/* Fill `heap` (new, empty) with the boot heap its configuration names
 * (gc_config.boot; GC_BOOT_NONE: nothing).  The snapshot is read once per
 * process and kept.  On failure returns the status with err naming the key
 * and the file ("boot: node20 (FILE): ..."); the heap must then be freed. */
gc_status boot_heap_replay(gc_heap *heap, char *err, size_t errlen);

/* The step that can fail on the file itself: gzip bytes in memory
 * inflated and read as a .heapsnapshot (the built-in one once per
 * process; tests feed it damaged copies).  NULL with err "boot: node20
 * (NAME): what was wrong" (zlib's or the reader's message, "byte N: ..."). */
gc_snapshot *boot_heap_read(const unsigned char *gz, size_t len, const char *name, char *err,
                            size_t errlen);

#endif /* GCLAB_BOOT_HEAP_H */
