/*
 * config_internal.h -- what the config_*.c files share; not a public header.
 *
 * The schema is one table, cfg_keys[], in the order the keys appear in a
 * configuration file (a pre-order walk: a section comes before its keys).
 * Everything else -- the YAML loader, --set, the YAML printer, equality,
 * the docs test -- walks that table, so a key added there is loaded,
 * printed, compared and validated everywhere at once.
 *
 * Errors inside this layer are written as "found ..., expected ..." without
 * a location; the caller prefixes "FILE:LINE:COLUMN: KEY.PATH: " or
 * "--set KEY: ".
 */
#ifndef GCLAB_CONFIG_INTERNAL_H
#define GCLAB_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gclab.h"

/* Inputs above this many bytes are refused before parsing: a heap profile
 * is a page of text, and a bound keeps a hostile file from costing time. */
#define CFG_MAX_INPUT (1024u * 1024u)

/* Longest text a message quotes from the input before cutting it with "...". */
#define CFG_QUOTE_MAX 40

typedef enum cfg_kind {
  CK_SECTION,   /* a mapping of further keys */
  CK_SIZE,      /* bytes: 512KiB, 16MiB, 4GiB, 64KB, 4096 */
  CK_SIZE_AUTO, /* a size, or "auto" stored as 0 */
  CK_PERCENT,   /* 25% or 25, 0..100 */
  CK_BOOL,      /* true | false */
  CK_ENUM,      /* one of names[] (index = value) */
  CK_UINT,      /* a whole number that fits the field */
  CK_FACTOR     /* a decimal with at most two places, stored x100 */
} cfg_kind;

typedef struct cfg_key {
  const char *path;              /* "new_space.semi_space.max" */
  cfg_kind kind;
  size_t offset, width;          /* the field in gc_config (width 1, 4 or 8) */
  const char *const *names;      /* CK_ENUM: value names, NULL-terminated */
} cfg_key;

extern const cfg_key cfg_keys[];
extern const size_t cfg_nkeys;

/* Index of the key with this full path, or -1. */
int cfg_find(const char *path, size_t len);
/* Index of the child `name` of section `parent` (-1 = top level), or -1. */
int cfg_child(int parent, const char *name, size_t len);
/* Index of the section holding key k, or -1 for the top level. */
int cfg_parent(int k);
/* The last component of a key's path. */
const char *cfg_name(int k);
/* Nesting depth: 0 for top-level keys. */
int cfg_depth(int k);

/* Parse `text` (len bytes, need not be NUL-terminated) as the value of
 * leaf key k and store it into cfg.  On error returns -1 with
 * "found ..., expected ..." in err and leaves cfg alone. */
int cfg_parse_value(int k, const char *text, size_t len, gc_config *cfg, char *err,
                    size_t errlen);
/* What a value of key k looks like ("a size such as 16MiB ..."). */
const char *cfg_expectation(int k);
/* Format the value of leaf key k so that cfg_parse_value reads it back. */
void cfg_format_value(int k, const gc_config *cfg, char *buf, size_t len);

/* Raw access to the field of leaf key k, widened to 64 bits. */
uint64_t cfg_field_get(int k, const gc_config *cfg);
void cfg_field_set(int k, gc_config *cfg, uint64_t v);

/* Quote user text for a message: 'abc', non-printable bytes as \xNN, cut
 * after CFG_QUOTE_MAX characters. */
void cfg_quote(const char *text, size_t len, char *buf, size_t buflen);

/* A file path as messages show it: itself, or, when longer than
 * CFG_PATH_SHOWN_MAX, its first 40 characters, "..." and its end (written
 * into buf, which needs CFG_PATH_SHOWN_MAX + 1 bytes), so that the line,
 * column and reason after it fit the message. */
#define CFG_PATH_SHOWN_MAX 160
const char *cfg_path_shown(const char *path, char *buf, size_t buflen);

/* Copy user text for use inside a key path: printable ASCII kept, other
 * bytes as '?', cut after CFG_QUOTE_MAX characters with "...". */
