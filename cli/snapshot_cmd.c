/*
 * snapshot_cmd.c -- `gclab snapshot`: leak hunting on .heapsnapshot files
 * (Node's, Chrome's or gclab's; plain or gzipped) from the shell.
 *
 *   gclab snapshot summary FILE [--top N] [--json]
 *   gclab snapshot path FILE (--name NAME | --id ID) [--json]
 *   gclab snapshot diff A B [--top N] [--json]
 *   gclab snapshot leaks BASE TARGET FINAL [--top N] [--json]
 *
 * Files are read by bindings/snapshot_read.c, analysed by the engine
 * (gclab_snapshot.h); this file parses arguments and prints: readable
 * tables by default, JSON through libyajl's generator with --json.
 * Output is deterministic: rows come in the engine's documented order.
 * Exit status: 0 ok, 1 a file could not be read or what was asked for is
 * not in it, 2 usage error.  docs/leaks.md documents the command.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "snapshot_cmd.h"
#include "snapshot_file.h"

#define PATH_CAP 256 /* steps of a printed retaining path */

static const char usage[] =
    "usage: gclab snapshot COMMAND FILES... [OPTIONS]\n"
    "\n"
    "  summary FILE [--top N]            objects by class: count, shallow and\n"
    "                                    retained size (DevTools' Summary view)\n"
    "  path FILE --name NAME | --id ID   the shortest retaining path from the\n"
    "                                    roots, and the direct retainers\n"
    "  diff A B [--top N]                what B has that A had not, by class\n"
    "                                    (DevTools' Comparison view, by id)\n"
    "  leaks BASE TARGET FINAL [--top N] objects new in TARGET still alive in\n"
    "                                    FINAL, by class, with a retaining path\n"
    "                                    (memlab's leak filter)\n"
    "\n"
    "options: --top N (rows shown, default 20; 0 = all), --json (machine output)\n"
    "FILE may be gzip-compressed (.heapsnapshot.gz).  docs: docs/leaks.md\n";

typedef struct opts {
  const char *files[3];
  int nfiles;
  size_t top;
  bool json;
  const char *name;
  uint64_t id;
  bool have_id;
} opts;

static int usage_error(const char *fmt, const char *arg) {
  fputs("gclab snapshot: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\n\n", stderr);
  fputs(usage, stderr);
  return 2;
}

static bool parse_count(const char *s, uint64_t *out) {
  /* decimal digits only: strtoull alone also takes " 9", "+9" and "-9" */
  if (!s || !isdigit((unsigned char)s[0])) return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end || errno || s[0] == '-') return false;
  *out = v;
  return true;
}

/* Options anywhere after the subcommand; the rest are files. */
static int parse(int argc, char **argv, int want_files, opts *o) {
  memset(o, 0, sizeof *o);
  o->top = 20;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (strcmp(a, "--top") == 0 || strcmp(a, "--id") == 0 || strcmp(a, "--name") == 0 ||
               strncmp(a, "--top=", 6) == 0 || strncmp(a, "--id=", 5) == 0 || strncmp(a, "--name=", 7) == 0) {
      const char *v = strchr(a, '='); /* --top=N as --top N */
      if (v) {
        v++;
      } else if (i + 1 >= argc) {
        return usage_error("%s needs a value", a);
      } else {
        v = argv[++i];
      }
      uint64_t n;
      if (a[2] == 'n') {
        o->name = v;
      } else if (!parse_count(v, &n)) {
        return usage_error(a[2] == 't' ? "--top wants a count, not '%s'" : "--id wants an id, not '%s'", v);
      } else if (a[2] == 't') {
        o->top = (size_t)n;
      } else {
        o->id = n;
        o->have_id = true;
      }
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return -1; /* done: exit 0 */
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else {
      if (o->nfiles == want_files) return usage_error("unexpected argument '%s'", a);
      o->files[o->nfiles++] = a;
    }
  }
  if (o->nfiles < want_files) return usage_error("%s", want_files == 1 ? "needs a FILE" : "needs more FILEs");
  return 0;
}

