/*
 * weak.c -- weak slots, and what every GC does with weak references: the
 * list of weak holders, the processing after a Scavenge and after full-GC
 * marking, the update after objects moved, and the weak invariants'
 * check.  (Representation and invariants: weak.h.)
 *
 * Scavenge: V8's scavenger treats weak references as strong (its visitor
 * says so; test-weak-references.cc checks that a weakly held young object
 * survives and is promoted).  So do gclab's: weak_scavenge_strong, called
 * each time the Cheney scan drains, evacuates the young targets of the weak
 * slots, WeakRefs and WeakCells of live holders (young holders, and old
 * ones flagged META_F_YOUNG_WEAK), until it evacuates nothing new.  The
 * exception is ephemeron keys, weak in a Scavenge too: weak_after_scavenge
 * removes the entries whose young key was not evacuated (V8's
 * ClearYoungEphemerons), while their values are strong slots, kept by the
 * Scavenge as V8's keeps them ("values, which are treated as strong
 * independently of whether the key is live").  Every weak slot then follows
 * its target's copy.
 *
 * Full GC (weak_after_marking): after the marking fixpoint (ephemerons
 * included, ephemeron.c), white targets are dead: weak slots and WeakRefs
 * are cleared, ephemeron entries removed, cells moved to their registry's
 * cleared list (finalization.c).  Holders that are not black are dropped.
 * Then, after compaction or evacuation, weak_update_refs makes every weak
 * slot follow its target (compactor.c calls it with its resolve rule).
 */
#include <stdio.h>
#include <stdlib.h>

#include "weak.h"

weak_state *weak_state_get(gc_heap *h) {
  if (!h->weak) h->weak = calloc(1, sizeof(weak_state));
  return h->weak;
}

void weak_free(gc_heap *h) {
  weak_state *ws = h->weak;
  if (!ws) return;
  addr_vec_free(&ws->holders);
  free(ws->recs);
  free(ws->map);
  weak_ref_free(ws);
  finalization_free(ws);
  free(ws);
  h->weak = NULL;
  h->eph_pending = 0;
}

bool weak_add_holder(gc_heap *h, addr_t a, weak_kind kind) {
  weak_state *ws = weak_state_get(h);
  obj *o = obj_at(a);
  if (!ws) return false;
  if (obj_is_holder(o)) return true;
  if (!addr_vec_push(&ws->holders, a)) return false;
  o->meta |= META_F_WEAK_HOLDER | ((uint64_t)kind << META_KIND_SHIFT);
  if (kind == WK_TABLE) o->meta |= META_F_EPH_TABLE;
  return true;
}

static inline bool young_addr(const gc_heap *h, addr_t a) { return (page_of(h, a)->flags & PAGE_YOUNG) != 0; }

void weak_store_barrier(gc_heap *h, addr_t holder, addr_t target) {
  if (!young_addr(h, holder) && young_addr(h, target)) obj_at(holder)->meta |= META_F_YOUNG_WEAK;
  if (UNLIKELY(h->marking != GC_MARKING_IDLE) && obj_color(obj_at(target)) == GC_WHITE)
    marking_barrier_slow(h, target);
}

/* Virtual time of weak work: a slot visited costs what marking a
 * reference slot does. */
static uint64_t weak_cost(const gc_heap *h, uint64_t slots) { return marker_cost_ns(h, slots * 8, 0); }
void weak_charge(gc_heap *h, uint64_t slots) { heap_count_work(h, weak_cost(h, slots)); }

const char *weak_kind_name(weak_kind k) {
  static const char *const n[] = {"ordinary object", "WeakRef", "EphemeronHashTable", "WeakMap",
                                  "WeakSet", "WeakCell", "FinalizationRegistry",
                                  "SimpleNumberDictionary"};
  return (unsigned)k < sizeof n / sizeof *n ? n[k] : "?";
}

const char *weak_kind_with_article(weak_kind k) {
  static const char *const n[] = {"an ordinary object", "a WeakRef", "an EphemeronHashTable",
                                  "a WeakMap", "a WeakSet", "a WeakCell", "a FinalizationRegistry",
                                  "a registry's key map"};
  return (unsigned)k < sizeof n / sizeof *n ? n[k] : "?";
}

