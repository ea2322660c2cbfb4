/*
 * snapshot_summary.c -- the by-class views of snapshots: DevTools' Summary
 * (count, shallow and retained size per class), its Comparison of two
 * snapshots by id, and memlab's leak filter over three.
 *
 * A class is gc_snapshot_class_name's string; classes of two snapshots
 * match by that string.  A class's retained size counts each byte once:
 * a depth-first walk of the dominator tree adds an object's retained size
 * only when no dominator of it is counted in the same class already.
 * Synthetic nodes and the root belong to no class.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot_internal.h"

#define NONE GC_SNAP_NONE

static const char *const type_class[GC_SNODE_TYPE_COUNT] = {
    "(system)",        "(array)",         "(string)",  "(object)",     "(compiled code)",
    "(closure)",       "(regexp)",        "(number)",  "(native)",     "(synthetic)",
    "(concatenated string)", "(sliced string)", "(symbol)", "(bigint)", "(object shape)",
    "(wasm object)"};

const char *gc_snapshot_class_name(const gc_snapshot *s, uint32_t node) {
  if (node >= s->nnodes) return "";
  const gc_snap_node *n = &s->nodes[node];
  if (n->type == GC_SNODE_OBJECT || n->type == GC_SNODE_NATIVE) return s->chars + s->off[n->name];
  return type_class[n->type];
}

static bool in_class(const gc_snapshot *s, uint32_t v) {
  return v != 0 && s->nodes[v].type != GC_SNODE_SYNTHETIC;
}

/* ------------------------------------------------------------- class table */

typedef struct classes {
  const char **name;
  size_t n, cap;
  uint32_t *tab; /* FNV of the name -> class + 1 */
  size_t tab_cap;
} classes;

static uint32_t hash_str(const char *s) {
  uint32_t x = 2166136261u;
  for (; *s; s++) x = (x ^ (uint8_t)*s) * 16777619u;
  return x;
}

static bool classes_grow(classes *c) {
  size_t cap = c->tab_cap ? c->tab_cap * 2 : 256;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return false;
  for (size_t i = 0; i < c->n; i++) {
    size_t j = hash_str(c->name[i]) & (cap - 1);
    while (t[j]) j = (j + 1) & (cap - 1);
    t[j] = (uint32_t)i + 1;
  }
  free(c->tab);
  c->tab = t;
  c->tab_cap = cap;
  return true;
}

/* The class of `name`, added if new; NONE on out-of-memory. */
static uint32_t class_of(classes *c, const char *name) {
  if ((c->n + 1) * 2 > c->tab_cap && !classes_grow(c)) return NONE;
  size_t j = hash_str(name) & (c->tab_cap - 1);
  while (c->tab[j]) {
    if (strcmp(c->name[c->tab[j] - 1], name) == 0) return c->tab[j] - 1;
    j = (j + 1) & (c->tab_cap - 1);
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    const char **v = realloc(c->name, cap * sizeof *v);
    if (!v) return NONE;
    c->name = v;
    c->cap = cap;
  }
  c->name[c->n] = name;
  c->tab[j] = (uint32_t)c->n + 1;
  return (uint32_t)c->n++;
}

static void classes_free(classes *c) {
  free(c->name);
  free(c->tab);
}

/* Each node's class (NONE for the root and synthetic nodes), looking each
 * name string up once.  NULL on out-of-memory. */
static uint32_t *node_classes(const gc_snapshot *s, classes *c) {
  uint32_t *cls = malloc(s->nnodes * sizeof *cls);
  uint32_t *by_string = malloc((s->nstrings + GC_SNODE_TYPE_COUNT) * sizeof *by_string);
  bool ok = cls && by_string;
  if (ok) memset(by_string, 0xff, (s->nstrings + GC_SNODE_TYPE_COUNT) * sizeof *by_string);
  for (uint32_t v = 0; ok && v < s->nnodes; v++) {
    cls[v] = NONE;
    if (!in_class(s, v)) continue;
    const gc_snap_node *n = &s->nodes[v];
    size_t key = n->type == GC_SNODE_OBJECT || n->type == GC_SNODE_NATIVE ? n->name
                                                                           : s->nstrings + n->type;
    if (by_string[key] == NONE) by_string[key] = class_of(c, gc_snapshot_class_name(s, v));
    cls[v] = by_string[key];
    ok = cls[v] != NONE;
  }
  free(by_string);
  if (!ok) {
    free(cls);
    return NULL;
  }
  return cls;
}

/* ---------------------------------------------------------------- summary */

/* Summary rows of the nodes of s with include[v] (all classed nodes if
 * include is NULL). */
