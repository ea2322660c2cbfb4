/*
 * boot_heap.c -- the boot heap (config key `boot: node20`): a new heap
 * starts from Node 20's own objects as they are when a script's first line
 * runs, as Node's does (docs/configuration.md, "The boot heap").
 *
 * Where it comes from: configs/boot/node20-boot.heapsnapshot.gz, a
 * snapshot of a fresh Node v20.20.2 taken by a script's first line
 * (configs/boot/README.md), carried in the binary as bytes
 * (bindings/boot.cmake), inflated with zlib and read by the .heapsnapshot
 * reader (snapshot_read.c) once per process into a model kept for the
 * process's life: flat arrays of sizes, slot targets and roots, so that
 * filling each new heap is a loop over them.
 *
 * The model (the rules of snapshot_replay.c, with four differences):
 *  - objects: every node that is neither synthetic nor native (native
 *    nodes are C++ objects outside V8's heap); size as snapshot_replay.c gives it
 *    (snap_object_size); slots = its edges that retain
 *    (not weak, not shortcut, to an object);
 *  - roots: what synthetic and native nodes point at through a non-weak
 *    edge (V8's root lists and the embedder's handles), each rooted once,
 *    by a handle only the bindings hold, so a scenario cannot drop it;
 *  - placement: Node's heap at the first line (measured with node
 *    v20.20.2: BOOT_YOUNG_USED, BOOT_YOUNG_LIVE below) holds about 112,960
 *    bytes in new space, of which 62,992 survive the first Scavenge.  The
 *    snapshot holds only live objects (taking it runs a full GC), and
 *    nothing in it says which were young, so the rule is: the young live
 *    objects are the last objects in node order (V8's explorer adds them
 *    in heap-iteration order; the newest are last) of the kinds V8
 *    allocates young at run time (JS objects, closures, arrays, strings,
 *    numbers, symbols, regexps, bigints; not code, maps or system
 *    objects) of at most BOOT_YOUNG_MAX
 *    bytes, until BOOT_YOUNG_LIVE bytes; everything else is old (old
 *    space, or large-object space above the threshold); and the young
 *    garbage is BOOT_YOUNG_USED - live bytes of unreferenced objects named
 *    "(boot garbage)", BOOT_GARBAGE_SIZE bytes each (the last one the
 *    rest, below twice that): what died during boot has no shape left to
 *    copy, and a Scavenge never visits dead objects, so only their bytes
 *    matter (they fill new space as Node's do);
 *  - bytes: the old live objects are brought to Node's bytes
 *    (old_to_node_bytes: BOOT_LIVE - BOOT_YOUNG_LIVE, what a full GC of
 *    Node's heap leaves besides the young live ones), and the old
 *    generation is filled to Node's at the first line with unreferenced
 *    old "(boot garbage)" objects (BOOT_FIRST_LINE_USED - BOOT_YOUNG_USED
 *    - the live old bytes), which the first full GC frees.
 * Replaying allocates no GC: the old part goes straight to old space
 * (gc_alloc_old) and the young part must fit the initial semispace,
 * checked first.  The model is immutable once built; the first heap builds
 * it under call_once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <zlib.h>

#include "boot_heap.h"
#include "snapshot_file.h"
#include "snapshot_replay.h"

/* Node v20.20.2, x64, at a script's first line (docs/fidelity.md, "Boot
 * heap"; docs/fidelity-notes.md, "New space's room"):
 *  - BOOT_YOUNG_USED: a 1 MiB semispace holds 1,030,880 bytes of objects;
 *    a script whose first line reads process.memoryUsage() and then only
 *    allocates 32-byte objects it keeps has 980,912 bytes survive its first
 *    Scavenge, 62,992 of them Node's: 917,920 of its own, so 112,960 were
 *    there at the first line.  (Until after issue 16 this was 302,224,
 *    v8.getHeapSpaceStatistics() at the first line -- after require('v8'),
 *    whose loading allocates.)
 *  - BOOT_YOUNG_LIVE: the first Scavenge's new_space_survived under
 *    --trace-gc-nvp of a script that makes only garbage. */
