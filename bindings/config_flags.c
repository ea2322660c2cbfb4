/*
 * config_flags.c -- Node's heap flags, spelled as Node and V8 spell them,
 * turned into configuration keys: `--max-old-space-size=64`, NODE_OPTIONS,
 * `--physical-memory=512MiB`.
 *
 * One table, flags[], names every flag gclab understands, its unit, the key
 * it sets and whether Node 20 allows it in NODE_OPTIONS.  A list of flags is
 * read into a cfg_flags (later flags win, as in V8) and then applied to a
 * gc_config as ONE layer: the sizes go through gc_node_heap_limits (the
 * engine's copy of V8's ConfigureHeap), so --max-heap-size, the power-of-two
 * semispace and the physical-memory defaults come out as Node computes them.
 *
 * Spelling, as V8's flag parser takes it: `--flag`, `--flag=value`,
 * underscores for dashes (`--max_old_space_size`), `--no-flag` / `--noflag`
 * for booleans; a boolean with a value and a number without one are errors.
 * Values are whole numbers in the flag's unit (MiB for the sizes).
 * The CLI and the config keys `flags`, `physical_memory` and
 * `node_options_env` all come here (docs/configuration.md, "Node's flags").
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_flags.h"

#define MiB (1024ull * 1024ull)
/* What the marking-thread flags leave as it is (below). */
#define NO_MARKER_NOTE                                                            \
  "gclab models V8's concurrent marker, incremental.concurrent_markers, and keeps " \
  "it: V8's marking without one is not modelled"

/* ... and what they leave of the sweeper (--single-threaded-gc implies
 * --no-concurrent-sweeping in V8). */
#define NO_SWEEPER_NOTE \
  "; the modelled concurrent sweeper, old_space.concurrent_sweepers, stays as well (0: sweeping in the pause)"

/* What a flag's value means. */
typedef enum {
  F_MIB,       /* a whole number of MiB (V8's size_t flags "in MBytes") */
  F_KIB_NEW,   /* --max-new-space-size: KiB, V8 3.x */
  F_UINT,      /* a whole number */
  F_INTERVAL,  /* --gc-interval: an int, -1 = off */
  F_BOOL,      /* --flag / --no-flag */
  F_SIZE,      /* gclab's --physical-memory=SIZE: a size with a unit */
} flag_kind;

typedef enum {
  S_MAX_OLD, S_MAX_SEMI, S_MIN_SEMI, S_GROWTH, S_INITIAL_OLD, S_MAX_HEAP, S_NEW_SPACE,
  S_INCREMENTAL, S_STRESS_COMPACTION, S_GC_INTERVAL, S_ALWAYS_PROMOTE, S_TRACE_GC,
  S_TRACE_GC_NVP, S_PHYSICAL, S_NODE_OPTIONS_ENV, S_HEAPSNAPSHOT, S_NO_EFFECT
} flag_slot;

