/*
 * test_config_corpus.c -- the malformed corpus: every file in bad/ fails to
 * load with the message, line and key path listed in bad/EXPECTED, leaves
 * the config untouched, and makes `gclab config --config FILE` exit 2 with
 * the same message.  Plus inputs too large to ship: a file over 1 MiB, and
 * files that cannot be read.
 */
#include <dirent.h>
#include <time.h>

#include "config_test.h"

#define BAD GCLAB_SOURCE_DIR "/tests/config/bad"

static char err[2048];

typedef struct expectation {
  char file[128], path[128], text[256];
  int line;
} expectation;

/* bad/EXPECTED: "FILE LINE KEY.PATH SUBSTRING...", '#' comments; the key
 * path "-" is "(top level)". */
static size_t read_expected(expectation *e, size_t cap) {
  char *text = slurp(BAD "/EXPECTED", NULL);
  assert_non_null(text);
  size_t n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#' || line[0] == '\0') continue;
    assert_true(n < cap);
    int used = 0;
    if (sscanf(line, "%127s %d %127s %n", e[n].file, &e[n].line, e[n].path, &used) != 3 || !used)
      fail_msg("bad EXPECTED line: %s", line);
    snprintf(e[n].text, sizeof e[n].text, "%s", line + used);
    if (strcmp(e[n].path, "-") == 0) snprintf(e[n].path, sizeof e[n].path, "(top level)");
    n++;
  }
  free(text);
  return n;
}

static void check_message(const expectation *x, const char *path, const char *msg) {
  char prefix[512];
  snprintf(prefix, sizeof prefix, "%s:%d:", path, x->line);
  if (strncmp(msg, prefix, strlen(prefix)) != 0)
    fail_msg("%s: expected line %d, got \"%s\"", x->file, x->line, msg);
  const char *col_end = strchr(msg + strlen(prefix), ':'); /* after the column */
  assert_non_null(col_end);
  char key[160];
  snprintf(key, sizeof key, ": %s: ", x->path);
  if (strncmp(col_end, key, strlen(key)) != 0)
    fail_msg("%s: expected key path %s in \"%s\"", x->file, x->path, msg);
  if (!strstr(msg, x->text)) fail_msg("%s: expected \"%s\" in \"%s\"", x->file, x->text, msg);
}

static void test_corpus(void **state) {
  (void)state;
  static expectation want[128];
  size_t n = read_expected(want, 128);
  assert_true(n >= 30);
  for (size_t i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof path, BAD "/%.127s", want[i].file);
    gc_config c, before;
    gc_config_default(&c);
    before = c;
    clock_t t0 = clock();
    int rc = gclab_config_load_file(path, &c, err, sizeof err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (rc != -1) fail_msg("%s loaded", want[i].file);
    check_message(&want[i], path, err);
    assert_true(gclab_config_equal(&c, &before));
    assert_true(secs < 1.0); /* hostile files are refused quickly */

    char *out, *errs;
    assert_int_equal(run_config(&out, &errs, "--config", path, NULL), 2);
    assert_string_equal(out, "");
    /* the command says which program speaks */
    assert_true(strncmp(errs, "gclab config: ", 14) == 0);
    check_message(&want[i], path, errs + 14);
    free(out);
    free(errs);
  }
}

/* Every file in bad/ has an expectation, and every expectation a file. */
static void test_corpus_is_complete(void **state) {
  (void)state;
  static expectation want[128];
  size_t n = read_expected(want, 128), files = 0;
  DIR *d = opendir(BAD);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0) continue;
    files++;
    size_t i = 0;
    while (i < n && strcmp(want[i].file, e->d_name) != 0) i++;
    if (i == n) fail_msg("bad/%s has no line in bad/EXPECTED", e->d_name);
  }
  closedir(d);
  assert_int_equal(files, n);
}

static void write_file(const char *path, const char *head, size_t pad, const char *tail) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(head, f);
  for (size_t i = 0; i < pad; i++) fputc(i % 64 == 63 ? '\n' : (i % 64 == 0 ? '#' : 'x'), f);
  fputs(tail, f);
  assert_int_equal(fclose(f), 0);
}

static void test_huge_input(void **state) {
  (void)state;
  const char *huge = GCLAB_BINARY_DIR "/huge.yaml";
  gc_config c;
  gc_config_default(&c);
  /* one byte over 1 MiB, all of it comments after a valid key */
  write_file(huge, "seed: 5\n", 1024 * 1024 - 8, "\n");
  assert_int_equal(gclab_config_load_file(huge, &c, err, sizeof err), -1);
  assert_contains(err, "huge.yaml:1:1: (top level): found a file of more than 1048576 bytes");
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, "--config", huge, NULL), 2);
  assert_contains(errs, "expected a configuration of at most 1048576 bytes");
  free(out);
  free(errs);
  /* exactly 1 MiB is fine */
  write_file(huge, "seed: 5\n", 1024 * 1024 - 8, "");
  assert_int_equal(gclab_config_load_file(huge, &c, err, sizeof err), 0);
  assert_int_equal(c.seed, 5);
  remove(huge);
  /* the same limit for text in memory */
  size_t len = 1024 * 1024 + 1;
  char *text = malloc(len);
  assert_non_null(text);
  memset(text, '#', len);
  assert_int_equal(gclab_config_load_string(text, len, "mem", &c, err, sizeof err), -1);
  assert_starts_with(err, "mem:1:1: (top level): found 1048577 bytes");
  free(text);
}

