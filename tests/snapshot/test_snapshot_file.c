/*
 * test_snapshot_file.c -- the .heapsnapshot reader and writer
 * (bindings/snapshot_read.c, snapshot_write.c): a real Node 20 snapshot,
 * the small hand-checked fixture, write -> read round trips (plain and
 * gzip, awkward strings), and the malformed corpus with its expected
 * messages (tests/snapshot/malformed/EXPECTED).
 *
 * Where the Node fixture's numbers come from: fixtures/node20-small.js
 * made the file once with Node v20.20.2; node count, edge count and total
 * self size were read with memlab 2.0.5 (@memlab/heap-analysis
 * getFullHeapFromFile: heap.nodes, heap.edges, sum of self_size) and
 * match what V8 wrote in snapshot.node_count / edge_count.  The LeakHolder
 * (id 50485, 96 bytes, retaining 61600) and LeakItem (100 objects of 40
 * bytes, each retaining 600) figures are memlab's too (node.retainedSize),
 * checked once during development, 2026-12-02.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zlib.h>

#include "boot_heap.h"
#include "snapshot_file.h"

#ifndef FIXTURES
#error "FIXTURES must name tests/snapshot/fixtures"
#endif
#ifndef MALFORMED
#error "MALFORMED must name tests/snapshot/malformed"
#endif
#ifndef SCRATCH
#error "SCRATCH must name a writable directory"
#endif

static gc_snapshot *must_read(const char *path) {
  char err[512];
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (!s) fail_msg("%s", err);
  return s;
}

static void assert_same(const gc_snapshot *a, const gc_snapshot *b) {
  assert_int_equal(gc_snapshot_node_count(a), gc_snapshot_node_count(b));
  assert_int_equal(gc_snapshot_edge_count(a), gc_snapshot_edge_count(b));
  assert_int_equal(gc_snapshot_string_count(a), gc_snapshot_string_count(b));
  const gc_snap_node *na = gc_snapshot_nodes(a), *nb = gc_snapshot_nodes(b);
  for (size_t i = 0; i < gc_snapshot_node_count(a); i++) {
    assert_int_equal(na[i].type, nb[i].type);
    assert_int_equal(na[i].name, nb[i].name);
    assert_int_equal(na[i].id, nb[i].id);
    assert_int_equal(na[i].self_size, nb[i].self_size);
    assert_int_equal(na[i].edge_count, nb[i].edge_count);
    assert_int_equal(na[i].first_edge, nb[i].first_edge);
    assert_int_equal(na[i].trace_node_id, nb[i].trace_node_id);
    assert_int_equal(na[i].detachedness, nb[i].detachedness);
  }
  const gc_snap_edge *ea = gc_snapshot_edges(a), *eb = gc_snapshot_edges(b);
  for (size_t j = 0; j < gc_snapshot_edge_count(a); j++) {
    assert_int_equal(ea[j].type, eb[j].type);
    assert_int_equal(ea[j].name_or_index, eb[j].name_or_index);
    assert_int_equal(ea[j].to, eb[j].to);
  }
  for (size_t k = 0; k < gc_snapshot_string_count(a); k++) {
    size_t la, lb;
    const char *sa = gc_snapshot_string(a, (uint32_t)k, &la);
    const char *sb = gc_snapshot_string(b, (uint32_t)k, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);
  }
  assert_int_equal(gc_snapshot_total_size(a), gc_snapshot_total_size(b));
}

/* ------------------------------------------------------- the Node fixture */

