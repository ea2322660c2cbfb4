/*
 * bench_snapshot_io.c -- .heapsnapshot write and read throughput
 * (bindings/snapshot_write.c, snapshot_read.c), peak read memory, and the
 * same file loaded by memlab when node and memlab are present.
 *
 *   bench_snapshot_io [OBJECTS]        default 1000000
 *
 * Builds a gclab heap of OBJECTS objects (1000-slot holders, each object
 * with two references chosen by a fixed LCG), takes a snapshot and writes
 * it as JSON.  Ratios in the same run:
 *  - write: MB/s of JSON (CPU time), and that against fwrite of the same
 *    bytes;
 *  - read: MB/s (CPU time; plain and gzip), and the peak memory the read adds
 *    (measured in a child process of its own) against the snapshot's
 *    node + edge arrays;
 *  - memlab: gclab read + dominators + retained sizes against memlab's
 *    getFullHeapFromFile (which does the same) on the same file.  Needs
 *    `node` on PATH and @memlab/heap-analysis resolvable from the
 *    directory in GCLAB_MEMLAB (e.g. a directory where `npm i memlab`
 *    ran); otherwise that column says "skipped".
 */
#define _POSIX_C_SOURCE 200809L /* popen, getrusage */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "snapshot_file.h"

#define RUNS 3

static void die(const char *what, const char *err) {
  fprintf(stderr, "bench_snapshot_io: %s: %s\n", what, err);
  exit(1);
}

/* The benchmark heap: rooted holders of 1000 slots, objects of two slots
 * each pointing at an earlier object of the same holder run. */
static gc_heap *build_heap(uint32_t objects) {
  gc_heap *h;
  char err[256];
  gc_config cfg;
  gc_config_default(&cfg);
  if (gc_heap_new(&cfg, &h, err, sizeof err) != GC_OK) die("gc_heap_new", err);
  uint32_t per = 1000;
  gc_handle holder = GC_NO_HANDLE, obj, prev[8] = {0};
  uint64_t lcg = 12;
  for (uint32_t i = 0; i < objects; i++) {
    if (i % per == 0) { /* the holder handle keeps its root: never released */
      G(h, gc_alloc(h, per, 0, "Holder", &holder));
      G(h, gc_root(h, holder));
    }
    G(h, gc_alloc(h, 2, 0, i % 3 ? "Node" : "Leaf", &obj));
    G(h, gc_slot_set_ref(h, holder, i % per, obj));
    for (int k = 0; k < 2; k++) {
      lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
      gc_handle p = prev[(lcg >> 33) % 8];
      if (p && gc_handle_valid(h, p)) G(h, gc_slot_set_ref(h, obj, (uint32_t)k, p));
    }
    uint32_t slot = i % 8;
    if (prev[slot]) G(h, gc_handle_release(h, prev[slot]));
    prev[slot] = obj;
  }
  for (int k = 0; k < 8; k++)
    if (prev[k]) G(h, gc_handle_release(h, prev[k]));
  return h;
}

static uint64_t file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static double best_write(const gc_snapshot *s, const char *path) {
  double t[RUNS];
  char err[512];
  for (int r = 0; r < RUNS; r++) {
    double t0 = bench_cpu_now();
    if (!snapfile_write(path, s, err, sizeof err)) die("write", err);
    t[r] = bench_cpu_now() - t0;
  }
  return bench_median(t, RUNS);
}

/* fwrite of the same number of bytes, 256 KiB at a time: the disk's part. */
static double raw_write(const char *path, uint64_t bytes) {
  static char buf[256 * 1024];
  memset(buf, '7', sizeof buf);
  double t[RUNS];
  for (int r = 0; r < RUNS; r++) {
    double t0 = bench_cpu_now();
    FILE *f = fopen(path, "wb");
    if (!f) die(path, "cannot create");
    for (uint64_t left = bytes; left;) {
      size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
      if (fwrite(buf, 1, n, f) != n) die(path, "write failed");
      left -= n;
    }
    fclose(f);
    t[r] = bench_cpu_now() - t0;
  }
  remove(path);
  return bench_median(t, RUNS);
}

/* CPU time, or wall time (to set beside memlab's, measured by node). */
static double best_read(const char *path, bool analyze, bool wall) {
  double (*clock)(void) = wall ? bench_now : bench_cpu_now;
  double t[RUNS];
  char err[512];
  for (int r = 0; r < RUNS; r++) {
    double t0 = clock();
    gc_snapshot *s = snapfile_read(path, err, sizeof err);
    if (!s) die("read", err);
    if (analyze && gc_snapshot_analyze(s) != GC_OK) die("analyze", "out of memory");
    t[r] = clock() - t0;
    gc_snapshot_free(s);
  }
  return bench_median(t, RUNS);
}

