/*
 * test_config_flags.c -- Node's heap flags (bindings/config_flags.c,
 * config_node.c, config_cli_flags.c): spelling as V8 takes it, NODE_OPTIONS
 * as Node 20 reads it, the Node keys of a layer, precedence (default <
 * --config < flags < --set), and `gclab config --physical-memory=...`.
 *
 * The heap_size_limit figures: 512 MiB -> 259 MiB, 2 GiB -> 1048 MiB,
 * 16 GiB -> 4144 MiB are V8 11.3's formula worked by hand (see
 * tests/engine/test_heap_sizing.c, which also holds the figures `node`
 * printed on the machine the code was written on).  The NODE_OPTIONS
 * refusals are Node v20.20.2's own messages, e.g.
 *   NODE_OPTIONS=--min-semi-space-size=64 node -e 1
 *   node: --min-semi-space-size= is not allowed in NODE_OPTIONS
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "config_test.h"

#include "config_flags.h"

#define CONFIGS GCLAB_SOURCE_DIR "/configs"

static char err[1024];

static gc_config parse(const char *yaml) {
  gc_config c;
  gc_config_default(&c);
  const char *body = yaml;
  if (gclab_config_load_string(body, strlen(body), "output", &c, err, sizeof err))
    fail_msg("%s\n%s", err, yaml);
  return c;
}

/* Apply a string of flags to the default config as one layer. */
static int flags(gc_config *c, const char *s) {
  gc_config_default(c);
  return gclab_config_set_kv(c, "flags", s, err, sizeof err);
}

static void test_spelling(void **state) {
  (void)state;
  gc_config a, b;
  assert_int_equal(flags(&a, "--max-old-space-size=64"), 0);
  assert_int_equal(a.old_space.max_size, 64 * MiB);
  assert_int_equal(flags(&b, "--max_old_space_size=64"), 0); /* V8's underscores */
  assert_true(gclab_config_equal(&a, &b));
  assert_int_equal(flags(&a, "--max-old-space-size=64 --max-old-space-size=128"), 0);
  assert_int_equal(a.old_space.max_size, 128 * MiB); /* the last one wins, as in V8 */

  static const char *const off[] = {"--no-incremental-marking", "--noincremental-marking",
                                    "--no_incremental_marking"};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(flags(&a, off[i]), 0);
    assert_false(a.incremental.enabled);
  }
  assert_int_equal(flags(&a, "--no-always-promote-young-mc --semi-space-growth-factor=4"), 0);
  assert_false(a.old_space.always_promote_young);
  assert_int_equal(a.new_space.growth_factor, 4);
  assert_int_equal(flags(&a, "--min-semi-space-size=4"), 0);
  assert_int_equal(a.new_space.semi_space_initial, 4 * MiB);
  assert_int_equal(flags(&a, "--initial-old-space-size=100"), 0);
  assert_int_equal(a.old_space.initial_limit, 100 * MiB);
  assert_int_equal(flags(&a, "--max-semi-space-size=3"), 0); /* V8 rounds to a power of two */
  assert_int_equal(a.new_space.semi_space_max, 4 * MiB);
  assert_int_equal(flags(&a, "--max-heap-size=100"), 0);
  assert_int_equal(a.old_space.max_size, 97 * MiB);
  assert_int_equal(a.new_space.semi_space_max, 1 * MiB);
  assert_int_equal(flags(&a, "--stress-compaction"), 0);
  assert_int_equal(a.new_space.semi_space_max, 1 * MiB);
  /* Node's own flag (node --heapsnapshot_near_heap_limit=1 takes the
   * underscores too) */
  assert_int_equal(flags(&a, "--heapsnapshot_near_heap_limit=3"), 0);
  assert_int_equal(a.heapsnapshot_near_heap_limit, 3);

  /* The article's --max-new-space-size, in KiB, as V8 3.x read it: half for
   * each semispace, at least one 1 MiB page, a power of two. */
  assert_int_equal(flags(&a, "--max-new-space-size=1024"), 0);
  assert_int_equal(a.new_space.semi_space_max, 1 * MiB);
  assert_int_equal(flags(&a, "--max-new-space-size=20000"), 0);
  assert_int_equal(a.new_space.semi_space_max, 16 * MiB);
  assert_int_equal(flags(&a, "--max-new-space-size=65536"), 0);
  assert_int_equal(a.new_space.semi_space_max, 32 * MiB);
  assert_int_equal(a.new_space.semi_space_initial, 1 * MiB);

  /* flags that change nothing here are accepted */
  assert_int_equal(flags(&a, "--expose-gc --single-threaded-gc --trace-gc --gc-interval=100"), 0);
  gc_config_default(&b);
  assert_true(gclab_config_equal(&a, &b));
}

