/*
 * snapshot_replay.h -- a live gclab heap from a snapshot
 * (bindings/snapshot_replay.c; gclab.heap_from_snapshot in Lua).
 */
#ifndef GCLAB_SNAPSHOT_REPLAY_H
#define GCLAB_SNAPSHOT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gclab.h"

typedef struct snap_replay_info {
  uint64_t objects;       /* objects allocated (the snapshot's non-synthetic nodes) */
  uint64_t bytes;         /* their sizes */
  uint64_t slots;         /* references stored */
  uint64_t roots;         /* gc_root calls (an object rooted by two groups counts twice) */
  uint64_t resized;       /* objects made larger than their self size to hold their slots */
  uint64_t slots_dropped; /* objects with more references than the largest object holds */
  uint64_t stores;        /* backing stores made external memory of their owners, not objects */
  uint64_t external;      /* their bytes */
} snap_replay_info;

/* A replayed object's size (the rules at the top of snapshot_replay.c):
 * its self size rounded up to 8 bytes, raised to what nslots slots need
 * (*resized, when not NULL, says so), capped at the engine's largest
 * object. */
uint64_t snap_object_size(const gc_snap_node *n, uint32_t nslots, bool *resized);

/* nslots, or fewer when an object of `size` bytes cannot hold them (only
 * at the cap). */
uint32_t snap_slots_fitting(uint64_t size, uint32_t nslots);

/* Allocate the snapshot's objects in `heap` and link and root them (the
 * rules are at the top of snapshot_replay.c).  On failure returns the
 * engine's status with err naming the node, and the heap keeps what was
 * built; info (may be NULL) is filled either way. */
gc_status snap_replay(gc_heap *heap, const gc_snapshot *s, snap_replay_info *info, char *err,
                      size_t errlen);

#endif /* GCLAB_SNAPSHOT_REPLAY_H */