static const struct flag_def {
  const char *name; /* dash spelling: "--max-old-space-size" */
  flag_kind kind;
  flag_slot slot;
  bool node_options; /* Node 20 accepts it in NODE_OPTIONS */
  const char *note;  /* for flags without (full) effect */
} flags[] = {
    {"--max-old-space-size", F_MIB, S_MAX_OLD, true, NULL},
    {"--max-semi-space-size", F_MIB, S_MAX_SEMI, true, NULL},
    {"--min-semi-space-size", F_MIB, S_MIN_SEMI, false, NULL},
    {"--semi-space-growth-factor", F_UINT, S_GROWTH, false, NULL},
    {"--initial-old-space-size", F_MIB, S_INITIAL_OLD, false, NULL},
    {"--max-heap-size", F_MIB, S_MAX_HEAP, false, NULL},
    {"--max-new-space-size", F_KIB_NEW, S_NEW_SPACE, false, NULL},
    {"--incremental-marking", F_BOOL, S_INCREMENTAL, false, NULL},
    {"--stress-compaction", F_BOOL, S_STRESS_COMPACTION, false,
     "sets the 1 MiB semispace as V8 does; gclab does not make every GC a compacting one"},
    {"--gc-interval", F_INTERVAL, S_GC_INTERVAL, false, NULL},
    {"--always-promote-young-mc", F_BOOL, S_ALWAYS_PROMOTE, false, NULL},
    {"--trace-gc", F_BOOL, S_TRACE_GC, false, NULL},
    {"--trace-gc-nvp", F_BOOL, S_TRACE_GC_NVP, false, NULL},
    {"--expose-gc", F_BOOL, S_NO_EFFECT, true,
     "a script calls heap:full_gc() where JS calls gc()"},
    /* gclab runs on one thread, but models V8's concurrent marker on its
     * virtual clock (incremental.concurrent_markers); without one, V8's
     * main-thread marking follows a schedule gclab does not model
     * (docs/configuration.md), so these flags leave the marker on. */
    {"--single-threaded-gc", F_BOOL, S_NO_EFFECT, false, NO_MARKER_NOTE NO_SWEEPER_NOTE},
    {"--single-threaded", F_BOOL, S_NO_EFFECT, false, NO_MARKER_NOTE NO_SWEEPER_NOTE},
    {"--concurrent-marking", F_BOOL, S_NO_EFFECT, false, NO_MARKER_NOTE},
    {"--parallel-scavenge", F_BOOL, S_NO_EFFECT, false, "gclab scavenges on one thread"},
    {"--parallel-marking", F_BOOL, S_NO_EFFECT, false, "gclab marks on one thread"},
    {"--concurrent-sweeping", F_BOOL, S_NO_EFFECT, false,
     "gclab models V8's concurrent sweeper on its virtual clock, old_space.concurrent_sweepers "
     "(0: sweeping in the pause)"},
    {"--heapsnapshot-near-heap-limit", F_UINT, S_HEAPSNAPSHOT, true, NULL}, /* Node's own */
    {"--physical-memory", F_SIZE, S_PHYSICAL, false, NULL},
    {"--node-options-env", F_BOOL, S_NODE_OPTIONS_ENV, false, NULL},
};
#define NFLAGS (sizeof flags / sizeof flags[0])


void cfg_flags_init(cfg_flags *f) {
  memset(f, 0, sizeof *f);
  f->incremental = f->always_promote = -1;
  f->growth_factor = f->heapsnapshots = -1;
}

/* ------------------------------------------------------------ spelling */

/* Split "--name[=value]" into the flag's normalised name (dashes, no
 * "--", no "no" prefix) and its value.  Returns the table index or -1;
 * *negated says a "no" prefix was used. */
static int lookup(const char *arg, char *name, size_t namelen, const char **value,
                  bool *negated) {
  const char *s = arg + 2, *eq = strchr(s, '=');
  size_t n = eq ? (size_t)(eq - s) : strlen(s), o = 0;
  *value = eq ? eq + 1 : NULL;
  *negated = false;
  for (size_t i = 0; i < n && o + 1 < namelen; i++) name[o++] = s[i] == '_' ? '-' : s[i];
  name[o] = '\0';
  for (size_t i = 0; i < NFLAGS; i++)
    if (strcmp(name, flags[i].name + 2) == 0) return (int)i;
  /* --no-flag and --noflag, for booleans */
  const char *rest = strncmp(name, "no-", 3) == 0 ? name + 3 : strncmp(name, "no", 2) == 0 ? name + 2 : NULL;
  for (size_t i = 0; rest && i < NFLAGS; i++)
    if (flags[i].kind == F_BOOL && strcmp(rest, flags[i].name + 2) == 0) {
      *negated = true;
      return (int)i;
    }
  return -1;
}

int cfg_flag_index(const char *arg) {
  char name[96];
  const char *value;
  bool negated;
  if (!arg || strncmp(arg, "--", 2) != 0 || !arg[2]) return -1;
  return lookup(arg, name, sizeof name, &value, &negated);
}

const char *cfg_flag_suggest(const char *arg) {
  if (!arg || arg[0] != '-') return NULL;
  while (*arg == '-') arg++;
  size_t n = strcspn(arg, "="), bestd = SIZE_MAX;
  int best = -1;
  for (size_t i = 0; i < NFLAGS; i++) {
    size_t d = cfg_distance(arg, n, flags[i].name + 2, strlen(flags[i].name + 2));
    if (d < bestd) bestd = d, best = (int)i;
  }
  size_t tol = n < 6 ? 1 : n < 12 ? 2 : 4;
  if (best < 0 || bestd > tol) return NULL;
  return flags[best].name;
}

/* -------------------------------------------------------------- values */

