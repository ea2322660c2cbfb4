/*
 * snapshot_take.c -- gc_snapshot_take: a gclab heap's object graph, copied
 * into a snapshot through the builder (snapshot.c).
 *
 * Two passes over the heap, both read-only: the first lists every object's
 * address (in gc_each_object's order), page by page, noting where each
 * page's run starts in the list, and counts reference slots; the second
 * adds each object as a node with one element edge per reference slot,
 * finding a target's node by its page's run and a binary search within it
 * (addresses ascend within a page).  Root groups come first, from
 * the handle table.  The heap is never written (new_space_seal only
 * records the allocation top in its page descriptor) and nothing is
 * allocated in it, so taking a snapshot cannot run a GC or move anything.
 * Memory an object owns outside the heap (gc_alloc_external) is a native
 * node after the objects, "system / JSArrayBufferData" of its bytes, that
 * the owner reaches by an internal edge "backing_store", as in V8's
 * snapshots: the owner's retained size counts it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "handles.h"
#include "heap_internal.h"
#include "snapshot_internal.h"
#include "weak.h"

typedef struct take {
  gc_heap *h;
  addr_t *addrs; /* node index - GC_SNAP_FIRST_OBJECT -> address */
  size_t n, cap;
  uint64_t slots_ref; /* reference slots in all objects */
  uint32_t *unit_first; /* page unit -> index in addrs of its first object */
  uint32_t *unit_count; /* page unit -> objects listed from it */
  uint32_t *name_map; /* heap name id -> string index + 1 */
  size_t nnames;
  gc_snapshot_builder *b;
  weak_pair *pairs; /* ephemeron (key, value) pairs by key address (weak.h) */
  size_t npairs;
  gc_external_owner *owners; /* external memory's owners by address */
  size_t nowners;
  uint64_t *native_ids, *native_bytes; /* the native nodes, in node order */
  size_t nnatives;
} take;

static bool list_object(take *t, addr_t a) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    addr_t *v = realloc(t->addrs, cap * sizeof *v);
    if (!v) return false;
    t->addrs = v;
    t->cap = cap;
  }
  t->addrs[t->n++] = a;
  const obj *o = obj_at(a);
  for (uint32_t i = 0, ns = obj_nslots(o); i < ns; i++)
    t->slots_ref += is_ptr(o->slots[i]) || gc_tagged_is_weak(o->slots[i]);
  return true;
}

static inline uint32_t unit_of(const take *t, addr_t a) {
  return (uint32_t)((a - t->h->base) >> t->h->page_shift);
}

/* List the objects of page p, with the engine's page iterator. */
static bool list_page(take *t, const page *p) {
  uint32_t u = unit_of(t, p->start);
  t->unit_first[u] = (uint32_t)t->n;
  for (page_cursor c = page_walk(t->h, p); page_next_object(&c);)
    if (!list_object(t, c.a)) return false;
  t->unit_count[u] = (uint32_t)t->n - t->unit_first[u];
  return true;
}

/* One object per large page. */
static bool list_large_page(take *t, const page *p) {
  uint32_t u = unit_of(t, p->start);
  t->unit_first[u] = (uint32_t)t->n;
  t->unit_count[u] = 1;
  return list_object(t, p->start);
}

/* Every object, in gc_each_object's order. */
static bool list_objects(take *t) {
  gc_heap *h = t->h;
  t->unit_first = calloc(h->units, sizeof *t->unit_first);
  t->unit_count = calloc(h->units, sizeof *t->unit_count);
  if (!t->unit_first || !t->unit_count) return false;
  new_space_seal(h);
  const page_list *lists[] = {&h->new_space.semi[h->new_space.to], &h->old.pages};
  for (int i = 0; i < 2; i++)
    for (const page *p = lists[i]->head; p; p = p->next)
      if (!list_page(t, p)) return false;
  const lo_space *los[] = {&h->lo, &h->nlo};
  for (int i = 0; i < 2; i++)
    for (const page *p = los[i]->pages.head; p; p = p->next)
      if (!list_large_page(t, p)) return false;
  return true;
}