static void node_fixture_counts(void **state) {
  (void)state;
  gc_snapshot *s = must_read(FIXTURES "/node20-small.heapsnapshot.gz");
  assert_int_equal(gc_snapshot_node_count(s), 39514);
  assert_int_equal(gc_snapshot_edge_count(s), 178875);
  assert_int_equal(gc_snapshot_string_count(s), 22667);
  assert_int_equal(gc_snapshot_total_size(s), 2988342);
  const gc_snap_node *n = gc_snapshot_nodes(s);
  /* V8's shape: the synthetic root (id 1), then (GC roots) (id 3). */
  assert_int_equal(n[0].type, GC_SNODE_SYNTHETIC);
  assert_string_equal(gc_snapshot_node_name(s, 0), "");
  assert_int_equal(n[0].id, 1);
  assert_int_equal(n[1].type, GC_SNODE_SYNTHETIC);
  assert_string_equal(gc_snapshot_node_name(s, 1), "(GC roots)");
  assert_int_equal(n[1].id, 3);
  /* The planted objects. */
  uint32_t holder = gc_snapshot_find_id(s, 50485);
  assert_int_not_equal(holder, GC_SNAP_NONE);
  assert_string_equal(gc_snapshot_node_name(s, holder), "LeakHolder");
  assert_int_equal(n[holder].type, GC_SNODE_OBJECT);
  assert_int_equal(n[holder].self_size, 96);
  size_t items = 0;
  for (size_t i = 0; i < gc_snapshot_node_count(s); i++)
    if (n[i].type == GC_SNODE_OBJECT && strcmp(gc_snapshot_node_name(s, (uint32_t)i), "LeakItem") == 0) {
      assert_int_equal(n[i].self_size, 40);
      assert_int_equal(n[i].id % 2, 1); /* JS objects have odd ids */
      items++;
    }
  assert_int_equal(items, 100);
  /* LeakHolder.items is a property edge to the array. */
  const gc_snap_edge *e = gc_snapshot_edges(s);
  bool found = false;
  for (uint32_t j = n[holder].first_edge; j < n[holder].first_edge + n[holder].edge_count; j++)
    if (e[j].type == GC_SEDGE_PROPERTY &&
        strcmp(gc_snapshot_string(s, e[j].name_or_index, NULL), "items") == 0) {
      assert_int_equal(n[e[j].to].type, GC_SNODE_OBJECT);
      assert_string_equal(gc_snapshot_node_name(s, e[j].to), "Array");
      found = true;
    }
  assert_true(found);

  /* Retained sizes: memlab's numbers (see the top of this file). */
  assert_int_equal(gc_snapshot_analyze(s), GC_OK);
  assert_int_equal(gc_snapshot_retained(s, 0), 2988342);
  assert_int_equal(gc_snapshot_retained(s, holder), 61600);
  for (size_t i = 0; i < gc_snapshot_node_count(s); i++)
    if (n[i].type == GC_SNODE_OBJECT && strcmp(gc_snapshot_node_name(s, (uint32_t)i), "LeakItem") == 0)
      assert_int_equal(gc_snapshot_retained(s, (uint32_t)i), 600);
  gc_snapshot_free(s);
}

/* Node's file, written by gclab plain and gzipped, reads back the same. */
static void node_fixture_round_trip(void **state) {
  (void)state;
  char err[512];
  gc_snapshot *s = must_read(FIXTURES "/node20-small.heapsnapshot.gz");
  const char *plain = SCRATCH "/node20-rt.heapsnapshot", *gz = SCRATCH "/node20-rt.heapsnapshot.gz";
  assert_true(snapfile_write(plain, s, err, sizeof err));
  assert_true(snapfile_write(gz, s, err, sizeof err));
  gc_snapshot *a = must_read(plain), *b = must_read(gz);
  assert_same(s, a);
  assert_same(s, b);
  /* The gzip file is really compressed (magic 1f 8b). */
  FILE *f = fopen(gz, "rb");
  assert_non_null(f);
  unsigned char magic[2] = {0, 0};
  assert_int_equal(fread(magic, 1, 2, f), 2);
  fclose(f);
  assert_int_equal(magic[0], 0x1f);
  assert_int_equal(magic[1], 0x8b);
  gc_snapshot_free(a);
  gc_snapshot_free(b);
  gc_snapshot_free(s);
  remove(plain);
  remove(gz);
}