#define BOOT_YOUNG_USED 112960u
#define BOOT_YOUNG_LIVE 62992u
/* Node's whole heap at the first line and what a full GC leaves of it: a
 * script `const u = process.memoryUsage().heapUsed; gc(); const v =
 * process.memoryUsage().heapUsed;` under --expose-gc reads u = 3,154,960
 * and v = 2,648,128 (the same in five runs).  BOOT_LIVE is v; the old
 * generation at the first line is u - BOOT_YOUNG_USED, of which BOOT_LIVE -
 * BOOT_YOUNG_LIVE is live and the rest garbage a full GC frees. */
#define BOOT_FIRST_LINE_USED 3154960u
#define BOOT_LIVE 2648128u
#define BOOT_CUT_MAX 131072u    /* V8's kMaxRegularHeapObjectSize: larger ones keep their bytes */
#define BOOT_YOUNG_MAX 4096u    /* largest object the rule makes young */
#define BOOT_GARBAGE_SIZE 64u   /* each "(boot garbage)" object */

extern const unsigned char gclab_boot_node20[];
extern const size_t gclab_boot_node20_len;

typedef struct boot_model {
  gc_snapshot *snap;     /* kept: the names point into it */
  uint32_t nobj;
  const char **name;     /* per object: its DevTools class */
  uint32_t *size;
  uint32_t *first;       /* per object + 1: its slots in target[] */
  uint32_t *target;      /* object indexes */
  uint8_t *young;
  uint32_t *root;        /* object indexes, each once */
  uint32_t nroots;
  uint64_t old_bytes, young_bytes, garbage_bytes;
  uint64_t old_garbage_bytes; /* unreferenced old bytes: Node's dead old objects */
  char err[320];         /* set when the model could not be built */
} boot_model;

static boot_model model;
static once_flag model_once = ONCE_FLAG_INIT;

/* ------------------------------------------------------------ the model */

static bool is_object(gc_snap_node_type t) {
  return t != GC_SNODE_SYNTHETIC && t != GC_SNODE_NATIVE;
}

/* The node kinds V8 allocates in new space at run time. */
static bool young_kind(gc_snap_node_type t) {
  switch (t) {
  case GC_SNODE_OBJECT: case GC_SNODE_CLOSURE: case GC_SNODE_ARRAY: case GC_SNODE_STRING:
  case GC_SNODE_CONCATENATED_STRING: case GC_SNODE_SLICED_STRING: case GC_SNODE_NUMBER:
  case GC_SNODE_SYMBOL: case GC_SNODE_REGEXP: case GC_SNODE_BIGINT:
    return true;
  default:
    return false;
  }
}

/* The gzip bytes in memory, inflated (NULL with err on failure). */
static unsigned char *inflate_all(const unsigned char *in, size_t inlen, size_t *outlen, char *err,
                                  size_t errlen) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    snprintf(err, errlen, "gzip: cannot start zlib");
    return NULL;
  }
  size_t cap = inlen * 8, n = 0;
  unsigned char *out = malloc(cap);
  z.next_in = (unsigned char *)in;
  z.avail_in = (uInt)inlen;
  int zr = Z_OK;
  while (out && zr == Z_OK) {
    if (n == cap) {
      unsigned char *bigger = realloc(out, cap * 2);
      if (!bigger) break;
      out = bigger;
      cap *= 2;
    }
    z.next_out = out + n;
    z.avail_out = (uInt)(cap - n);
    zr = inflate(&z, Z_NO_FLUSH);
    n = cap - z.avail_out;
  }
  if (zr != Z_STREAM_END) /* zlib's message before inflateEnd frees its state */
    snprintf(err, errlen, "gzip: %s", !out || zr == Z_OK ? "out of memory"
                                     : zr == Z_BUF_ERROR ? "the data is truncated"
                                     : z.msg ? z.msg : "bad data");
  inflateEnd(&z);
  if (zr != Z_STREAM_END) {
    free(out);
    return NULL;
  }
  *outlen = n;
  return out;
}

static bool retains(const gc_snap_edge *e, const gc_snap_node *nodes) {
  return e->type != GC_SEDGE_WEAK && e->type != GC_SEDGE_SHORTCUT && is_object(nodes[e->to].type);
}

/* The bytes an object holds beyond its header and slots (strings'
 * characters, bytecode, code's instructions): what its size can give up. */
static uint64_t slack(const boot_model *m, uint32_t k) {
  if (m->young[k] || m->size[k] > BOOT_CUT_MAX) return 0;
  return m->size[k] - gc_default_size(m->first[k + 1] - m->first[k]);
}