gc_status weak_alloc(gc_heap *h, uint32_t nslots, uint64_t bytes, const char *name, const gc_handle *init,
                     uint32_t ninit, gc_handle *out) {
  if (ninit == 0) return gc_alloc(h, nslots, bytes, name, out);
  gc_status st;
  gc_name nm;
  if ((st = gc_name_intern(h, name, &nm)) != GC_OK) return st;
  hentry *first = handle_lookup(h, init[0], true, &st);
  if (!first) return st;
  gc_handle dst = handle_new(h, first->addr);
  if (!dst) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  st = gc_alloc_into(h, nslots, bytes, nm, init, ninit, dst);
  if (st == GC_OK && !handle_scope_add(h, dst)) st = heap_fail(h, GC_ENOMEM, "out of process memory for a scope");
  if (st != GC_OK) {
    gc_handle_release(h, dst);
    return st;
  }
  *out = dst;
  return GC_OK;
}

gc_status weak_alloc_old(gc_heap *h, uint32_t nslots, const char *name, const gc_handle *keep, uint32_t nkeep,
                         gc_handle *out) {
  for (uint32_t i = 0; i < nkeep; i++)
    if (keep[i]) gc_root(h, keep[i]); /* checked handles: cannot fail */
  gc_status st = gc_alloc_old(h, nslots, 0, name, out);
  for (uint32_t i = 0; i < nkeep; i++)
    if (keep[i]) gc_unroot(h, keep[i]);
  return st;
}

gc_status weak_check_kind(gc_heap *h, gc_handle hd, weak_kind want, const char *what, addr_t *out) {
  gc_status st;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "%s: not allowed during a GC", what);
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) return st;
  obj *o = obj_at(e->addr);
  weak_kind k = obj_is_holder(o) ? obj_weak_kind(o) : WK_PLAIN;
  bool ok = k == want || (want == WK_WEAK_MAP && k == WK_WEAK_SET);
  if (!ok)
    return heap_fail(h, GC_EINVAL, "%s: expected %s%s, got object #%llu (%s, %s)", what,
                     weak_kind_with_article(want), want == WK_WEAK_MAP ? " or WeakSet" : "",
                     (unsigned long long)o->id, names_get(h, META_NAME(o->meta)),
                     weak_kind_with_article(k));
  *out = e->addr;
  return GC_OK;
}

gc_status gc_weak_kind_of(gc_heap *h, gc_handle hd, gc_weak_kind *out) {
  gc_status st;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) return st;
  const obj *o = obj_at(e->addr);
  *out = obj_is_holder(o) ? (gc_weak_kind)obj_weak_kind(o) : GC_WEAK_NONE;
  return GC_OK;
}

gc_status gc_slot_set_weak(gc_heap *h, gc_handle hd, uint32_t index, gc_handle target) {
  gc_status st;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "slot store: not allowed during a GC");
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) return st;
  hentry *t = handle_lookup(h, target, true, &st);
  if (!t) return heap_fail_arg(h, st, "target");
  obj *o = obj_at(e->addr);
  if (index >= obj_nslots(o))
    return heap_fail(h, GC_EINVAL, "index: expected 0..%u for object #%llu (%s), got %u",
                     obj_nslots(o) ? obj_nslots(o) - 1 : 0, (unsigned long long)o->id,
                     names_get(h, META_NAME(o->meta)), index);
  if (obj_slots_internal(o))
    return heap_fail(h, GC_EINVAL, "object #%llu is %s: its weak slots are its own",
                     (unsigned long long)o->id, weak_kind_with_article(obj_weak_kind(o)));
  if (!weak_add_holder(h, e->addr, WK_PLAIN))
    return heap_fail(h, GC_ENOMEM, "out of process memory for the weak holder list");
  o->slots[index] = weak_make(t->addr);
  weak_store_barrier(h, e->addr, t->addr);
  h->stores++;
  return GC_OK;
}

/* ------------------------------------------------------ per-GC processing */