/* A gclab heap: take, write, read; the file holds the same graph, and the
 * analysis of what was read equals the analysis of what was taken. */
static void gclab_heap_round_trip(void **state) {
  (void)state;
  gc_heap *heap;
  char err[512];
  assert_int_equal(gc_heap_new(NULL, &heap, err, sizeof err), GC_OK);
  gc_handle holder, prev = GC_NO_HANDLE;
  assert_int_equal(gc_alloc(heap, 64, 0, "Holder", &holder), GC_OK);
  assert_int_equal(gc_root(heap, holder), GC_OK);
  for (uint32_t i = 0; i < 64; i++) {
    gc_handle item;
    assert_int_equal(gc_alloc(heap, 2, 0, i % 2 ? "Odd" : "Even", &item), GC_OK);
    assert_int_equal(gc_slot_set_ref(heap, holder, i, item), GC_OK);
    if (prev != GC_NO_HANDLE) assert_int_equal(gc_slot_set_ref(heap, item, 0, prev), GC_OK);
    assert_int_equal(gc_slot_set_smi(heap, item, 1, (int64_t)i), GC_OK);
    prev = item;
  }
  gc_handle garbage;
  assert_int_equal(gc_alloc(heap, 1, 0, "Garbage", &garbage), GC_OK);
  gc_snapshot *s;
  assert_int_equal(gc_snapshot_take(heap, &s), GC_OK);
  const char *out = SCRATCH "/gclab-rt.heapsnapshot.gz";
  assert_true(snapfile_write(out, s, err, sizeof err));
  gc_snapshot *t = must_read(out);
  assert_same(s, t);
  assert_int_equal(gc_snapshot_analyze(s), GC_OK);
  assert_int_equal(gc_snapshot_analyze(t), GC_OK);
  for (uint32_t i = 0; i < gc_snapshot_node_count(s); i++) {
    assert_int_equal(gc_snapshot_retained(s, i), gc_snapshot_retained(t, i));
    assert_int_equal(gc_snapshot_dominator(s, i), gc_snapshot_dominator(t, i));
    assert_int_equal(gc_snapshot_distance(s, i), gc_snapshot_distance(t, i));
  }
  /* The shape DevTools and memlab expect of a file gclab wrote. */
  const gc_snap_node *n = gc_snapshot_nodes(t);
  assert_int_equal(n[0].type, GC_SNODE_SYNTHETIC);
  assert_int_equal(n[0].id, 1);
  assert_string_equal(gc_snapshot_node_name(t, 1), "(GC roots)");
  assert_string_equal(gc_snapshot_string(t, 0, NULL), "<dummy>");
  uint32_t h = GC_SNAP_FIRST_OBJECT;
  while (h < gc_snapshot_node_count(t) && strcmp(gc_snapshot_node_name(t, h), "Holder") != 0) h++;
  assert_true(h < gc_snapshot_node_count(t));
  assert_int_equal(n[h].id % 2, 1);
  assert_int_equal(n[h].edge_count, 64);
  /* Holder: 24 + 64 * 8 bytes; 64 items of 24 + 2 * 8: all retained. */
  assert_int_equal(gc_snapshot_retained(t, h), 536 + 64 * 40);
  const gc_snap_edge *e = gc_snapshot_edges(t);
  for (uint32_t k = 0; k < 64; k++) {
    assert_int_equal(e[n[h].first_edge + k].type, GC_SEDGE_ELEMENT);
    assert_int_equal(e[n[h].first_edge + k].name_or_index, k);
  }
  gc_snapshot_free(s);
  gc_snapshot_free(t);
  gc_heap_free(heap);
  remove(out);
}

/* ------------------------------------------------------------------ tiny */

