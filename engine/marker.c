/*
 * marker.c -- tri-colour marking with an explicit worklist (no recursion).
 *
 * White: not yet reached.  Grey: reached, on the worklist, slots not yet
 * scanned.  Black: reached and scanned.  Invariant while marking (with the
 * marking barrier on): no black object points to a white one, and the grey
 * objects are exactly those on the worklist.  Marking covers young objects
 * too; a full GC then evacuates the young survivors.  Live bytes are
 * counted per page as objects turn black (evacuation uses them).
 */
#include "heap_internal.h"
#include "weak.h"

bool marker_push_grey(gc_heap *h, addr_t a) {
  obj *o = obj_at(a);
  if (obj_color(o) != GC_WHITE) return true;
  obj_set_color(o, GC_GREY);
  return addr_vec_push(&h->worklist, a);
}

static void root_grey(gc_heap *h, addr_t *slot, void *ud) {
  (void)ud;
  marker_push_grey(h, *slot);
}

void marker_mark_roots(gc_heap *h) { handles_visit_roots(h, root_grey, NULL); }

void marker_mark_persistent_roots(gc_heap *h) { handles_visit_persistent_roots(h, root_grey, NULL); }

/* The runtime's roots: those the boot heap was rooted by (Node's own
 * objects: V8's strong roots and Node's handles), the KeepDuringJob
 * set and the caches (caches.c), V8's strong roots too. */
void marker_mark_runtime_roots(gc_heap *h) {
  handles_visit_boot_roots(h, root_grey, NULL);
  weak_ref_grey_roots(h);
  caches_grey(h);
}

void marker_start(gc_heap *h) {
  worklists_clear(h);
  h->marked_bytes = 0;
  for (page *p = h->old.pages.head; p; p = p->next) p->live_bytes = 0;
  for (page *p = h->lo.pages.head; p; p = p->next) p->live_bytes = 0;
  for (page *p = h->nlo.pages.head; p; p = p->next) p->live_bytes = 0;
  for (page *p = h->new_space.semi[h->new_space.to].head; p; p = p->next) p->live_bytes = 0;
  ephemeron_marking_reset(h);
}

/* What marking costs on the virtual clock.  V8's marking visitor pays for
 * an object's header and for each slot that holds a reference (its mark
 * bit, the worklist); a Smi or an empty slot is a tag test, and data
 * bytes (a string's characters, a number's value) are not visited.  Node
 * 20 on the development machine: a Mark-Compact of 32 MB of `{a, b}`
 * literals takes 23 ms (leak-oom-32m), of 55 MB of 20,000-element arrays
 * of Smis 13 to 18 ms (bufleak-oom-64m): about 1000 ns per KiB of the
 * first kind, 250 of the second.  `ref_bytes` are headers and reference
 * slots (cost.mark_ns_per_kb), `scalar_bytes` the rest of the objects
 * (cost.mark_scalar_ns_per_kb). */
uint64_t marker_cost_ns(const gc_heap *h, uint64_t ref_bytes, uint64_t scalar_bytes) {
  return (ref_bytes * h->cfg.cost.mark_ns_per_kb + scalar_bytes * h->cfg.cost.mark_scalar_ns_per_kb) / 1024;
}

/* Pop grey objects, grey their white children, blacken them, until the
 * worklist is empty or `budget` bytes were marked and, with a `budget_ns`,
 * their price (marker_cost_ns) reached it -- the concurrent markers' time,
 * so that they go as far as the pause would in it.  Returns bytes marked;
 * the virtual time charged for them goes to `*ns` if given. */
static uint64_t drain(gc_heap *h, uint64_t budget, uint64_t budget_ns, uint64_t *cost_ns) {
  uint64_t done = 0, ref_bytes = 0;
  /* Live bytes are added a page at a time: consecutive objects mostly
   * share a page, and the page descriptor stays untouched meanwhile. */
  uint64_t unit = UINT64_MAX, pending = 0;
  while (h->worklist.n &&
         (done < budget || (budget_ns && marker_cost_ns(h, ref_bytes, done - ref_bytes) < budget_ns))) {
    addr_t a = h->worklist.v[--h->worklist.n];
    obj *o = obj_at(a);
    uint32_t n = obj_nslots(o);
    uint64_t size = obj_size(o);
    if (UNLIKELY(o->meta & META_F_EPH_TABLE)) {
      ephemeron_visit_table(h, a); /* values only through their keys */
      ref_bytes += size;
    } else {
      uint64_t refs = 0;
      for (uint32_t i = 0; i < n; i++) {
        tagged v = o->slots[i];
        refs += v != 0 && !is_smi(v); /* strong or weak */
        if (is_ptr(v) && obj_color(obj_at((addr_t)v)) == GC_WHITE) {
          obj_set_color(obj_at((addr_t)v), GC_GREY);
          addr_vec_push(&h->worklist, (addr_t)v);
        }
      }
      ref_bytes += HEADER_SIZE + refs * 8;
    }
    obj_set_color(o, GC_BLACK);
    ephemeron_key_marked(h, a);
    uint64_t u = (a - h->base) >> h->page_shift;
    if (u != unit) {
      if (pending) h->page_table[unit]->live_bytes += pending;
      unit = u;
      pending = 0;
    }
    pending += size;
    done += size;
  }
  if (pending) h->page_table[unit]->live_bytes += pending;
  h->marked_bytes += done;
  *cost_ns = marker_cost_ns(h, ref_bytes, done - ref_bytes);
  return done;
}

uint64_t marker_drain_paced(gc_heap *h, uint64_t budget, uint64_t budget_ns, uint64_t *ns) {
  uint64_t cost;
  uint64_t done = drain(h, budget, budget_ns, &cost);
  heap_count_work(h, cost);
  if (ns) *ns = cost;
  return done;
}

/* The concurrent markers' marking: `budget_ns` of their time, on their
 * threads -- the program's clock does not pay for it. */
uint64_t marker_drain_background(gc_heap *h, uint64_t budget_ns, uint64_t *ns) {
  *ns = 0;
  return budget_ns ? drain(h, 0, budget_ns, ns) : 0;
}

/* marker_drain_paced by bytes alone. */
uint64_t marker_drain(gc_heap *h, uint64_t budget, uint64_t *ns) { return marker_drain_paced(h, budget, 0, ns); }

/* Dijkstra insertion barrier: a white value stored while marking turns
 * grey.  A cycle that was complete has work again. */
void marking_barrier_slow(gc_heap *h, addr_t value) {
  if (!h->marking_barrier_on) return;
  if (marker_push_grey(h, value)) worklists_after_barrier_push(h);
  h->marking = GC_MARKING_MARKING;
}
