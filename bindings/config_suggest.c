/*
 * config_suggest.c -- what an unknown configuration key is explained with:
 * the keys its section has, and the key it most likely meant (a near
 * spelling, a flattened nesting, the same name in another section), for a
 * key in a file (cfg_unknown_key) or a dotted path in a --set
 * (cfg_unknown_path).  Reads the schema (config_schema.c's cfg_keys[]);
 * changes nothing.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_flags.h"
#include "config_internal.h"

size_t cfg_distance(const char *a, size_t alen, const char *b, size_t blen) {
  enum { MAXLEN = 64 };
  if (alen > MAXLEN || blen > MAXLEN) return SIZE_MAX / 2;
  size_t row[MAXLEN + 1];
  for (size_t j = 0; j <= blen; j++) row[j] = j;
  for (size_t i = 1; i <= alen; i++) {
    size_t diag = row[0];
    row[0] = i;
    int ca = tolower((unsigned char)a[i - 1]);
    if (ca == '-') ca = '_';
    for (size_t j = 1; j <= blen; j++) {
      int cb = tolower((unsigned char)b[j - 1]);
      if (cb == '-') cb = '_';
      size_t up = row[j];
      size_t best = diag + (ca != cb);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[blen];
}

/* How far a misspelling may be from a name and still be suggested. */
static size_t tolerance(size_t len) { return len < 4 ? 1 : len < 9 ? 2 : 3; }

static bool has_prefix(const char *s, size_t slen, const char *p, size_t plen) {
  return plen <= slen && plen >= 3 && memcmp(s, p, plen) == 0;
}

void cfg_list_children(int parent, char *buf, size_t buflen) {
  size_t o = 0;
  if (!buflen) return;
  buf[0] = '\0';
  for (size_t k = 0; k < cfg_nkeys && o + 1 < buflen; k++)
    if (cfg_parent((int)k) == parent)
      o += (size_t)snprintf(buf + o, buflen - o, "%s%s", o ? ", " : "", cfg_name((int)k));
}

void cfg_unknown_key(int parent, const char *name, size_t len, char *buf, size_t buflen) {
  char q[CFG_QUOTE_MAX * 4 + 8], list[512], hint[160] = "";
  size_t bestd = SIZE_MAX;
  const char *best_name = NULL;
  cfg_list_children(parent, list, sizeof list);
  for (size_t k = 0; k < cfg_nkeys; k++) {
    if (cfg_parent((int)k) != parent) continue;
    const char *n = cfg_name((int)k);
    size_t nl = strlen(n);
    size_t d = cfg_distance(name, len, n, nl);
    if (d > tolerance(len) && (has_prefix(n, nl, name, len) || has_prefix(name, len, n, nl)))
      d = tolerance(len); /* "growth" for "growth_factor" */
    if (d < bestd) bestd = d, best_name = n;
  }
  /* At the top level, the Node keys (flags, physical_memory,
   * node_options_env: config_node.c) are keys too. */
  for (size_t i = 0; parent < 0 && cfg_node_key_name(i); i++) {
    const char *n = cfg_node_key_name(i);
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, ", %s", n);
    size_t d = cfg_distance(name, len, n, strlen(n));
    if (d < bestd) bestd = d, best_name = n;
  }
  cfg_quote(name, len, q, sizeof q);
  if (memchr(name, '.', len)) {
    /* A dotted key: the user flattened the nesting. */
    char full[256];
    int fl = snprintf(full, sizeof full, "%s%s%.*s", parent < 0 ? "" : cfg_keys[parent].path,
                      parent < 0 ? "" : ".", (int)len, name);
    int k = fl > 0 && (size_t)fl < sizeof full ? cfg_find(full, (size_t)fl) : -1;
    if (k >= 0)
      snprintf(hint, sizeof hint, " (keys nest: write each part of '%s' as its own mapping)",
               cfg_keys[k].path);
  } else if (len == 2 && memcmp(name, "<<", 2) == 0) {
    snprintf(hint, sizeof hint, " (YAML merge keys are not supported)");
  }
  if (!hint[0] && best_name && bestd <= tolerance(len))
    snprintf(hint, sizeof hint, " (did you mean '%s'?)", best_name);
  if (!hint[0]) {
    /* The key exists, but in another section. */
    for (size_t k = 0; k < cfg_nkeys; k++) {
      const char *n = cfg_name((int)k);
      if (cfg_parent((int)k) != parent && cfg_distance(name, len, n, strlen(n)) == 0) {
        snprintf(hint, sizeof hint, " (did you mean %s?)", cfg_keys[k].path);
        break;
      }
    }
  }
  snprintf(buf, buflen, "found unknown key %s, expected one of %s%s", q, list, hint);
}

void cfg_unknown_path(const char *path, size_t len, char *buf, size_t buflen) {
  int best = -1;
  size_t bestd = SIZE_MAX;
  const char *last = path;
  for (size_t i = 0; i < len; i++)
    if (path[i] == '.') last = path + i + 1;
  size_t lastlen = len - (size_t)(last - path), seclen = last > path ? (size_t)(last - path - 1) : 0;
  for (size_t k = 0; k < cfg_nkeys; k++) {
    if (cfg_keys[k].kind == CK_SECTION) continue;
    const char *p = cfg_keys[k].path, *n = cfg_name((int)k);
    size_t pl = strlen(p), nl = strlen(n);
    size_t d = cfg_distance(path, len, p, pl);
    /* "semi_space.max" for "new_space.semi_space.max" */
    if (pl > len && p[pl - len - 1] == '.' && memcmp(p + pl - len, path, len) == 0) d = 0;
    /* "old_space.max" for "old_space.max_size": same section, a prefix of the name */
    if (cfg_section_len(p) == seclen && memcmp(p, path, seclen) == 0 &&
        (has_prefix(n, nl, last, lastlen) || has_prefix(last, lastlen, n, nl)))
      d = d < 1 ? d : 1;
    if (d < bestd) bestd = d, best = (int)k;
  }
  size_t tol = len / 4 > 2 ? len / 4 : 2;
  if (best >= 0 && bestd > tol) {
    best = -1; /* last resort: the same name in another section */
    for (size_t k = 0; k < cfg_nkeys && best < 0; k++)
      if (cfg_keys[k].kind != CK_SECTION &&
          cfg_distance(last, lastlen, cfg_name((int)k), strlen(cfg_name((int)k))) == 0)
        best = (int)k;
  }
  if (best >= 0)
    snprintf(buf, buflen,
             "found an unknown key, expected a key path such as new_space.semi_space.max "
             "(did you mean %s?)",
             cfg_keys[best].path);
  else
    snprintf(buf, buflen,
             "found an unknown key, expected a key path such as new_space.semi_space.max "
             "(`gclab config` prints every key)");
}