static int bad_value(const struct flag_def *d, const char *arg, char *err, size_t errlen) {
  char q[CFG_QUOTE_MAX * 4 + 8], vq[CFG_QUOTE_MAX * 4 + 8];
  const char *v = strchr(arg, '=');
  v = v ? v + 1 : "";
  cfg_quote(arg, strlen(arg), q, sizeof q);
  cfg_quote(v, strlen(v), vq, sizeof vq);
  static const char *const expect[] = {
      [F_MIB] = "a whole number of MiB, as V8 reads it (e.g. --max-old-space-size=4096)",
      [F_KIB_NEW] = "a whole number of KiB (V8 3.x: the size of both semispaces together)",
      [F_UINT] = "a whole number",
      [F_INTERVAL] = "a whole number of allocations, or -1 for none",
      [F_BOOL] = "no value",
      [F_SIZE] = "a size with a unit, e.g. --physical-memory=512MiB"};
  cfg_errf(err, errlen, "%s: found %s, expected %s", q, vq, expect[d->kind]);
  return -1;
}

/* A whole decimal number, at most max. */
static bool whole(const char *v, uint64_t max, uint64_t *out) {
  uint64_t n = 0;
  if (!*v) return false;
  for (; *v; v++) {
    if (!isdigit((unsigned char)*v)) return false;
    unsigned dgt = (unsigned)(*v - '0');
    if (n > (max - dgt) / 10) return false;
    n = n * 10 + dgt;
  }
  *out = n;
  return true;
}

/* A size written as in a config file ("512MiB"), through the schema's parser. */
static int size_value(const char *v, uint64_t *out, char *err, size_t errlen) {
  int k = cfg_find("old_space.max_size", strlen("old_space.max_size"));
  gc_config scratch;
  memset(&scratch, 0, sizeof scratch);
  if (cfg_parse_value(k, v, strlen(v), &scratch, err, errlen)) return -1;
  *out = cfg_field_get(k, &scratch);
  return 0;
}

