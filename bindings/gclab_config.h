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
 * `gclab config [--config FILE]... [--set KEY=VALUE]... [--help]`
 * argv[0] is the subcommand's own name ("config") and is skipped, as a
 * dispatcher passes (argc - 1, argv + 1) of main.  Starts from the built-in
 * default (Node 20), loads each --config FILE in order, then applies each
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
