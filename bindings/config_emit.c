/*
 * config_emit.c -- a config printed back as YAML, and compared.
 *
 * Both walk the schema table, so every key is printed and compared (the
 * table covers every field of gc_config: tests/config checks it).  The YAML
 * holds every key with its value resolved -- no "defaults apply" -- in the
 * layout of configs/node20.yaml, and loads back to an equal struct.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "gclab_config.h"

/* Write the document into buf (cap bytes); returns the length it needs. */
static size_t emit(const gc_config *cfg, char *buf, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; k < cfg_nkeys; k++) {
    char value[64] = "";
    if (cfg_keys[k].kind != CK_SECTION) cfg_format_value((int)k, cfg, value, sizeof value);
    int w = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, "%*s%s:%s%s\n",
                     2 * cfg_depth((int)k), "", cfg_name((int)k), value[0] ? " " : "", value);
    n += w > 0 ? (size_t)w : 0;
  }
  return n;
}

char *gclab_config_to_yaml(const gc_config *cfg) {
  if (!cfg) return NULL;
  size_t need = emit(cfg, NULL, 0);
  char *buf = malloc(need + 1);
  if (!buf) return NULL;
  emit(cfg, buf, need + 1);
  return buf;
}

int gclab_config_equal(const gc_config *a, const gc_config *b) {
  if (!a || !b) return a == b;
  for (size_t k = 0; k < cfg_nkeys; k++)
    if (cfg_keys[k].kind != CK_SECTION && cfg_field_get((int)k, a) != cfg_field_get((int)k, b))
      return 0;
  return 1;
}