/* The old live objects to Node's bytes: BOOT_LIVE - BOOT_YOUNG_LIVE.  The
 * snapshot's objects are more: gclab's 24-byte header makes small objects
 * larger than V8's (a V8 object is its 8-byte map word and its fields),
 * and the snapshot holds what its own line loaded (`require('v8')` loads
 * 23 modules, streams among them: Node's heapUsed after gc() is 194 KB
 * more with it) and read-only objects V8 does not count.  Which objects
 * are which the snapshot does not say, so the difference is taken from
 * the bytes beyond their slots of the old objects up to BOOT_CUT_MAX, in
 * proportion to them (to the word; the last words from the first objects
 * that still have some): the heap after a full GC is Node's, the graph is
 * the snapshot's.  False when they cannot give that much. */
static bool old_to_node_bytes(boot_model *m) {
  const uint64_t target = BOOT_LIVE - BOOT_YOUNG_LIVE;
  if (m->old_bytes <= target) return true;
  uint64_t excess = m->old_bytes - target, total = 0, taken = 0;
  for (uint32_t k = 0; k < m->nobj; k++) total += slack(m, k);
  if (total < excess) return false;
  for (uint32_t k = 0; k < m->nobj; k++) {
    uint64_t cut = (slack(m, k) * excess / total) & ~(uint64_t)7;
    m->size[k] -= (uint32_t)cut;
    taken += cut;
  }
  for (uint32_t k = 0; k < m->nobj && taken < excess; k++)
    if (slack(m, k) >= 8) {
      m->size[k] -= 8;
      taken += 8;
    }
  m->old_bytes -= taken;
  return taken == excess;
}

/* The model from a snapshot: objects, slots, roots, the young rule. */
static bool model_build(boot_model *m, gc_snapshot *s) {
  const gc_snap_node *nodes = gc_snapshot_nodes(s);
  const gc_snap_edge *edges = gc_snapshot_edges(s);
  size_t nn = gc_snapshot_node_count(s), nedges = gc_snapshot_edge_count(s);
  uint32_t *obj = malloc((nn ? nn : 1) * sizeof *obj); /* node -> object index + 1 */
  m->name = malloc((nn ? nn : 1) * sizeof *m->name);
  m->size = malloc((nn ? nn : 1) * sizeof *m->size);
  m->first = malloc((nn + 1) * sizeof *m->first);
  m->target = malloc((nedges ? nedges : 1) * sizeof *m->target);
  m->young = calloc(nn ? nn : 1, 1);
  m->root = malloc((nn ? nn : 1) * sizeof *m->root);
  bool *rooted = calloc(nn ? nn : 1, sizeof *rooted);
  if (!obj || !m->name || !m->size || !m->first || !m->target || !m->young || !m->root || !rooted) {
    free(obj);
    free(rooted);
    return false;
  }
  uint32_t n = 0;
  for (size_t i = 0; i < nn; i++) obj[i] = is_object(nodes[i].type) ? ++n : 0;
  uint32_t nt = 0;
  m->nobj = 0;
  for (size_t i = 0; i < nn; i++) {
    const gc_snap_node *nd = &nodes[i];
    if (!obj[i]) { /* a synthetic or native node: what it holds is a root */
      for (uint32_t e = nd->first_edge; e < nd->first_edge + nd->edge_count; e++) {
        uint32_t t = obj[edges[e].to];
        if (edges[e].type != GC_SEDGE_WEAK && t && !rooted[t - 1]) {
          rooted[t - 1] = true;
          m->root[m->nroots++] = t - 1;
        }
      }
      continue;
    }
    uint32_t k = m->nobj++;
    m->name[k] = gc_snapshot_class_name(s, (uint32_t)i);
    m->first[k] = nt;
    for (uint32_t e = nd->first_edge; e < nd->first_edge + nd->edge_count; e++)
      if (retains(&edges[e], nodes)) m->target[nt++] = obj[edges[e].to] - 1;
    uint64_t size = snap_object_size(nd, nt - m->first[k], NULL);
    nt = m->first[k] + snap_slots_fitting(size, nt - m->first[k]); /* never fewer in a Node heap */
    m->size[k] = (uint32_t)size;
  }
  m->first[m->nobj] = nt;
  /* The young rule: the last objects of young kinds, up to BOOT_YOUNG_LIVE. */
  for (size_t i = nn; i-- > 0;) {
    uint32_t k = obj[i];
    if (!k || !young_kind(nodes[i].type) || m->size[k - 1] > BOOT_YOUNG_MAX) continue;
    if (m->young_bytes + m->size[k - 1] > BOOT_YOUNG_LIVE) break;
    m->young[k - 1] = 1;
    m->young_bytes += m->size[k - 1];
  }
  for (uint32_t k = 0; k < m->nobj; k++)
    if (!m->young[k]) m->old_bytes += m->size[k];
  m->garbage_bytes = (BOOT_YOUNG_USED - m->young_bytes) & ~(uint64_t)7; /* whole words */
  free(obj);
  free(rooted);
  if (!old_to_node_bytes(m)) {
    snprintf(m->err, sizeof m->err, "boot: node20 (%s): its old objects cannot give up the bytes "
             "that make them Node's %u", BOOT_NODE20_FILE, BOOT_LIVE - BOOT_YOUNG_LIVE);
    return false;
  }
  uint64_t first_line_old = BOOT_FIRST_LINE_USED - BOOT_YOUNG_USED;
  m->old_garbage_bytes = first_line_old > m->old_bytes ? first_line_old - m->old_bytes : 0;
  m->snap = s;
  return true;
}