void cfg_printable(const char *text, size_t len, char *buf, size_t buflen);
/* Length of the section part of a path ("a.b.c" -> 3), 0 at top level. */
size_t cfg_section_len(const char *path);
/* "a, b, c": the names of the keys of section `parent` (-1 = top level). */
void cfg_list_children(int parent, char *buf, size_t buflen);

/* Levenshtein distance over names normalised to lower case with '-' read
 * as '_' (so "Max-Size" is 0 away from "max_size"). */
size_t cfg_distance(const char *a, size_t alen, const char *b, size_t blen);

/* Explain an unknown key `name` found in section `parent`: writes
 * "found unknown key 'x', expected one of a, b, c (did you mean 'b'?)". */
void cfg_unknown_key(int parent, const char *name, size_t len, char *buf, size_t buflen);
/* The same for a full dotted path (as --set takes). */
void cfg_unknown_path(const char *path, size_t len, char *buf, size_t buflen);

/*
 * Origins: where each key got its value, so that a failed validation --
 * which names a key path but knows no file -- can be reported at the
 * line that set it ("tiny.yaml:4:14: ..." or "--set new_space...: ...").
 */
#define CFG_KEYS_MAX 72
#define CFG_WHERE_MAX 320
typedef struct cfg_origins {
  unsigned layers;               /* sources so far: each file and each --set is one */
  unsigned layer[CFG_KEYS_MAX];  /* the source that set each key last */
  bool set[CFG_KEYS_MAX];
  char where[CFG_KEYS_MAX][CFG_WHERE_MAX]; /* "FILE:LINE:COLUMN" or "--set KEY" */
  char fallback[CFG_WHERE_MAX];            /* when no key in the message was set */
} cfg_origins;

void cfg_origin_note(cfg_origins *o, int k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Start a new source (a file or one --set): keys noted from now on belong
 * to it. */
void cfg_origin_layer(cfg_origins *o);
/* Validate cfg; on failure write the validator's message prefixed with the
 * origin of one of the keys it names: of those that were set, the one set
 * by the latest source (the layer that broke the relation); among keys of
 * that source, the key the message starts with, else the first mentioned.
 * If none was set, o->fallback.  Returns 0 or -1. */
int cfg_validate_with_origins(const gc_config *cfg, const cfg_origins *o, char *err,
                              size_t errlen);

/* Let defaults that depend on another key follow it (config_derived.c):
 * keys not set (per o; with o NULL, keys still at the built-in default)
 * are clamped to the keys they depend on.  Call before validating. */
void cfg_follow_derived(gc_config *cfg, const cfg_origins *o);

/* The YAML loader proper (config_yaml.c).  Loads `text` over *cfg without
 * validating; records origins in o (may be NULL).  *cfg is only written on
 * success. */
int cfg_load_text(const char *name, const char *text, size_t len, gc_config *cfg,
                  cfg_origins *o, char *err, size_t errlen);
/* A quoted value ('4MiB', "classic") read as the YAML scalar it is, quotes
 * and escapes resolved.  *out is malloc'd. */
int cfg_yaml_scalar(const char *text, size_t len, char **out, size_t *outlen, char *err,
                    size_t errlen);
/* Read a whole file of at most CFG_MAX_INPUT bytes.  Returns a malloc'd
 * buffer (NUL-terminated, *len without the NUL) or NULL with a message. */
char *cfg_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* Apply one assignment without validating (config_set.c), recording the
 * origin "--set KEY".  `dashes` says whether messages start "--set KEY:"
 * (the CLI) or "KEY:" (set_kv). */
int cfg_assign(gc_config *cfg, const char *key, size_t keylen, const char *value,
               size_t valuelen, bool dashes, cfg_origins *o, char *err, size_t errlen);

/* Split "KEY=VALUE" at the first '=' (message "--set ...: found no '='"). */
int cfg_split(const char *assignment, size_t *keylen, const char **value, char *err,
              size_t errlen);

/* snprintf into err if there is room; never fails. */
void cfg_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* GCLAB_CONFIG_INTERNAL_H */
