/*
 * external.c -- memory outside the heap that heap objects own: V8's
 * ArrayBuffer backing stores (a Node Buffer's bytes), gc_alloc_external.
 * Which objects own how many bytes, what each GC frees of them, and V8
 * 11.3's three external-memory triggers.
 *
 * Accounting (V8's ArrayBufferSweeper and Heap::ExternalMemoryAccounting)
 *  - Each owner is an entry: a handle of the engine's own (weak: it never
 *    keeps the object alive, and every GC moves or kills it with the
 *    program's handles), its bytes, and whether the object is young.
 *  - total: the bytes of every live owner (external_memory_.total());
 *    young: those of young owners (new space's ExternalBackingStoreBytes).
 *  - After every GC (external_after_gc) the dead owners' bytes are freed
 *    and the promoted owners' bytes leave `young`.  V8 frees them when its
 *    ArrayBufferSweeper finishes, on a background thread soon after the
 *    GC; here at once.
 *  - low: the lowest `total` since the last full GC, and limit = low +
 *    external.soft_limit: a full GC sets low to what is left
 *    (ResetAfterGC); any decrease below low moves both (Update).
 *
 * Triggers
 *  - Before a new backing store (Heap::AllocateExternalBackingStore): when
 *    the young owners' bytes reach external.young_gc_bytes (V8: twice the
 *    default maximum semispace) and the new store's size, a Scavenge first,
 *    reason "external memory pressure" -- a GC that frees the young dead
 *    ones, as new space's own limit would not for a few small objects.
 *  - After it (Isolate::AdjustAmountOfExternalAllocatedMemory, total past
 *    the limit -> Heap::ReportExternalMemoryPressure):
 *      past low + half the old generation's maximum (the hard limit): a
 *      memory-reducing full GC, reason "external memory pressure";
 *      marking stopped: incremental marking starts (the cycle then ends as
 *      scheduled ones do, "finalize incremental marking via stack guard");
 *      marking running: a main-thread step of min(10, max(5, 5 x total /
 *      limit)) ms (IncrementalMarking::AdvanceWithDeadline), at every new
 *      store while the total stays past the limit.
 * Determinism: entries are visited in the order they were made.
 */
#include <stdlib.h>

#include "handles.h"
#include "heap_internal.h"

typedef struct ext_entry {
  gc_handle owner;
  uint64_t bytes;
  bool young;
} ext_entry;

struct external_state {
  ext_entry *v;
  size_t n, cap;
  uint64_t total, young, low, limit;
};

void external_free(gc_heap *h) {
  if (!h->ext) return;
  free(h->ext->v);
  free(h->ext);
  h->ext = NULL;
}

static struct external_state *state(gc_heap *h) {
  if (h->ext) return h->ext;
  struct external_state *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->limit = h->cfg.external.soft_limit;
  h->ext = x;
  return x;
}

static void set_low(gc_heap *h, struct external_state *x, uint64_t low) {
  x->low = low;
  x->limit = low + h->cfg.external.soft_limit;
}

void external_after_gc(gc_heap *h, bool full) {
  struct external_state *x = h->ext;
  if (!x) return;
  size_t j = 0;
  for (size_t i = 0; i < x->n; i++) {
    ext_entry e = x->v[i];
    const hentry *he = handle_entry(h, e.owner);
    bool young_now = he->state == H_LIVE && (page_of(h, he->addr)->flags & PAGE_YOUNG);
    if (e.young && !young_now) x->young -= e.bytes;
    if (he->state != H_LIVE) {
      x->total -= e.bytes;
      handle_drop(h, e.owner);
      continue;
    }
    e.young = young_now;
    x->v[j++] = e;
  }
  x->n = j;
  if (full || x->total < x->low) set_low(h, x, x->total);
}

size_t external_owners(const gc_heap *h, gc_external_owner *out, size_t cap) {
  const struct external_state *x = h->ext;
  size_t n = x ? x->n : 0;
  for (size_t i = 0; i < n && i < cap; i++) {
    out[i] = (gc_external_owner){handle_entry(h, x->v[i].owner)->addr, x->v[i].bytes};
  }
  return n;
}

void external_stats(const gc_heap *h, uint64_t *total, uint64_t *young, uint64_t *limit) {
  const struct external_state *x = h->ext;
  *total = x ? x->total : 0;
  *young = x ? x->young : 0;
  *limit = x ? x->limit : h->cfg.external.soft_limit;
}

/* Heap::ReportExternalMemoryPressure. */
static gc_status pressure(gc_heap *h, struct external_state *x) {
  if (x->total > x->low + h->old_max / 2)
    return heap_collect(h, GC_KIND_MARK_COMPACT, GC_REASON_EXTERNAL_MEMORY, "GC in old space requested",
                        h->cfg.old_space.compaction, true);
  if (h->marking == GC_MARKING_IDLE) {
    if (h->cfg.incremental.enabled) {
      new_space_seal(h);
      incremental_start_now(h);
      return GC_OK;
    }
    return collect_garbage(h, GC_REQUEST_OLD, GC_REASON_EXTERNAL_MEMORY, NULL);
  }
  double ms = 5.0 * (double)x->total / (double)x->limit;
  if (ms < 5.0) ms = 5.0;
  if (ms > 10.0) ms = 10.0;
  return incremental_advance(h, (uint64_t)(ms * 1e6));
}

gc_status gc_alloc_external(gc_heap *h, gc_site site, uint64_t external, uint32_t nslots, uint64_t bytes,
                            const char *name, gc_handle *out) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = GC_NO_HANDLE;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_alloc_external: not allowed during a GC");
  if (external == 0 || external > GC_EXTERNAL_MAX)
    return heap_fail(h, GC_EINVAL, "external: expected 1 byte to 2^50 bytes, got %s", SIZE_TEXT(external));
  struct external_state *x = state(h);
  ext_entry *room = x ? array_make_room(x->v, &x->cap, x->n, sizeof *x->v, 64) : NULL;
  if (!room) return heap_fail(h, GC_ENOMEM, "out of process memory for external memory's owners");
  x->v = room;
  if (x->young >= h->cfg.external.young_gc_bytes && x->young >= external) {
    gc_kind ran;
    gc_status st = collect_garbage(h, GC_REQUEST_YOUNG_EXPLICIT, GC_REASON_EXTERNAL_MEMORY, &ran);
    if (st == GC_OK) st = heap_check_after_gc(h, 0, ran != GC_KIND_SCAVENGE);
    if (st != GC_OK) return st;
  }
  gc_status st = gc_alloc_at(h, site, nslots, bytes, name, out);
  if (st != GC_OK) return st;
  addr_t a = handle_entry(h, *out)->addr;
  gc_handle owner = handle_new(h, a);
  if (owner == GC_NO_HANDLE) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  bool young = (page_of(h, a)->flags & PAGE_YOUNG) != 0;
  x->v[x->n++] = (ext_entry){owner, external, young};
  x->total += external;
  if (young) x->young += external;
  if (x->total <= x->limit) return GC_OK;
  /* The new owner stays alive through the GCs that may follow: rooted
   * meanwhile (V8's HandleScope holds it). */
  handle_root_add(h, handle_entry(h, owner));
  st = pressure(h, x);
  handle_root_drop(h, handle_entry(h, owner));
  return st;
}
