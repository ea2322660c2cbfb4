/*
 * config_schema.c -- the configuration schema and its values.
 *
 * Owns cfg_keys[], the one table of every key path, its kind and its field
 * in gc_config; parsing a value written in a file or a --set into that
 * field, and printing it back so that it parses to the same bits.  What an
 * unknown key is explained with is config_suggest.c's.
 *
 * Invariants (tests/config checks each):
 *  - cfg_keys[] is a pre-order walk of the schema: every key comes after its
 *    section, and a section's keys come before the next key of an outer
 *    level.  The YAML printer relies on it.
 *  - every field of gc_config is the field of exactly one leaf key, so that
 *    "equal on every key" is "equal on every field".
 *  - cfg_parse_value(k, cfg_format_value(k, x)) gives back x for every value
 *    x that the parser accepts.
 *
 * Parsing decides only what a value *is* (a size, a percentage, ...) and
 * whether it fits its field; ranges and relations between keys stay in one
 * place, gc_config_validate().
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

_Static_assert(sizeof(bool) == 1, "CK_BOOL fields are read as one byte");
#define MEMBER_SIZE(m) sizeof(((gc_config *)0)->m)
_Static_assert(MEMBER_SIZE(new_space.promotion) == 4 && MEMBER_SIZE(old_space.full_gc) == 4 &&
                   MEMBER_SIZE(old_space.compaction) == 4 && MEMBER_SIZE(boot) == 4,
               "CK_ENUM fields are read as 32-bit integers");
_Static_assert(GC_PROMOTE_AGE_MARK == 0 && GC_PROMOTE_CLASSIC == 1 && GC_FULL_MARK_COMPACT == 0 &&
                   GC_FULL_MARK_SWEEP == 1 && GC_COMPACT_EVACUATE == 0 && GC_COMPACT_SLIDE == 1 &&
                   GC_BOOT_NODE20 == 0 && GC_BOOT_NONE == 1,
               "enum name tables are indexed by value");

static const char *const promotion_names[] = {"age_mark", "classic", NULL};
static const char *const full_gc_names[] = {"mark_compact", "mark_sweep", NULL};
static const char *const compaction_names[] = {"evacuate", "slide", NULL};
static const char *const boot_names[] = {"node20", "none", NULL};

#define FIELD(m) offsetof(gc_config, m), MEMBER_SIZE(m)
#define SECTION(p) {p, CK_SECTION, 0, 0, NULL}

const cfg_key cfg_keys[] = {
    {"page_size", CK_SIZE, FIELD(page_size), NULL},
    {"page_header", CK_SIZE, FIELD(page_header), NULL},
    SECTION("new_space"),
    SECTION("new_space.semi_space"),
    {"new_space.semi_space.initial", CK_SIZE, FIELD(new_space.semi_space_initial), NULL},
    {"new_space.semi_space.max", CK_SIZE, FIELD(new_space.semi_space_max), NULL},
    {"new_space.semi_space.growth_factor", CK_UINT, FIELD(new_space.growth_factor), NULL},
    SECTION("new_space.promotion"),
    {"new_space.promotion.policy", CK_ENUM, FIELD(new_space.promotion), promotion_names},
    {"new_space.promotion.age", CK_UINT, FIELD(new_space.promotion_age), NULL},
    {"new_space.promotion.classic_to_space", CK_PERCENT, FIELD(new_space.classic_to_space_pct),
     NULL},
    {"new_space.copy_lab", CK_SIZE, FIELD(new_space.copy_lab), NULL},
    SECTION("old_space"),
    {"old_space.max_size", CK_SIZE, FIELD(old_space.max_size), NULL},
    {"old_space.initial_limit", CK_SIZE_AUTO, FIELD(old_space.initial_limit), NULL},
    {"old_space.shrink_initial_limit", CK_BOOL, FIELD(old_space.shrink_initial_limit), NULL},
    {"old_space.promotion_limit_gc", CK_BOOL, FIELD(old_space.promotion_limit_gc), NULL},
    {"old_space.full_gc", CK_ENUM, FIELD(old_space.full_gc), full_gc_names},
    SECTION("old_space.growing"),
    {"old_space.growing.min_step", CK_SIZE, FIELD(old_space.min_growing_step), NULL},
    {"old_space.growing.min_factor", CK_FACTOR, FIELD(old_space.min_growing_factor_x100), NULL},
    {"old_space.growing.max_factor", CK_FACTOR, FIELD(old_space.max_growing_factor_x100), NULL},
    {"old_space.growing.target_mu", CK_FACTOR, FIELD(old_space.target_mu_x100), NULL},
    SECTION("old_space.compaction"),
    {"old_space.compaction.strategy", CK_ENUM, FIELD(old_space.compaction), compaction_names},
    {"old_space.compaction.free_threshold", CK_PERCENT, FIELD(old_space.evacuation_free_pct),
     NULL},
    {"old_space.compaction.free_threshold_reducing", CK_PERCENT,
     FIELD(old_space.evacuation_free_pct_reducing), NULL},
    {"old_space.compaction.quota", CK_SIZE, FIELD(old_space.evacuation_quota), NULL},
    {"old_space.always_promote_young", CK_BOOL, FIELD(old_space.always_promote_young), NULL},
    {"old_space.page_promotion_threshold", CK_PERCENT, FIELD(old_space.page_promotion_pct),
     NULL},
    {"old_space.last_resort_gcs", CK_UINT, FIELD(old_space.last_resort_gcs), NULL},
    {"old_space.ineffective_mark_compacts", CK_UINT, FIELD(old_space.ineffective_mark_compacts), NULL},
    {"old_space.concurrent_sweepers", CK_UINT, FIELD(old_space.concurrent_sweepers), NULL},
    {"old_space.empty_pages_kept", CK_UINT, FIELD(old_space.empty_pages_kept), NULL},
    SECTION("large_object"),
    {"large_object.threshold", CK_SIZE, FIELD(large_object.threshold), NULL},
    SECTION("incremental"),
    {"incremental.enabled", CK_BOOL, FIELD(incremental.enabled), NULL},
    {"incremental.activation_size", CK_SIZE, FIELD(incremental.activation_size), NULL},
    {"incremental.young_step", CK_SIZE, FIELD(incremental.young_step), NULL},
    {"incremental.old_step", CK_SIZE, FIELD(incremental.old_step), NULL},
    {"incremental.step_budget", CK_SIZE, FIELD(incremental.step_budget), NULL},
    {"incremental.concurrent_markers", CK_UINT, FIELD(incremental.concurrent_markers), NULL},
    {"incremental.marker_tasks", CK_UINT, FIELD(incremental.marker_tasks), NULL},
    {"incremental.interrupt_ns", CK_UINT, FIELD(incremental.interrupt_ns), NULL},
    {"incremental.interrupt_optimize", CK_UINT, FIELD(incremental.interrupt_optimize), NULL},
    SECTION("cost"),
    {"cost.alloc_ns", CK_UINT, FIELD(cost.alloc_ns), NULL},
    {"cost.store_ns", CK_UINT, FIELD(cost.store_ns), NULL},
    {"cost.mark_ns_per_kb", CK_UINT, FIELD(cost.mark_ns_per_kb), NULL},
    {"cost.mark_scalar_ns_per_kb", CK_UINT, FIELD(cost.mark_scalar_ns_per_kb), NULL},
    {"cost.copy_ns_per_kb", CK_UINT, FIELD(cost.copy_ns_per_kb), NULL},
    {"cost.sweep_ns_per_kb", CK_UINT, FIELD(cost.sweep_ns_per_kb), NULL},
    {"event_ring", CK_UINT, FIELD(event_ring), NULL},
    SECTION("event_loop"),
    {"event_loop.exit_idle_ms", CK_UINT, FIELD(event_loop.exit_idle_ms), NULL},
    SECTION("allocation_sites"),
    {"allocation_sites.optimize_us", CK_UINT, FIELD(allocation_sites.optimize_us), NULL},
    {"allocation_sites.tiering_allocations", CK_UINT, FIELD(allocation_sites.tiering_allocations), NULL},
    SECTION("external"),
    {"external.soft_limit", CK_SIZE, FIELD(external.soft_limit), NULL},
    {"external.young_gc_bytes", CK_SIZE, FIELD(external.young_gc_bytes), NULL},
    {"heapsnapshot_near_heap_limit", CK_UINT, FIELD(heapsnapshot_near_heap_limit), NULL},
    {"boot", CK_ENUM, FIELD(boot), boot_names},
    {"seed", CK_UINT, FIELD(seed), NULL},
};
const size_t cfg_nkeys = sizeof cfg_keys / sizeof cfg_keys[0];
_Static_assert(sizeof cfg_keys / sizeof cfg_keys[0] <= CFG_KEYS_MAX,
               "cfg_origins has room for CFG_KEYS_MAX keys");

void cfg_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ------------------------------------------------------------ the tree */

