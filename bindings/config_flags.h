/*
 * config_flags.h -- Node's heap flags (config_flags.c) as the config_*.c
 * files and the CLI share them; not a public header.
 *
 * A cfg_flags holds a list of flags as read (later ones win); applying it
 * to a gc_config is one configuration layer.  Errors are written as
 * "'--flag=value': found ..., expected ..." without a location; callers
 * prefix where the flags came from.
 */
#ifndef GCLAB_CONFIG_FLAGS_H
#define GCLAB_CONFIG_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_internal.h"

typedef struct cfg_flags {
  gc_node_heap_input in;     /* the sizing flags and --physical-memory */
  int incremental;           /* --[no-]incremental-marking: 1, 0, or -1 not given */
  int always_promote;        /* --[no-]always-promote-young-mc */
  int64_t growth_factor;     /* --semi-space-growth-factor, -1 not given */
  int64_t heapsnapshots;     /* --heapsnapshot-near-heap-limit, -1 not given */
  uint64_t new_space_kb;     /* --max-new-space-size (V8 3.x) */
  bool new_space_set;
  uint64_t gc_interval;      /* --gc-interval: allocations between GCs, 0 = off */
  bool gc_interval_set;
  bool trace_gc, trace_gc_nvp, node_options_env;
  char notes[1024];          /* one "--flag: accepted, no effect ..." line per flag */
} cfg_flags;

void cfg_flags_init(cfg_flags *f);
/* Read one "--flag[=value]".  from_env: refuse what Node 20 refuses in
 * NODE_OPTIONS, with Node's message. */
int cfg_flags_parse_one(cfg_flags *f, const char *arg, bool from_env, char *err, size_t errlen);
int cfg_flags_parse_words(cfg_flags *f, char **words, size_t n, bool from_env, char *err,
                          size_t errlen);
/* A string of flags, split as Node splits NODE_OPTIONS. */
int cfg_flags_parse_string(cfg_flags *f, const char *s, char *err, size_t errlen);
/* The NODE_OPTIONS environment variable, as Node 20 reads it; messages
 * start "NODE_OPTIONS: ". */
int cfg_flags_read_env(cfg_flags *f, char *err, size_t errlen);
/* Node's NODE_OPTIONS word splitting; `what` names the text in messages
 * ("invalid value for NODE_OPTIONS (unterminated string)").  *words is
 * malloc'd; free with cfg_free_words. */
int cfg_split_node_options(const char *s, const char *what, char ***words, size_t *n, char *err,
                           size_t errlen);
void cfg_free_words(char **words, size_t n);

/* Apply the flags to *cfg as one layer: keys marked in explicit_keys (those
 * the same layer writes itself; may be NULL) are left alone.  Origins are
 * noted as `where`.  *cfg is unchanged on failure. */
int cfg_flags_apply(const cfg_flags *f, gc_config *cfg, const bool *explicit_keys,
                    cfg_origins *o, const char *where, char *err, size_t errlen);

/* The table index of a flag gclab understands ("--max_old_space_size=1",
 * "--no-incremental-marking"), or -1. */
int cfg_flag_index(const char *arg);
/* "--max-old-space-size" for "--max-old-spce-size", or NULL if nothing is
 * close (a string of the flag table). */
const char *cfg_flag_suggest(const char *arg);
/* The i-th flag's name without "--", NULL past the last (for the docs test). */
const char *cfg_flag_name(size_t i);

/* Node's v8.getHeapStatistics().heap_size_limit for a configuration:
 * 3 x new_space.semi_space.max + old_space.max_size (Heap::MaxReserved). */
uint64_t cfg_heap_size_limit(const gc_config *cfg);

/*
 * The Node keys of one layer (config_node.c): `flags` (a string of flags),
 * `physical_memory` (a size) and `node_options_env` (a boolean), gathered
 * while the layer is read and applied together at its end.
 */
typedef struct cfg_node_layer {
  char *flags;       /* malloc'd */
  uint64_t physical; /* 0 = not given */
  int env;           /* node_options_env: 1, 0, or -1 not given */
  char where[CFG_WHERE_MAX];
} cfg_node_layer;

/* 0, 1, 2 for flags, physical_memory, node_options_env; -1 otherwise. */
int cfg_node_key(const char *name, size_t len);
const char *cfg_node_key_name(size_t i);
void cfg_node_layer_init(cfg_node_layer *l, const char *where);
void cfg_node_layer_free(cfg_node_layer *l);
/* Check and keep one Node key's value ("found ..., expected ..." on error). */
int cfg_node_note(cfg_node_layer *l, int which, const char *value, size_t len, char *err,
                  size_t errlen);
/* Apply the layer's Node keys; keys in explicit_keys are left alone. */
int cfg_node_layer_apply(cfg_node_layer *l, gc_config *cfg, const bool *explicit_keys,
                         cfg_origins *o, char *err, size_t errlen);
/* A Node key set on its own (--set flags=..., set_kv): messages "WHO: ...". */
int cfg_node_assign(gc_config *cfg, int which, const char *value, size_t len, const char *who,
                    cfg_origins *o, char *err, size_t errlen);

#endif /* GCLAB_CONFIG_FLAGS_H */
