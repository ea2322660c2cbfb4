/*
 * config_set.c -- single keys: `--set KEY=VALUE` overrides, key/value pairs
 * from the Lua binding, reading one value back, and the list of keys.
 *
 * A value is written exactly as in a YAML file ("4MiB", "classic", "25%").
 * The *_novalidate forms check the key and the value but not relations
 * between keys, so a caller can apply many and validate once; the others
 * validate the whole config and report a broken relation at the key they
 * set.  A failed call never changes *cfg.
 */
#include <stdlib.h>
#include <string.h>

#include "config_flags.h"
#include "gclab_config.h"

static int assign_value(gc_config *cfg, const char *key, size_t keylen, const char *value,
                        size_t valuelen, const char *who, cfg_origins *o, char *err,
                        size_t errlen);

static void trim(const char **s, size_t *len) {
  while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
  while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

int cfg_assign(gc_config *cfg, const char *key, size_t keylen, const char *value,
               size_t valuelen, bool dashes, cfg_origins *o, char *err, size_t errlen) {
  char shown[CFG_QUOTE_MAX + 8], who[CFG_QUOTE_MAX + 16], msg[512];
  trim(&key, &keylen);
  trim(&value, &valuelen);
  cfg_printable(key, keylen, shown, sizeof shown);
  snprintf(who, sizeof who, "%s%s", dashes ? "--set " : "", shown);
  if (keylen == 0) {
    cfg_errf(err, errlen, "%s: found an empty key, expected KEY=VALUE", dashes ? "--set" : "config");
    return -1;
  }
  char *unquoted = NULL;
  if (valuelen && (value[0] == '\'' || value[0] == '"')) {
    /* Values are written as in a file, quotes included: let libyaml read them. */
    if (cfg_yaml_scalar(value, valuelen, &unquoted, &valuelen, msg, sizeof msg)) {
      cfg_errf(err, errlen, "%s: %s", who, msg);
      return -1;
    }
    value = unquoted;
  }
  int rc = assign_value(cfg, key, keylen, value, valuelen, who, o, err, errlen);
  free(unquoted);
  return rc;
}

/* cfg_assign after the key's name and the value's quotes are settled. */
static int assign_value(gc_config *cfg, const char *key, size_t keylen, const char *value,
                        size_t valuelen, const char *who, cfg_origins *o, char *err,
                        size_t errlen) {
  char msg[512];
  int which = cfg_node_key(key, keylen);
  if (which >= 0) return cfg_node_assign(cfg, which, value, valuelen, who, o, err, errlen);
  int k = cfg_find(key, keylen);
  if (k < 0) {
    cfg_unknown_path(key, keylen, msg, sizeof msg);
    cfg_errf(err, errlen, "%s: %s", who, msg);
    return -1;
  }
  if (cfg_keys[k].kind == CK_SECTION) {
    char list[384];
    cfg_list_children(k, list, sizeof list);
    cfg_errf(err, errlen, "%s: found a section, expected one of its keys: %s.{%s}", who,
             cfg_keys[k].path, list);
    return -1;
  }
  if (cfg_parse_value(k, value, valuelen, cfg, msg, sizeof msg)) {
    cfg_errf(err, errlen, "%s: %s", who, msg);
    return -1;
  }
  cfg_origin_layer(o);
  cfg_origin_note(o, k, "%s", who);
  if (o) snprintf(o->fallback, sizeof o->fallback, "%s", who);
  return 0;
}

int cfg_split(const char *assignment, size_t *keylen, const char **value, char *err,
                 size_t errlen) {
  if (!assignment) {
    cfg_errf(err, errlen, "--set: found nothing, expected KEY=VALUE");
    return -1;
  }
  const char *eq = strchr(assignment, '=');
  if (!eq) {
    char shown[CFG_QUOTE_MAX + 8];
    cfg_printable(assignment, strlen(assignment), shown, sizeof shown);
    cfg_errf(err, errlen, "--set %s: found no '=', expected KEY=VALUE (e.g. "
             "new_space.semi_space.max=4MiB)", shown);
    return -1;
  }
  *keylen = (size_t)(eq - assignment);
  *value = eq + 1;
  return 0;
}

/* Apply one key, validating or not, to a copy that replaces *cfg on success. */
static int apply(gc_config *cfg, const char *key, size_t keylen, const char *value, bool dashes,
                 bool validate, char *err, size_t errlen) {
  if (!cfg || !key || !value) {
    cfg_errf(err, errlen, "%s: missing %s", dashes ? "--set" : "config",
             !cfg ? "config" : !key ? "key" : "value");
    return -1;
  }
  cfg_origins *o = validate ? calloc(1, sizeof *o) : NULL;
  if (validate && !o) {
    cfg_errf(err, errlen, "config: out of memory");
    return -1;
  }
  gc_config work = *cfg;
  int rc = cfg_assign(&work, key, keylen, value, strlen(value), dashes, o, err, errlen);
  if (rc == 0 && validate) cfg_follow_derived(&work, o);
  if (rc == 0 && validate) rc = cfg_validate_with_origins(&work, o, err, errlen);
  if (rc == 0) *cfg = work;
  free(o);
  return rc;
}

int gclab_config_set(gc_config *cfg, const char *assignment, char *err, size_t errlen) {
  size_t keylen;
  const char *value;
  if (cfg_split(assignment, &keylen, &value, err, errlen)) return -1;
  return apply(cfg, assignment, keylen, value, true, true, err, errlen);
}

int gclab_config_set_novalidate(gc_config *cfg, const char *assignment, char *err,
                                size_t errlen) {
  size_t keylen;
  const char *value;
  if (cfg_split(assignment, &keylen, &value, err, errlen)) return -1;
  return apply(cfg, assignment, keylen, value, true, false, err, errlen);
}

int gclab_config_set_kv(gc_config *cfg, const char *key, const char *value, char *err,
                        size_t errlen) {
  return apply(cfg, key, key ? strlen(key) : 0, value, false, true, err, errlen);
}

int gclab_config_set_kv_novalidate(gc_config *cfg, const char *key, const char *value,
                                   char *err, size_t errlen) {
  return apply(cfg, key, key ? strlen(key) : 0, value, false, false, err, errlen);
}

int gclab_config_get(const gc_config *cfg, const char *key, char *buf, size_t buflen, char *err,
                     size_t errlen) {
  char shown[CFG_QUOTE_MAX + 8], msg[512];
  if (!cfg || !key || !buf || !buflen) {
    cfg_errf(err, errlen, "config: missing %s", !cfg ? "config" : !key ? "key" : "buffer");
    return -1;
  }
  cfg_printable(key, strlen(key), shown, sizeof shown);
  int k = cfg_find(key, strlen(key));
  if (k < 0) {
    cfg_unknown_path(key, strlen(key), msg, sizeof msg);
    cfg_errf(err, errlen, "%s: %s", shown, msg);
    return -1;
  }
  if (cfg_keys[k].kind == CK_SECTION) {
    cfg_errf(err, errlen, "%s: found a section, expected a key with a value", shown);
    return -1;
  }
  cfg_format_value(k, cfg, buf, buflen);
  return 0;
}

const char *gclab_config_key(size_t index) {
  for (size_t k = 0; k < cfg_nkeys; k++)
    if (cfg_keys[k].kind != CK_SECTION && index-- == 0) return cfg_keys[k].path;
  return NULL;
}