size_t cfg_section_len(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot ? (size_t)(dot - path) : 0;
}

int cfg_find(const char *path, size_t len) {
  for (size_t k = 0; k < cfg_nkeys; k++)
    if (strlen(cfg_keys[k].path) == len && memcmp(cfg_keys[k].path, path, len) == 0)
      return (int)k;
  return -1;
}

int cfg_parent(int k) {
  const char *p = cfg_keys[k].path;
  size_t n = cfg_section_len(p);
  return n ? cfg_find(p, n) : -1;
}

const char *cfg_name(int k) {
  const char *p = cfg_keys[k].path, *dot = strrchr(p, '.');
  return dot ? dot + 1 : p;
}

int cfg_depth(int k) {
  int d = 0;
  for (const char *p = cfg_keys[k].path; *p; p++) d += *p == '.';
  return d;
}

int cfg_child(int parent, const char *name, size_t len) {
  for (size_t k = 0; k < cfg_nkeys; k++) {
    const char *n = cfg_name((int)k);
    if (cfg_parent((int)k) == parent && strlen(n) == len && memcmp(n, name, len) == 0)
      return (int)k;
  }
  return -1;
}

/* ---------------------------------------------------------- raw fields */

uint64_t cfg_field_get(int k, const gc_config *cfg) {
  const unsigned char *p = (const unsigned char *)cfg + cfg_keys[k].offset;
  switch (cfg_keys[k].width) {
  case 1: {
    bool b;
    memcpy(&b, p, 1);
    return b;
  }
  case 4: {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  }
}

void cfg_field_set(int k, gc_config *cfg, uint64_t v) {
  unsigned char *p = (unsigned char *)cfg + cfg_keys[k].offset;
  switch (cfg_keys[k].width) {
  case 1: {
    bool b = v != 0;
    memcpy(p, &b, 1);
    break;
  }
  case 4: {
    uint32_t w = (uint32_t)v;
    memcpy(p, &w, 4);
    break;
  }
  default:
    memcpy(p, &v, 8);
  }
}

/* The largest value a field of this width holds. */
static uint64_t width_max(size_t width) {
  return width >= 8 ? UINT64_MAX : width == 4 ? UINT32_MAX : 1;
}

/* -------------------------------------------------------------- quoting */

const char *cfg_path_shown(const char *path, char *buf, size_t buflen) {
  size_t n = strlen(path);
  if (n <= CFG_PATH_SHOWN_MAX || buflen < CFG_PATH_SHOWN_MAX + 1) return path;
  const size_t head = 40, tail = CFG_PATH_SHOWN_MAX - head - 3;
  snprintf(buf, buflen, "%.*s...%s", (int)head, path, path + n - tail);
  return buf;
}

void cfg_quote(const char *text, size_t len, char *buf, size_t buflen) {
  size_t o = 0, shown = 0;
  if (!buflen) return;
#define PUT(c)                                                                                 \
  do {                                                                                         \
    if (o + 1 < buflen) buf[o++] = (c);                                                        \
  } while (0)
  PUT('\'');
  for (size_t i = 0; i < len; i++) {
    if (shown == CFG_QUOTE_MAX) {
      PUT('.');
      PUT('.');
      PUT('.');
      break;
    }
    unsigned char c = (unsigned char)text[i];
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      PUT((char)c);
    } else {
      char hex[5];
      snprintf(hex, sizeof hex, "\\x%02x", c);
      for (int j = 0; j < 4; j++) PUT(hex[j]);
    }
    shown++;
  }
  PUT('\'');
#undef PUT
  buf[o] = '\0';
}