gc_snapshot *boot_heap_read(const unsigned char *gz, size_t len, const char *name, char *err,
                            size_t errlen) {
  char msg[256] = "";
  size_t n = 0;
  unsigned char *json = inflate_all(gz, len, &n, msg, sizeof msg);
  gc_snapshot *s = json ? snapfile_read_buffer(name, json, n, msg, sizeof msg) : NULL;
  free(json);
  if (!s) {
    size_t nl = strlen(name); /* the reader's messages start "NAME: " */
    const char *m = strncmp(msg, name, nl) == 0 && strncmp(msg + nl, ": ", 2) == 0 ? msg + nl + 2 : msg;
    snprintf(err, errlen, "boot: node20 (%s): %s", name, m);
  }
  return s;
}

static void model_load(void) {
  gc_snapshot *s = boot_heap_read(gclab_boot_node20, gclab_boot_node20_len, BOOT_NODE20_FILE,
                                  model.err, sizeof model.err);
  if (s && !model_build(&model, s)) {
    gc_snapshot_free(s);
    if (!model.err[0])
      snprintf(model.err, sizeof model.err, "boot: node20 (%s): out of process memory", BOOT_NODE20_FILE);
  }
}

/* ----------------------------------------------------------- the replay */

static gc_status fail(gc_status st, char *err, size_t errlen, const char *fmt, const char *a,
                      const char *b) {
  char msg[400];
  snprintf(msg, sizeof msg, fmt, a, b);
  snprintf(err, errlen, "boot: node20 (%s): %s", BOOT_NODE20_FILE, msg);
  return st;
}

static char *size_text(uint64_t bytes, char *buf) {
  snprintf(buf, 32, "%llu bytes", (unsigned long long)bytes);
  return buf;
}

/* Does the model fit this heap's sizes?  A message naming the key if not. */
static gc_status check_fits(const gc_config *c, const boot_model *m, char *err, size_t errlen) {
  char a[32], b[32];
  uint64_t young = m->young_bytes + m->garbage_bytes;
  /* what the semispace's pages hold after their headers */
  uint64_t room = c->new_space.semi_space_initial / c->page_size * (c->page_size - c->page_header);
  if (young > room)
    return fail(GC_EINVAL, err, errlen,
                "its %s of young objects do not fit new_space.semi_space.initial (%s); "
                "use boot: none for a heap this small",
                size_text(young, a), size_text(c->new_space.semi_space_initial, b));
  if (m->old_bytes + m->old_garbage_bytes > c->old_space.max_size / 2)
    return fail(GC_EINVAL, err, errlen,
                "its %s of old objects need more than half of old_space.max_size (%s); "
                "use boot: none for a heap this small",
                size_text(m->old_bytes + m->old_garbage_bytes, a), size_text(c->old_space.max_size, b));
  return GC_OK;
}

/* `bytes` of unreferenced "(boot garbage)", young or old: BOOT_GARBAGE_SIZE
 * bytes each, the last one with the rest (below twice that). */
