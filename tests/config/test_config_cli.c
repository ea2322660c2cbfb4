/*
 * test_config_cli.c -- `gclab config` (gclab_config_main): layering of
 * defaults, --config files and --set overrides, validation once at the end,
 * usage errors and exit statuses.
 */
#include "config_test.h"

#define CONFIGS GCLAB_SOURCE_DIR "/configs"

static char err[1024];

/* Parse what `gclab config` printed. */
static gc_config parse(const char *yaml) {
  gc_config c;
  gc_config_default(&c);
  if (gclab_config_load_string(yaml, strlen(yaml), "output", &c, err, sizeof err))
    fail_msg("%s\n%s", err, yaml);
  return c;
}

static void test_defaults_and_help(void **state) {
  (void)state;
  char *out, *errs;
  gc_config def;
  gc_config_default(&def);
  assert_int_equal(run_config(&out, &errs, NULL), 0);
  gc_config c = parse(out);
  assert_true(gclab_config_equal(&c, &def));
  assert_string_equal(errs, "");
  free(out);
  free(errs);
  static const char *const helps[] = {"--help", "-h"};
  for (int i = 0; i < 2; i++) {
    assert_int_equal(run_config(&out, &errs, helps[i], NULL), 0);
    assert_starts_with(out,
                       "usage: gclab config [--config FILE]... [HEAP-FLAG]... [--set KEY=VALUE]...");
    assert_contains(out, "docs/configuration.md");
    free(out);
    free(errs);
  }
}

static void test_layers(void **state) {
  (void)state;
  char *out, *errs;
  gc_config want, c;
  /* file, then --set; both spellings of each option */
  gc_config_default(&want);
  assert_int_equal(gclab_config_load_file(CONFIGS "/tiny.yaml", &want, err, sizeof err), 0);
  want.new_space.semi_space_max = 32 * KiB;
  want.seed = 9;
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml", "--set",
                              "new_space.semi_space.max=32KiB", "--set=seed=9", NULL),
                   0);
  c = parse(out);
  assert_true(gclab_config_equal(&c, &want));
  free(out);
  free(errs);
  /* overrides win over files whatever their position */
  assert_int_equal(run_config(&out, &errs, "--set=seed=9", "--set",
                              "new_space.semi_space.max=32KiB", "--config=" CONFIGS "/tiny.yaml",
                              NULL),
                   0);
  c = parse(out);
  assert_true(gclab_config_equal(&c, &want));
  free(out);
  free(errs);
  /* files apply in order; the later wins */
  gc_config_default(&want);
  assert_int_equal(gclab_config_load_file(CONFIGS "/tiny.yaml", &want, err, sizeof err), 0);
  assert_int_equal(gclab_config_load_file(CONFIGS "/classic.yaml", &want, err, sizeof err), 0);
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml", "--config",
                              CONFIGS "/classic.yaml", NULL),
                   0);
  c = parse(out);
  assert_true(gclab_config_equal(&c, &want));
  free(out);
  free(errs);
  /* the later --set of a key wins */
  assert_int_equal(run_config(&out, &errs, "--set", "seed=3", "--set", "seed=4", NULL), 0);
  c = parse(out);
  assert_int_equal(c.seed, 4);
  free(out);
  free(errs);
}

