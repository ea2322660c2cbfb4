/*
 * test_config_values.c -- values and single keys: units, percentages,
 * booleans, enums, factors; --set and set_kv; get; equality; the schema
 * table against gc_config.
 */
#include "config_test.h"

#include "config_internal.h"

static char err[1024];

/* Set `key` to `text` on a default config without validating. */
static int set(gc_config *c, const char *key, const char *text) {
  gc_config_default(c);
  err[0] = '\0';
  return gclab_config_set_kv_novalidate(c, key, text, err, sizeof err);
}

static void test_sizes(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint64_t bytes;
  } ok[] = {
      {"4096", 4096},          {"512KiB", 512 * KiB},   {"16MiB", 16 * MiB},
      {"4GiB", 4 * GiB},       {"64KB", 64 * KiB},      {"2MB", 2 * MiB},
      {"1GB", GiB},            {"300B", 300},           {"1.5MiB", 1536 * KiB},
      {"16 MiB", 16 * MiB},    {"0.5KiB", 512},         {"0", 0},
      {"4096MiB", 4 * GiB},    {"18446744073709551615", UINT64_MAX},
      /* values are written as in a file: YAML's quotes are read as YAML reads them */
      {"'8MiB'", 8 * MiB},     {"\"8MiB\"", 8 * MiB},  {" '2 MiB' ", 2 * MiB},
  };
  gc_config c;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int rc = set(&c, "old_space.compaction.quota", ok[i].text);
    if (rc) fail_msg("%s: %s", ok[i].text, err);
    assert_int_equal(c.old_space.evacuation_quota, ok[i].bytes);
  }
  static const struct {
    const char *text, *why;
  } bad[] = {
      {"-1", "a negative size"},
      {"-4KiB", "a negative size"},
      {"16QiB", "unknown unit 'QiB'"},
      {"16mib", "units are case-sensitive, did you mean MiB?"},
      {"16kb", "did you mean KB?"},
      {"1TiB", "unknown unit 'TiB'"},
      {"18446744073709551616", "more than 2^64-1 bytes"},
      {"17179869184GiB", "more than 2^64-1 bytes"},
      {"0.1KiB", "not a whole number of bytes"},
      {"1.5", "not a whole number of bytes"},
      {"1.0000000001KiB", "too many decimals"},
      {"MiB", "not a number"},
      {"+4MiB", "not a number"},
      {".5MiB", "not a number"},
      {"1.MiB", "not a number"},
      {"1e6", "unknown unit 'e6'"},
      {"0x1000", "unknown unit 'x1000'"},
      {"", "found an empty value"},
      {"   ", "found an empty value"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gc_config before;
    gc_config_default(&before);
    assert_int_equal(set(&c, "old_space.compaction.quota", bad[i].text), -1);
    assert_starts_with(err, "old_space.compaction.quota: found ");
    assert_contains(err, bad[i].why);
    assert_contains(err, "expected a size");
    assert_true(gclab_config_equal(&c, &before)); /* a failed set changes nothing */
  }
  /* initial_limit also takes "auto" (= 0, V8's rule) */
  assert_int_equal(set(&c, "old_space.initial_limit", "auto"), 0);
  assert_int_equal(c.old_space.initial_limit, 0);
  assert_int_equal(set(&c, "old_space.initial_limit", "256MiB"), 0);
  assert_int_equal(c.old_space.initial_limit, 256 * MiB);
  assert_int_equal(set(&c, "old_space.initial_limit", "Auto"), -1);
  assert_contains(err, "expected auto, or a size");
  assert_int_equal(set(&c, "page_size", "auto"), -1); /* only initial_limit is auto */
}

