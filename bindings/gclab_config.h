/*
 * gclab_config.h -- heap configurations in YAML (and as KEY=VALUE overrides).
 *
 * The engine takes a plain gc_config; this layer fills one from YAML with
 * libyaml, from `--set KEY=VALUE` overrides, or from key/value pairs (the
 * Lua binding's tables), and prints one back as YAML.  The schema, units,
 * defaults and V8 flags of every key are in docs/configuration.md.
 *
 * Conventions
 *  - Functions returning int return 0 on success and -1 on error, with a
 *    message in err (err may be NULL; errlen 512 is plenty, longer messages
 *    are cut).  A failed call leaves *cfg exactly as it was.
 *  - Loading starts from *cfg's current contents (callers usually call
 *    gc_config_default first) and overwrites only the keys present, so
 *    profiles can be layered.  The result is checked with gc_config_validate.
 *  - Error messages: "FILE:LINE:COLUMN: KEY.PATH: found ..., expected ..."
 *    (lines and columns count from 1; a top-level problem names the path
 *    "(top level)"); for overrides "--set KEY: ..." (gclab_config_set) or
 *    "KEY: ..." (gclab_config_set_kv).  A relation that fails validation is
 *    reported at the key the validator names, or at another key its message
 *    mentions, whichever this input set.  Files that cannot be read give
 *    "FILE: cannot read: <reason>".
 *  - Inputs are untrusted: at most 1 MiB, UTF-8, one document, no anchors,
 *    aliases or tags; nesting deeper than the schema is a type error.
 */
#ifndef GCLAB_CONFIG_H
#define GCLAB_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "gclab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Load a YAML file / text over *cfg and validate the result.  `name` is
 * used in messages (NULL: "<string>"); text need not be NUL-terminated.
 * An empty file (or one holding only comments) is an error: write `{}`
 * for "all defaults". */
int gclab_config_load_file(const char *path, gc_config *cfg, char *err, size_t errlen);
int gclab_config_load_string(const char *text, size_t len, const char *name, gc_config *cfg,
                             char *err, size_t errlen);

/* Apply one override "new_space.semi_space.max=4MiB" (spaces around the key
 * and value are ignored; the value is split at the first '=') and validate
 * the whole config.  Values are written as in YAML files. */
int gclab_config_set(gc_config *cfg, const char *assignment, char *err, size_t errlen);
/* The same with key and value apart (the Lua binding applies a table). */
int gclab_config_set_kv(gc_config *cfg, const char *key, const char *value, char *err,
                        size_t errlen);

/* Applying many overrides: one at a time, a valid target may pass through
 * an invalid state (raise semi_space.initial above the old max before
 * raising max).  These two check each key and value but not the relations
 * between keys; call gc_config_validate(cfg, ...) once after the last one.
 *   gc_config_default(&c);
 *   for each (k, v): if (gclab_config_set_kv_novalidate(&c, k, v, err, n)) fail;
 *   if (gc_config_validate(&c, err, n) != GC_OK) fail;
 */
int gclab_config_set_novalidate(gc_config *cfg, const char *assignment, char *err,
                                size_t errlen);
int gclab_config_set_kv_novalidate(gc_config *cfg, const char *key, const char *value,
                                   char *err, size_t errlen);

/* Apply a whole layer of key/value pairs without validating (the Lua
 * binding's table): the Node keys `flags`, `physical_memory` and
 * `node_options_env` first, together, leaving alone the keys the same layer
 * names, then every other key in order.  Messages start "KEY: ". */
int gclab_config_set_layer_novalidate(gc_config *cfg, const char *const *keys,
                                      const char *const *values, size_t n, char *err,
                                      size_t errlen);

/* End a configuration built with the *_novalidate calls: defaults that
 * depend on another key follow it (old_space.compaction.quota follows
 * old_space.max_size unless it differs from the built-in default), then
 * gc_config_validate.  *cfg is unchanged on failure. */
int gclab_config_finish(gc_config *cfg, char *err, size_t errlen);

/*
 * Node's heap flags among a command's arguments (`gclab run`, `gclab lua`;
 * docs/configuration.md, "Node's flags").  Removes every flag gclab knows
 * (--max-old-space-size=N, --max_semi_space_size=N, --expose-gc, ...,
 * --physical-memory=SIZE, --node-options-env) from argv[0 .. *argc),
 * stopping at "--" and, with stop_at_operand, at the first argument that
 * is not an option.  --trace-gc and --trace-gc-nvp stay in argv (in their
 * dash spelling) when keep_trace, else they are reported as having no
 * effect.  No-effect flags are reported on err as "PROG: --expose-gc:
 * accepted, no effect ...".  An unknown option that is close to a heap
 * flag is an error that suggests it.  Returns 0, or 2 after printing
 * "PROG: message" on err.
 */
typedef struct gclab_cli_flags {
  char *set;               /* malloc'd "flags=..." (one --set layer), or NULL */
  long long gc_interval;   /* --gc-interval: -1 not given, 0 off, else N */
} gclab_cli_flags;
int gclab_cli_flags_extract(const char *prog, int *argc, char **argv, int stop_at_operand,
                            int keep_trace, gclab_cli_flags *out, FILE *err);
void gclab_cli_flags_free(gclab_cli_flags *f);

/* The value of one key as text that loads back ("16MiB", "age_mark",
 * "1.1", "auto", "25%", "true").  -1 for an unknown key or a section. */
int gclab_config_get(const gc_config *cfg, const char *key, char *buf, size_t buflen,
                     char *err, size_t errlen);

/* The full key paths, in file order: gclab_config_key(0) is "page_size";
 * NULL past the last.  Sections are not listed. */
const char *gclab_config_key(size_t index);

/* A malloc'd YAML document holding every key (defaults resolved); loading
 * it over any config gives a struct equal to cfg.  NULL if out of memory.
 * The caller frees it. */
char *gclab_config_to_yaml(const gc_config *cfg);

/* Field-by-field comparison: 1 if equal, 0 if not. */
int gclab_config_equal(const gc_config *a, const gc_config *b);

/*
 * `gclab config [--config FILE]... [HEAP-FLAG]... [--set KEY=VALUE]... [--help]`
 * argv[0] is the subcommand's own name ("config") and is skipped, as a
 * dispatcher passes (argc - 1, argv + 1) of main.  Starts from the built-in
 * default (Node 20), loads each --config FILE in order, then Node's heap
 * flags as one layer (--physical-memory=SIZE, NODE_OPTIONS with
 * --node-options-env, --max-old-space-size=N ...), then applies each
 * --set in order (so overrides win over files whatever their position), and
 * validates once at the end.  Prints the effective configuration as YAML on
 * out.  Options may also be written --config=FILE and --set=KEY=VALUE.
 * Returns the exit status: 0 ok, 1 output could not be written or out of
 * memory, 2 usage or configuration error (message on err).
 */
int gclab_config_main(int argc, char **argv, FILE *out, FILE *err);

#ifdef __cplusplus
}
#endif
#endif /* GCLAB_CONFIG_H */