static void tiny_fixture(void **state) {
  (void)state;
  gc_snapshot *s = must_read(FIXTURES "/tiny.heapsnapshot");
  assert_int_equal(gc_snapshot_node_count(s), 7);
  assert_int_equal(gc_snapshot_edge_count(s), 8);
  assert_int_equal(gc_snapshot_total_size(s), 152);
  static const struct { unsigned type; const char *name; uint64_t id, self; uint32_t edges, first; } want[] = {
      {GC_SNODE_SYNTHETIC, "", 1, 0, 1, 0},
      {GC_SNODE_SYNTHETIC, "(GC roots)", 3, 0, 1, 1},
      {GC_SNODE_SYNTHETIC, "(Handle scope)", 5, 0, 2, 2},
      {GC_SNODE_OBJECT, "Holder", 7, 40, 2, 4},
      {GC_SNODE_OBJECT, "Item", 9, 40, 1, 6},
      {GC_SNODE_ARRAY, "(object elements)", 11, 48, 1, 7},
      {GC_SNODE_STRING, "hello", 13, 24, 0, 8}};
  const gc_snap_node *n = gc_snapshot_nodes(s);
  for (uint32_t i = 0; i < 7; i++) {
    assert_int_equal(n[i].type, want[i].type);
    assert_string_equal(gc_snapshot_node_name(s, i), want[i].name);
    assert_int_equal(n[i].id, want[i].id);
    assert_int_equal(n[i].self_size, want[i].self);
    assert_int_equal(n[i].edge_count, want[i].edges);
    assert_int_equal(n[i].first_edge, want[i].first);
    assert_int_equal(n[i].space, GC_SNAP_NO_SPACE);
  }
  /* (type, name_or_index, target node) as the file has them, to_node / 7 */
  static const uint32_t edges[8][3] = {{GC_SEDGE_ELEMENT, 1, 1}, {GC_SEDGE_ELEMENT, 1, 2},
                                       {GC_SEDGE_ELEMENT, 2, 3}, {GC_SEDGE_PROPERTY, 8, 4},
                                       {GC_SEDGE_WEAK, 9, 5},    {GC_SEDGE_PROPERTY, 10, 3},
                                       {GC_SEDGE_ELEMENT, 0, 6}, {GC_SEDGE_ELEMENT, 0, 4}};
  const gc_snap_edge *e = gc_snapshot_edges(s);
  for (int j = 0; j < 8; j++) {
    assert_int_equal(e[j].type, edges[j][0]);
    assert_int_equal(e[j].name_or_index, edges[j][1]);
    assert_int_equal(e[j].to, edges[j][2]);
  }
  assert_string_equal(gc_snapshot_string(s, 8, NULL), "items");
  gc_snapshot_free(s);
}

/* gclab's writer reproduces the fixture byte for byte once the newlines
 * V8 puts between records are taken out. */
static void tiny_written_as_v8_writes_it(void **state) {
  (void)state;
  char err[512];
  gc_snapshot *s = must_read(FIXTURES "/tiny.heapsnapshot");
  const char *out = SCRATCH "/tiny-rt.heapsnapshot";
  assert_true(snapfile_write(out, s, err, sizeof err));
  FILE *f = fopen(FIXTURES "/tiny.heapsnapshot", "rb"), *g = fopen(out, "rb");
  assert_non_null(f);
  assert_non_null(g);
  char a[4096], b[4096];
  size_t na = 0, nb = fread(b, 1, sizeof b, g);
  for (int c; (c = fgetc(f)) != EOF;)
    if (c != '\n') a[na++] = (char)c;
  fclose(f);
  fclose(g);
  assert_int_equal(na, nb);
  assert_memory_equal(a, b, na);
  gc_snapshot_free(s);
  remove(out);
}