static void test_errors_name_the_flag(void **state) {
  (void)state;
  gc_config c;
  static const struct {
    const char *flags, *message;
  } bad[] = {
      {"--max-old-spce-size=64",
       "flags: found '--max-old-spce-size=64', expected a heap flag (did you mean "
       "--max-old-space-size?)"},
      {"--max-old-space-size=32MB",
       "flags: '--max-old-space-size=32MB': found '32MB', expected a whole number of MiB"},
      {"--max-old-space-size", "flags: '--max-old-space-size': found no value"},
      {"--incremental-marking=false",
       "found a value for a boolean flag, expected --incremental-marking or "
       "--no-incremental-marking"},
      {"--no-max-old-space-size=1", "did you mean --max-old-space-size?"},
      {"--max-old-space-size=-5", "found '-5', expected a whole number of MiB"},
      {"--heapsnapshot-near-heap-limit=-1", "found '-1', expected a whole number"},
      {"--heapsnapshot-near-heap-limit", "'--heapsnapshot-near-heap-limit': found no value"},
      {"--max-heap-size=100 --max-old-space-size=64 --max-semi-space-size=1",
       "--max-heap-size cannot be combined with both"},
      {"--physical-memory=lots", "'--physical-memory=lots': found 'lots'"},
      {"--expose-gc \"--max-old-space-size=1", "invalid value for flags (unterminated string)"},
      {"--max-old-space-size=99999999", "old_space.max_size: expected at least one page "
                                        "(256KiB) and at most 64GiB"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gc_config before;
    gc_config_default(&before);
    if (flags(&c, bad[i].flags) == 0) fail_msg("%s: accepted", bad[i].flags);
    assert_contains(err, bad[i].message);
    assert_true(gclab_config_equal(&c, &before));
  }
}

static void test_node_options_splitting(void **state) {
  (void)state;
  char **w;
  size_t n;
  /* Node's ParseNodeOptionsEnvVar: spaces split, quotes group, a
   * backslash inside quotes takes the next character. */
  assert_int_equal(cfg_split_node_options(" --a  \"b c\" \"d\\\"e\"x \"\"", "NODE_OPTIONS", &w, &n, err, sizeof err),
                   0);
  assert_int_equal(n, 4);
  assert_string_equal(w[0], "--a");
  assert_string_equal(w[1], "b c");
  assert_string_equal(w[2], "d\"ex");
  assert_string_equal(w[3], "");
  cfg_free_words(w, n);
  assert_int_equal(cfg_split_node_options("", "NODE_OPTIONS", &w, &n, err, sizeof err), 0);
  assert_int_equal(n, 0);
  cfg_free_words(w, n);
  assert_int_equal(cfg_split_node_options("\"abc", "NODE_OPTIONS", &w, &n, err, sizeof err), -1);
  assert_string_equal(err, "invalid value for NODE_OPTIONS (unterminated string)");
  assert_int_equal(cfg_split_node_options("\"abc\\", "NODE_OPTIONS", &w, &n, err, sizeof err), -1);
  assert_string_equal(err, "invalid value for NODE_OPTIONS (invalid escape)");
}

static void test_node_options_env(void **state) {
  (void)state;
  char *out, *errs;
  setenv("NODE_OPTIONS", "--max-old-space-size=64 \"--max-semi-space-size=2\"", 1);
  /* ignored unless asked for */
  assert_int_equal(run_config(&out, &errs, NULL), 0);
  assert_int_equal(parse(out).old_space.max_size, 4096 * MiB);
  free(out), free(errs);
  assert_int_equal(run_config(&out, &errs, "--node-options-env", NULL), 0);
  gc_config c = parse(out);
  assert_int_equal(c.old_space.max_size, 64 * MiB);
  assert_int_equal(c.new_space.semi_space_max, 2 * MiB);
  /* node prints 73400320 for this NODE_OPTIONS (test_heap_sizing.c) */
  assert_contains(out, "= 73400320 bytes (70.00 MiB)");
  free(out), free(errs);
  /* the command line wins over NODE_OPTIONS, as in Node */
  assert_int_equal(run_config(&out, &errs, "--max-old-space-size=32", "--node-options-env", NULL),
                   0);
  assert_int_equal(parse(out).old_space.max_size, 32 * MiB);
  free(out), free(errs);
  /* Node takes its --heapsnapshot-near-heap-limit there (NODE_OPTIONS=
   * --heapsnapshot-near-heap-limit=1 node -e 1 runs) */
  setenv("NODE_OPTIONS", "--heapsnapshot-near-heap-limit=2", 1);
  assert_int_equal(run_config(&out, &errs, "--node-options-env", NULL), 0);
  assert_int_equal(parse(out).heapsnapshot_near_heap_limit, 2);
  free(out), free(errs);
  setenv("NODE_OPTIONS", "--max-old-space-size=64 \"--max-semi-space-size=2\"", 1);
  /* the config key asks too */
  const char *yaml = "node_options_env: true\n";
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_string(yaml, strlen(yaml), "env", &c, err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 64 * MiB);
  /* what Node 20 refuses in NODE_OPTIONS, gclab refuses with Node's words */
  setenv("NODE_OPTIONS", "--expose-gc --min-semi-space-size=64", 1);
  assert_int_equal(run_config(&out, &errs, "--node-options-env", NULL), 2);
  assert_string_equal(errs, "gclab config: NODE_OPTIONS: --min-semi-space-size= is not allowed in "
                            "NODE_OPTIONS\n");
  free(out), free(errs);
  setenv("NODE_OPTIONS", "--stress-compaction", 1);
  assert_int_equal(run_config(&out, &errs, "--node-options-env", NULL), 2);
  assert_string_equal(errs, "gclab config: NODE_OPTIONS: --stress-compaction is not allowed in NODE_OPTIONS\n");
  free(out), free(errs);
  unsetenv("NODE_OPTIONS");
}

/* default < --config < flags < --set, whatever the order on the line */
static void test_precedence(void **state) {
  (void)state;
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml", NULL), 0);
  assert_int_equal(parse(out).old_space.max_size, 4 * MiB);
  free(out), free(errs);
  assert_int_equal(run_config(&out, &errs, "--max-old-space-size=32", "--config",
                              CONFIGS "/tiny.yaml", NULL),
                   0);
  assert_int_equal(parse(out).old_space.max_size, 32 * MiB);
  free(out), free(errs);
  assert_int_equal(run_config(&out, &errs, "--set", "old_space.max_size=8MiB",
                              "--max-old-space-size=32", "--config", CONFIGS "/tiny.yaml", NULL),
                   0);
  assert_int_equal(parse(out).old_space.max_size, 8 * MiB);
  free(out), free(errs);
  /* flags adjust only what they name: tiny's semispaces stay */
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml",
                              "--max-old-space-size=32", NULL),
                   0);
  gc_config c = parse(out);
  assert_int_equal(c.new_space.semi_space_max, 64 * KiB);
  free(out), free(errs);
  /* within one file, its own keys win over its flags */
  const char *yaml = "flags: --max-old-space-size=64 --max-semi-space-size=2\n"
                     "old_space:\n  max_size: 8MiB\n";
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_string(yaml, strlen(yaml), "f", &c, err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 8 * MiB);
  assert_int_equal(c.new_space.semi_space_max, 2 * MiB);
  /* ... and so in a Lua-style layer, whatever the key order */
  const char *keys[] = {"old_space.max_size", "flags"}, *vals[] = {"8MiB", "--max-old-space-size=64"};
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_layer_novalidate(&c, keys, vals, 2, err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 8 * MiB);
  /* a flag's error in a file names the line */
  const char *badf = "seed: 2\nflags: --max-old-space-size=big\n";
  assert_int_equal(gclab_config_load_string(badf, strlen(badf), "f", &c, err, sizeof err), -1);
  assert_starts_with(err, "f:2:8: flags: '--max-old-space-size=big': found 'big'");
}