static void test_validated_once_at_the_end(void **state) {
  (void)state;
  char *out, *errs;
  /* initial above the default max is invalid until max follows */
  assert_int_equal(run_config(&out, &errs, "--set", "new_space.semi_space.initial=32MiB",
                              "--set", "new_space.semi_space.max=64MiB", NULL),
                   0);
  gc_config c = parse(out);
  assert_int_equal(c.new_space.semi_space_initial, 32 * MiB);
  free(out);
  free(errs);
  /* ... a default that depends on the key set follows it (issue 11, defect 5) ... */
  assert_int_equal(run_config(&out, &errs, "--set", "new_space.semi_space.initial=32MiB", NULL),
                   0);
  c = parse(out);
  assert_int_equal(c.new_space.semi_space_max, 32 * MiB);
  free(out);
  free(errs);
  /* ... and a relation between explicit values still broken at the end is
   * reported where it was set last */
  assert_int_equal(run_config(&out, &errs, "--set", "new_space.semi_space.initial=32MiB",
                              "--set", "new_space.semi_space.max=16MiB", NULL),
                   2);
  assert_string_equal(out, "");
  assert_starts_with(errs, "gclab config: "
                           "--set new_space.semi_space.max: expected at least "
                           "new_space.semi_space.initial (32MiB), got 16MiB\n");
  free(out);
  free(errs);
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml", "--set",
                              "page_size=64KiB", NULL),
                   2);
  assert_starts_with(errs, "gclab config: "
                           "--set page_size: new_space.semi_space.initial: expected a multiple "
                           "of page_size (64KiB)");
  free(out);
  free(errs);
  /* a relation between a file's key and the default is reported in the file */
  assert_int_equal(run_config(&out, &errs, "--config", CONFIGS "/tiny.yaml", "--set",
                              "old_space.max_size=2MiB", "--set", "incremental.activation_size=3MiB",
                              NULL),
                   2);
  assert_starts_with(errs, "gclab config: "
                           "--set incremental.activation_size: expected at most "
                           "old_space.max_size (2MiB)");
  free(out);
  free(errs);
  /* an invalid maximum is reported as itself: the initial size, which
   * follows a valid maximum down, does not follow it */
  assert_int_equal(run_config(&out, &errs, "--set", "new_space.semi_space.max=300KiB", NULL), 2);
  assert_starts_with(errs, "gclab config: "
                           "--set new_space.semi_space.max: expected a multiple of page_size "
                           "(256KiB), got 300KiB");
  free(out);
  free(errs);
}

static void test_usage_errors(void **state) {
  (void)state;
  static const struct {
    const char *a, *b, *message;
  } bad[] = {
      {"--sett", "x=1", "gclab config: unknown option '--sett' (did you mean --set?)\nusage: "},
      {"--conf", "x.yaml", "unknown option '--conf' (did you mean --config?)"},
      {"--config", NULL, "gclab config: --config needs a FILE\nusage: gclab config"},
      {"--set", NULL, "gclab config: --set needs KEY=VALUE\nusage: "},
      {"--config=", NULL, "--config needs a FILE"},
      {"tiny.yaml", NULL, "unexpected argument 'tiny.yaml' (files are given with --config FILE)"},
      {"--set", "seed", "--set seed: found no '=', expected KEY=VALUE"},
      {"--set", "seeed=1", "--set seeed: found an unknown key, expected a key path such as "
                           "new_space.semi_space.max (did you mean seed?)"},
      {"--set", "seed=-1", "--set seed: found '-1' (negative)"},
      {"--set", "old_space=1", "--set old_space: found a section"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *out, *errs;
    assert_int_equal(run_config(&out, &errs, bad[i].a, bad[i].b, NULL), 2);
    assert_string_equal(out, "");
    assert_contains(errs, bad[i].message);
    free(out);
    free(errs);
  }
}

static void test_output_error(void **state) {
  (void)state;
  /* a stream that cannot be written: exit status 1 */
  FILE *ro = fopen(GCLAB_SOURCE_DIR "/configs/node20.yaml", "r");
  FILE *e = tmpfile();
  assert_non_null(ro);
  assert_non_null(e);
  char *argv[] = {"config", NULL};
  assert_int_equal(gclab_config_main(1, argv, ro, e), 1);
  fclose(ro);
  char *errs = drain(e);
  assert_contains(errs, "gclab config: cannot write the configuration");
  free(errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_help),
      cmocka_unit_test(test_layers),
      cmocka_unit_test(test_validated_once_at_the_end),
      cmocka_unit_test(test_usage_errors),
      cmocka_unit_test(test_output_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
