/*
 * test_config_profiles.c -- the profiles in configs/: each loads, prints and
 * loads back equal; node20.yaml is the built-in default, key for key; the
 * classic and tiny profiles say what they promise; the docs name every key;
 * what YAML may look like (flow style, quotes, comments, CRLF, BOM, layering).
 */
#include <dirent.h>

#include "config_test.h"

#include "config_internal.h"

#define CONFIGS GCLAB_SOURCE_DIR "/configs"

static char err[1024];

static gc_config load(const char *name) {
  char path[512];
  gc_config c;
  gc_config_default(&c);
  snprintf(path, sizeof path, CONFIGS "/%s", name);
  if (gclab_config_load_file(path, &c, err, sizeof err)) fail_msg("%s", err);
  return c;
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

/* The *.yaml files of configs/, sorted; returns how many. */
static size_t profiles(char names[][128], size_t cap) {
  DIR *d = opendir(CONFIGS);
  assert_non_null(d);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    size_t l = strlen(e->d_name);
    if (l > 5 && l < 128 && strcmp(e->d_name + l - 5, ".yaml") == 0 && n < cap)
      memcpy(names[n++], e->d_name, l + 1); /* l < 128: fits with its NUL */
  }
  closedir(d);
  qsort(names, n, sizeof names[0], by_name);
  return n;
}

static void test_every_profile_round_trips(void **state) {
  (void)state;
  char names[64][128];
  size_t n = profiles(names, 64);
  assert_true(n >= 5);
  gc_config tiny = load("tiny.yaml"), classic = load("classic.yaml");
  for (size_t i = 0; i < n; i++) {
    gc_config c = load(names[i]);
    assert_int_equal(gc_config_validate(&c, err, sizeof err), GC_OK);
    char *yaml = gclab_config_to_yaml(&c);
    assert_non_null(yaml);
    /* The printed YAML holds every key, so it loads to the same struct over
     * any starting point. */
    const gc_config *starts[] = {&tiny, &classic};
    for (size_t s = 0; s < 2; s++) {
      gc_config d = *starts[s];
      if (gclab_config_load_string(yaml, strlen(yaml), names[i], &d, err, sizeof err))
        fail_msg("%s: %s", names[i], err);
      if (!gclab_config_equal(&c, &d)) fail_msg("%s does not round-trip", names[i]);
    }
    /* `gclab config --config FILE` prints the same document */
    char path[512], *out, *errs;
    snprintf(path, sizeof path, CONFIGS "/%s", names[i]);
    assert_int_equal(run_config(&out, &errs, "--config", path, NULL), 0);
    assert_string_equal(out, yaml);
    assert_string_equal(errs, "");
    free(out);
    free(errs);
    free(yaml);
  }
}

static void test_node20_is_the_default(void **state) {
  (void)state;
  gc_config def, c;
  gc_config_default(&def);
  /* Loaded over tiny.yaml (which differs in most keys), node20.yaml must
   * give the default: every key it sets has the default's value ... */
  c = load("tiny.yaml");
  assert_int_equal(gclab_config_load_file(CONFIGS "/node20.yaml", &c, err, sizeof err), 0);
  assert_true(gclab_config_equal(&c, &def));
  /* ... and it sets every key, so no default hides behind it. */
  size_t len = 0;
  char *text = slurp(CONFIGS "/node20.yaml", &len);
  assert_non_null(text);
  cfg_origins *o = calloc(1, sizeof *o);
  gc_config_default(&c);
  assert_int_equal(cfg_load_text("node20.yaml", text, len, &c, o, err, sizeof err), 0);
  for (size_t k = 0; k < cfg_nkeys; k++)
    if (cfg_keys[k].kind != CK_SECTION && !o->set[k])
      fail_msg("node20.yaml does not set %s", cfg_keys[k].path);
  free(o);
  free(text);
  /* and the default prints as node20's values */
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, NULL), 0);
  gc_config printed;
  memset(&printed, 0, sizeof printed);
  assert_int_equal(cfg_load_text("out", out, strlen(out), &printed, NULL, err, sizeof err), 0);
  assert_true(gclab_config_equal(&printed, &def));
  free(out);
  free(errs);
}