int cfg_flags_parse_one(cfg_flags *f, const char *arg, bool from_env, char *err,
                        size_t errlen) {
  char name[96], q[CFG_QUOTE_MAX * 4 + 8], msg[512];
  const char *v = NULL;
  bool negated;
  int i = arg && strncmp(arg, "--", 2) == 0 && arg[2] ? lookup(arg, name, sizeof name, &v, &negated) : -1;
  if (i < 0) {
    const char *hint = arg ? cfg_flag_suggest(arg) : NULL;
    cfg_quote(arg ? arg : "", arg ? strlen(arg) : 0, q, sizeof q);
    cfg_errf(err, errlen, "found %s, expected a heap flag%s%s%s (docs/configuration.md lists them)", q,
             hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
    return -1;
  }
  const struct flag_def *d = &flags[i];
  if (from_env && !d->node_options) {
    /* Node 20's own words (src/node_options.cc) */
    const char *eq = strchr(arg, '=');
    int shown = eq ? (int)(eq - arg + 1) : (int)strlen(arg);
    cfg_errf(err, errlen, "%.*s is not allowed in NODE_OPTIONS", shown, arg);
    return -1;
  }
  if (d->kind == F_BOOL) {
    if (v) {
      cfg_quote(arg, strlen(arg), q, sizeof q);
      cfg_errf(err, errlen, "%s: found a value for a boolean flag, expected %s or --no-%s", q,
               d->name, d->name + 2);
      return -1;
    }
    bool on = !negated;
    switch (d->slot) {
    case S_INCREMENTAL: f->incremental = on; break;
    case S_STRESS_COMPACTION: f->in.stress_compaction = on; break;
    case S_ALWAYS_PROMOTE: f->always_promote = on; break;
    case S_TRACE_GC: f->trace_gc = on; break;
    case S_TRACE_GC_NVP: f->trace_gc_nvp = on; break;
    case S_NODE_OPTIONS_ENV: f->node_options_env = on; break;
    default:
      if (strlen(f->notes) + 200 < sizeof f->notes)
        snprintf(f->notes + strlen(f->notes), sizeof f->notes - strlen(f->notes),
                 "--%s%s: accepted, no effect in gclab (%s)\n", negated ? "no-" : "",
                 d->name + 2, d->note);
    }
    if (on && d->slot == S_STRESS_COMPACTION && strlen(f->notes) + 200 < sizeof f->notes)
      snprintf(f->notes + strlen(f->notes), sizeof f->notes - strlen(f->notes),
               "%s: partly: %s\n", d->name, d->note);
    return 0;
  }
  if (!v || !*v) {
    cfg_quote(arg, strlen(arg), q, sizeof q);
    cfg_errf(err, errlen, "%s: found no value, expected %s=VALUE", q, d->name);
    return -1;
  }
  uint64_t n = 0;
  switch (d->kind) {
  case F_SIZE:
    if (size_value(v, &n, msg, sizeof msg)) {
      cfg_quote(arg, strlen(arg), q, sizeof q);
      cfg_errf(err, errlen, "%s: %s", q, msg);
      return -1;
    }
    if (n == 0) {
      cfg_quote(arg, strlen(arg), q, sizeof q);
      cfg_errf(err, errlen, "%s: found 0 bytes, expected a size above 0, e.g. --physical-memory=512MiB", q);
      return -1;
    }
    f->in.physical_memory = n;
    return 0;
  case F_INTERVAL:
    if (strcmp(v, "-1") == 0) {
      f->gc_interval = 0, f->gc_interval_set = true;
      return 0;
    }
    if (!whole(v, UINT32_MAX, &n)) return bad_value(d, arg, err, errlen);
    f->gc_interval = n, f->gc_interval_set = true;
    return 0;
  case F_UINT:
    if (!whole(v, UINT32_MAX, &n)) return bad_value(d, arg, err, errlen);
    if (d->slot == S_HEAPSNAPSHOT)
      f->heapsnapshots = (int64_t)n;
    else
      f->growth_factor = (int64_t)n;
    return 0;
  default:
    if (!whole(v, (1ull << 40) - 1, &n)) return bad_value(d, arg, err, errlen);
    break;
  }
  switch (d->slot) {
  case S_MAX_OLD: f->in.max_old_space_mb = n; break;
  case S_MAX_SEMI: f->in.max_semi_space_mb = n; break;
  case S_MIN_SEMI: f->in.min_semi_space_mb = n; break;
  case S_INITIAL_OLD: f->in.initial_old_space_mb = n; break;
  case S_MAX_HEAP: f->in.max_heap_mb = n; break;
  default: f->new_space_kb = n, f->new_space_set = true; break;
  }
  return 0;
}

/* ---------------------------------------------------------- word lists */

int cfg_split_node_options(const char *s, const char *what, char ***words, size_t *n, char *err,
                           size_t errlen) {
  /* Node's ParseNodeOptionsEnvVar (src/node_options.cc): words are separated
   * by spaces; double quotes group and are dropped; inside quotes a
   * backslash takes the next character literally. */
  size_t len = strlen(s), cap = len / 2 + 2, count = 0;
  char **w = calloc(cap, sizeof *w);
  char *buf = malloc(len + 1);
  if (!w || !buf) {
    free(w), free(buf);
    cfg_errf(err, errlen, "out of memory");
    return -1;
  }
  bool in_string = false, start = true;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '\\' && in_string) {
      if (i + 1 == len) {
        free(w), free(buf);
        cfg_errf(err, errlen, "invalid value for %s (invalid escape)", what);
        return -1;
      }
      c = s[++i];
    } else if (c == ' ' && !in_string) {
      if (!start) buf[o++] = '\0';
      start = true;
      continue;
    } else if (c == '"') {
      in_string = !in_string;
      if (start) { /* "" starts a word too */
        w[count++] = buf + o;
        start = false;
      }
      continue;
    }
    if (start) {
      w[count++] = buf + o;
      start = false;
    }
    buf[o++] = c;
  }
  buf[o] = '\0';
  if (in_string) {
    free(w), free(buf);
    cfg_errf(err, errlen, "invalid value for %s (unterminated string)", what);
    return -1;
  }
  if (count == 0) free(buf);
  *words = w;
  *n = count;
  return 0;
}

void cfg_free_words(char **words, size_t n) {
  if (words && n) free(words[0]);
  free(words);
}

int cfg_flags_parse_words(cfg_flags *f, char **words, size_t n, bool from_env, char *err,
                          size_t errlen) {
  for (size_t i = 0; i < n; i++)
    if (cfg_flags_parse_one(f, words[i], from_env, err, errlen)) return -1;
  return 0;
}