void cfg_printable(const char *text, size_t len, char *buf, size_t buflen) {
  size_t o = 0;
  if (!buflen) return;
  for (size_t i = 0; i < len && o + 4 < buflen; i++) {
    if (i == CFG_QUOTE_MAX) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    unsigned char c = (unsigned char)text[i];
    buf[o++] = c > 0x20 && c < 0x7f ? (char)c : '?';
  }
  buf[o] = '\0';
}

/* ------------------------------------------------------------- numbers */

/* A decimal number: digits, optionally '.' and up to 9 more digits.  Reads
 * from text[*i]; sets *whole, *frac (the digits after the point as an
 * integer) and *places.  Returns 0, or a reason on failure. */
static const char *scan_decimal(const char *t, size_t n, size_t *i, uint64_t *whole,
                                uint64_t *frac, int *places) {
  size_t start = *i;
  *whole = 0, *frac = 0, *places = 0;
  while (*i < n && isdigit((unsigned char)t[*i])) {
    unsigned d = (unsigned)(t[*i] - '0');
    if (*whole > (UINT64_MAX - d) / 10) return "too large";
    *whole = *whole * 10 + d;
    (*i)++;
  }
  if (*i == start) return "not a number";
  if (*i < n && t[*i] == '.') {
    (*i)++;
    size_t fstart = *i;
    while (*i < n && isdigit((unsigned char)t[*i])) {
      if (*places == 9) return "too many decimals";
      *frac = *frac * 10 + (uint64_t)(t[*i] - '0');
      (*places)++;
      (*i)++;
    }
    if (*i == fstart) return "not a number";
  }
  return NULL;
}