static void test_classic_profile(void **state) {
  (void)state;
  gc_config c = load("classic.yaml");
  assert_int_equal(c.new_space.promotion, GC_PROMOTE_CLASSIC);
  assert_int_equal(c.new_space.promotion_age, 1);
  assert_int_equal(c.new_space.classic_to_space_pct, 25);
  assert_int_equal(c.old_space.full_gc, GC_FULL_MARK_COMPACT);
  assert_int_equal(c.old_space.compaction, GC_COMPACT_SLIDE);
  assert_int_equal(c.old_space.max_size, 1400 * MiB); /* 700 MB x kPointerSize / 4 */
  assert_int_equal(c.page_size, 1 * MiB);             /* kPageSizeBits = 20 */
  assert_int_equal(c.new_space.semi_space_initial, 1 * MiB);
  assert_int_equal(c.new_space.semi_space_max, 16 * MiB);
  assert_false(c.incremental.enabled);
  gc_config tc = load("tiny-classic.yaml");
  assert_int_equal(tc.new_space.promotion, GC_PROMOTE_CLASSIC);
  assert_int_equal(tc.old_space.compaction, GC_COMPACT_SLIDE);
  assert_false(tc.incremental.enabled);
}

/* tiny.yaml exists so that every GC path is a short scenario away. */
static void test_tiny_profile_reaches_every_path(void **state) {
  (void)state;
  static const char *const small[] = {"tiny.yaml", "tiny-classic.yaml", "small.yaml"};
  for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
    gc_config c = load(small[i]);
    assert_true(c.page_size <= 16 * KiB);
    assert_true(c.new_space.semi_space_max <= 256 * KiB);
    assert_true(c.new_space.semi_space_initial < c.new_space.semi_space_max); /* growth */
    assert_true(c.old_space.max_size <= 8 * MiB);                             /* OOM */
    assert_true(c.large_object.threshold < c.page_size);
    assert_true(c.large_object.threshold <= c.page_size / 2);
    /* incremental marking starts below the first allocation limit (auto:
     * max / 2), so it runs before limit-driven full GCs take over */
    assert_int_equal(c.old_space.initial_limit, 0);
    assert_true(c.incremental.activation_size < c.old_space.max_size / 2);
    assert_true(c.incremental.young_step <= c.new_space.semi_space_initial);
    assert_true(c.old_space.evacuation_quota >= 4 * c.page_size);
  }
  gc_config t = load("tiny.yaml");
  assert_int_equal(t.page_size, 4 * KiB);
  assert_int_equal(t.new_space.semi_space_initial, 16 * KiB);
  assert_int_equal(t.new_space.semi_space_max, 64 * KiB);
  assert_int_equal(t.old_space.max_size, 4 * MiB);
}

static void test_docs_name_every_key(void **state) {
  (void)state;
  char *doc = slurp(GCLAB_SOURCE_DIR "/docs/configuration.md", NULL);
  assert_non_null(doc);
  for (size_t i = 0; gclab_config_key(i); i++) {
    char needle[128];
    snprintf(needle, sizeof needle, "`%s`", gclab_config_key(i));
    if (!strstr(doc, needle)) fail_msg("docs/configuration.md does not describe %s", needle);
  }
  free(doc);
}

