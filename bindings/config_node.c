/*
 * config_node.c -- the Node keys of a configuration layer: `flags`,
 * `physical_memory` and `node_options_env`.
 *
 * They are not fields of gc_config but instructions, read like Node reads
 * its command line: within one layer (a file, a --set, a Lua table, the
 * command line's flags) the machine's memory gives the defaults, then
 * NODE_OPTIONS (when asked for), then the flags; keys the layer writes
 * itself win over all three.  What they decide is stored in the ordinary
 * keys (old_space.max_size, new_space.semi_space.max, ...), so `gclab
 * config` prints the result and the printed file loads back the same.
 */
#include <stdlib.h>
#include <string.h>

#include "config_flags.h"
#include "gclab_config.h"

static const char *const node_keys[] = {"flags", "physical_memory", "node_options_env"};
#define NNODE (sizeof node_keys / sizeof node_keys[0])

int cfg_node_key(const char *name, size_t len) {
  for (size_t i = 0; i < NNODE; i++)
    if (strlen(node_keys[i]) == len && memcmp(node_keys[i], name, len) == 0) return (int)i;
  return -1;
}

const char *cfg_node_key_name(size_t i) { return i < NNODE ? node_keys[i] : NULL; }

static char *dup_text(const char *s, size_t len) {
  char *d = malloc(len + 1);
  if (d) {
    memcpy(d, s, len);
    d[len] = '\0';
  }
  return d;
}

int cfg_node_note(cfg_node_layer *l, int which, const char *value, size_t len, char *err,
                  size_t errlen) {
  if (memchr(value, '\0', len)) {
    cfg_errf(err, errlen, "found a NUL character, expected %s",
             which == 2 ? "true or false" : "text");
    return -1;
  }
  char *v = dup_text(value, len);
  if (!v) {
    cfg_errf(err, errlen, "out of memory");
    return -1;
  }
  cfg_flags probe;
  cfg_flags_init(&probe);
  int rc = 0;
  if (which == 0) { /* check now, so the error points at this key */
    rc = cfg_flags_parse_string(&probe, v, err, errlen);
    if (rc == 0) {
      free(l->flags);
      l->flags = v, v = NULL;
    }
  } else if (which == 1) {
    char arg[96];
    snprintf(arg, sizeof arg, "--physical-memory=%.64s", v);
    rc = len > 64 ? (cfg_errf(err, errlen, "found a value of %zu bytes, expected a size", len), -1)
                  : cfg_flags_parse_one(&probe, arg, false, err, errlen);
    if (rc == 0) l->physical = probe.in.physical_memory;
  } else {
    int k = cfg_find("incremental.enabled", strlen("incremental.enabled")); /* a boolean key */
    gc_config scratch;
    memset(&scratch, 0, sizeof scratch);
    rc = cfg_parse_value(k, v, len, &scratch, err, errlen);
    if (rc == 0) l->env = (int)cfg_field_get(k, &scratch);
  }
  free(v);
  return rc;
}

int cfg_node_layer_apply(cfg_node_layer *l, gc_config *cfg, const bool *explicit_keys,
                         cfg_origins *o, char *err, size_t errlen) {
  if (!l->flags && !l->physical && l->env < 0) return 0;
  cfg_flags f, probe;
  cfg_flags_init(&f);
  cfg_flags_init(&probe);
  int rc = 0;
  if (l->flags) rc = cfg_flags_parse_string(&probe, l->flags, err, errlen);
  f.in.physical_memory = l->physical;
  if (rc == 0 && (l->env > 0 || (l->env < 0 && probe.node_options_env)))
    rc = cfg_flags_read_env(&f, err, errlen);
  if (rc == 0 && l->flags) rc = cfg_flags_parse_string(&f, l->flags, err, errlen);
  if (rc == 0 && !f.in.physical_memory) f.in.physical_memory = l->physical;
  if (rc == 0) rc = cfg_flags_apply(&f, cfg, explicit_keys, o, l->where, err, errlen);
  return rc;
}

void cfg_node_layer_init(cfg_node_layer *l, const char *where) {
  memset(l, 0, sizeof *l);
  l->env = -1;
  snprintf(l->where, sizeof l->where, "%s", where ? where : "");
}

void cfg_node_layer_free(cfg_node_layer *l) {
  free(l->flags);
  l->flags = NULL;
}

/* One Node key on its own (a --set or a set_kv): a layer by itself. */
int cfg_node_assign(gc_config *cfg, int which, const char *value, size_t len, const char *who,
                    cfg_origins *o, char *err, size_t errlen) {
  char msg[512];
  cfg_node_layer l;
  cfg_node_layer_init(&l, who);
  cfg_origin_layer(o);
  gc_config work = *cfg;
  int rc = cfg_node_note(&l, which, value, len, msg, sizeof msg);
  if (rc == 0) rc = cfg_node_layer_apply(&l, &work, NULL, o, msg, sizeof msg);
  cfg_node_layer_free(&l);
  if (rc) {
    cfg_errf(err, errlen, "%s: %s", who, msg);
    return -1;
  }
  if (o) snprintf(o->fallback, sizeof o->fallback, "%s", who);
  *cfg = work;
  return 0;
}

int gclab_config_set_layer_novalidate(gc_config *cfg, const char *const *keys,
                                      const char *const *values, size_t n, char *err,
                                      size_t errlen) {
  char msg[512], shown[CFG_QUOTE_MAX + 8];
  if (!cfg || (n && (!keys || !values))) {
    cfg_errf(err, errlen, "config: missing %s", !cfg ? "config" : "keys");
    return -1;
  }
  bool explicit_keys[CFG_KEYS_MAX] = {false};
  cfg_node_layer l;
  cfg_node_layer_init(&l, "flags");
  gc_config work = *cfg;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (!keys[i] || !values[i]) {
      cfg_errf(err, errlen, "config: missing %s", !keys[i] ? "key" : "value");
      rc = -1;
      break;
    }
    int which = cfg_node_key(keys[i], strlen(keys[i]));
    int k = cfg_find(keys[i], strlen(keys[i]));
    if (which >= 0) {
      rc = cfg_node_note(&l, which, values[i], strlen(values[i]), msg, sizeof msg);
      if (rc) {
        cfg_printable(keys[i], strlen(keys[i]), shown, sizeof shown);
        cfg_errf(err, errlen, "%s: %s", shown, msg);
      }
    } else if (k >= 0 && k < CFG_KEYS_MAX) {
      explicit_keys[k] = true;
    }
  }
  if (rc == 0) {
    rc = cfg_node_layer_apply(&l, &work, explicit_keys, NULL, msg, sizeof msg);
    if (rc) cfg_errf(err, errlen, "%s: %s", l.flags ? "flags" : "physical_memory", msg);
  }
  for (size_t i = 0; i < n && rc == 0; i++)
    if (cfg_node_key(keys[i], strlen(keys[i])) < 0)
      rc = gclab_config_set_kv_novalidate(&work, keys[i], values[i], err, errlen);
  cfg_node_layer_free(&l);
  if (rc == 0) *cfg = work;
  return rc;
}