static gc_snapshot *load(const char *path) {
  char err[512];
  gc_snapshot *s = snapfile_read(path, err, sizeof err);
  if (!s) fprintf(stderr, "gclab snapshot: %s\n", err);
  else if (gc_snapshot_analyze(s) != GC_OK) {
    fprintf(stderr, "gclab snapshot: %s: out of memory analysing it\n", path);
    gc_snapshot_free(s);
    s = NULL;
  }
  return s;
}

/* ------------------------------------------------------------------- JSON */

static void json_print(void *ud, const char *s, size_t n) { fwrite(s, 1, n, (FILE *)ud); }

static yajl_gen json_open(void) {
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return NULL;
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "  ");
  yajl_gen_config(g, yajl_gen_print_callback, json_print, stdout);
  yajl_gen_map_open(g);
  return g;
}

static void json_close(yajl_gen g) {
  yajl_gen_map_close(g);
  yajl_gen_free(g);
}

static void jkey(yajl_gen g, const char *k) { yajl_gen_string(g, (const unsigned char *)k, strlen(k)); }
static void jstr(yajl_gen g, const char *k, const char *v, size_t len) {
  jkey(g, k);
  yajl_gen_string(g, (const unsigned char *)v, len);
}
static void jint(yajl_gen g, const char *k, long long v) {
  jkey(g, k);
  yajl_gen_integer(g, v);
}

/* The fields every node in JSON output has. */
static void json_node_fields(yajl_gen g, const gc_snapshot *s, uint32_t i) {
  const gc_snap_node *n = &gc_snapshot_nodes(s)[i];
  size_t len;
  const char *name = gc_snapshot_string(s, n->name, &len);
  jint(g, "id", (long long)n->id);
  jstr(g, "name", name, len);
  const char *type = gc_snap_node_type_name((gc_snap_node_type)n->type);
  jstr(g, "type", type, strlen(type));
  jint(g, "self_size", (long long)n->self_size);
  jint(g, "retained_size", (long long)gc_snapshot_retained(s, i));
  uint32_t d = gc_snapshot_distance(s, i);
  jkey(g, "distance");
  if (d == GC_SNAP_NONE) yajl_gen_null(g);
  else yajl_gen_integer(g, d);
}

static void json_edge_name(yajl_gen g, const gc_snapshot *s, const gc_snap_edge *e) {
  const char *type = gc_snap_edge_type_name((gc_snap_edge_type)e->type);
  jstr(g, "edge_type", type, strlen(type));
  jkey(g, "edge");
  if (gc_snap_edge_is_indexed(e->type)) {
    yajl_gen_integer(g, e->name_or_index);
  } else {
    size_t len;
    const char *n = gc_snapshot_string(s, e->name_or_index, &len);
    yajl_gen_string(g, (const unsigned char *)n, len);
  }
}

/* -------------------------------------------------------------- text bits */

static double pct(uint64_t part, uint64_t whole) {
  return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* A name fit for one table cell: control characters shown as '?', long
 * names cut with "...". */
static const char *cell(const char *name, char *buf, size_t cap) {
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < cap; p++) buf[n++] = (unsigned char)*p < 32 ? '?' : *p;
  buf[n] = '\0';
  if (name[n] && cap > 4) memcpy(buf + cap - 4, "...", 4);
  return buf;
}

static void print_edge(const gc_snapshot *s, const gc_snap_edge *e) {
  char buf[64];
  const char *type = gc_snap_edge_type_name((gc_snap_edge_type)e->type);
  if (gc_snap_edge_is_indexed(e->type)) printf("%s[%u]", type, e->name_or_index);
  else printf("%s \"%s\"", type, cell(gc_snapshot_string(s, e->name_or_index, NULL), buf, sizeof buf));
}

static void print_node(const gc_snapshot *s, uint32_t i) {
  char buf[64];
  const gc_snap_node *n = &gc_snapshot_nodes(s)[i];
  const char *name = gc_snapshot_node_name(s, i);
  if (i == 0 && !*name) name = "(root)"; /* V8's root is nameless */
  printf("%s (%s) @%llu  self %llu  retained %llu", cell(name, buf, sizeof buf),
         gc_snap_node_type_name((gc_snap_node_type)n->type), (unsigned long long)n->id,
         (unsigned long long)n->self_size, (unsigned long long)gc_snapshot_retained(s, i));
}