/* Visit the weak slots of the live holder at `a`: a target `resolve` says
 * is dead (0) is cleared (ephemeron: the entry removed; cell: the target
 * emptied, for finalization_process); the others are rewritten to where
 * resolve says.  Keeps META_F_YOUNG_WEAK exact. */
static void process_holder(gc_heap *h, addr_t a, addr_t (*resolve)(gc_heap *, addr_t)) {
  gc_event *ev = h->current_event;
  obj *o = obj_at(a);
  weak_kind k = obj_weak_kind(o);
  uint32_t n = obj_nslots(o);
  bool young = false;
  for (uint32_t i = k == WK_TABLE ? EPH_PREFIX : 0; i < n; i++) {
    tagged t = o->slots[i];
    if (!is_weak(t)) continue;
    addr_t r = resolve(h, weak_target(t));
    if (r) {
      o->slots[i] = weak_make(r);
      young |= young_addr(h, r);
    } else if (k == WK_TABLE) {
      ephemeron_remove_entry(h, a, i);
      ev->ephemerons_removed++;
    } else {
      if (k == WK_CELL && i == CELL_TOKEN) /* the token's entry goes too (ClearJSWeakRefs) */
        key_map_remove_cell(h, (addr_t)o->slots[CELL_REGISTRY], a, obj_at(weak_target(t))->id);
      o->slots[i] = 0;
      if (k == WK_CELL && i == CELL_TARGET) {
        tagged reg = o->slots[CELL_REGISTRY]; /* strong, so already where it lives now */
        if (is_ptr(reg)) obj_at((addr_t)reg)->meta |= META_F_CELL_DIED;
      } else {
        ev->weak_slots_cleared++;
      }
    }
  }
  /* A live young large object is promoted (relinked) by this very GC. */
  bool old_holder = !young_addr(h, a) || (page_of(h, a)->flags & PAGE_LARGE);
  if (young && old_holder) o->meta |= META_F_YOUNG_WEAK;
  else o->meta &= ~META_F_YOUNG_WEAK;
  uint64_t ns = weak_cost(h, n);
  if (k == WK_TABLE) ev->clear_weak_collections_ns += ns;
  else ev->clear_weak_refs_ns += ns;
  heap_count_work(h, ns);
  ev->weak_holders++;
}

/* Where a Scavenge left the object at `a`; 0 if it died. */
static addr_t scavenge_resolve(gc_heap *h, addr_t a) {
  const page *p = page_of(h, a);
  if (p->flags & PAGE_FROM) return w0_forwarded(obj_at(a)->w0) ? forwarding(obj_at(a)) : 0;
  if ((p->flags & (PAGE_LARGE | PAGE_YOUNG)) == (PAGE_LARGE | PAGE_YOUNG))
    return (p->flags & PAGE_SURVIVOR) ? a : 0;
  return a;
}

bool weak_scavenge_strong(gc_heap *h) {
  weak_state *ws = h->weak;
  bool evacuated = false;
  if (!ws) return false;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t a = ws->holders.v[i];
    addr_t r = scavenge_resolve(h, a);
    obj *o = r ? obj_at(r) : NULL;
    if (!o || obj_weak_kind(o) == WK_TABLE) continue; /* dead (so far), or keys: weak */
    if (r == a && !young_addr(h, r) && !(o->meta & META_F_YOUNG_WEAK)) continue;
    uint32_t n = obj_nslots(o);
    for (uint32_t s = 0; s < n; s++) {
      tagged t = o->slots[s];
      if (!is_weak(t)) continue;
      addr_t target = weak_target(t);
      const page *p = page_of(h, target);
      bool from = (p->flags & PAGE_FROM) && !w0_forwarded(obj_at(target)->w0);
      bool young_large = (p->flags & (PAGE_LARGE | PAGE_YOUNG)) == (PAGE_LARGE | PAGE_YOUNG) &&
                         !(p->flags & PAGE_SURVIVOR);
      if (!from && !young_large) continue;
      o->slots[s] = weak_make(scavenge_evacuate(h, target));
      evacuated = true;
    }
  }
  return evacuated;
}

