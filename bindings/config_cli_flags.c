/*
 * config_cli_flags.c -- Node's heap flags among a command's arguments
 * (`gclab run`, `gclab lua`): taken out of argv, checked, and handed back
 * as one `flags=...` layer the command applies before its --set options.
 *
 * The flags stay text until the configuration is built (config_node.c
 * reads the `flags` key), so a command line, a --set flags=..., a YAML
 * `flags:` and a Lua `flags = ...` go through the same code; here they are
 * only checked early, so that a typo is a usage error naming the flag.
 */
#include <stdlib.h>
#include <string.h>

#include "config_flags.h"
#include "gclab_config.h"

/* Append word w to buf the way Node's NODE_OPTIONS splitter reads it back:
 * plain when it holds no space, quote or backslash, else in double quotes
 * with '"' and '\' escaped. */
static size_t put_word(char *buf, size_t o, const char *w) {
  bool plain = !strpbrk(w, " \"\\") && *w;
  if (o) buf[o++] = ' ';
  if (plain) {
    size_t n = strlen(w);
    memcpy(buf + o, w, n);
    return o + n;
  }
  buf[o++] = '"';
  for (; *w; w++) {
    if (*w == '"' || *w == '\\') buf[o++] = '\\';
    buf[o++] = *w;
  }
  buf[o++] = '"';
  return o;
}

static int usage(FILE *err, const char *prog, const char *msg) {
  fprintf(err, "%s: %s\n", prog, msg);
  return 2;
}

int gclab_cli_flags_extract(const char *prog, int *argc, char **argv, int stop_at_operand,
                            int keep_trace, gclab_cli_flags *out, FILE *err) {
  out->set = NULL;
  out->gc_interval = -1;
  if (!err) err = stderr;
  int n = *argc, w = 0, nwords = 0;
  char **words = calloc((size_t)n + 1, sizeof *words);
  if (!words) return usage(err, prog, "out of memory");
  bool stop = false;
  size_t total = 8;
  int trace = cfg_flag_index("--trace-gc"), trace_nvp = cfg_flag_index("--trace-gc-nvp");
  for (int i = 0; i < n; i++) {
    char *a = argv[i];
    int idx = stop ? -1 : cfg_flag_index(a);
    if (!stop && (strcmp(a, "--") == 0 || (stop_at_operand && a[0] != '-'))) stop = true;
    /* --trace-gc[-nvp] stays for gclab run; a negated one or one with a
     * value (an error: a boolean flag) goes through the flag parser */
    if (idx >= 0 && keep_trace && (idx == trace || idx == trace_nvp) && strncmp(a + 2, "no", 2) != 0 &&
        !strchr(a, '=')) {
      argv[w++] = idx == trace ? "--trace-gc" : "--trace-gc-nvp";
    } else if (idx >= 0) {
      words[nwords++] = a;
      total += 2 * strlen(a) + 3;
    } else if (!stop && strncmp(a, "--", 2) == 0 && cfg_flag_suggest(a)) {
      char q[CFG_QUOTE_MAX * 4 + 8], msg[256];
      cfg_quote(a, strlen(a), q, sizeof q);
      snprintf(msg, sizeof msg, "unknown option %s (did you mean the heap flag %s?)", q,
               cfg_flag_suggest(a));
      free(words);
      return usage(err, prog, msg);
    } else {
      argv[w++] = a;
    }
  }
  *argc = w;
  if (nwords == 0) {
    free(words);
    return 0;
  }

  /* Check them now, as the configuration will read them: NODE_OPTIONS
   * first when asked for, then the command line. */
  char msg[512];
  cfg_flags f, probe;
  cfg_flags_init(&f);
  cfg_flags_init(&probe);
  int rc = cfg_flags_parse_words(&probe, words, (size_t)nwords, false, msg, sizeof msg);
  if (rc == 0 && probe.node_options_env) rc = cfg_flags_read_env(&f, msg, sizeof msg);
  if (rc == 0) rc = cfg_flags_parse_words(&f, words, (size_t)nwords, false, msg, sizeof msg);
  if (rc == 0) {
    gc_config probe_cfg;
    gc_config_default(&probe_cfg);
    rc = cfg_flags_apply(&f, &probe_cfg, NULL, NULL, "", msg, sizeof msg);
  }
  if (rc) {
    free(words);
    return usage(err, prog, msg);
  }
  if (!keep_trace && (f.trace_gc || f.trace_gc_nvp))
    snprintf(f.notes + strlen(f.notes), sizeof f.notes - strlen(f.notes),
             "--trace-gc, --trace-gc-nvp: no effect here (gclab run prints traces)\n");
  for (const char *line = f.notes; *line;) {
    size_t len = strcspn(line, "\n");
    fprintf(err, "%s: %.*s\n", prog, (int)len, line);
    line += len + (line[len] == '\n');
  }
  if (f.gc_interval_set) out->gc_interval = (long long)f.gc_interval;

  char *set = malloc(total);
  if (!set) {
    free(words);
    return usage(err, prog, "out of memory");
  }
  size_t o = 0;
  memcpy(set, "flags=", 6);
  for (int i = 0; i < nwords; i++) o = put_word(set + 6, o, words[i]);
  set[6 + o] = '\0';
  out->set = set;
  free(words);
  return 0;
}

void gclab_cli_flags_free(gclab_cli_flags *f) {
  if (!f) return;
  free(f->set);
  f->set = NULL;
}
