/*
 * fuzz_snapshot.c -- random-mutation fuzzing of the .heapsnapshot reader.
 *
 *   fuzz_snapshot SEED-FILE ITERATIONS SEED [MAX-SECONDS] [SCRATCH-DIR]
 *
 * Mutates SEED-FILE (1..4 mutations per case: byte changes, JSON-ish
 * tokens inserted, ranges deleted or duplicated, truncation) with a
 * deterministic PRNG seeded by SEED, and reads every mutant from memory;
 * every 32nd mutant is also gzipped, damaged and read from a file.  The
 * properties, checked on every case:
 *  - the reader returns (no crash, no hang: ASan and the CTest timeout
 *    watch that);
 *  - a refusal is one message "fuzz: byte N: what" with N within the input
 *    (or "FILE: byte N: ..." for the gzip cases);
 *  - an acceptance is a snapshot that writes out and reads back the same.
 * MAX-SECONDS caps the run for CI; the sequence of cases is the same every
 * run, only where it stops can differ.  A failing case is saved as
 * SCRATCH-DIR/fuzz-failure.heapsnapshot and the exit status is 1.
 */
#define _POSIX_C_SOURCE 200809L /* truncate */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "snapshot_file.h"

static uint64_t rng_state;
static uint64_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}
static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static const char *const tokens[] = {
    "-1", "0", "7", "4294967295", "4294967296", "99999999999999999999", "1e9", "0.5", "null",
    "true", "\"x\"", "\"\"", "[", "]", "{", "}", ",", ":", "\"nodes\":", "\"edges\":",
    "\"strings\":", "\"\\u0000\"", "\"\\ud800\"", "\"\\u00e9\"", "[[[[", "]]]]", "\"meta\":{}",
    "\"node_count\":", "\"edge_count\":", "\"type\"", "\"weak\"", "\xff", "\\"};

typedef struct buf {
  unsigned char *p;
  size_t n, cap;
} buf;

static void reserve(buf *b, size_t need) {
  if (need <= b->cap) return;
  while (b->cap < need) b->cap = b->cap ? b->cap * 2 : 4096;
  b->p = realloc(b->p, b->cap);
  if (!b->p) {
    fputs("fuzz_snapshot: out of memory\n", stderr);
    exit(2);
  }
}

static void insert(buf *b, size_t at, const void *s, size_t n) {
  reserve(b, b->n + n);
  memmove(b->p + at + n, b->p + at, b->n - at);
  memcpy(b->p + at, s, n);
  b->n += n;
}

static void mutate(buf *b) {
  size_t at = below(b->n + 1);
  switch (rnd() % 6) {
  case 0: /* any byte */
    if (b->n) b->p[below(b->n)] = (unsigned char)rnd();
    break;
  case 1: { /* a JSON-significant character */
    static const char set[] = "{}[],:\"-.e0123456789\\ ";
    if (b->n) b->p[below(b->n)] = (unsigned char)set[below(sizeof set - 1)];
    break;
  }
  case 2: { /* delete a range */
    size_t len = below(b->n - (at < b->n ? at : b->n) + 1);
    if (len > 64 && rnd() % 4) len = 1 + below(64);
    if (at + len > b->n) len = b->n - at;
    memmove(b->p + at, b->p + at + len, b->n - at - len);
    b->n -= len;
    break;
  }
  case 3: { /* duplicate a range somewhere */
    if (!b->n) break;
    size_t from = below(b->n), len = 1 + below(64);
    if (from + len > b->n) len = b->n - from;
    unsigned char tmp[64];
    memcpy(tmp, b->p + from, len);
    insert(b, at, tmp, len);
    break;
  }
  case 4: { /* a token */
    const char *t = tokens[below(sizeof tokens / sizeof *tokens)];
    insert(b, at, t, strlen(t));
    break;
  }
  default: /* truncate */
    b->n = at;
    break;
  }
}

static int failures;

static void save_failure(const char *scratch, const buf *b, const char *why) {
  char path[1024];
  snprintf(path, sizeof path, "%s/fuzz-failure.heapsnapshot", scratch);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(b->p, 1, b->n, f);
    fclose(f);
  }
  fprintf(stderr, "fuzz_snapshot: %s (case saved as %s)\n", why, path);
  failures++;
}

/* "NAME: byte N: what" with N <= limit. */
static bool well_formed_error(const char *err, const char *name, uint64_t limit) {
  size_t nl = strlen(name);
  if (strncmp(err, name, nl) != 0 || strncmp(err + nl, ": byte ", 7) != 0) return false;
  char *end;
  unsigned long long at = strtoull(err + nl + 7, &end, 10);
  return end != err + nl + 7 && strncmp(end, ": ", 2) == 0 && end[2] != '\0' && at <= limit;
}