static void test_percentages(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t pct;
  } ok[] = {{"25%", 25}, {"25", 25}, {"0%", 0}, {"100%", 100}, {"70 %", 70}, {"0", 0}};
  gc_config c;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    if (set(&c, "new_space.promotion.classic_to_space", ok[i].text)) fail_msg("%s", err);
    assert_int_equal(c.new_space.classic_to_space_pct, ok[i].pct);
  }
  static const struct {
    const char *text, *why;
  } bad[] = {{"101%", "above 100%"},      {"150", "above 100%"},
             {"-1%", "negative"},         {"25.5%", "not a whole percentage"},
             {"abc", "not a number"},     {"%", "not a number"},
             {"25%%", "not a number"},    {"99999999999999999999999%", "above 100%"},
             {"0.25", "not a whole percentage"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(set(&c, "old_space.page_promotion_threshold", bad[i].text), -1);
    assert_starts_with(err, "old_space.page_promotion_threshold: found ");
    assert_contains(err, bad[i].why);
    assert_contains(err, "expected a whole percentage from 0% to 100%");
  }
}

static void test_booleans(void **state) {
  (void)state;
  static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False",
                                                                             "FALSE"};
  gc_config c;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(set(&c, "incremental.enabled", no[i]), 0);
    assert_false(c.incremental.enabled);
    assert_int_equal(gclab_config_set_kv_novalidate(&c, "incremental.enabled", yes[i], err,
                                                    sizeof err),
                     0);
    assert_true(c.incremental.enabled);
  }
  static const char *const bad[] = {"yes", "no", "on", "off", "Yes", "y", "1", "0", "t", "tru"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(set(&c, "incremental.enabled", bad[i]), -1);
    assert_contains(err, "expected true or false");
  }
  assert_int_equal(set(&c, "incremental.enabled", "off"), -1);
  assert_contains(err, "YAML 1.1's yes/no/on/off are not booleans here");
}

static void test_enums(void **state) {
  (void)state;
  gc_config c;
  assert_int_equal(set(&c, "new_space.promotion.policy", "classic"), 0);
  assert_int_equal(c.new_space.promotion, GC_PROMOTE_CLASSIC);
  assert_int_equal(set(&c, "new_space.promotion.policy", "age_mark"), 0);
  assert_int_equal(c.new_space.promotion, GC_PROMOTE_AGE_MARK);
  assert_int_equal(set(&c, "old_space.full_gc", "mark_sweep"), 0);
  assert_int_equal(c.old_space.full_gc, GC_FULL_MARK_SWEEP);
  assert_int_equal(set(&c, "old_space.full_gc", "mark_compact"), 0);
  assert_int_equal(c.old_space.full_gc, GC_FULL_MARK_COMPACT);
  assert_int_equal(set(&c, "old_space.compaction.strategy", "slide"), 0);
  assert_int_equal(c.old_space.compaction, GC_COMPACT_SLIDE);
  assert_int_equal(set(&c, "old_space.compaction.strategy", "evacuate"), 0);
  assert_int_equal(c.old_space.compaction, GC_COMPACT_EVACUATE);

  assert_int_equal(set(&c, "old_space.full_gc", "mark-sweep"), -1);
  assert_contains(err, "(did you mean mark_sweep?), expected one of mark_compact, mark_sweep");
  assert_int_equal(set(&c, "new_space.promotion.policy", "Classic"), -1);
  assert_contains(err, "did you mean classic?");
  assert_int_equal(set(&c, "old_space.compaction.strategy", "compact"), -1);
  assert_contains(err, "found 'compact', expected one of evacuate, slide");
  assert_int_equal(set(&c, "new_space.promotion.policy", "1"), -1); /* names, not numbers */
}