/* Child mode: read PATH once and print the peak memory the read added. */
static int child_peak(const char *path) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long before = ru.ru_maxrss;
  char err[512];
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (!s) die("read", err);
  getrusage(RUSAGE_SELF, &ru);
  printf("%ld\n", ru.ru_maxrss - before); /* KiB */
  gc_snapshot_free(s);
  return 0;
}

static long peak_kib(const char *self, const char *path) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' --peak '%s'", self, path);
  FILE *p = popen(cmd, "r");
  long kib = -1;
  if (p) {
    if (fscanf(p, "%ld", &kib) != 1) kib = -1;
    pclose(p);
  }
  return kib;
}

/* memlab's load + dominators + retained sizes on the same file, in ms. */
static double memlab_ms(const char *path) {
  const char *dir = getenv("GCLAB_MEMLAB");
  char cwd[1024];
  if (!dir || !*dir || !getcwd(cwd, sizeof cwd)) return -1;
  if (strchr(dir, '\'') || strchr(cwd, '\'') || strchr(path, '\'')) return -1;
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && node -e \"const m=require('@memlab/heap-analysis');"
           "const t0=process.hrtime.bigint();"
           "m.getFullHeapFromFile(process.argv[1]).then(()=>{"
           "console.log('MS',Number(process.hrtime.bigint()-t0)/1e6)})\" '%s/%s' 2>/dev/null",
           dir, cwd, path);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[512];
  double ms = -1;
  while (fgets(line, sizeof line, p))
    if (strncmp(line, "MS ", 3) == 0) ms = strtod(line + 3, NULL);
  if (pclose(p) != 0) return -1;
  return ms;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--peak") == 0) return child_peak(argv[2]);
  uint32_t objects = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
  const char *plain = "bench_snapshot_io.heapsnapshot", *gz = "bench_snapshot_io.heapsnapshot.gz";
  gc_heap *h = build_heap(objects);
  gc_snapshot *s;
  G(h, gc_snapshot_take(h, &s));
  size_t nn = gc_snapshot_node_count(s), ne = gc_snapshot_edge_count(s);
  double arrays_mb = (double)(nn * sizeof(gc_snap_node) + ne * sizeof(gc_snap_edge)) / 1e6;
  printf("bench_snapshot_io: %zu nodes, %zu edges (node + edge arrays %.1f MB)\n", nn, ne, arrays_mb);

  double tw = best_write(s, plain);
  uint64_t bytes = file_size(plain);
  double mb = (double)bytes / 1e6;
  double traw = raw_write("bench_snapshot_io.raw", bytes);
  printf("write  %.1f MB of JSON in %.3f s: %.0f MB/s  (fwrite of the same bytes %.0f MB/s: ratio %.2f)\n",
         mb, tw, mb / tw, mb / traw, traw / tw);
  char err[512];
  if (!snapfile_write(gz, s, err, sizeof err)) die("write", err);

  double tr = best_read(plain, false, false);
  double tz = best_read(gz, false, false);
  printf("read   %.0f MB/s plain, %.0f MB/s of JSON from gzip (%.1f MB compressed)\n", mb / tr, mb / tz,
         (double)file_size(gz) / 1e6);
  char self[1024];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  self[sl > 0 ? sl : 0] = '\0';
  long kib = sl > 0 ? peak_kib(self, plain) : -1;
  if (kib >= 0)
    printf("read   peak memory added %.1f MB = %.2fx the node + edge arrays\n", (double)kib * 1024 / 1e6,
           (double)kib * 1024 / 1e6 / arrays_mb);

  double ta = best_read(plain, true, true);
  double ml = memlab_ms(plain);
  if (ml > 0)
    printf("memlab read + dominators + retained (wall): gclab %.3f s, memlab %.3f s: gclab %.1fx faster\n", ta,
           ml / 1000, ml / 1000 / ta);
  else
    printf("memlab read + dominators + retained (wall): gclab %.3f s, memlab skipped (needs node and "
           "GCLAB_MEMLAB=DIR with @memlab/heap-analysis)\n", ta);
  gc_snapshot_free(s);
  gc_heap_free(h);
  remove(plain);
  remove(gz);
  return 0;
}