static gc_status alloc_garbage(gc_heap *heap, uint64_t bytes, bool old, char *err, size_t errlen) {
  for (uint64_t left = bytes; left >= gc_default_size(0);) {
    uint64_t size = left >= 2 * BOOT_GARBAGE_SIZE ? BOOT_GARBAGE_SIZE : left;
    left -= size;
    gc_handle g;
    gc_status st = old ? gc_alloc_old(heap, 0, size, "(boot garbage)", &g)
                       : gc_alloc(heap, 0, size, "(boot garbage)", &g);
    if (st != GC_OK) return fail(st, err, errlen, "allocating %s: %s", "(boot garbage)", gc_heap_error(heap));
    gc_handle_release(heap, g); /* the scope keeps it until the replay ends */
  }
  return GC_OK;
}

static gc_status alloc_all(gc_heap *heap, const boot_model *m, gc_handle *h, char *err,
                           size_t errlen) {
  for (uint32_t k = 0; k < m->nobj; k++) {
    uint32_t nslots = m->first[k + 1] - m->first[k];
    gc_status st = m->young[k] ? gc_alloc(heap, nslots, m->size[k], m->name[k], &h[k])
                               : gc_alloc_old(heap, nslots, m->size[k], m->name[k], &h[k]);
    if (st != GC_OK) return fail(st, err, errlen, "allocating a %s: %s", m->name[k], gc_heap_error(heap));
  }
  /* the young garbage, then the old after the live old objects: each
   * generation Node's at the first line, to the word */
  gc_status st = alloc_garbage(heap, m->garbage_bytes, false, err, errlen);
  return st == GC_OK ? alloc_garbage(heap, m->old_garbage_bytes, true, err, errlen) : st;
}

static gc_status link_all(gc_heap *heap, const boot_model *m, gc_handle *h, char *err,
                          size_t errlen) {
  for (uint32_t k = 0; k < m->nobj; k++)
    for (uint32_t j = m->first[k]; j < m->first[k + 1]; j++) {
      gc_status st = gc_slot_set_ref(heap, h[k], j - m->first[k], h[m->target[j]]);
      if (st != GC_OK) return fail(st, err, errlen, "storing a slot of a %s: %s", m->name[k], gc_heap_error(heap));
    }
  for (uint32_t r = 0; r < m->nroots; r++) {
    gc_status st = gc_root(heap, h[m->root[r]]);
    if (st != GC_OK) return fail(st, err, errlen, "rooting a %s: %s", m->name[m->root[r]], gc_heap_error(heap));
    h[m->root[r]] = GC_NO_HANDLE; /* kept: it holds the root */
  }
  return GC_OK;
}

gc_status boot_heap_replay(gc_heap *heap, char *err, size_t errlen) {
  if (gc_heap_config(heap)->boot == GC_BOOT_NONE) return GC_OK;
  call_once(&model_once, model_load);
  const boot_model *m = &model;
  if (!m->snap) {
    snprintf(err, errlen, "%s", m->err);
    return GC_EINVAL;
  }
  gc_status st = check_fits(gc_heap_config(heap), m, err, errlen);
  if (st != GC_OK) return st;
  gc_handle *h = calloc(m->nobj ? m->nobj : 1, sizeof *h);
  if (!h) return fail(GC_ENOMEM, err, errlen, "out of process memory%s%s", "", "");
  gc_scope scope;
  st = gc_scope_open(heap, &scope);
  if (st != GC_OK) {
    free(h);
    return fail(st, err, errlen, "cannot open a scope: %s%s", gc_heap_error(heap), "");
  }
  st = alloc_all(heap, m, h, err, errlen);
  if (st == GC_OK) st = link_all(heap, m, h, err, errlen);
  gc_status cst = gc_scope_close(heap, scope);
  if (st == GC_OK && cst != GC_OK) st = fail(cst, err, errlen, "closing the scope: %s%s", gc_heap_error(heap), "");
  for (uint32_t k = 0; k < m->nobj; k++)
    if (h[k]) gc_handle_release(heap, h[k]);
  free(h);
  gc_heap_stats hs;
  gc_stats(heap, &hs);
  if (st == GC_OK && hs.gcs != 0) /* check_fits should make this impossible */
    st = fail(GC_EINVAL, err, errlen, "the replay ran a GC: the heap's sizes are too small%s%s", "", "");
  return st;
}