static void test_factors_and_integers(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t x100;
  } ok[] = {{"1.1", 110}, {"1.10", 110}, {"2", 200}, {"4.0", 400}, {"1.05", 105}, {"10", 1000}};
  gc_config c;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    if (set(&c, "old_space.growing.max_factor", ok[i].text)) fail_msg("%s", err);
    assert_int_equal(c.old_space.max_growing_factor_x100, ok[i].x100);
  }
  assert_int_equal(set(&c, "old_space.growing.target_mu", "0.97"), 0);
  assert_int_equal(c.old_space.target_mu_x100, 97);
  static const struct {
    const char *text, *why;
  } bad[] = {{"1.234", "more than two decimals"},
             {"-1.1", "negative"},
             {"abc", "not a number"},
             {"1.", "not a number"},
             {"1,5", "not a number"},
             {"42949673", "too large"},
             {"99999999999999999999", "too large"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(set(&c, "old_space.growing.min_factor", bad[i].text), -1);
    assert_contains(err, bad[i].why);
    assert_contains(err, "expected a decimal number with at most two decimals");
  }

  assert_int_equal(set(&c, "cost.alloc_ns", "4294967295"), 0);
  assert_int_equal(c.cost.alloc_ns, 4294967295u);
  assert_int_equal(set(&c, "cost.alloc_ns", "4294967296"), -1);
  assert_contains(err, "above 4294967295");
  assert_int_equal(set(&c, "seed", "18446744073709551615"), 0);
  assert_int_equal(c.seed, UINT64_MAX);
  assert_int_equal(set(&c, "seed", "18446744073709551616"), -1);
  assert_contains(err, "above 18446744073709551615");
  assert_int_equal(set(&c, "new_space.semi_space.growth_factor", "-2"), -1);
  assert_contains(err, "(negative)");
  assert_int_equal(set(&c, "new_space.semi_space.growth_factor", "2.0"), -1);
  assert_contains(err, "not a whole number");
  assert_int_equal(set(&c, "old_space.last_resort_gcs", "3x"), -1);
  assert_contains(err, "found '3x' (not a number)");
}