static void test_physical_memory(void **state) {
  (void)state;
  static const struct {
    const char *size;
    uint64_t old, semi;
    const char *limit;
  } m[] = {
      {"--physical-memory=512MiB", 256 * MiB, 1 * MiB, "= 271581184 bytes (259.00 MiB)"},
      {"--physical-memory=2GiB", 1024 * MiB, 8 * MiB, "= 1098907648 bytes (1048.00 MiB)"},
      {"--physical-memory=16GiB", 4096 * MiB, 16 * MiB, "= 4345298944 bytes (4144.00 MiB)"},
      /* this machine: os.totalmem() = 25275990016; node printed 4345298944 */
      {"--physical-memory=25275990016", 4096 * MiB, 16 * MiB, "= 4345298944 bytes"},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    char *out, *errs;
    assert_int_equal(run_config(&out, &errs, m[i].size, NULL), 0);
    gc_config c = parse(out);
    assert_int_equal(c.old_space.max_size, m[i].old);
    assert_int_equal(c.new_space.semi_space_max, m[i].semi);
    assert_int_equal(c.new_space.semi_space_initial, 1 * MiB);
    assert_starts_with(out, "# Node's v8.getHeapStatistics().heap_size_limit");
    assert_contains(out, m[i].limit);
    free(out), free(errs);
  }
  /* flags adjust what physical memory gave, as in Node: 512 MiB machine,
   * 32 MiB old space -> the 1 MiB semispace stays */
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, "--physical-memory=512MiB", "--max-old-space-size=32",
                              NULL),
                   0);
  gc_config c = parse(out);
  assert_int_equal(c.old_space.max_size, 32 * MiB);
  assert_int_equal(c.new_space.semi_space_max, 1 * MiB);
  free(out), free(errs);
  /* the config key */
  gc_config_default(&c);
  assert_int_equal(gclab_config_set(&c, "physical_memory=2GiB", err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 1024 * MiB);
  assert_int_equal(gclab_config_set(&c, "physical_memory=0", err, sizeof err), -1);
  assert_starts_with(err, "--set physical_memory: '--physical-memory=0': found 0 bytes, expected a size above 0");
}