void weak_after_scavenge(gc_heap *h) {
  weak_state *ws = h->weak;
  if (!ws) return;
  if (h->eph_pending || ws->nrecs) ephemeron_after_scavenge(h, scavenge_resolve);
  size_t j = 0;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t a = ws->holders.v[i];
    addr_t r = scavenge_resolve(h, a);
    if (!r) continue;
    ws->holders.v[j++] = r;
    if (r != a || young_addr(h, r) || (obj_at(r)->meta & META_F_YOUNG_WEAK)) process_holder(h, r, scavenge_resolve);
  }
  ws->holders.n = j;
  finalization_update(h, scavenge_resolve);
  finalization_process(h);
}

static addr_t marked_resolve(gc_heap *h, addr_t a) {
  (void)h;
  return obj_color(obj_at(a)) == GC_BLACK ? a : 0;
}

void weak_after_marking(gc_heap *h) {
  weak_state *ws = h->weak;
  if (!ws) return;
  if (h->verify_each_gc && !ws->corrupt[0])
    ephemeron_verify_marking(h, NULL, NULL, ws->corrupt, sizeof ws->corrupt);
  ephemeron_marking_reset(h);
  size_t j = 0;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t a = ws->holders.v[i];
    if (obj_color(obj_at(a)) != GC_BLACK) continue;
    ws->holders.v[j++] = a;
    process_holder(h, a, marked_resolve);
  }
  ws->holders.n = j;
  finalization_process(h);
}

void weak_update_refs(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t)) {
  weak_state *ws = h->weak;
  if (!ws) return;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t a = ws->holders.v[i];
    addr_t cur = w0_forwarded(obj_at(a)->w0) ? forwarding(obj_at(a)) : a; /* where it is readable now */
    addr_t fin = resolve(h, a);
    obj *o = obj_at(cur);
    uint32_t n = obj_nslots(o);
    bool young = false;
    for (uint32_t s = 0; s < n; s++) {
      tagged t = o->slots[s];
      if (!is_weak(t)) continue;
      addr_t r = resolve(h, weak_target(t));
      o->slots[s] = weak_make(r);
      young |= young_addr(h, r);
    }
    if (young && !young_addr(h, fin)) o->meta |= META_F_YOUNG_WEAK;
    else o->meta &= ~META_F_YOUNG_WEAK;
    ws->holders.v[i] = fin;
  }
  finalization_update(h, resolve);
}

/* --------------------------------------------------------------- verify */

typedef struct wv {
  gc_heap *h;
  bool (*is_start)(const void *, addr_t);
  const void *ctx;
  uint64_t flagged;
  char msg[256];
} wv;

static void verify_object(gc_heap *h, addr_t a, wv *v) {
  if (v->msg[0]) return;
  obj *o = obj_at(a);
  bool holder = obj_is_holder(o);
  v->flagged += holder;
  uint32_t n = obj_nslots(o);
  bool old = !young_addr(h, a);
  for (uint32_t i = 0; i < n; i++) {
    tagged t = o->slots[i];
    if (!is_weak(t)) continue;
    addr_t r = weak_target(t);
    if (!holder) {
      snprintf(v->msg, sizeof v->msg, "object #%llu (%s) slot %u is weak but the object is not a weak holder",
               (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), i);
      return;
    }
    if (!v->is_start(v->ctx, r) || (page_of(h, r)->flags & PAGE_FROM)) {
      snprintf(v->msg, sizeof v->msg, "weak slot %u of object #%llu (%s) points to a freed object", i,
               (unsigned long long)o->id, names_get(h, META_NAME(o->meta)));
      return;
    }
    if (old && young_addr(h, r) && !(o->meta & META_F_YOUNG_WEAK)) {
      snprintf(v->msg, sizeof v->msg,
               "old object #%llu (%s) has a weak slot %u to young #%llu but is not flagged for Scavenges",
               (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), i, (unsigned long long)obj_at(r)->id);
      return;
    }
  }
  if (holder && obj_weak_kind(o) == WK_TABLE) {
    uint64_t live = 0, holes = 0;
    for (uint32_t i = EPH_PREFIX; i + 1 < n; i += 2) {
      if (is_weak(o->slots[i])) live++;
      else if (o->slots[i] == EPH_HOLE) holes++;
      else if (o->slots[i] != 0) snprintf(v->msg, sizeof v->msg, "table #%llu: key slot %u holds no key",
                                          (unsigned long long)o->id, i);
      if (!is_weak(o->slots[i]) && o->slots[i + 1] != 0 && !v->msg[0])
        snprintf(v->msg, sizeof v->msg, "table #%llu: entry at slot %u has a value but no key",
                 (unsigned long long)o->id, i);
    }
    /* the deleted count may exceed the holes: an add that reuses one does
     * not give it back (V8's HashTable::ElementAdded; ephemeron.c) */
    if (!v->msg[0] && (o->slots[0] != gc_smi_tag((int32_t)live) || smi_untag(o->slots[1]) < (int64_t)holes))
      snprintf(v->msg, sizeof v->msg, "table #%llu: counters say %d entries and %d deleted, it holds %llu and %llu",
               (unsigned long long)o->id, smi_untag(o->slots[0]), smi_untag(o->slots[1]),
               (unsigned long long)live, (unsigned long long)holes);
  }
}