int cfg_flags_parse_string(cfg_flags *f, const char *s, char *err, size_t errlen) {
  char **w;
  size_t n;
  if (cfg_split_node_options(s, "flags", &w, &n, err, errlen)) return -1;
  int rc = cfg_flags_parse_words(f, w, n, false, err, errlen);
  cfg_free_words(w, n);
  return rc;
}

int cfg_flags_read_env(cfg_flags *f, char *err, size_t errlen) {
  const char *env = getenv("NODE_OPTIONS");
  if (!env || !*env) return 0;
  char **w;
  size_t n;
  char msg[512];
  int rc = cfg_split_node_options(env, "NODE_OPTIONS", &w, &n, msg, sizeof msg);
  if (rc == 0) {
    rc = cfg_flags_parse_words(f, w, n, true, msg, sizeof msg);
    cfg_free_words(w, n);
  }
  if (rc) cfg_errf(err, errlen, "NODE_OPTIONS: %s", msg);
  return rc;
}

/* -------------------------------------------------------------- apply */

/* Set leaf key `path` to v unless the same layer set it explicitly. */
static void put(gc_config *cfg, const char *path, uint64_t v, const bool *explicit_keys,
                cfg_origins *o, const char *where) {
  int k = cfg_find(path, strlen(path));
  if (explicit_keys && explicit_keys[k]) return;
  cfg_field_set(k, cfg, v);
  cfg_origin_note(o, k, "%s", where);
}

/* V8 3.x ConfigureHeap: the semispace is half the new space, at least one
 * 1 MiB page of that era, rounded up to a power of two. */
static uint64_t v8_3_semispace(uint64_t kib) {
  uint64_t semi = kib / 2 * 1024, p = 1 * MiB;
  while (p < semi && p < (1ull << 40)) p <<= 1;
  return p;
}

int cfg_flags_apply(const cfg_flags *f, gc_config *cfg, const bool *explicit_keys,
                    cfg_origins *o, const char *where, char *err, size_t errlen) {
  gc_node_heap_input in = f->in;
  gc_node_heap_sizes s;
  in.old_default = cfg->old_space.max_size;
  in.semi_default = cfg->new_space.semi_space_max;
  in.semi_initial_default = cfg->new_space.semi_space_initial;
  if (f->new_space_set && !in.max_semi_space_mb && !in.max_heap_mb) {
    in.semi_default = v8_3_semispace(f->new_space_kb);
    if (in.semi_initial_default > in.semi_default) in.semi_initial_default = in.semi_default;
  }
  char msg[512];
  if (gc_node_heap_limits(&in, &s, msg, sizeof msg) != GC_OK) {
    cfg_errf(err, errlen, "%s", msg);
    return -1;
  }
  gc_config work = *cfg;
  if (s.set & GC_NODE_SET_OLD_MAX)
    put(&work, "old_space.max_size", s.old_max, explicit_keys, o, where);
  if ((s.set & GC_NODE_SET_SEMI_MAX) || f->new_space_set)
    put(&work, "new_space.semi_space.max", s.semi_max, explicit_keys, o, where);
  if (s.set & GC_NODE_SET_SEMI_INITIAL)
    put(&work, "new_space.semi_space.initial", s.semi_initial, explicit_keys, o, where);
  if (s.set & GC_NODE_SET_INITIAL_OLD) /* never 0: the old maximum is at least 3 pages */
    put(&work, "old_space.initial_limit", s.initial_old, explicit_keys, o, where);
  if (f->growth_factor >= 0)
    put(&work, "new_space.semi_space.growth_factor", (uint64_t)f->growth_factor, explicit_keys,
        o, where);
  if (f->heapsnapshots >= 0)
    put(&work, "heapsnapshot_near_heap_limit", (uint64_t)f->heapsnapshots, explicit_keys, o,
        where);
  if (f->incremental >= 0)
    put(&work, "incremental.enabled", (uint64_t)f->incremental, explicit_keys, o, where);
  if (f->always_promote >= 0)
    put(&work, "old_space.always_promote_young", (uint64_t)f->always_promote, explicit_keys, o,
        where);
  *cfg = work;
  return 0;
}

uint64_t cfg_heap_size_limit(const gc_config *cfg) {
  /* Heap::MaxReserved: two semispaces, a new large-object space of one
   * semispace, and the old generation. */
  return 3 * cfg->new_space.semi_space_max + cfg->old_space.max_size;
}

const char *cfg_flag_name(size_t i) { return i < NFLAGS ? flags[i].name + 2 : NULL; }
