/*
 * config_origins.c -- where each key got its value, and validation
 * reported there.
 *
 * gc_config_validate() knows key paths but not files: "new_space.semi_space.max:
 * expected at least new_space.semi_space.initial ...".  The loaders note the
 * origin of every key they set ("tiny.yaml:5:10", "--set page_size"), and a
 * failed validation is reported at the origin of the key the message starts
 * with, or else of the first other key it mentions that was set -- the line
 * the user has to change.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

void cfg_origin_note(cfg_origins *o, int k, const char *fmt, ...) {
  if (!o || k < 0 || k >= CFG_KEYS_MAX) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->where[k], sizeof o->where[k], fmt, ap);
  va_end(ap);
  o->set[k] = true;
  o->layer[k] = o->layers;
}

void cfg_origin_layer(cfg_origins *o) {
  if (o) o->layers++;
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Where msg names key path p as a whole path (not a part of a longer one). */
static const char *mention(const char *msg, const char *p) {
  size_t pl = strlen(p);
  for (const char *s = strstr(msg, p); s; s = strstr(s + 1, p)) {
    bool before = s == msg || !(word_char(s[-1]) || s[-1] == '.');
    char a = s[pl];
    bool after = !word_char(a) && !(a == '.' && islower((unsigned char)s[pl + 1]));
    if (before && after) return s;
  }
  return NULL;
}

/* Does an origin already name key path p ("--set p" or a bare "p")? */
static bool names_key(const char *where, const char *p) {
  size_t wl = strlen(where), pl = strlen(p);
  return wl >= pl && strcmp(where + wl - pl, p) == 0 && (wl == pl || where[wl - pl - 1] == ' ');
}

int cfg_validate_with_origins(const gc_config *cfg, const cfg_origins *o, char *err,
                              size_t errlen) {
  char msg[512];
  if (gc_config_validate(cfg, msg, sizeof msg) == GC_OK) return 0;
  int lead = cfg_find(msg, strcspn(msg, ":")), blame = -1;
  const char *first = NULL; /* where the blamed key is mentioned */
  for (size_t k = 0; o && k < cfg_nkeys; k++) {
    const char *s = o->set[k] ? mention(msg, cfg_keys[k].path) : NULL;
    if (!s) continue;
    if (blame < 0 || o->layer[k] > o->layer[blame] ||
        (o->layer[k] == o->layer[blame] && s < first))
      blame = (int)k, first = s;
  }
  const char *where = blame >= 0 ? o->where[blame] : o ? o->fallback : "";
  const char *text = msg;
  if (blame >= 0 && blame == lead && names_key(where, cfg_keys[lead].path)) {
    /* `where` already says "--set KEY": drop the message's own "KEY: " */
    text = msg + strlen(cfg_keys[lead].path) + 1;
    if (*text == ' ') text++;
  }
  if (where[0])
    cfg_errf(err, errlen, "%s: %s", where, text);
  else
    cfg_errf(err, errlen, "%s", text);
  return -1;
}