/* Strings JSON must escape, non-ASCII, an embedded NUL: all come back. */
static void awkward_strings_round_trip(void **state) {
  (void)state;
  static const char *const strs[] = {"<dummy>", "", "quote\" back\\slash", "line\nbreak\ttab",
                                     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x99", "ctl\x01\x1f"};
  gc_snapshot_builder *b;
  assert_int_equal(gc_snapshot_builder_new(&b), GC_OK);
  for (size_t i = 0; i < 6; i++)
    assert_int_equal(gc_snapshot_add_string(b, strs[i], strlen(strs[i]), NULL), GC_OK);
  uint32_t nul;
  assert_int_equal(gc_snapshot_add_string(b, "a\0b", 3, &nul), GC_OK);
  gc_snap_node root = {.type = GC_SNODE_SYNTHETIC, .name = 1, .id = 1, .edge_count = 6};
  assert_int_equal(gc_snapshot_add_node(b, &root, NULL), GC_OK);
  for (uint32_t i = 0; i < 6; i++) {
    gc_snap_node o = {.type = GC_SNODE_OBJECT, .name = 2 + (i % 5), .id = 3 + 2 * i,
                      .self_size = 1ull << (20 + i), .detachedness = (uint8_t)(i % 3),
                      .trace_node_id = i};
    if (i == 5) o.name = nul;
    assert_int_equal(gc_snapshot_add_node(b, &o, NULL), GC_OK);
    assert_int_equal(gc_snapshot_add_edge(b, GC_SEDGE_PROPERTY, 2 + i % 5, 1 + i), GC_OK);
  }
  gc_snapshot *s;
  char err[512];
  assert_int_equal(gc_snapshot_finish(b, &s, err, sizeof err), GC_OK);
  const char *out = SCRATCH "/awkward.heapsnapshot";
  assert_true(snapfile_write(out, s, err, sizeof err));
  gc_snapshot *t = must_read(out);
  assert_same(s, t);
  size_t len;
  assert_memory_equal(gc_snapshot_string(t, nul, &len), "a\0b", 3);
  assert_int_equal(len, 3);
  gc_snapshot_free(s);
  gc_snapshot_free(t);
  remove(out);
}

/* ---------------------------------------------------------------- errors */

static void write_errors(void **state) {
  (void)state;
  char err[512];
  gc_snapshot *s = must_read(FIXTURES "/tiny.heapsnapshot");
  assert_false(snapfile_write(SCRATCH "/no/such/dir/x.heapsnapshot", s, err, sizeof err));
  assert_string_equal(err, SCRATCH "/no/such/dir/x.heapsnapshot: cannot create: No such file or directory");
  gc_snapshot_free(s);

  /* A name that is not UTF-8 cannot be carried by JSON: an error, and no
   * half-written file. */
  gc_snapshot_builder *b;
  assert_int_equal(gc_snapshot_builder_new(&b), GC_OK);
  uint32_t bad;
  assert_int_equal(gc_snapshot_add_string(b, "\xff\xfe", 2, &bad), GC_OK);
  gc_snap_node root = {.type = GC_SNODE_SYNTHETIC, .name = bad, .id = 1};
  assert_int_equal(gc_snapshot_add_node(b, &root, NULL), GC_OK);
  assert_int_equal(gc_snapshot_finish(b, &s, err, sizeof err), GC_OK);
  const char *out = SCRATCH "/bad-utf8.heapsnapshot";
  assert_false(snapfile_write(out, s, err, sizeof err));
  assert_string_equal(err, SCRATCH "/bad-utf8.heapsnapshot: string 0 is not valid UTF-8 (JSON cannot carry it)");
  assert_null(fopen(out, "rb"));
  gc_snapshot_free(s);
}

static void open_errors(void **state) {
  (void)state;
  char err[512];
  assert_null(snapfile_read(FIXTURES "/missing.heapsnapshot", err, sizeof err));
  assert_string_equal(err, FIXTURES "/missing.heapsnapshot: cannot open: No such file or directory");
  assert_null(snapfile_read(FIXTURES, err, sizeof err));
  assert_string_equal(err, FIXTURES ": cannot read: not a regular file");
}

/* Every file of the corpus fails with exactly its expected message. */
static void malformed_corpus(void **state) {
  (void)state;
  FILE *list = fopen(MALFORMED "/EXPECTED", "r");
  assert_non_null(list);
  char line[1024];
  int cases = 0;
  while (fgets(line, sizeof line, list)) {
    line[strcspn(line, "\n")] = '\0';
    char *tab = strchr(line, '\t');
    assert_non_null(tab);
    *tab = '\0';
    char path[1100], want[1700], err[1024];
    snprintf(path, sizeof path, "%s/%s", MALFORMED, line);
    snprintf(want, sizeof want, "%s: %s", path, tab + 1);
    gc_snapshot *s = snapfile_read(path, err, sizeof err);
    if (s) fail_msg("%s: read without an error", line);
    if (strcmp(err, want) != 0) fail_msg("%s:\n  got  %s\n  want %s", line, err, want);
    cases++;
  }
  fclose(list);
  assert_true(cases >= 30);
}

/* The same bytes from memory give the same message (the fuzz target's
 * entry point), with the name standing for the file. */
static void buffer_errors(void **state) {
  (void)state;
  char err[512];
  static const char text[] = "{\"snapshot\":{\"node_count\":1,\"edge_count\":0},\"nodes\":[]}";
  assert_null(snapfile_read_buffer("mem", text, sizeof text - 1, err, sizeof err));
  assert_string_equal(err, "mem: byte 53: 'nodes' before snapshot.meta");
}

/* The boot heap's snapshot (bindings/boot_heap.c): the built-in bytes read
 * (configs/boot/README.md: 39,111 nodes, 177,683 edges), and damaged
 * copies refused with one message naming the key and the file. */
extern const unsigned char gclab_boot_node20[];
extern const size_t gclab_boot_node20_len;

static size_t gzip_text(const char *text, unsigned char *out, size_t cap) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (unsigned char *)text;
  z.avail_in = (uInt)strlen(text);
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = cap - z.avail_out;
  deflateEnd(&z);
  return n;
}