/* The node index of the object at `a` (every reference and handle of a
 * consistent heap leads to a listed object; GC_SNAP_NONE otherwise, which
 * finish reports as an edge out of range). */
static uint32_t node_of(const take *t, addr_t a) {
  uint32_t u = unit_of(t, a);
  if (u >= t->h->units) return GC_SNAP_NONE;
  size_t lo = t->unit_first[u], hi = lo + t->unit_count[u];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->addrs[mid] < a) lo = mid + 1;
    else hi = mid;
  }
  if (lo < t->n && t->addrs[lo] == a && lo < (size_t)t->unit_first[u] + t->unit_count[u])
    return (uint32_t)lo + GC_SNAP_FIRST_OBJECT;
  return GC_SNAP_NONE;
}

static gc_status intern_cstr(take *t, const char *s, uint32_t *out) {
  return gc_snapshot_intern(t->b, s, strlen(s), out);
}

static gc_status name_of(take *t, uint32_t name, uint32_t *out) {
  if (name < t->nnames && t->name_map[name]) {
    *out = t->name_map[name] - 1;
    return GC_OK;
  }
  const char *s = names_get(t->h, name);
  gc_status st = intern_cstr(t, s ? s : "Object", out);
  if (st == GC_OK && name < t->nnames) t->name_map[name] = *out + 1;
  return st;
}

static gc_status add_synthetic(take *t, const char *name, uint64_t id, uint32_t nedges) {
  gc_snap_node n = {.type = GC_SNODE_SYNTHETIC, .space = GC_SNAP_NO_SPACE, .id = id,
                    .edge_count = nedges};
  gc_status st = intern_cstr(t, name, &n.name);
  return st ? st : gc_snapshot_add_node(t->b, &n, NULL);
}

/* Is handle entry e a root of group g (0: gc_root, 1: open scope)? */
static bool in_group(const hentry *e, int g) {
  return e->state == H_LIVE && (g == 0 ? e->roots != 0 : e->scoped != 0);
}

static gc_status add_roots(take *t) {
  gc_heap *h = t->h;
  uint32_t count[2] = {0, 0};
  for (uint32_t i = 0; i < h->nhandles; i++)
    for (int g = 0; g < 2; g++) count[g] += in_group(&h->handles[i], g);
  uint32_t dummy;
  gc_status st = intern_cstr(t, "<dummy>", &dummy);
  if (!st) st = add_synthetic(t, "", GC_SNAP_ROOT_ID, 1);
  if (!st) st = add_synthetic(t, "(GC roots)", GC_SNAP_GC_ROOTS_ID, 2);
  if (!st) st = add_synthetic(t, "(Global handles)", GC_SNAP_GLOBAL_HANDLES_ID, count[0]);
  if (!st) st = add_synthetic(t, "(Handle scope)", GC_SNAP_HANDLE_SCOPE_ID, count[1]);
  if (!st) st = gc_snapshot_add_edge(t->b, GC_SEDGE_ELEMENT, 1, 1);
  if (!st) st = gc_snapshot_add_edge(t->b, GC_SEDGE_ELEMENT, 1, 2);
  if (!st) st = gc_snapshot_add_edge(t->b, GC_SEDGE_ELEMENT, 2, 3);
  for (int g = 0; g < 2 && !st; g++) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < h->nhandles && !st; i++)
      if (in_group(&h->handles[i], g))
        st = gc_snapshot_add_edge(t->b, GC_SEDGE_ELEMENT, ++k, node_of(t, h->handles[i].addr));
  }
  return st;
}

/* Weak and ephemeron edges (docs/weak.md), as V8's heap snapshot generator
 * writes them: a weak slot is a `weak` edge; a table's key and value slots
 * are `weak` edges; each pair adds an `internal` edge from the key to the
 * value named "part of key (K @id) -> value (V @id) pair in WeakMap (table
 * @id)" -- so a value is retained by its key, never by the table, and no
 * retainer path goes through a weak edge. */
