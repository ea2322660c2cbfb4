/*
 * snapshot_file.h -- V8's .heapsnapshot file format (Chrome DevTools,
 * memlab, Node's v8.writeHeapSnapshot): read and write, streaming, between
 * a file and the engine's gc_snapshot (engine/gclab_snapshot.h).
 *
 * The format (docs/leaks.md, "The file format"): one JSON object whose
 * `snapshot.meta` names the fields of the flat integer arrays `nodes` and
 * `edges`; node 0 is the root; an edge's `to_node` is the target's ordinal
 * times the number of node fields; `strings` comes last and holds the
 * names.  Node and edge types are mapped by name from a file's meta to
 * V8's canonical codes (gc_snap_node_type, gc_snap_edge_type).
 *
 * JSON goes through libyajl (callback parser, generator), gzip through zlib
 * (docs/dependencies.md).  Errors are written to err as "FILE: byte N:
 * what was wrong" (N counts uncompressed bytes) or "FILE: what" when no
 * byte is to blame.
 */
#ifndef GCLAB_SNAPSHOT_FILE_H
#define GCLAB_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "gclab.h"

/* Read PATH (plain or gzip, told apart by the gzip magic, not the name).
 * Returns the snapshot, or NULL with err set.  One pass; memory is the
 * snapshot's own arrays (sized from the file's header) and a fixed input
 * buffer. */
gc_snapshot *snapfile_read(const char *path, char *err, size_t errlen);
/* The same on plain JSON in memory; `name` stands for the file in messages. */
gc_snapshot *snapfile_read_buffer(const char *name, const void *data, size_t len, char *err,
                                  size_t errlen);

/* Write `s` to PATH as a .heapsnapshot (gzip-compressed when PATH ends in
 * ".gz"), exactly as the snapshot holds it: its nodes, edges and string
 * table in order.  Streams through a fixed buffer.  On failure nothing is
 * left at PATH and err says why. */
bool snapfile_write(const char *path, const gc_snapshot *s, char *err, size_t errlen);

#endif /* GCLAB_SNAPSHOT_FILE_H */