static void boot_snapshot(void **state) {
  (void)state;
  char err[512];
  gc_snapshot *s = boot_heap_read(gclab_boot_node20, gclab_boot_node20_len, "b.gz", err, sizeof err);
  assert_non_null(s);
  assert_int_equal(gc_snapshot_node_count(s), 39111);
  assert_int_equal(gc_snapshot_edge_count(s), 177683);
  gc_snapshot_free(s);

  assert_null(boot_heap_read(gclab_boot_node20, gclab_boot_node20_len / 2, "b.gz", err, sizeof err));
  assert_string_equal(err, "boot: node20 (b.gz): gzip: the data is truncated");
  assert_null(boot_heap_read((const unsigned char *)"not gzip", 8, "b.gz", err, sizeof err));
  assert_string_equal(err, "boot: node20 (b.gz): gzip: incorrect header check");
  unsigned char gz[256];
  size_t n = gzip_text("{\"snapshot\": 1}", gz, sizeof gz);
  assert_null(boot_heap_read(gz, n, "b.gz", err, sizeof err));
  assert_non_null(strstr(err, "boot: node20 (b.gz): byte "));
  n = gzip_text("{\"snapshot\": {\"meta\": ", gz, sizeof gz);
  assert_null(boot_heap_read(gz, n, "b.gz", err, sizeof err));
  assert_non_null(strstr(err, "boot: node20 (b.gz): byte "));
  assert_non_null(strstr(err, "the file ends early"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(node_fixture_counts),
      cmocka_unit_test(node_fixture_round_trip),
      cmocka_unit_test(gclab_heap_round_trip),
      cmocka_unit_test(tiny_fixture),
      cmocka_unit_test(tiny_written_as_v8_writes_it),
      cmocka_unit_test(awkward_strings_round_trip),
      cmocka_unit_test(write_errors),
      cmocka_unit_test(open_errors),
      cmocka_unit_test(malformed_corpus),
      cmocka_unit_test(buffer_errors),
      cmocka_unit_test(boot_snapshot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