static void test_cli_reports(void **state) {
  (void)state;
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, "--expose_gc", "--no-concurrent-marking", NULL), 0);
  assert_contains(errs, "gclab config: --expose-gc: accepted, no effect in gclab");
  assert_contains(errs, "gclab config: --no-concurrent-marking: accepted, no effect in gclab");
  /* it names the key gclab's marker model is, and leaves it on */
  assert_contains(errs, "incremental.concurrent_markers");
  assert_contains(out, "concurrent_markers: 1");
  free(out), free(errs);
  assert_int_equal(run_config(&out, &errs, "--max-semi-spac-size=2", NULL), 2);
  assert_starts_with(errs, "gclab config: unknown option '--max-semi-spac-size=2' (did you mean "
                           "--max-semi-space-size?)");
  free(out), free(errs);
}

static void test_extract_from_argv(void **state) {
  (void)state;
  char *argv[] = {"--trace_gc", "--max-old-space-size=32", "scripts", "--physical-memory=512 MiB",
                  "--", "--max-semi-space-size=1", NULL};
  int argc = 6;
  gclab_cli_flags fl;
  FILE *e = tmpfile();
  assert_int_equal(gclab_cli_flags_extract("gclab run", &argc, argv, 0, 1, &fl, e), 0);
  char *errs = drain(e);
  assert_string_equal(errs, "");
  free(errs);
  assert_int_equal(argc, 4);
  assert_string_equal(argv[0], "--trace-gc"); /* kept for the runner, dash spelling */
  assert_string_equal(argv[1], "scripts");
  assert_string_equal(argv[2], "--");
  assert_string_equal(argv[3], "--max-semi-space-size=1"); /* after --: a path */
  assert_string_equal(fl.set, "flags=--max-old-space-size=32 \"--physical-memory=512 MiB\"");
  assert_int_equal(fl.gc_interval, -1);
  /* the --set it makes reads back the same flags */
  gc_config c;
  gc_config_default(&c);
  assert_int_equal(gclab_config_set(&c, fl.set, err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 32 * MiB);
  assert_int_equal(c.new_space.semi_space_max, 1 * MiB);
  gclab_cli_flags_free(&fl);

  /* `gclab lua`: flags before the script only */
  char *largv[] = {"--gc-interval=7", "script.lua", "--max-old-space-size=1", NULL};
  argc = 3;
  e = tmpfile();
  assert_int_equal(gclab_cli_flags_extract("gclab lua", &argc, largv, 1, 0, &fl, e), 0);
  fclose(e);
  assert_int_equal(argc, 2);
  assert_string_equal(largv[0], "script.lua");
  assert_int_equal(fl.gc_interval, 7);
  gclab_cli_flags_free(&fl);

  char *bad[] = {"--max-old-spac-size=3", NULL};
  argc = 1;
  e = tmpfile();
  assert_int_equal(gclab_cli_flags_extract("gclab run", &argc, bad, 0, 1, &fl, e), 2);
  errs = drain(e);
  assert_string_equal(errs, "gclab run: unknown option '--max-old-spac-size=3' (did you mean the "
                            "heap flag --max-old-space-size?)\n");
  free(errs);

  /* a value on the runner's --trace-gc is an error, as on every boolean
   * flag, not a trace turned on */
  char *valued[] = {"--trace-gc=false", "scripts", NULL};
  argc = 2;
  e = tmpfile();
  assert_int_equal(gclab_cli_flags_extract("gclab run", &argc, valued, 0, 1, &fl, e), 2);
  errs = drain(e);
  assert_string_equal(errs, "gclab run: '--trace-gc=false': found a value for a boolean flag, expected "
                            "--trace-gc or --no-trace-gc\n");
  free(errs);
}

/* docs/configuration.md's flag table names every flag gclab takes. */
static void test_documented(void **state) {
  (void)state;
  char *doc = slurp(GCLAB_SOURCE_DIR "/docs/configuration.md", NULL);
  assert_non_null(doc);
  for (size_t i = 0; cfg_flag_name(i); i++) {
    char want[128];
    snprintf(want, sizeof want, "`--%s", cfg_flag_name(i));
    assert_contains(doc, want);
  }
  for (size_t i = 0; cfg_node_key_name(i); i++) {
    char want[128];
    snprintf(want, sizeof want, "`%s`", cfg_node_key_name(i));
    assert_contains(doc, want);
  }
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spelling),        cmocka_unit_test(test_errors_name_the_flag),
      cmocka_unit_test(test_node_options_splitting), cmocka_unit_test(test_node_options_env),
      cmocka_unit_test(test_precedence),      cmocka_unit_test(test_physical_memory),
      cmocka_unit_test(test_cli_reports),     cmocka_unit_test(test_extract_from_argv),
      cmocka_unit_test(test_documented),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