static size_t pairs_of(const take *t, addr_t key, size_t *first) {
  size_t lo = 0, hi = t->npairs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->pairs[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  *first = lo;
  size_t n = 0;
  while (lo + n < t->npairs && t->pairs[lo + n].key == key) n++;
  return n;
}

static gc_status ephemeron_edge(take *t, const weak_pair *p) {
  char s[256];
  const obj *k = obj_at(p->key), *v = obj_at(p->value), *tb = obj_at(p->table);
  const char *kn = names_get(t->h, META_NAME(k->meta)), *vn = names_get(t->h, META_NAME(v->meta));
  snprintf(s, sizeof s, "part of key (%s @%llu) -> value (%s @%llu) pair in WeakMap (table @%llu)",
           kn ? kn : "Object", (unsigned long long)gc_snap_id_of_object(k->id), vn ? vn : "Object",
           (unsigned long long)gc_snap_id_of_object(v->id), (unsigned long long)gc_snap_id_of_object(tb->id));
  uint32_t name;
  gc_status st = intern_cstr(t, s, &name);
  return st ? st : gc_snapshot_add_edge(t->b, GC_SEDGE_INTERNAL, name, node_of(t, p->value));
}

/* A weak edge is named, by its slot index in decimal (V8's SetWeakReference). */
static gc_status weak_edge(take *t, uint32_t k, addr_t to) {
  char s[16];
  uint32_t name;
  snprintf(s, sizeof s, "%u", k);
  gc_status st = intern_cstr(t, s, &name);
  return st ? st : gc_snapshot_add_edge(t->b, GC_SEDGE_WEAK, name, node_of(t, to));
}

static int owner_cmp(const void *a, const void *b) {
  addr_t x = ((const gc_external_owner *)a)->addr, y = ((const gc_external_owner *)b)->addr;
  return x < y ? -1 : x > y;
}

/* The owners of external memory, sorted by address, and room for their
 * native nodes. */
static bool list_owners(take *t) {
  size_t n = external_owners(t->h, NULL, 0);
  if (n == 0) return true;
  t->owners = malloc(n * sizeof *t->owners);
  t->native_ids = malloc(n * sizeof *t->native_ids);
  t->native_bytes = malloc(n * sizeof *t->native_bytes);
  if (!t->owners || !t->native_ids || !t->native_bytes) return false;
  t->nowners = external_owners(t->h, t->owners, n);
  qsort(t->owners, t->nowners, sizeof *t->owners, owner_cmp);
  return true;
}

/* The external bytes the object at `a` owns (0: none). */
static uint64_t owned_bytes(const take *t, addr_t a) {
  size_t lo = 0, hi = t->nowners;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->owners[mid].addr < a) lo = mid + 1;
    else hi = mid;
  }
  return lo < t->nowners && t->owners[lo].addr == a ? t->owners[lo].bytes : 0;
}

/* The owner's edge to its native node, the next one (V8's JSArrayBuffer
 * -> "system / JSArrayBufferData"); native ids are even, as V8's, and
 * follow the owner's object id so that they too are the same in every
 * snapshot of the heap. */
static gc_status backing_store_edge(take *t, const obj *o, uint64_t bytes) {
  uint32_t name;
  gc_status st = intern_cstr(t, GC_SNAP_STORE_EDGE, &name);
  if (st) return st;
  t->native_ids[t->nnatives] = 2 * o->id + 8;
  t->native_bytes[t->nnatives] = bytes;
  uint32_t to = (uint32_t)(GC_SNAP_FIRST_OBJECT + t->n + t->nnatives++);
  return gc_snapshot_add_edge(t->b, GC_SEDGE_INTERNAL, name, to);
}

