/*
 * config_cli.c -- `gclab config`: print the effective configuration.
 *
 * Layers, later ones winning: the built-in default (Node 20), each
 * --config FILE in command-line order, Node's heap flags as one layer
 * (--physical-memory=SIZE, NODE_OPTIONS with --node-options-env, then
 * --max-old-space-size=N and the rest: config_flags.c), then each --set
 * KEY=VALUE in order.
 * Validation runs once, on the result, so a file and an override may pass
 * through states that are invalid on their own; a broken relation is
 * reported at the file line or --set that last set a key it names.
 */
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "config_flags.h"
#include "gclab_config.h"

static const char usage_line[] =
    "usage: gclab config [--config FILE]... [HEAP-FLAG]... [--set KEY=VALUE]...\n";
static const char help[] =
    "\n"
    "Print the effective heap configuration as YAML: the built-in default\n"
    "(Node 20), then each --config FILE in order, then each --set in order;\n"
    "the result is validated once, at the end, and loads back unchanged.\n"
    "\n"
    "  --config FILE     load a YAML profile over the layers before it\n"
    "                    (e.g. configs/tiny.yaml); also --config=FILE\n"
    "  --set KEY=VALUE   override one key (e.g. new_space.semi_space.max=4MiB);\n"
    "                    also --set=KEY=VALUE\n"
    "  --physical-memory=SIZE\n"
    "                    size the heap as Node 20 does on a machine (or\n"
    "                    container) with SIZE of memory, e.g. 512MiB, 16GiB\n"
    "  --node-options-env  read Node's heap flags from NODE_OPTIONS too\n"
    "  HEAP-FLAG         Node's heap flags as Node spells them, e.g.\n"
    "                    --max-old-space-size=64 --max-semi-space-size=1;\n"
    "                    after the files, before every --set\n"
    "  -h, --help        print this help\n"
    "\n"
    "Exit status: 0 ok, 1 output error, 2 usage or configuration error.\n"
    "Keys, units, defaults and V8 flags: docs/configuration.md.\n";

static int usage_error(FILE *err, const char *fmt, const char *arg) {
  fprintf(err, "gclab config: ");
  fprintf(err, fmt, arg);
  fprintf(err, "\n%s", usage_line);
  return 2;
}