static void test_yaml_styles(void **state) {
  (void)state;
  gc_config c, want;
  static const char *const same[] = {
      /* block */
      "page_size: 512KiB\nnew_space:\n  semi_space:\n    initial: 2MiB\n",
      /* flow, quoted, commented, CRLF, BOM, directives and explicit markers */
      "{page_size: 512KiB, new_space: {semi_space: {initial: 2MiB}}}",
      "page_size: '512KiB'\nnew_space:\n  semi_space:\n    initial: \"2MiB\"\n",
      "# comment\npage_size: 512KiB # trailing\nnew_space:   # section\n  semi_space:\n"
      "    initial: 2 MiB\n",
      "page_size: 512KiB\r\nnew_space:\r\n  semi_space:\r\n    initial: 2MiB\r\n",
      "\xEF\xBB\xBFpage_size: 512KiB\nnew_space:\n  semi_space:\n    initial: 2MiB\n",
      "%YAML 1.1\n---\npage_size: 512KiB\nnew_space:\n  semi_space:\n    initial: 2MiB\n...\n",
      /* an emptied section is allowed */
      "page_size: 512KiB\nold_space:\nincremental: {}\nnew_space:\n  promotion: ~\n"
      "  semi_space:\n    initial: 2MiB\n",
  };
  gc_config_default(&want);
  want.page_size = 512 * KiB;
  want.page_header = 0; /* follows page_size: V8's header is its 256 KiB page's */
  want.new_space.semi_space_initial = 2 * MiB;
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    gc_config_default(&c);
    if (gclab_config_load_string(same[i], strlen(same[i]), "style", &c, err, sizeof err))
      fail_msg("style %zu: %s", i, err);
    if (!gclab_config_equal(&c, &want)) fail_msg("style %zu differs", i);
  }
  /* {} means "all defaults"; len bounds the text (no NUL needed) */
  gc_config def;
  gc_config_default(&def);
  c = want;
  assert_int_equal(gclab_config_load_string("{}", 2, NULL, &c, err, sizeof err), 0);
  assert_true(gclab_config_equal(&c, &want));
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_string("{}\n", 3, NULL, &c, err, sizeof err), 0);
  assert_true(gclab_config_equal(&c, &def));
  const char *cut = "seed: 42xxxx";
  assert_int_equal(gclab_config_load_string(cut, 8, NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.seed, 42);
  /* names in messages */
  assert_int_equal(gclab_config_load_string("seed: x", 7, NULL, &c, err, sizeof err), -1);
  assert_starts_with(err, "<string>:1:7: seed: found 'x'");
  assert_int_equal(gclab_config_load_string("seed: x", 7, "inline", &c, err, sizeof err), -1);
  assert_starts_with(err, "inline:1:7: seed: ");
  assert_int_equal(gclab_config_load_string(NULL, 3, "n", &c, err, sizeof err), -1);
  assert_int_equal(gclab_config_load_string("{}", 2, "n", NULL, err, sizeof err), -1);
  assert_int_equal(gclab_config_load_file(NULL, &c, err, sizeof err), -1);
}

static void test_layering(void **state) {
  (void)state;
  /* a partial file changes only its keys */
  gc_config c, want;
  gc_config_default(&c);
  const char *part = "old_space:\n  max_size: 64MiB\n";
  assert_int_equal(gclab_config_load_string(part, strlen(part), "part", &c, err, sizeof err), 0);
  gc_config_default(&want);
  want.old_space.max_size = 64 * MiB;
  assert_true(gclab_config_equal(&c, &want));
  /* classic over tiny: classic's keys win, tiny's others stay */
  c = load("tiny.yaml");
  assert_int_equal(gclab_config_load_file(CONFIGS "/classic.yaml", &c, err, sizeof err), 0);
  assert_int_equal(c.page_size, 1 * MiB);
  assert_int_equal(c.old_space.min_growing_step, 256 * KiB); /* from tiny */
  /* a failed load leaves the config untouched, even after good keys */
  c = load("tiny.yaml");
  want = c;
  const char *bad = "seed: 9\nold_space:\n  max_size: 64MiB\n  full_gc: sometimes\n";
  assert_int_equal(gclab_config_load_string(bad, strlen(bad), "bad", &c, err, sizeof err), -1);
  assert_starts_with(err, "bad:4:12: old_space.full_gc: found 'sometimes'");
  assert_true(gclab_config_equal(&c, &want));
  /* a relation broken by the file is reported at the line that set a key it names */
  const char *rel = "seed: 9\nnew_space:\n  semi_space:\n    initial: 32MiB\n    max: 16MiB\n";
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_string(rel, strlen(rel), "rel", &c, err, sizeof err), -1);
  assert_starts_with(err, "rel:5:10: new_space.semi_space.max: expected at least "
                          "new_space.semi_space.initial (32MiB), got 16MiB");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_profile_round_trips),
      cmocka_unit_test(test_node20_is_the_default),
      cmocka_unit_test(test_classic_profile),
      cmocka_unit_test(test_tiny_profile_reaches_every_path),
      cmocka_unit_test(test_docs_name_every_key),
      cmocka_unit_test(test_yaml_styles),
      cmocka_unit_test(test_layering),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