static gc_status add_natives(take *t) {
  gc_status st = GC_OK;
  for (size_t k = 0; k < t->nnatives && !st; k++) {
    gc_snap_node n = {.type = GC_SNODE_NATIVE, .space = GC_SNAP_NO_SPACE, .id = t->native_ids[k],
                      .self_size = t->native_bytes[k]};
    st = intern_cstr(t, GC_SNAP_STORE_NAME, &n.name);
    if (!st) st = gc_snapshot_add_node(t->b, &n, NULL);
  }
  return st;
}

static gc_status add_objects(take *t) {
  gc_status st = GC_OK;
  for (size_t i = 0; i < t->n && !st; i++) {
    addr_t a = t->addrs[i];
    const obj *o = obj_at(a);
    uint32_t ns = obj_nslots(o), refs = 0;
    for (uint32_t k = 0; k < ns; k++) refs += is_ptr(o->slots[k]) || gc_tagged_is_weak(o->slots[k]);
    size_t first, npairs = pairs_of(t, a, &first);
    bool table = obj_is_holder(o) && obj_weak_kind(o) == WK_TABLE;
    uint64_t external = t->nowners ? owned_bytes(t, a) : 0;
    gc_snap_node n = {.type = GC_SNODE_OBJECT,
                      .space = (uint8_t)page_of(t->h, a)->space,
                      .age = (uint8_t)obj_age(o),
                      .id = gc_snap_id_of_object(o->id),
                      .self_size = obj_size(o),
                      .edge_count = refs + (uint32_t)npairs + (external != 0)};
    st = name_of(t, META_NAME(o->meta), &n.name);
    if (!st) st = gc_snapshot_add_node(t->b, &n, NULL);
    for (uint32_t k = 0; k < ns && !st; k++) {
      tagged v = o->slots[k];
      bool weak = gc_tagged_is_weak(v) || (table && k >= EPH_PREFIX && is_ptr(v));
      if (weak) st = weak_edge(t, k, gc_tagged_is_weak(v) ? weak_target(v) : (addr_t)v);
      else if (is_ptr(v)) st = gc_snapshot_add_edge(t->b, GC_SEDGE_ELEMENT, k, node_of(t, (addr_t)v));
    }
    for (size_t p = first; p < first + npairs && !st; p++) st = ephemeron_edge(t, &t->pairs[p]);
    if (external && !st) st = backing_store_edge(t, o, external);
  }
  return st;
}

gc_status gc_snapshot_take(gc_heap *h, gc_snapshot **out) {
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = NULL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_snapshot_take: not allowed during a GC");
  take t = {.h = h};
  gc_status st = GC_OK;
  char err[256] = "out of process memory";
  if (!list_objects(&t) || !ephemeron_pairs(h, &t.pairs, &t.npairs) || !list_owners(&t) ||
      gc_snapshot_builder_new(&t.b) != GC_OK) {
    st = GC_ENOMEM;
  } else {
    t.nnames = h->names.n;
    t.name_map = calloc(t.nnames ? t.nnames : 1, sizeof *t.name_map);
    if (!t.name_map) st = GC_ENOMEM;
    if (!st) st = gc_snapshot_builder_reserve(t.b, t.n + t.nowners + GC_SNAP_FIRST_OBJECT,
                                              t.slots_ref + t.npairs + t.nowners + 3 + h->nhandles * 2u);
    if (!st) st = add_roots(&t);
    if (!st) st = add_objects(&t);
    if (!st) st = add_natives(&t);
    if (st) snprintf(err, sizeof err, "%s", gc_snapshot_builder_error(t.b));
    if (st) gc_snapshot_builder_free(t.b);
    else st = gc_snapshot_finish(t.b, out, err, sizeof err);
  }
  free(t.addrs);
  free(t.unit_first);
  free(t.unit_count);
  free(t.name_map);
  free(t.pairs);
  free(t.owners);
  free(t.native_ids);
  free(t.native_bytes);
  if (st) return heap_fail(h, st, "gc_snapshot_take: %s", err);
  return GC_OK;
}