/* "--config FILE" or "--config=FILE": the value, or NULL if `a` is not `opt`. */
static const char *option_value(const char *opt, int argc, char **argv, int *i, bool *missing) {
  size_t n = strlen(opt);
  const char *a = argv[*i];
  if (strncmp(a, opt, n) != 0) return NULL;
  if (a[n] == '=') return a + n + 1;
  if (a[n] != '\0') return NULL;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

/* The flags layer; prints the no-effect notes on err. */
static int apply_flags(int nflags, const char **flags, gc_config *cfg, cfg_origins *o,
                       char *msg, size_t msglen, FILE *err) {
  cfg_flags f, probe;
  cfg_flags_init(&f);
  cfg_flags_init(&probe);
  if (cfg_flags_parse_words(&probe, (char **)flags, (size_t)nflags, false, msg, msglen)) return -1;
  /* NODE_OPTIONS first, then the command line's flags, as Node reads them. */
  if (probe.node_options_env && cfg_flags_read_env(&f, msg, msglen)) return -1;
  if (cfg_flags_parse_words(&f, (char **)flags, (size_t)nflags, false, msg, msglen)) return -1;
  if (f.trace_gc || f.trace_gc_nvp || f.gc_interval_set)
    snprintf(f.notes + strlen(f.notes), sizeof f.notes - strlen(f.notes),
             "--trace-gc, --trace-gc-nvp, --gc-interval: no effect on a configuration "
             "(gclab run takes them)\n");
  for (const char *line = f.notes; *line;) {
    size_t n = strcspn(line, "\n");
    fprintf(err, "gclab config: %.*s\n", (int)n, line);
    line += n + (line[n] == '\n');
  }
  /* a broken relation is reported at the flags, as written */
  char where[CFG_WHERE_MAX];
  size_t w = 0;
  where[0] = '\0';
  for (int i = 0; i < nflags && w + 1 < sizeof where; i++)
    w += (size_t)snprintf(where + w, sizeof where - w, "%s%s", i ? " " : "", flags[i]);
  cfg_origin_layer(o);
  return cfg_flags_apply(&f, cfg, NULL, o, where, msg, msglen);
}

static int run(int nfiles, const char **files, int nflags, const char **flags, int nsets,
               const char **sets, FILE *out, FILE *err) {
  char msg[1024];
  gc_config cfg;
  gc_config_default(&cfg);
  cfg_origins *o = calloc(1, sizeof *o);
  if (!o) {
    fprintf(err, "gclab config: out of memory\n");
    return 1;
  }
  int rc = 0;
  for (int i = 0; i < nfiles && rc == 0; i++) {
    size_t len = 0;
    char *text = cfg_read_file(files[i], &len, msg, sizeof msg);
    rc = text ? cfg_load_text(files[i], text, len, &cfg, o, msg, sizeof msg) : -1;
    free(text);
  }
  if (rc == 0 && nflags) rc = apply_flags(nflags, flags, &cfg, o, msg, sizeof msg, err);
  for (int i = 0; i < nsets && rc == 0; i++) {
    size_t keylen;
    const char *value;
    rc = cfg_split(sets[i], &keylen, &value, msg, sizeof msg);
    if (rc == 0)
      rc = cfg_assign(&cfg, sets[i], keylen, value, strlen(value), true, o, msg, sizeof msg);
  }
  if (rc == 0) cfg_follow_derived(&cfg, o);
  if (rc == 0) rc = cfg_validate_with_origins(&cfg, o, msg, sizeof msg);
  free(o);
  if (rc) {
    /* which program says it, as every other message of the command does */
    fprintf(err, "gclab config: %s\n", msg);
    return 2;
  }
  char *yaml = gclab_config_to_yaml(&cfg);
  if (!yaml) {
    fprintf(err, "gclab config: out of memory\n");
    return 1;
  }
  if (nflags) {
    uint64_t limit = cfg_heap_size_limit(&cfg);
    fprintf(out,
            "# Node's v8.getHeapStatistics().heap_size_limit for this configuration:\n"
            "# 3 x new_space.semi_space.max + old_space.max_size = %" PRIu64 " bytes (%.2f MiB)\n",
            limit, (double)limit / (1024.0 * 1024.0));
  }
  fputs(yaml, out);
  free(yaml);
  if (fflush(out) != 0 || ferror(out)) {
    fprintf(err, "gclab config: cannot write the configuration\n");
    return 1;
  }
  return 0;
}

int gclab_config_main(int argc, char **argv, FILE *out, FILE *err) {
  if (!out) out = stdout;
  if (!err) err = stderr;
  if (argc < 1 || !argv) argc = 1;
  const char **files = calloc((size_t)argc, sizeof *files);
  const char **sets = calloc((size_t)argc, sizeof *sets);
  const char **flags = calloc((size_t)argc, sizeof *flags);
  int nfiles = 0, nsets = 0, nflags = 0, rc = -1;
  if (!files || !sets || !flags) {
    fprintf(err, "gclab config: out of memory\n");
    rc = 1;
  }
  for (int i = 1; i < argc && rc < 0; i++) {
    const char *a = argv[i], *v;
    bool missing = false;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fprintf(out, "%s%s", usage_line, help);
      rc = fflush(out) == 0 && !ferror(out) ? 0 : 1;
    } else if ((v = option_value("--config", argc, argv, &i, &missing)) || missing) {
      rc = missing || !*v ? usage_error(err, "%s needs a FILE", "--config") : -1;
      if (rc < 0) files[nfiles++] = v;
    } else if ((v = option_value("--set", argc, argv, &i, &missing)) || missing) {
      rc = missing || !*v ? usage_error(err, "%s needs KEY=VALUE", "--set") : -1;
      if (rc < 0) sets[nsets++] = v;
    } else if (cfg_flag_index(a) >= 0) {
      flags[nflags++] = a;
    } else if (a[0] == '-') {
      const char *guess = cfg_flag_suggest(a);
      if (!guess)
        guess = cfg_distance(a, strlen(a), "--config", 8) < cfg_distance(a, strlen(a), "--set", 5)
                    ? "--config"
                    : "--set";
      char shown[CFG_QUOTE_MAX * 4 + 8];
      cfg_quote(a, strlen(a), shown, sizeof shown);
      fprintf(err, "gclab config: unknown option %s (did you mean %s?)\n%s", shown, guess,
              usage_line);
      rc = 2;
    } else {
      char shown[CFG_QUOTE_MAX * 4 + 8];
      cfg_quote(a, strlen(a), shown, sizeof shown);
      rc = usage_error(err, "unexpected argument %s (files are given with --config FILE)",
                       shown);
    }
  }
  if (rc < 0) rc = run(nfiles, files, nflags, flags, nsets, sets, out, err);
  free(files);
  free(sets);
  free(flags);
  return rc;
}