static int addr_cmp(const void *a, const void *b) {
  addr_t x = *(const addr_t *)a, y = *(const addr_t *)b;
  return x < y ? -1 : x > y;
}

gc_status weak_verify(gc_heap *h, bool marking, bool (*is_start)(const void *, addr_t), const void *ctx) {
  weak_state *ws = h->weak;
  wv v = {h, is_start, ctx, 0, ""};
  if (ws && ws->corrupt[0]) {
    snprintf(v.msg, sizeof v.msg, "%s", ws->corrupt);
    ws->corrupt[0] = 0;
  }
  size_t nh = ws ? ws->holders.n : 0;
  addr_t *sorted = nh ? malloc(nh * sizeof *sorted) : NULL;
  if (nh && !sorted) return heap_fail(h, GC_ENOMEM, "verify: out of process memory");
  for (size_t i = 0; i < nh && !v.msg[0]; i++) {
    addr_t a = ws->holders.v[i];
    sorted[i] = a;
    if (!is_start(ctx, a) || !obj_is_holder(obj_at(a)))
      snprintf(v.msg, sizeof v.msg, "weak holder list entry %zu is not a live weak holder", i);
  }
  if (!v.msg[0] && nh) {
    qsort(sorted, nh, sizeof *sorted, addr_cmp);
    for (size_t i = 1; i < nh && !v.msg[0]; i++)
      if (sorted[i] == sorted[i - 1])
        snprintf(v.msg, sizeof v.msg, "object #%llu is listed twice as a weak holder",
                 (unsigned long long)obj_at(sorted[i])->id);
  }
  free(sorted);
  if (!v.msg[0]) {
    page *lists[] = {h->new_space.semi[h->new_space.to].head, h->old.pages.head};
    for (int l = 0; l < 2; l++)
      for (page *p = lists[l]; p && !v.msg[0]; p = p->next)
        for (page_cursor c = page_walk(h, p); page_next_object(&c) && !v.msg[0];) verify_object(h, c.a, &v);
    for (page *p = h->lo.pages.head; p && !v.msg[0]; p = p->next) verify_object(h, p->start, &v);
    for (page *p = h->nlo.pages.head; p && !v.msg[0]; p = p->next) verify_object(h, p->start, &v);
  }
  if (!v.msg[0] && v.flagged != nh)
    snprintf(v.msg, sizeof v.msg, "%llu objects are flagged weak holders but %zu are listed",
             (unsigned long long)v.flagged, nh);
  if (!v.msg[0] && marking) ephemeron_verify_marking(h, is_start, ctx, v.msg, sizeof v.msg);
  if (!v.msg[0]) finalization_verify(h, v.msg, sizeof v.msg);
  if (v.msg[0]) return heap_fail(h, GC_ECORRUPT, "verify: %s", v.msg);
  return GC_OK;
}