static void test_unreadable(void **state) {
  (void)state;
  gc_config c;
  gc_config_default(&c);
  assert_int_equal(gclab_config_load_file(BAD "/no-such-file.yaml", &c, err, sizeof err), -1);
  assert_contains(err, "no-such-file.yaml: cannot read: No such file or directory");
  assert_int_equal(gclab_config_load_file(BAD, &c, err, sizeof err), -1);
  assert_contains(err, "bad: cannot read: ");
  char *out, *errs;
  assert_int_equal(run_config(&out, &errs, "--config", BAD "/no-such-file.yaml", NULL), 2);
  assert_contains(errs, "cannot read");
  free(out);
  free(errs);

  /* A path longer than a message: its middle is left out, so the reason
   * (and, for a parse error, FILE:LINE:COLUMN) still fits. */
  char path[4200];
  memset(path, 'a', sizeof path - 1);
  path[0] = '/', path[sizeof path - 1] = '\0';
  assert_int_equal(gclab_config_load_file(path, &c, err, sizeof err), -1);
  assert_starts_with(err, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...aaaa");
  assert_contains(err, ": cannot read: File name too long");
  assert_true(strlen(err) < 250);
  static const char text[] = "page_size: 3KiB\n";
  memcpy(path + sizeof path - 10, ".yaml", 6);
  assert_int_equal(gclab_config_load_string(text, sizeof text - 1, path, &c, err, sizeof err), -1);
  assert_contains(err, "aaaa.yaml:1:12: page_size: expected a power of two");
}

/* A bomb far larger than the shipped one: still refused at its first anchor. */
static void test_alias_bomb_is_cheap(void **state) {
  (void)state;
  size_t cap = 900 * 1024, n = 0;
  char *text = malloc(cap);
  assert_non_null(text);
  n += (size_t)snprintf(text + n, cap - n, "seed: &a0 [lol, lol, lol, lol, lol, lol]\n");
  for (int level = 1; n + 2000 < cap; level++) {
    n += (size_t)snprintf(text + n, cap - n, "k%d: &a%d [", level, level);
    for (int j = 0; j < 50; j++)
      n += (size_t)snprintf(text + n, cap - n, "%s*a%d", j ? ", " : "", level - 1);
    n += (size_t)snprintf(text + n, cap - n, "]\n");
  }
  gc_config c;
  gc_config_default(&c);
  clock_t t0 = clock();
  assert_int_equal(gclab_config_load_string(text, n, "bomb", &c, err, sizeof err), -1);
  assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
  assert_starts_with(err, "bomb:1:7: seed: found an anchor &a0");
  free(text);
}

/* Random damage to real profiles: every result is a clean load or a clean
 * error in the documented form (and, under ASan, no memory error). */
static void test_mutations(void **state) {
  (void)state;
  static const char *const names[] = {"node20.yaml", "classic.yaml", "tiny.yaml"};
  static const char alphabet[] = ":-{}[]&*!#%'\"\n\t ,.?|>~0123456789KMGiBab_\x80\xff";
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  size_t loaded = 0, failed = 0;
  for (size_t f = 0; f < 3; f++) {
    char path[512];
    snprintf(path, sizeof path, GCLAB_SOURCE_DIR "/configs/%s", names[f]);
    size_t len = 0;
    char *orig = slurp(path, &len);
    assert_non_null(orig);
    char *text = malloc(len + 8);
    assert_non_null(text);
    for (int round = 0; round < 1500; round++) {
      memcpy(text, orig, len);
      size_t n = len;
      int edits = 1 + round % 4;
      for (int e = 0; e < edits; e++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        size_t at = (size_t)(rng >> 33) % n;
        char c = alphabet[(rng >> 17) % (sizeof alphabet - 1)];
        switch ((rng >> 8) % 3) {
        case 0: text[at] = c; break;                     /* replace */
        case 1: memmove(text + at, text + at + 1, n - at - 1), n--; break; /* delete */
        default:                                         /* insert */
          memmove(text + at + 1, text + at, n - at), text[at] = c, n++;
        }
      }
      gc_config c;
      gc_config_default(&c);
      if (gclab_config_load_string(text, n, "m", &c, err, sizeof err) == 0) {
        assert_int_equal(gc_config_validate(&c, err, sizeof err), GC_OK);
        loaded++;
      } else {
        /* "m:LINE:COLUMN: KEY.PATH: ..." */
        unsigned line, col;
        int used = 0;
        if (sscanf(err, "m:%u:%u: %n", &line, &col, &used) != 2 || !used || line == 0 ||
            col == 0 || !strstr(err + used, ": "))
          fail_msg("malformed message: %s", err);
        failed++;
      }
    }
    free(text);
    free(orig);
  }
  assert_true(loaded > 0 && failed > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_corpus),
      cmocka_unit_test(test_corpus_is_complete),
      cmocka_unit_test(test_huge_input),
      cmocka_unit_test(test_unreadable),
      cmocka_unit_test(test_alias_bomb_is_cheap),
      cmocka_unit_test(test_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