static void test_set(void **state) {
  (void)state;
  gc_config c, d;
  gc_config_default(&c);
  assert_int_equal(gclab_config_set(&c, "new_space.semi_space.max=4MiB", err, sizeof err), 0);
  assert_int_equal(c.new_space.semi_space_max, 4 * MiB);
  assert_int_equal(gclab_config_set(&c, "  new_space.semi_space.max = 8MiB ", err, sizeof err),
                   0);
  assert_int_equal(c.new_space.semi_space_max, 8 * MiB);
  /* the value is split at the first '=' only */
  assert_int_equal(gclab_config_set(&c, "seed=1=2", err, sizeof err), -1);
  assert_starts_with(err, "--set seed: found '1=2'");

  static const struct {
    const char *assignment, *message;
  } bad[] = {
      {"new_space.semi_space.max", "--set new_space.semi_space.max: found no '=', expected "
                                   "KEY=VALUE"},
      {"=4MiB", "--set: found an empty key, expected KEY=VALUE"},
      {"new_space.semi_space.maxx=4MiB",
       "--set new_space.semi_space.maxx: found an unknown key, expected a key path such as "
       "new_space.semi_space.max (did you mean new_space.semi_space.max?)"},
      {"semi_space.max=4MiB", "(did you mean new_space.semi_space.max?)"},
      {"old_space.max=64MiB", "(did you mean old_space.max_size?)"},
      {"new_space.max=64MiB", "(did you mean new_space.semi_space.max?)"},
      {"Page-Size=4KiB", "(did you mean page_size?)"},
      {"zzz=1", "(`gclab config` prints every key)"},
      {"new_space=1", "--set new_space: found a section, expected one of its keys: "
                      "new_space.{semi_space, promotion, copy_lab}"},
      {"page_size=3x", "--set page_size: found '3x' (unknown unit 'x')"},
      /* relations: validated, reported at the --set that broke them */
      {"old_space.initial_limit=8GiB",
       "--set old_space.initial_limit: expected at most old_space.max_size (4GiB), got 8GiB"},
      {"large_object.threshold=512KiB",
       "--set large_object.threshold: expected a multiple of 8 from 64 bytes to below "
       "page_size (256KiB), got 512KiB"},
      {"incremental.marker_tasks=0", "--set incremental.marker_tasks: expected 1..64, got 0"},
      {"incremental.marker_tasks=65", "--set incremental.marker_tasks: expected 1..64, got 65"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gc_config_default(&c);
    d = c;
    assert_int_equal(gclab_config_set(&c, bad[i].assignment, err, sizeof err), -1);
    assert_contains(err, bad[i].message);
    assert_true(gclab_config_equal(&c, &d));
  }
  assert_int_equal(gclab_config_set(&c, NULL, err, sizeof err), -1);
  assert_int_equal(gclab_config_set(NULL, "seed=1", err, sizeof err), -1);
  assert_int_equal(gclab_config_set(&c, "seed=oops", NULL, 0), -1); /* err may be NULL */
}

static void test_set_kv_and_novalidate(void **state) {
  (void)state;
  gc_config c, d;
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_kv(&c, "old_space.max_size", "64MiB", err, sizeof err), 0);
  assert_int_equal(c.old_space.max_size, 64 * MiB);
  /* set_kv messages start with the key alone (the Lua binding adds its own context) */
  assert_int_equal(gclab_config_set_kv(&c, "old_space.max_size", "lots", err, sizeof err), -1);
  assert_starts_with(err, "old_space.max_size: found 'lots'");
  assert_int_equal(gclab_config_set_kv(&c, "old_space.max_size", "16KiB", err, sizeof err), -1);
  assert_starts_with(err, "old_space.max_size: expected at least one page");
  assert_int_equal(gclab_config_set_kv(&c, NULL, "1", err, sizeof err), -1);
  assert_int_equal(gclab_config_set_kv(&c, "seed", NULL, err, sizeof err), -1);

  /* Raising the initial limit above the default maximum, then the maximum:
   * one at a time the first step is invalid, so validate once at the end. */
  gc_config_default(&c);
  d = c;
  assert_int_equal(gclab_config_set_kv(&c, "old_space.initial_limit", "8GiB", err, sizeof err),
                   -1);
  assert_true(gclab_config_equal(&c, &d));
  assert_int_equal(
      gclab_config_set_kv_novalidate(&c, "old_space.initial_limit", "8GiB", err, sizeof err), 0);
  assert_int_not_equal(gc_config_validate(&c, err, sizeof err), GC_OK);
  assert_int_equal(gclab_config_set_novalidate(&c, "old_space.max_size=16GiB", err, sizeof err),
                   0);
  assert_int_equal(gc_config_validate(&c, err, sizeof err), GC_OK);
  assert_int_equal(c.old_space.initial_limit, 8 * GiB);
  /* A default that depends on the key set follows it (issue 11, defect 5):
   * the initial semispace alone raises the maximum that was not set ... */
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_kv(&c, "new_space.semi_space.initial", "32MiB", err,
                                       sizeof err),
                   0);
  assert_int_equal(c.new_space.semi_space_max, 32 * MiB);
  /* ... a 1 MiB old space takes the compaction quota and the marking start
   * down with it ... */
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_kv(&c, "old_space.max_size", "1MiB", err, sizeof err), 0);
  assert_int_equal(c.old_space.evacuation_quota, 1 * MiB);
  assert_int_equal(c.incremental.activation_size, 1 * MiB);
  /* ... a small page takes the large-object threshold (half a page) ... */
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_kv(&c, "page_size", "64KiB", err, sizeof err), 0);
  assert_int_equal(c.large_object.threshold, 32 * KiB);
  /* ... but a value set explicitly still conflicts, reported where it was set */
  const char *both = "old_space:\n  max_size: 1MiB\n  compaction:\n    quota: 4MiB\n";
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_string(both, strlen(both), "both", &c, err, sizeof err), -1);
  assert_starts_with(err, "both:4:12: old_space.compaction.quota: expected at most "
                          "old_space.max_size (1MiB), got 4MiB");
  /* gclab_config_finish (the Lua binding's end) does the same without origins */
  gc_config_default(&c);
  assert_int_equal(gclab_config_set_kv_novalidate(&c, "old_space.max_size", "2MiB", err,
                                                  sizeof err),
                   0);
  assert_int_equal(gclab_config_finish(&c, err, sizeof err), 0);
  assert_int_equal(c.old_space.evacuation_quota, 2 * MiB);
  /* novalidate still checks keys and values */
  assert_int_equal(gclab_config_set_kv_novalidate(&c, "new_space.semi_space.initial", "big",
                                                  err, sizeof err),
                   -1);
  assert_int_equal(gclab_config_set_novalidate(&c, "nope=1", err, sizeof err), -1);
  assert_starts_with(err, "--set nope: found an unknown key");
}