/* An accepted mutant must survive write -> read unchanged. */
static void check_accepted(gc_snapshot *s, const char *scratch, const buf *b) {
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/fuzz-accepted.heapsnapshot", scratch);
  if (!snapfile_write(path, s, err, sizeof err)) {
    /* The one legitimate refusal: a string that is not UTF-8 cannot be in
     * a file yajl accepted, so any refusal is a failure. */
    save_failure(scratch, b, err);
    return;
  }
  gc_snapshot *t = snapfile_read(path, err, sizeof err);
  if (!t) {
    save_failure(scratch, b, err);
    return;
  }
  bool same = gc_snapshot_node_count(s) == gc_snapshot_node_count(t) &&
              gc_snapshot_edge_count(s) == gc_snapshot_edge_count(t) &&
              gc_snapshot_string_count(s) == gc_snapshot_string_count(t) &&
              gc_snapshot_total_size(s) == gc_snapshot_total_size(t);
  const gc_snap_edge *es = gc_snapshot_edges(s), *et = gc_snapshot_edges(t);
  for (size_t j = 0; same && j < gc_snapshot_edge_count(s); j++)
    same = es[j].type == et[j].type && es[j].name_or_index == et[j].name_or_index &&
           es[j].to == et[j].to;
  const gc_snap_node *ns = gc_snapshot_nodes(s), *nt = gc_snapshot_nodes(t);
  for (size_t i = 0; same && i < gc_snapshot_node_count(s); i++)
    same = ns[i].type == nt[i].type && ns[i].name == nt[i].name && ns[i].id == nt[i].id &&
           ns[i].self_size == nt[i].self_size && ns[i].edge_count == nt[i].edge_count;
  if (!same) save_failure(scratch, b, "an accepted snapshot did not read back the same");
  gc_snapshot_free(t);
  remove(path);
}

static void gzip_case(const buf *b, const char *scratch) {
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/fuzz-case.heapsnapshot.gz", scratch);
  gzFile gz = gzopen(path, "wb1");
  if (!gz) return;
  gzwrite(gz, b->p, (unsigned)b->n);
  gzclose(gz);
  /* Damage the compressed bytes: truncate or flip one. */
  FILE *f = fopen(path, "r+b");
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  if (size > 0 && rnd() % 2) {
    fseek(f, (long)below((size_t)size), SEEK_SET);
    fputc((int)(rnd() & 0xff), f);
    fclose(f);
  } else {
    fclose(f);
    if (truncate(path, (off_t)below((size_t)size + 1)) != 0) return;
  }
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (s) gc_snapshot_free(s);
  else if (!well_formed_error(err, path, UINT64_MAX)) save_failure(scratch, b, err);
  remove(path);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fputs("usage: fuzz_snapshot SEED-FILE ITERATIONS SEED [MAX-SECONDS] [SCRATCH-DIR]\n", stderr);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  buf seed = {0}, b = {0};
  unsigned char chunk[4096];
  for (size_t n; (n = fread(chunk, 1, sizeof chunk, f)) > 0;) insert(&seed, seed.n, chunk, n);
  fclose(f);
  long iterations = strtol(argv[2], NULL, 10);
  rng_state = strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
  double max_seconds = argc > 4 ? strtod(argv[4], NULL) : 0;
  const char *scratch = argc > 5 ? argv[5] : ".";
  time_t t0 = time(NULL);
  long i, accepted = 0;
  for (i = 0; i < iterations && failures == 0; i++) {
    if (max_seconds > 0 && (i & 255) == 0 && difftime(time(NULL), t0) > max_seconds) break;
    b.n = 0;
    insert(&b, 0, seed.p, seed.n);
    for (int k = 1 + (int)below(4); k > 0; k--) mutate(&b);
    char err[512];
    gc_snapshot *s = snapfile_read_buffer("fuzz", b.p, b.n, err, sizeof err);
    if (s) {
      accepted++;
      check_accepted(s, scratch, &b);
      gc_snapshot_free(s);
    } else if (!well_formed_error(err, "fuzz", b.n)) {
      save_failure(scratch, &b, err);
    }
    if (i % 32 == 31) gzip_case(&b, scratch);
  }
  printf("fuzz_snapshot: %ld cases (seed %s), %ld accepted, %d failures\n", i, argv[3], accepted,
         failures);
  free(seed.p);
  free(b.p);
  return failures ? 1 : 0;
}