static uint64_t pow10u(int places) {
  uint64_t p = 1;
  while (places-- > 0) p *= 10;
  return p;
}

static const struct {
  const char *name;
  uint64_t bytes;
} units[] = {{"B", 1},          {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
             {"KB", 1ull << 10}, {"MB", 1ull << 20},  {"GB", 1ull << 30}};

static bool ieq(const char *a, size_t alen, const char *b) {
  if (strlen(b) != alen) return false;
  for (size_t i = 0; i < alen; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
  return true;
}

/* The value failed: write "found 'text' (why), expected ...". */
static int bad(int k, const char *t, size_t n, const char *why, char *err, size_t errlen) {
  char q[CFG_QUOTE_MAX * 4 + 8];
  cfg_quote(t, n, q, sizeof q);
  cfg_errf(err, errlen, "found %s%s%s%s, expected %s", q, why ? " (" : "", why ? why : "",
           why ? ")" : "", cfg_expectation(k));
  return -1;
}

static int parse_size(int k, const char *t, size_t n, uint64_t *out, char *err, size_t errlen) {
  if (n && t[0] == '-') return bad(k, t, n, "a negative size", err, errlen);
  size_t i = 0;
  uint64_t whole, frac;
  int places;
  const char *why = scan_decimal(t, n, &i, &whole, &frac, &places);
  if (why) {
    if (strcmp(why, "too large") == 0) why = "more than 2^64-1 bytes";
    return bad(k, t, n, why, err, errlen);
  }
  while (i < n && t[i] == ' ') i++;
  uint64_t mult = 1;
  if (i < n) {
    const char *u = t + i;
    size_t ulen = n - i;
    size_t j;
    for (j = 0; j < sizeof units / sizeof units[0]; j++)
      if (strlen(units[j].name) == ulen && memcmp(units[j].name, u, ulen) == 0) break;
    if (j == sizeof units / sizeof units[0]) {
      char uq[CFG_QUOTE_MAX * 4 + 8], why2[CFG_QUOTE_MAX * 4 + 80];
      cfg_quote(u, ulen, uq, sizeof uq);
      for (j = 0; j < sizeof units / sizeof units[0]; j++)
        if (ieq(u, ulen, units[j].name)) break;
      if (j < sizeof units / sizeof units[0])
        snprintf(why2, sizeof why2, "unknown unit %s: units are case-sensitive, did you mean %s?",
                 uq, units[j].name);
      else
        snprintf(why2, sizeof why2, "unknown unit %s", uq);
      return bad(k, t, n, why2, err, errlen);
    }
    mult = units[j].bytes;
  }
  if (whole > UINT64_MAX / mult) return bad(k, t, n, "more than 2^64-1 bytes", err, errlen);
  uint64_t v = whole * mult;
  if (places) {
    uint64_t scaled = frac * mult, p = pow10u(places); /* frac < 1e9, mult <= 2^30 */
    if (scaled % p) return bad(k, t, n, "not a whole number of bytes", err, errlen);
    if (v > UINT64_MAX - scaled / p) return bad(k, t, n, "more than 2^64-1 bytes", err, errlen);
    v += scaled / p;
  }
  *out = v;
  return 0;
}

/* The first `scan` bytes of t as an unsigned decimal (messages quote all n
 * bytes); `too_large` says what an overflow means for this kind. */
static int unsigned_decimal(int k, const char *t, size_t n, size_t scan, const char *too_large,
                            uint64_t *whole, uint64_t *frac, int *places, char *err,
                            size_t errlen) {
  if (scan && t[0] == '-') return bad(k, t, n, "negative", err, errlen);
  size_t i = 0;
  const char *why = scan_decimal(t, scan, &i, whole, frac, places);
  if (why && strcmp(why, "too large") == 0) why = too_large;
  if (!why && i < scan) why = "not a number";
  return why ? bad(k, t, n, why, err, errlen) : 0;
}

static int parse_uint(int k, const char *t, size_t n, uint64_t max, uint64_t *out, char *err,
                      size_t errlen) {
  char above[32];
  uint64_t whole, frac;
  int places;
  snprintf(above, sizeof above, "above %" PRIu64, max);
  if (unsigned_decimal(k, t, n, n, above, &whole, &frac, &places, err, errlen)) return -1;
  if (places) return bad(k, t, n, "not a whole number", err, errlen);
  if (whole > max) return bad(k, t, n, above, err, errlen);
  *out = whole;
  return 0;
}

static int parse_percent(int k, const char *t, size_t n, uint64_t *out, char *err,
                         size_t errlen) {
  size_t m = n; /* the number, without a '%' and spaces */
  while (m && t[m - 1] == ' ') m--;
  if (m && t[m - 1] == '%') m--;
  while (m && t[m - 1] == ' ') m--;
  uint64_t whole, frac;
  int places;
  if (unsigned_decimal(k, t, n, m, "above 100%", &whole, &frac, &places, err, errlen))
    return -1;
  if (places) return bad(k, t, n, "not a whole percentage", err, errlen);
  if (whole > 100) return bad(k, t, n, "above 100%", err, errlen);
  *out = whole;
  return 0;
}

/* A decimal with at most two places, stored x100 ("1.1" -> 110). */
static int parse_factor(int k, const char *t, size_t n, uint64_t max, uint64_t *out, char *err,
                        size_t errlen) {
  uint64_t whole, frac;
  int places;
  if (unsigned_decimal(k, t, n, n, "too large", &whole, &frac, &places, err, errlen)) return -1;
  if (places > 2) return bad(k, t, n, "more than two decimals", err, errlen);
  if (places == 1) frac *= 10;
  if (whole > (max - frac) / 100) return bad(k, t, n, "too large", err, errlen);
  *out = whole * 100 + frac;
  return 0;
}

static int parse_bool(int k, const char *t, size_t n, uint64_t *out, char *err, size_t errlen) {
  static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False",
                                                                             "FALSE"};
  for (int i = 0; i < 3; i++) {
    if (strlen(yes[i]) == n && memcmp(yes[i], t, n) == 0) {
      *out = 1;
      return 0;
    }
    if (strlen(no[i]) == n && memcmp(no[i], t, n) == 0) {
      *out = 0;
      return 0;
    }
  }
  static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n"};
  for (size_t i = 0; i < sizeof yaml11 / sizeof yaml11[0]; i++)
    if (ieq(t, n, yaml11[i]))
      return bad(k, t, n, "YAML 1.1's yes/no/on/off are not booleans here", err, errlen);
  return bad(k, t, n, NULL, err, errlen);
}

static int parse_enum(int k, const char *t, size_t n, uint64_t *out, char *err, size_t errlen) {
  const char *const *names = cfg_keys[k].names;
  size_t best = SIZE_MAX, bi = 0;
  for (size_t i = 0; names[i]; i++) {
    if (strlen(names[i]) == n && memcmp(names[i], t, n) == 0) {
      *out = i;
      return 0;
    }
    size_t d = cfg_distance(t, n, names[i], strlen(names[i]));
    if (d < best) best = d, bi = i;
  }
  if (best <= 2) {
    char m[64];
    snprintf(m, sizeof m, "did you mean %s?", names[bi]);
    return bad(k, t, n, m, err, errlen);
  }
  return bad(k, t, n, NULL, err, errlen);
}

int cfg_parse_value(int k, const char *text, size_t len, gc_config *cfg, char *err,
                    size_t errlen) {
  const cfg_key *key = &cfg_keys[k];
  /* Quoted YAML scalars and --set values may carry spaces; plain ones are trimmed. */
  while (len && text[0] == ' ') text++, len--;
  while (len && text[len - 1] == ' ') len--;
  if (len == 0) {
    cfg_errf(err, errlen, "found an empty value, expected %s", cfg_expectation(k));
    return -1;
  }
  if (memchr(text, '\0', len)) return bad(k, text, len, "a NUL character", err, errlen);
  uint64_t v = 0;
  int rc = -1;
  switch (key->kind) {
  case CK_SIZE_AUTO:
    if (len == 4 && memcmp(text, "auto", 4) == 0) {
      rc = 0;
      break;
    }
    /* fall through */
  case CK_SIZE:
    rc = parse_size(k, text, len, &v, err, errlen);
    break;
  case CK_PERCENT:
    rc = parse_percent(k, text, len, &v, err, errlen);
    break;
  case CK_BOOL:
    rc = parse_bool(k, text, len, &v, err, errlen);
    break;
  case CK_ENUM:
    rc = parse_enum(k, text, len, &v, err, errlen);
    break;
  case CK_UINT:
    rc = parse_uint(k, text, len, width_max(key->width), &v, err, errlen);
    break;
  case CK_FACTOR:
    rc = parse_factor(k, text, len, width_max(key->width), &v, err, errlen);
    break;
  case CK_SECTION:
    cfg_errf(err, errlen, "found a value, expected a mapping of keys");
    return -1;
  }
  if (rc == 0) cfg_field_set(k, cfg, v);
  return rc;
}

const char *cfg_expectation(int k) {
  switch (cfg_keys[k].kind) {
  case CK_SECTION: return "a mapping of keys";
  case CK_SIZE:
    return "a size in bytes, or with a unit B, KiB, MiB, GiB, KB, MB, GB (KB = KiB = 1024), "
           "e.g. 16MiB";
  case CK_SIZE_AUTO:
    return "auto, or a size in bytes or with a unit B, KiB, MiB, GiB, KB, MB, GB (KB = KiB = "
           "1024), e.g. 256MiB";
  case CK_PERCENT: return "a whole percentage from 0% to 100%, e.g. 25%";
  case CK_BOOL: return "true or false";
  case CK_UINT:
    return cfg_keys[k].width >= 8 ? "a whole number from 0 to 18446744073709551615"
                                  : "a whole number from 0 to 4294967295";
  case CK_FACTOR: return "a decimal number with at most two decimals, e.g. 1.1";
  case CK_ENUM:
    if (cfg_keys[k].names == promotion_names) return "one of age_mark, classic";
    if (cfg_keys[k].names == full_gc_names) return "one of mark_compact, mark_sweep";
    if (cfg_keys[k].names == boot_names) return "one of node20, none";
    return "one of evacuate, slide";
  }
  return "a value";
}

/* ------------------------------------------------------------ printing */

static void format_size(uint64_t v, char *buf, size_t len) {
  static const struct {
    const char *unit;
    int shift;
  } u[] = {{"GiB", 30}, {"MiB", 20}, {"KiB", 10}};
  for (size_t i = 0; v && i < sizeof u / sizeof u[0]; i++)
    if (v % (1ull << u[i].shift) == 0) {
      snprintf(buf, len, "%" PRIu64 "%s", v >> u[i].shift, u[i].unit);
      return;
    }
  snprintf(buf, len, "%" PRIu64, v);
}

void cfg_format_value(int k, const gc_config *cfg, char *buf, size_t len) {
  uint64_t v = cfg_field_get(k, cfg);
  switch (cfg_keys[k].kind) {
  case CK_SIZE_AUTO:
    if (v == 0) {
      snprintf(buf, len, "auto");
      break;
    }
    /* fall through */
  case CK_SIZE: format_size(v, buf, len); break;
  case CK_PERCENT: snprintf(buf, len, "%" PRIu64 "%%", v); break;
  case CK_BOOL: snprintf(buf, len, "%s", v ? "true" : "false"); break;
  case CK_ENUM: {
    const char *const *names = cfg_keys[k].names;
    size_t n = 0;
    while (names[n]) n++;
    if (v < n)
      snprintf(buf, len, "%s", names[v]);
    else /* not a valid value: print it so that the error is visible on loading */
      snprintf(buf, len, "%" PRIu64, v);
    break;
  }
  case CK_UINT: snprintf(buf, len, "%" PRIu64, v); break;
  case CK_FACTOR:
    if (v % 10 == 0)
      snprintf(buf, len, "%" PRIu64 ".%" PRIu64, v / 100, (v / 10) % 10);
    else
      snprintf(buf, len, "%" PRIu64 ".%02" PRIu64, v / 100, v % 100);
    break;
  case CK_SECTION: snprintf(buf, len, "{}"); break;
  }
}