static void test_get_and_keys(void **state) {
  (void)state;
  gc_config c;
  char buf[64];
  gc_config_default(&c);
  static const struct {
    const char *key, *text;
  } want[] = {{"page_size", "256KiB"},
              {"new_space.promotion.policy", "age_mark"},
              {"new_space.promotion.classic_to_space", "25%"},
              {"old_space.max_size", "4GiB"},
              {"old_space.initial_limit", "auto"},
              {"old_space.growing.min_factor", "1.1"},
              {"old_space.growing.max_factor", "4.0"},
              {"old_space.growing.target_mu", "0.97"},
              {"old_space.always_promote_young", "true"},
              {"cost.sweep_ns_per_kb", "100"},
              {"seed", "1"}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    assert_int_equal(gclab_config_get(&c, want[i].key, buf, sizeof buf, err, sizeof err), 0);
    assert_string_equal(buf, want[i].text);
  }
  assert_int_equal(gclab_config_get(&c, "old_space", buf, sizeof buf, err, sizeof err), -1);
  assert_contains(err, "found a section");
  assert_int_equal(gclab_config_get(&c, "old_space.max", buf, sizeof buf, err, sizeof err), -1);
  assert_contains(err, "did you mean old_space.max_size?");

  size_t n = 0;
  for (const char *k; (k = gclab_config_key(n)) != NULL; n++) {
    assert_int_equal(gclab_config_get(&c, k, buf, sizeof buf, err, sizeof err), 0);
    /* every value printed reads back */
    gc_config d = c;
    assert_int_equal(gclab_config_set_kv(&d, k, buf, err, sizeof err), 0);
    assert_true(gclab_config_equal(&c, &d));
  }
  assert_int_equal(n, 53); /* 37 before issue 16 (old_space.shrink_initial_limit, boot, new_space.copy_lab,
                              allocation_sites.optimize_us, .tiering_allocations,
                              incremental.concurrent_markers, .marker_tasks,
                              incremental.interrupt_ns, incremental.interrupt_optimize),
                              page_header, cost.mark_scalar_ns_per_kb,
                              old_space.concurrent_sweepers and
                              external.soft_limit, .young_gc_bytes after it,
                              old_space.empty_pages_kept,
                              old_space.promotion_limit_gc at its stop 53) */
  assert_string_equal(gclab_config_key(0), "page_size");
  assert_string_equal(gclab_config_key(1), "page_header");
  assert_string_equal(gclab_config_key(52), "seed");
}

/* The schema table walks gc_config exactly: its leaves, sorted by offset,
 * tile the struct with nothing but alignment padding between them.  A field
 * added to gc_config without a key fails here. */
static int by_offset(const void *a, const void *b) {
  const cfg_key *x = *(const cfg_key *const *)a, *y = *(const cfg_key *const *)b;
  return (x->offset > y->offset) - (x->offset < y->offset);
}

