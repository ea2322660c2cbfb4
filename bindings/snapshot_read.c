/*
 * snapshot_read.c -- the streaming .heapsnapshot reader: libyajl's callback
 * parser fed in fixed chunks (through zlib's gzread, which passes plain
 * files through unchanged), handing each node, edge and string to the
 * engine's snapshot builder as soon as its last field is read.  No DOM:
 * memory is the builder's flat arrays (sized once from the header), one
 * node or edge being assembled, and a fixed input buffer.
 *
 * Invariants
 *  - `snapshot` (meta, node_count, edge_count) precedes `nodes`, which
 *    precedes `edges`, as V8 writes them: the arrays are sized from the
 *    declared counts once, and a value beyond them is an error at once.
 *    A declared count is believed only up to what the input's size could
 *    hold, so a lying header cannot make us allocate terabytes.
 *  - Every check that can be made at a value is made there, so the error
 *    names the byte where it went wrong; string indexes are checked once
 *    `strings` has been read (against the largest index seen, remembered
 *    with its byte), edge targets as they arrive.  So the builder's own
 *    checks on finish can only fail for want of memory.
 *  - Every failure path frees what was allocated; the caller gets NULL
 *    and one message "FILE: byte N: what".
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yajl/yajl_parse.h>
#include <zlib.h>

#include "snapshot_file.h"
#include "snapshot_read_internal.h"

#define CHUNK (256u * 1024u)

/* ------------------------------------------------------------------ errors */

int snapread_fail_at(reader *r, uint64_t at, const char *fmt, ...) {
  if (r->failed) return 0;
  r->failed = true;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(r->err, r->errlen, "%s: byte %llu: %s", r->name, (unsigned long long)at, msg);
  return 0;
}
/* ------------------------------------------------------------- whole file */

/* After the last byte: every section there. */
static bool final_checks(reader *r) {
  uint64_t at = r->chunk_base;
  if (!r->seen_snapshot) return snapread_fail_at(r, at, "no 'snapshot' section");
  if (!r->have_meta) return snapread_fail_at(r, at, "no 'snapshot.meta'");
  if (!r->seen_nodes) return snapread_fail_at(r, at, "no 'nodes' array");
  if (!r->seen_edges) return snapread_fail_at(r, at, "no 'edges' array");
  if (!r->seen_strings) return snapread_fail_at(r, at, "no 'strings' array");
  if (r->decl_nodes == 0) return snapread_fail_at(r, at, "no nodes: a snapshot has at least its root");
  return true;
}

static void reader_init(reader *r, const char *name, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  r->name = name;
  r->err = err;
  r->errlen = errlen;
  for (int w = 0; w < 2; w++) {
    r->types_at[w] = -1;
    for (int k = 0; k < NF_ROLES; k++) r->role_pos[w][k] = -1;
    for (int k = 0; k < MAX_FIELDS; k++) r->field_role[w][k] = -1;
  }
  if (errlen) err[0] = '\0';
}

/* Feed one chunk (len 0: the end).  False once anything failed. */
static bool feed(reader *r, const unsigned char *buf, size_t len) {
  yajl_status st = len ? yajl_parse(r->yh, buf, len) : yajl_complete_parse(r->yh);
  if (st == yajl_status_ok) {
    r->chunk_base += len;
    return true;
  }
  if (st == yajl_status_error && !r->failed) {
    unsigned char *m = yajl_get_error(r->yh, 0, buf, len);
    char msg[160] = "?";
    if (m) snprintf(msg, sizeof msg, "%s", (const char *)m);
    for (size_t k = strlen(msg); k > 0 && (msg[k - 1] == '\n' || msg[k - 1] == ' '); k--)
      msg[k - 1] = '\0'; /* yajl ends its messages with a newline */
    if (!len) snapread_fail_at(r, r->chunk_base, "the file ends early (truncated?): %s", msg);
    else snapread_fail_at(r, snapread_here(r), "bad JSON: %s", msg);
    if (m) yajl_free_error(r->yh, m);
  }
  return false;
}

static bool start(reader *r) {
  r->yh = yajl_alloc(&snapread_callbacks, NULL, r);
  if (!r->yh) return snapread_fail_at(r, 0, "out of memory");
  if (gc_snapshot_builder_new(&r->b) != GC_OK) return snapread_fail_at(r, 0, "out of memory");
  return true;
}

static gc_snapshot *finish(reader *r, bool ok) {
  if (ok) ok = feed(r, NULL, 0) && final_checks(r);
  if (r->yh) yajl_free(r->yh);
  r->yh = NULL;
  gc_snapshot *s = NULL;
  if (ok) {
    char msg[256];
    if (gc_snapshot_finish(r->b, &s, msg, sizeof msg) != GC_OK) snapread_fail_at(r, r->chunk_base, "%s", msg);
  } else if (r->b) {
    gc_snapshot_builder_free(r->b);
  }
  r->b = NULL;
  return s;
}

gc_snapshot *snapfile_read_buffer(const char *name, const void *data, size_t len, char *err,
                                  size_t errlen) {
  reader r;
  reader_init(&r, name, err, errlen);
  r.input_bound = len / 2 + 1;
  bool ok = start(&r);
  const unsigned char *p = data;
  for (size_t off = 0; ok && off < len; off += CHUNK)
    ok = feed(&r, p + off, len - off < CHUNK ? len - off : CHUNK);
  return finish(&r, ok);
}

gc_snapshot *snapfile_read(const char *path, char *err, size_t errlen) {
  reader r;
  reader_init(&r, path, err, errlen);
  struct stat sb;
  if (stat(path, &sb) != 0) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(err, errlen, "%s: cannot read: not a regular file", path);
    return NULL;
  }
  gzFile gz = gzopen(path, "rb");
  if (!gz) {
    snprintf(err, errlen, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    return NULL;
  }
  gzbuffer(gz, CHUNK);
  /* A plain file holds at most size/2 numbers; deflate expands at most
   * 1032:1. */
  r.input_bound = (uint64_t)sb.st_size / 2 + 1;
  if (!gzdirect(gz)) r.input_bound *= 1032u;
  unsigned char *buf = malloc(CHUNK);
  bool ok = start(&r);
  if (ok && !buf) ok = snapread_fail_at(&r, 0, "out of memory");
  while (ok) {
    int n = gzread(gz, buf, CHUNK);
    int zerr = Z_OK;
    const char *m = n <= 0 ? gzerror(gz, &zerr) : NULL;
    if (n < 0 || (n == 0 && zerr != Z_OK)) {
      size_t pl = strlen(path); /* zlib's message starts "PATH: " */
      if (strncmp(m, path, pl) == 0 && strncmp(m + pl, ": ", 2) == 0) m += pl + 2;
      ok = snapread_fail_at(&r, r.chunk_base, "gzip: %s%s", m,
                   zerr == Z_BUF_ERROR ? " (the compressed file is truncated)" : "");
      break;
    }
    if (n == 0) break;
    ok = feed(&r, buf, (size_t)n);
  }
  free(buf);
  gzclose(gz);
  return finish(&r, ok);
}