/* The retaining path of node i, root first: text lines or a JSON array. */
static void emit_path(const gc_snapshot *s, uint32_t i, yajl_gen g, const char *indent) {
  uint32_t edges[PATH_CAP];
  uint32_t len = gc_snapshot_path(s, i, edges, PATH_CAP);
  const gc_snap_edge *e = gc_snapshot_edges(s);
  if (g) {
    jkey(g, "path");
    if (len == GC_SNAP_NONE) {
      yajl_gen_null(g);
      return;
    }
    yajl_gen_array_open(g);
    for (uint32_t k = 0; k < len && k < PATH_CAP; k++) {
      yajl_gen_map_open(g);
      json_edge_name(g, s, &e[edges[k]]);
      jkey(g, "to");
      yajl_gen_map_open(g);
      json_node_fields(g, s, e[edges[k]].to);
      yajl_gen_map_close(g);
      yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    return;
  }
  if (len == GC_SNAP_NONE) {
    printf("%s(not reachable from the roots)\n", indent);
    return;
  }
  printf("%s", indent);
  print_node(s, 0);
  printf("\n");
  for (uint32_t k = 0; k < len && k < PATH_CAP; k++) {
    printf("%s  --", indent);
    print_edge(s, &e[edges[k]]);
    printf("--> ");
    print_node(s, e[edges[k]].to);
    printf("\n");
  }
  if (len > PATH_CAP) printf("%s  ... %u more steps\n", indent, len - PATH_CAP);
}

static size_t shown(size_t n, size_t top) { return top && top < n ? top : n; }

/* -------------------------------------------------------------- commands */

static void header_json(yajl_gen g, const char *key, const char *file, const gc_snapshot *s) {
  jkey(g, key);
  yajl_gen_map_open(g);
  jstr(g, "file", file, strlen(file));
  jint(g, "nodes", (long long)gc_snapshot_node_count(s));
  jint(g, "edges", (long long)gc_snapshot_edge_count(s));
  jint(g, "total_size", (long long)gc_snapshot_total_size(s));
  yajl_gen_map_close(g);
}

static void header_text(const char *file, const gc_snapshot *s) {
  printf("%s: %zu nodes, %zu edges, %llu bytes\n", file, gc_snapshot_node_count(s),
         gc_snapshot_edge_count(s), (unsigned long long)gc_snapshot_total_size(s));
}

static void summary_rows(const gc_snapshot *s, const gc_snap_summary_row *rows, size_t n, size_t top,
                         yajl_gen g, bool with_path) {
  uint64_t total = gc_snapshot_total_size(s);
  size_t k = shown(n, top);
  if (g) {
    jkey(g, "rows");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < k; i++) {
      yajl_gen_map_open(g);
      jstr(g, "name", rows[i].name, strlen(rows[i].name));
      jint(g, "count", (long long)rows[i].count);
      jint(g, "shallow_size", (long long)rows[i].shallow);
      jint(g, "retained_size", (long long)rows[i].retained);
      jint(g, "largest_id", (long long)gc_snapshot_nodes(s)[rows[i].node].id);
      if (with_path) emit_path(s, rows[i].node, g, "");
      yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    return;
  }
  printf("%-40s %9s %12s %6s %12s %6s\n", "class", "count", "shallow", "%", "retained", "%");
  char buf[41];
  for (size_t i = 0; i < k; i++) {
    printf("%-40s %9llu %12llu %5.1f%% %12llu %5.1f%%\n", cell(rows[i].name, buf, sizeof buf),
           (unsigned long long)rows[i].count, (unsigned long long)rows[i].shallow,
           pct(rows[i].shallow, total), (unsigned long long)rows[i].retained,
           pct(rows[i].retained, total));
    if (with_path) {
      printf("  retained through (id @%llu):\n", (unsigned long long)gc_snapshot_nodes(s)[rows[i].node].id);
      emit_path(s, rows[i].node, NULL, "    ");
    }
  }
  if (k < n) printf("(%zu more classes; --top 0 shows all)\n", n - k);
}

static int cmd_summary(const opts *o) {
  gc_snapshot *s = load(o->files[0]);
  if (!s) return 1;
  gc_snap_summary_row *rows;
  size_t n;
  if (gc_snapshot_summary(s, &rows, &n) != GC_OK) {
    gc_snapshot_free(s);
    fputs("gclab snapshot: out of memory\n", stderr);
    return 1;
  }
  yajl_gen g = o->json ? json_open() : NULL;
  if (g) header_json(g, "snapshot", o->files[0], s);
  else header_text(o->files[0], s);
  summary_rows(s, rows, n, o->top, g, false);
  if (g) json_close(g);
  free(rows);
  gc_snapshot_free(s);
  return 0;
}

/* The node --id or --name picks: by id, or the class's largest object. */
static uint32_t pick_node(gc_snapshot *s, const opts *o) {
  if (o->have_id) return gc_snapshot_find_id(s, o->id);
  gc_snap_summary_row *rows;
  size_t n;
  uint32_t found = GC_SNAP_NONE;
  if (gc_snapshot_summary(s, &rows, &n) != GC_OK) return GC_SNAP_NONE;
  for (size_t i = 0; i < n && found == GC_SNAP_NONE; i++)
    if (strcmp(rows[i].name, o->name) == 0) found = rows[i].node;
  free(rows);
  return found;
}

static int cmd_path(const opts *o) {
  if (!o->have_id == !o->name) return usage_error("%s", "path wants one of --name NAME or --id ID");
  gc_snapshot *s = load(o->files[0]);
  if (!s) return 1;
  uint32_t node = pick_node(s, o);
  if (node == GC_SNAP_NONE) {
    if (o->have_id) fprintf(stderr, "gclab snapshot: %s: no node has id %llu\n", o->files[0], (unsigned long long)o->id);
    else fprintf(stderr, "gclab snapshot: %s: no object of class '%s'\n", o->files[0], o->name);
    gc_snapshot_free(s);
    return 1;
  }
  const uint32_t *ret;
  size_t nret = gc_snapshot_retainers(s, node, &ret);
  const gc_snap_edge *e = gc_snapshot_edges(s);
  yajl_gen g = o->json ? json_open() : NULL;
  if (g) {
    header_json(g, "snapshot", o->files[0], s);
    jkey(g, "node");
    yajl_gen_map_open(g);
    json_node_fields(g, s, node);
    yajl_gen_map_close(g);
    emit_path(s, node, g, "");
    jkey(g, "retainers");
    yajl_gen_array_open(g);
    for (size_t k = 0; k < nret; k++) {
      yajl_gen_map_open(g);
      json_edge_name(g, s, &e[ret[k]]);
      jkey(g, "from");
      yajl_gen_map_open(g);
      json_node_fields(g, s, gc_snapshot_edge_from(s, ret[k]));
      yajl_gen_map_close(g);
      yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    json_close(g);
  } else {
    header_text(o->files[0], s);
    printf("node: ");
    print_node(s, node);
    printf("\nshortest retaining path from the root:\n");
    emit_path(s, node, NULL, "  ");
    printf("retainers (%zu):\n", nret);
    for (size_t k = 0; k < nret; k++) {
      printf("  ");
      print_node(s, gc_snapshot_edge_from(s, ret[k]));
      printf("  --");
      print_edge(s, &e[ret[k]]);
      printf("-->\n");
    }
  }
  gc_snapshot_free(s);
  return 0;
}

static int cmd_diff(const opts *o) {
  gc_snapshot *a = load(o->files[0]), *b = a ? load(o->files[1]) : NULL;
  if (!b) {
    gc_snapshot_free(a);
    return 1;
  }
  gc_snap_diff_row *rows;
  size_t n;
  int rc = 0;
  if (gc_snapshot_diff(a, b, &rows, &n) != GC_OK) {
    fputs("gclab snapshot: out of memory\n", stderr);
    rc = 1;
  } else if (o->json) {
    yajl_gen g = json_open();
    header_json(g, "base", o->files[0], a);
    header_json(g, "snapshot", o->files[1], b);
    jkey(g, "rows");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < shown(n, o->top); i++) {
      yajl_gen_map_open(g);
      jstr(g, "name", rows[i].name, strlen(rows[i].name));
      jint(g, "new", (long long)rows[i].new_count);
      jint(g, "deleted", (long long)rows[i].deleted_count);
      jint(g, "delta", rows[i].delta_count);
      jint(g, "alloc_size", (long long)rows[i].alloc_size);
      jint(g, "freed_size", (long long)rows[i].freed_size);
      jint(g, "size_delta", rows[i].size_delta);
      yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    json_close(g);
  } else {
    printf("base ");
    header_text(o->files[0], a);
    printf("new  ");
    header_text(o->files[1], b);
    printf("%-40s %8s %8s %8s %12s %12s %12s\n", "class", "# new", "# deleted", "# delta",
           "alloc size", "freed size", "size delta");
    char buf[41];
    size_t k = shown(n, o->top);
    for (size_t i = 0; i < k; i++)
      printf("%-40s %8llu %8llu %+8lld %12llu %12llu %+12lld\n", cell(rows[i].name, buf, sizeof buf),
             (unsigned long long)rows[i].new_count, (unsigned long long)rows[i].deleted_count,
             (long long)rows[i].delta_count, (unsigned long long)rows[i].alloc_size,
             (unsigned long long)rows[i].freed_size, (long long)rows[i].size_delta);
    if (k < n) printf("(%zu more classes; --top 0 shows all)\n", n - k);
  }
  if (rc == 0) free(rows);
  gc_snapshot_free(a);
  gc_snapshot_free(b);
  return rc;
}

static int cmd_leaks(const opts *o) {
  gc_snapshot *s[3] = {NULL, NULL, NULL};
  int rc = 0;
  for (int i = 0; i < 3 && rc == 0; i++)
    if (!(s[i] = load(o->files[i]))) rc = 1;
  gc_snap_summary_row *rows = NULL;
  size_t n = 0;
  if (rc == 0 && gc_snapshot_find_leaks(s[0], s[1], s[2], &rows, &n) != GC_OK) {
    fputs("gclab snapshot: out of memory\n", stderr);
    rc = 1;
  }
  if (rc == 0) {
    yajl_gen g = o->json ? json_open() : NULL;
    if (g) {
      header_json(g, "base", o->files[0], s[0]);
      header_json(g, "target", o->files[1], s[1]);
      header_json(g, "final", o->files[2], s[2]);
    } else {
      uint64_t count = 0, bytes = 0;
      for (size_t i = 0; i < n; i++) count += rows[i].count, bytes += rows[i].retained;
      printf("objects allocated after %s, present in %s, still alive in %s:\n", o->files[0],
             o->files[1], o->files[2]);
      printf("%llu objects in %zu classes, retaining %llu bytes in the final snapshot\n",
             (unsigned long long)count, n, (unsigned long long)bytes);
    }
    summary_rows(s[2], rows, n, o->top, g, true);
    if (g) json_close(g);
  }
  free(rows);
  for (int i = 0; i < 3; i++) gc_snapshot_free(s[i]);
  return rc;
}

int gclab_snapshot_main(int argc, char **argv) {
  if (argc < 1) return usage_error("%s", "expected a command: summary, path, diff or leaks");
  if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  static const struct {
    const char *name;
    int files;
    int (*run)(const opts *);
  } cmds[] = {{"summary", 1, cmd_summary}, {"path", 1, cmd_path}, {"diff", 2, cmd_diff}, {"leaks", 3, cmd_leaks}};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
    if (strcmp(argv[0], cmds[i].name) != 0) continue;
    opts o;
    int rc = parse(argc - 1, argv + 1, cmds[i].files, &o);
    if (rc < 0) return 0; /* --help */
    if (rc) return rc;
    if (cmds[i].run != cmd_path && (o.name || o.have_id))
      return usage_error("%s takes no --name or --id", cmds[i].name);
    rc = cmds[i].run(&o);
    if (fflush(stdout) != 0) {
      fprintf(stderr, "gclab snapshot: writing the output: %s\n", strerror(errno));
      return 1;
    }
    return rc;
  }
  return usage_error("unknown command '%s'", argv[0]);
}