static void test_schema_covers_struct(void **state) {
  (void)state;
  const cfg_key *leaves[CFG_KEYS_MAX];
  size_t n = 0;
  for (size_t k = 0; k < cfg_nkeys; k++)
    if (cfg_keys[k].kind != CK_SECTION) leaves[n++] = &cfg_keys[k];
  qsort(leaves, n, sizeof leaves[0], by_offset);
  size_t end = 0;
  for (size_t i = 0; i < n; i++) {
    size_t w = leaves[i]->width, aligned = (end + w - 1) / w * w;
    if (leaves[i]->offset != aligned)
      fail_msg("%s at offset %zu, expected %zu: a field of gc_config has no key?",
               leaves[i]->path, leaves[i]->offset, aligned);
    end = leaves[i]->offset + w;
  }
  assert_int_equal(sizeof(gc_config), (end + 7) / 8 * 8);

  /* pre-order: each key follows its section, inside that section's run */
  for (size_t k = 0; k < cfg_nkeys; k++) {
    int p = cfg_parent((int)k);
    if (p < 0) continue;
    assert_true(p < (int)k);
    for (int j = p + 1; j < (int)k; j++)
      assert_int_equal(strncmp(cfg_keys[j].path, cfg_keys[p].path, strlen(cfg_keys[p].path)),
                       0);
  }
}

static void test_equal_sees_every_field(void **state) {
  (void)state;
  gc_config a, b;
  gc_config_default(&a);
  b = a;
  assert_true(gclab_config_equal(&a, &b));
  assert_true(gclab_config_equal(NULL, NULL));
  assert_false(gclab_config_equal(&a, NULL));
  for (size_t k = 0; k < cfg_nkeys; k++) {
    if (cfg_keys[k].kind == CK_SECTION) continue;
    b = a;
    cfg_field_set((int)k, &b, cfg_field_get((int)k, &b) ^ 1);
    if (gclab_config_equal(&a, &b)) fail_msg("equal misses %s", cfg_keys[k].path);
  }
}

static void test_yaml_round_trip_of_odd_values(void **state) {
  (void)state;
  gc_config c, d;
  gc_config_default(&c);
  static const char *const sets[] = {
      "old_space.growing.min_factor=1.05", "old_space.growing.max_factor=10",
      "old_space.growing.target_mu=0.01",  "large_object.threshold=1000",
      "old_space.compaction.quota=12345",  "old_space.initial_limit=1536KiB",
      "seed=18446744073709551615",         "cost.alloc_ns=0",
      "incremental.enabled=false",         "old_space.always_promote_young=false",
      "new_space.promotion.policy=classic", "old_space.full_gc=mark_sweep",
      "old_space.compaction.strategy=slide", "new_space.promotion.classic_to_space=0%",
      "old_space.max_size=65GiB",  /* invalid (max 64GiB): applied without validation */
  };
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    assert_int_equal(gclab_config_set_novalidate(&c, sets[i], err, sizeof err), 0);
  assert_int_not_equal(gc_config_validate(&c, err, sizeof err), GC_OK);
  assert_int_equal(gclab_config_set(&c, "old_space.max_size=64GiB", err, sizeof err), 0);
  char *yaml = gclab_config_to_yaml(&c);
  assert_non_null(yaml);
  assert_contains(yaml, "    min_factor: 1.05\n");
  assert_contains(yaml, "  initial_limit: 1536KiB\n");
  assert_contains(yaml, "  threshold: 1000\n");
  gc_config_default(&d);
  if (gclab_config_load_string(yaml, strlen(yaml), "printed", &d, err, sizeof err))
    fail_msg("%s\n%s", err, yaml);
  assert_true(gclab_config_equal(&c, &d));
  free(yaml);
  assert_null(gclab_config_to_yaml(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_percentages),
      cmocka_unit_test(test_booleans),
      cmocka_unit_test(test_enums),
      cmocka_unit_test(test_factors_and_integers),
      cmocka_unit_test(test_set),
      cmocka_unit_test(test_set_kv_and_novalidate),
      cmocka_unit_test(test_get_and_keys),
      cmocka_unit_test(test_schema_covers_struct),
      cmocka_unit_test(test_equal_sees_every_field),
      cmocka_unit_test(test_yaml_round_trip_of_odd_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