static gc_status aggregate(const gc_snapshot *s, const uint8_t *include, gc_snap_summary_row **rows,
                           size_t *nrows) {
  size_t N = s->nnodes;
  classes c = {0};
  uint32_t *cls = node_classes(s, &c);
  uint32_t *kids = malloc(N * sizeof *kids), *first = calloc(N + 1, sizeof *first);
  uint32_t *stack = malloc(N * sizeof *stack), *cursor = malloc(N * sizeof *cursor);
  uint32_t *active = calloc(c.n + 1, sizeof *active);
  gc_snap_summary_row *r = calloc(c.n + 1, sizeof *r);
  gc_status st = cls && kids && first && stack && cursor && active && r ? GC_OK : GC_ENOMEM;
  size_t n = 0;
  if (!st) {
    /* The dominator tree's children, as CSR. */
    for (uint32_t v = 1; v < N; v++) first[s->idom[v] + 1]++;
    for (size_t v = 0; v < N; v++) first[v + 1] += first[v];
    memcpy(cursor, first, N * sizeof *cursor);
    for (uint32_t v = 1; v < N; v++) kids[cursor[s->idom[v]]++] = v;
    for (size_t k = 0; k < c.n; k++) {
      r[k].name = c.name[k];
      r[k].node = NONE;
    }
    /* Depth first from the root: enter adds, exit (cursor done) releases. */
    size_t sp = 0;
    stack[sp] = 0;
    cursor[sp++] = first[0];
    while (sp) {
      uint32_t v = stack[sp - 1];
      if (cursor[sp - 1] < first[v + 1]) {
        uint32_t w = kids[cursor[sp - 1]++];
        if (cls[w] != NONE && (!include || include[w])) {
          gc_snap_summary_row *row = &r[cls[w]];
          row->count++;
          row->shallow += s->nodes[w].self_size;
          if (!active[cls[w]]) row->retained += s->retained[w];
          active[cls[w]]++;
          if (row->node == NONE || s->retained[w] > s->retained[row->node] ||
              (s->retained[w] == s->retained[row->node] && s->nodes[w].id < s->nodes[row->node].id))
            row->node = w;
        }
        stack[sp] = w;
        cursor[sp++] = first[w];
      } else {
        sp--;
        if (cls[v] != NONE && (!include || include[v])) active[cls[v]]--;
      }
    }
    for (size_t k = 0; k < c.n; k++)
      if (r[k].count) r[n++] = r[k];
  }
  free(cls);
  free(kids);
  free(first);
  free(stack);
  free(cursor);
  free(active);
  classes_free(&c);
  if (st) {
    free(r);
    return st;
  }
  *rows = r;
  *nrows = n;
  return GC_OK;
}

static int by_retained(const void *a, const void *b) {
  const gc_snap_summary_row *x = a, *y = b;
  if (x->retained != y->retained) return x->retained > y->retained ? -1 : 1;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->name, y->name);
}

gc_status gc_snapshot_summary(gc_snapshot *s, gc_snap_summary_row **rows, size_t *n) {
  *rows = NULL;
  *n = 0;
  gc_status st = gc_snapshot_analyze(s);
  if (!st) st = aggregate(s, NULL, rows, n);
  if (!st) qsort(*rows, *n, sizeof **rows, by_retained);
  return st;
}

/* ------------------------------------------------------------- comparison */

static int by_size_delta(const void *a, const void *b) {
  const gc_snap_diff_row *x = a, *y = b;
  if (x->size_delta != y->size_delta) return x->size_delta > y->size_delta ? -1 : 1;
  if (x->delta_count != y->delta_count) return x->delta_count > y->delta_count ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Count the classed nodes of `a` whose id is not in `b` into r, as new
 * (sign +1) or deleted (-1). */
static void count_missing(const gc_snapshot *a, const uint32_t *cls, const gc_snapshot *b,
                          gc_snap_diff_row *r, int sign) {
  for (uint32_t v = 0; v < a->nnodes; v++) {
    if (cls[v] == NONE || gc_snapshot_find_id(b, a->nodes[v].id) != NONE) continue;
    gc_snap_diff_row *row = &r[cls[v]];
    if (sign > 0) {
      row->new_count++;
      row->alloc_size += a->nodes[v].self_size;
    } else {
      row->deleted_count++;
      row->freed_size += a->nodes[v].self_size;
    }
  }
}

gc_status gc_snapshot_diff(const gc_snapshot *base, const gc_snapshot *s, gc_snap_diff_row **rows,
                           size_t *n) {
  *rows = NULL;
  *n = 0;
  classes c = {0};
  uint32_t *cb = node_classes(base, &c), *cs = node_classes(s, &c);
  gc_snap_diff_row *r = calloc(c.n + 1, sizeof *r);
  gc_status st = cb && cs && r ? GC_OK : GC_ENOMEM;
  if (!st) {
    count_missing(s, cs, base, r, +1);
    count_missing(base, cb, s, r, -1);
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++) {
      if (!r[i].new_count && !r[i].deleted_count) continue;
      r[k] = r[i];
      r[k].name = c.name[i];
      r[k].delta_count = (int64_t)r[k].new_count - (int64_t)r[k].deleted_count;
      r[k].size_delta = (int64_t)r[k].alloc_size - (int64_t)r[k].freed_size;
      k++;
    }
    qsort(r, k, sizeof *r, by_size_delta);
    *rows = r;
    *n = k;
  } else {
    free(r);
  }
  free(cb);
  free(cs);
  classes_free(&c);
  return st;
}

/* ------------------------------------------------------------------ leaks */

gc_status gc_snapshot_find_leaks(const gc_snapshot *base, const gc_snapshot *target,
                                 gc_snapshot *final, gc_snap_summary_row **rows, size_t *n) {
  *rows = NULL;
  *n = 0;
  gc_status st = gc_snapshot_analyze(final);
  if (st) return st;
  uint8_t *leaked = calloc(final->nnodes, 1);
  if (!leaked) return GC_ENOMEM;
  for (uint32_t v = 0; v < target->nnodes; v++) {
    if (!in_class(target, v) || gc_snapshot_find_id(base, target->nodes[v].id) != NONE) continue;
    uint32_t f = gc_snapshot_find_id(final, target->nodes[v].id);
    if (f != NONE && in_class(final, f) && gc_snapshot_reachable(final, f)) leaked[f] = 1;
  }
  st = aggregate(final, leaked, rows, n);
  free(leaked);
  if (!st) qsort(*rows, *n, sizeof **rows, by_retained);
  return st;
}
