/*
 * config_test.h -- helpers shared by the config loader's cmocka tests.
 */
#ifndef GCLAB_CONFIG_TEST_H
#define GCLAB_CONFIG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gclab_config.h"

#define KiB (1024ull)
#define MiB (1024ull * 1024ull)
#define GiB (1024ull * 1024ull * 1024ull)

#define assert_contains(hay, needle)                                                           \
  do {                                                                                         \
    const char *h_ = (hay), *n_ = (needle);                                                    \
    if (!h_ || !strstr(h_, n_)) fail_msg("expected \"%s\" in \"%s\"", n_, h_ ? h_ : "(null)"); \
  } while (0)

#define assert_starts_with(s, prefix)                                                          \
  do {                                                                                         \
    const char *s_ = (s), *p_ = (prefix);                                                      \
    if (strncmp(s_, p_, strlen(p_)) != 0) fail_msg("expected \"%s\" to start \"%s\"", s_, p_); \
  } while (0)

/* A whole file, NUL-terminated (NULL if it cannot be read). */
static inline char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *bigger = realloc(buf, cap *= 2);
      if (!bigger) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/* Everything written to a tmpfile, as a malloc'd string. */
static inline char *drain(FILE *f) {
  long n = ftell(f);
  char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
  rewind(f);
  size_t got = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
  if (buf) buf[got] = '\0';
  fclose(f);
  return buf;
}

/* Run gclab_config_main on a NULL-terminated argument list (argv[0] =
 * "config" is added); *out and *err get what it printed (caller frees). */
static inline int run_config(char **out, char **err, ...) {
  char *argv[64] = {"config"};
  int argc = 1;
  va_list ap;
  va_start(ap, err);
  for (char *a; argc < 63 && (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
  va_end(ap);
  FILE *o = tmpfile(), *e = tmpfile();
  assert_non_null(o);
  assert_non_null(e);
  int rc = gclab_config_main(argc, argv, o, e);
  *out = drain(o);
  *err = drain(e);
  return rc;
}

#endif /* GCLAB_CONFIG_TEST_H */
