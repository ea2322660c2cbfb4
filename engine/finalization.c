/*
 * finalization.c -- FinalizationRegistry: registries, their WeakCells, and
 * the queue of cleanups, as V8's JSFinalizationRegistry and WeakCell.
 *
 * A registry ("FinalizationRegistry") holds two doubly linked lists of
 * cells: active_cells (registered, target alive) and cleared_cells (target
 * died, cleanup not yet run).  A cell ("WeakCell") holds its target and its
 * unregister token weakly, its held value strongly.  Registering puts the
 * cell at the head of active_cells (JSFinalizationRegistry::
 * RegisterWeakCellWithUnregisterToken); a cell with a token is entered in
 * the registry's key map (key_map.c), through which unregister finds it.
 *
 * In a GC (weak.c) a cell whose target died gets an empty target and flags
 * its registry; finalization_process then walks each flagged registry's
 * active_cells from the head -- the order V8's marker reaches them -- and
 * moves every such cell to the head of cleared_cells (WeakCell::Nullify).
 * A registry that gets its first cleared cell is appended to the heap's
 * queue of dirty registries (Heap::EnqueueDirtyJSFinalizationRegistry) and
 * its internal handle is rooted, so the registry, its cells and their held
 * values stay alive until the cleanup, even if the program drops the
 * registry.  Nothing runs inside the GC.  gc_cleanup_next takes the queue's
 * first registry and pops its cleared_cells head (JSFinalizationRegistry::
 * PopClearedCellHoldings); a registry whose list is empty leaves the queue.
 * So cells cleared in one GC come out oldest registration first; cells of
 * a later GC come before the older ones still queued, as in V8.
 *
 * The queue is linked through the registries' next_dirty slots (strong),
 * its head and tail are kept in weak_state and follow moves.  Nothing here
 * allocates during a GC: the registry's internal handle exists from its
 * creation (its value is in the registry's payload, after the slots).
 */
#include <stdio.h>
#include <stdlib.h>

#include "weak.h"

static inline tagged S(addr_t a, uint32_t i) { return obj_at(a)->slots[i]; }
static inline addr_t ref_at(addr_t a, uint32_t i) { return is_ptr(S(a, i)) ? (addr_t)S(a, i) : 0; }
static inline gc_handle *reg_handle(addr_t reg) { return (gc_handle *)(void *)&obj_at(reg)->slots[REG_SLOTS]; }

static void set_ref(gc_heap *h, addr_t holder, uint32_t i, addr_t v) { weak_set_strong(h, holder, i, (tagged)v); }

/* Take `cell` out of the list at registry slot `list`. */
static void unlink_cell(gc_heap *h, addr_t reg, uint32_t list, addr_t cell) {
  addr_t prev = ref_at(cell, CELL_PREV), next = ref_at(cell, CELL_NEXT);
  if (prev) set_ref(h, prev, CELL_NEXT, next);
  else set_ref(h, reg, list, next);
  if (next) set_ref(h, next, CELL_PREV, prev);
  obj_at(cell)->slots[CELL_PREV] = obj_at(cell)->slots[CELL_NEXT] = 0;
}

static void push_cell(gc_heap *h, addr_t reg, uint32_t list, addr_t cell) {
  addr_t head = ref_at(reg, list);
  set_ref(h, cell, CELL_NEXT, head);
  obj_at(cell)->slots[CELL_PREV] = 0;
  if (head) set_ref(h, head, CELL_PREV, cell);
  set_ref(h, reg, list, cell);
}

static void schedule(gc_heap *h, addr_t reg) {
  weak_state *ws = h->weak;
  if (smi_untag(S(reg, REG_FLAGS)) & REG_SCHEDULED) return;
  obj_at(reg)->slots[REG_FLAGS] = smi_tag(smi_untag(S(reg, REG_FLAGS)) | REG_SCHEDULED);
  hentry *e = handle_try(h, *reg_handle(reg), false);
  if (e) handle_root_add(h, e);
  obj_at(reg)->slots[REG_NEXT_DIRTY] = 0;
  if (ws->dirty_tail) set_ref(h, ws->dirty_tail, REG_NEXT_DIRTY, reg);
  else ws->dirty_head = reg;
  ws->dirty_tail = reg;
}

static void dequeue_head(gc_heap *h) {
  weak_state *ws = h->weak;
  addr_t reg = ws->dirty_head;
  ws->dirty_head = ref_at(reg, REG_NEXT_DIRTY);
  if (!ws->dirty_head) ws->dirty_tail = 0;
  obj_at(reg)->slots[REG_NEXT_DIRTY] = 0;
  obj_at(reg)->slots[REG_FLAGS] = smi_tag(smi_untag(S(reg, REG_FLAGS)) & ~REG_SCHEDULED);
  hentry *e = handle_try(h, *reg_handle(reg), false);
  if (e) handle_root_drop(h, e);
}

void finalization_process(gc_heap *h) {
  weak_state *ws = h->weak;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t reg = ws->holders.v[i];
    if (!(obj_at(reg)->meta & META_F_CELL_DIED)) continue;
    obj_at(reg)->meta &= ~META_F_CELL_DIED;
    for (addr_t c = ref_at(reg, REG_ACTIVE), next; c; c = next) {
      next = ref_at(c, CELL_NEXT);
      if (S(c, CELL_TARGET) != 0) continue;
      unlink_cell(h, reg, REG_ACTIVE, c);
      push_cell(h, reg, REG_CLEARED, c);
      h->current_event->cells_queued++;
      schedule(h, reg);
    }
  }
}

void finalization_update(gc_heap *h, addr_t (*resolve)(gc_heap *, addr_t)) {
  weak_state *ws = h->weak;
  if (ws->dirty_head) ws->dirty_head = resolve(h, ws->dirty_head);
  if (ws->dirty_tail) ws->dirty_tail = resolve(h, ws->dirty_tail);
}

/* ------------------------------------------------------------------ API */

gc_status gc_finreg_new(gc_heap *h, gc_handle *out) {
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "finalization_registry: not allowed during a GC");
  weak_state *ws = weak_state_get(h);
  if (!ws) return heap_fail(h, GC_ENOMEM, "out of process memory for the weak state");
  if (ws->nreg >= ws->reg_sweep_at) { /* forget the handles of dead registries */
    size_t j = 0;
    for (size_t i = 0; i < ws->nreg; i++)
      if (handle_try(h, ws->reg_handles[i], true)) ws->reg_handles[j++] = ws->reg_handles[i];
      else gc_handle_release(h, ws->reg_handles[i]);
    ws->nreg = j;
    ws->reg_sweep_at = j * 2 > 64 ? j * 2 : 64;
  }
  gc_handle *v = array_make_room(ws->reg_handles, &ws->cap_reg, ws->nreg, sizeof *v, 16);
  if (!v) return heap_fail(h, GC_ENOMEM, "out of process memory for a registry");
  ws->reg_handles = v;
  gc_handle r;
  gc_status st = gc_alloc(h, REG_SLOTS, gc_default_size(REG_SLOTS) + 8, "FinalizationRegistry", &r);
  if (st != GC_OK) return st;
  addr_t a = weak_addr(h, r);
  gc_handle own = handle_new(h, a);
  if (!own || !weak_add_holder(h, a, WK_REGISTRY)) {
    if (own) gc_handle_release(h, own);
    gc_handle_release(h, r);
    return heap_fail(h, GC_ENOMEM, "out of process memory for a registry");
  }
  obj_at(a)->slots[REG_FLAGS] = smi_tag(0);
  *reg_handle(a) = own;
  ws->reg_handles[ws->nreg++] = own;
  *out = r;
  return GC_OK;
}

gc_status gc_finreg_register(gc_heap *h, gc_handle reg, gc_handle target, const gc_value *held,
                             gc_handle token) {
  addr_t r;
  gc_status st = weak_check_kind(h, reg, WK_REGISTRY, "register", &r);
  if (st != GC_OK) return st;
  addr_t t = weak_addr(h, target);
  if (!t) return heap_fail_arg(h, GC_EINVAL, "target");
  gc_value none = {GC_SLOT_EMPTY, 0, GC_NO_HANDLE};
  if (!held) held = &none;
  if (held->kind == GC_SLOT_REF) {
    addr_t v = weak_addr(h, held->ref);
    if (!v) return heap_fail_arg(h, GC_EINVAL, "held value");
    if (v == t) return heap_fail(h, GC_EINVAL, "held value: must not be the target itself (V8: TypeError)");
  } else if (held->kind == GC_SLOT_SMI && (held->smi < GC_SMI_MIN || held->smi > GC_SMI_MAX)) {
    return heap_fail(h, GC_EINVAL, "held value: expected a small integer (%d..%d), got %lld", GC_SMI_MIN,
                     GC_SMI_MAX, (long long)held->smi);
  } else if (held->kind != GC_SLOT_SMI && held->kind != GC_SLOT_EMPTY) {
    return heap_fail(h, GC_EINVAL, "held value: expected empty, a small integer or an object");
  }
  if (token != GC_NO_HANDLE && !weak_addr(h, token))
    return heap_fail_arg(h, GC_EINVAL, "unregister token");
  /* V8 allocates a WeakCell old ("new (Pretenured) WeakCell" in
   * FinalizationRegistryRegister: its weakness is handled by full GCs
   * only); everything it will refer to lives through the GC the
   * allocation may run. */
  gc_handle keep[] = {target, held->kind == GC_SLOT_REF ? held->ref : GC_NO_HANDLE, token, reg};
  gc_handle c;
  st = weak_alloc_old(h, CELL_SLOTS, "WeakCell", keep, sizeof keep / sizeof *keep, &c);
  if (st != GC_OK) return st;
  addr_t ca = weak_addr(h, c);
  if (!weak_add_holder(h, ca, WK_CELL)) {
    gc_handle_release(h, c);
    return heap_fail(h, GC_ENOMEM, "out of process memory for the weak holder list");
  }
  r = weak_addr(h, reg);
  t = weak_addr(h, target);
  obj_at(ca)->slots[CELL_TARGET] = weak_make(t);
  weak_store_barrier(h, ca, t);
  if (held->kind == GC_SLOT_REF) set_ref(h, ca, CELL_HOLDINGS, weak_addr(h, held->ref));
  else if (held->kind == GC_SLOT_SMI) obj_at(ca)->slots[CELL_HOLDINGS] = smi_tag((int32_t)held->smi);
  set_ref(h, ca, CELL_REGISTRY, r);
  push_cell(h, r, REG_ACTIVE, ca);
  h->stores++;
  if (token != GC_NO_HANDLE) {
    /* then the token's entry (FinalizationRegistryRegister's runtime call
     * RegisterWeakCellWithUnregisterToken); the target and the held value
     * live through the GC it may run, as V8's handles hold them */
    gc_root(h, target);
    if (held->kind == GC_SLOT_REF) gc_root(h, held->ref);
    st = key_map_add(h, reg, c, token);
    gc_unroot(h, target);
    if (held->kind == GC_SLOT_REF) gc_unroot(h, held->ref);
    if (st != GC_OK) { /* not registered after all */
      r = weak_addr(h, reg);
      ca = weak_addr(h, c);
      unlink_cell(h, r, REG_ACTIVE, ca);
      obj_at(ca)->slots[CELL_TARGET] = obj_at(ca)->slots[CELL_HOLDINGS] = 0;
      gc_handle_release(h, c);
      return st;
    }
  }
  gc_handle_release(h, c);
  return GC_OK;
}

/* An unregistered cell leaves its registry's lists (JSFinalizationRegistry::
 * Unregister, kRemoveMatchedCellsFromRegistry) and keeps nothing. */
static void drop_cell(gc_heap *h, addr_t reg, addr_t c) {
  /* the list matters only when the cell heads one */
  unlink_cell(h, reg, ref_at(reg, REG_CLEARED) == c ? REG_CLEARED : REG_ACTIVE, c);
  obj_at(c)->slots[CELL_TARGET] = obj_at(c)->slots[CELL_HOLDINGS] = obj_at(c)->slots[CELL_TOKEN] = 0;
}

gc_status gc_finreg_unregister(gc_heap *h, gc_handle reg, gc_handle token, bool *removed) {
  addr_t r;
  gc_status st = weak_check_kind(h, reg, WK_REGISTRY, "unregister", &r);
  if (st != GC_OK) return st;
  addr_t k = weak_addr(h, token);
  if (!k) return heap_fail_arg(h, GC_EINVAL, "unregister token");
  bool any = key_map_remove_token(h, r, k, drop_cell);
  if (removed) *removed = any;
  return GC_OK;
}

static uint64_t list_length(addr_t reg, uint32_t list) {
  uint64_t n = 0;
  for (addr_t c = ref_at(reg, list); c; c = ref_at(c, CELL_NEXT)) n++;
  return n;
}

gc_status gc_finreg_counts(gc_heap *h, gc_handle reg, uint64_t *active, uint64_t *queued) {
  addr_t r;
  gc_status st = weak_check_kind(h, reg, WK_REGISTRY, "finalization_registry counts", &r);
  if (st != GC_OK) return st;
  if (active) *active = list_length(r, REG_ACTIVE);
  if (queued) *queued = list_length(r, REG_CLEARED);
  return GC_OK;
}

gc_status gc_cleanup_next(gc_heap *h, bool *got, uint64_t *registry_id, gc_slot_value *held,
                          gc_handle *held_ref) {
  if (!got || !held) return heap_fail(h, GC_EINVAL, "got, held: expected pointers, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "run_cleanup: not allowed during a GC");
  *got = false;
  memset(held, 0, sizeof *held);
  if (held_ref) *held_ref = GC_NO_HANDLE;
  weak_state *ws = h->weak;
  while (ws && ws->dirty_head) {
    addr_t reg = ws->dirty_head;
    addr_t c = ref_at(reg, REG_CLEARED);
    if (!c) {
      dequeue_head(h);
      continue;
    }
    tagged v = S(c, CELL_HOLDINGS);
    if (is_ptr(v) && held_ref && !(*held_ref = handle_new(h, (addr_t)v)))
      return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
    unlink_cell(h, reg, REG_CLEARED, c);
    obj_at(c)->slots[CELL_HOLDINGS] = 0;
    if (is_weak(S(c, CELL_TOKEN))) { /* PopClearedCellHoldings: out of the key map too */
      key_map_remove_cell(h, reg, c, obj_at(weak_target(S(c, CELL_TOKEN)))->id);
      obj_at(c)->slots[CELL_TOKEN] = 0;
    }
    if (is_smi(v)) {
      held->kind = GC_SLOT_SMI;
      held->smi = smi_untag(v);
    } else if (is_ptr(v)) {
      held->kind = GC_SLOT_REF;
      held->ref_id = obj_at((addr_t)v)->id;
    }
    if (registry_id) *registry_id = obj_at(reg)->id;
    if (!ref_at(reg, REG_CLEARED)) dequeue_head(h);
    *got = true;
    return GC_OK;
  }
  return GC_OK;
}

size_t gc_cleanup_pending(const gc_heap *h) {
  size_t n = 0;
  for (addr_t r = h->weak ? h->weak->dirty_head : 0; r; r = ref_at(r, REG_NEXT_DIRTY))
    n += list_length(r, REG_CLEARED);
  return n;
}

gc_status finalization_verify(gc_heap *h, char *msg, size_t len) {
  weak_state *ws = h->weak;
  if (!ws) return GC_OK;
  uint64_t scheduled = 0, queued = 0;
  for (size_t i = 0; i < ws->holders.n; i++) {
    addr_t reg = ws->holders.v[i];
    if (obj_weak_kind(obj_at(reg)) != WK_REGISTRY) continue;
    gc_status st = key_map_verify(h, reg, msg, len);
    if (st != GC_OK) return st;
    bool sched = (smi_untag(S(reg, REG_FLAGS)) & REG_SCHEDULED) != 0;
    scheduled += sched;
    static const uint32_t lists[] = {REG_ACTIVE, REG_CLEARED};
    for (int l = 0; l < 2; l++) {
      addr_t prev = 0;
      for (addr_t c = ref_at(reg, lists[l]); c; prev = c, c = ref_at(c, CELL_NEXT)) {
        const char *bad = NULL;
        if (obj_weak_kind(obj_at(c)) != WK_CELL) bad = "holds an object that is not a WeakCell";
        else if (ref_at(c, CELL_REGISTRY) != reg) bad = "holds a cell of another registry";
        else if (ref_at(c, CELL_PREV) != prev) bad = "has a broken prev link";
        else if (l == 0 && !is_weak(S(c, CELL_TARGET))) bad = "has an active cell without a target";
        else if (l == 1 && S(c, CELL_TARGET) != 0) bad = "has a queued cell whose target is alive";
        else if (l == 1 && !sched) bad = "has queued cells but is not scheduled for cleanup";
        else if (is_weak(S(c, CELL_TOKEN)) && !key_map_holds(reg, c)) bad = "has a cell with a token but no key map entry";
        if (bad) {
          snprintf(msg, len, "FinalizationRegistry #%llu %s (cell #%llu)", (unsigned long long)obj_at(reg)->id, bad,
                   (unsigned long long)obj_at(c)->id);
          return GC_ECORRUPT;
        }
      }
    }
  }
  for (addr_t r = ws->dirty_head; r; r = ref_at(r, REG_NEXT_DIRTY)) {
    hentry *e = handle_try(h, *reg_handle(r), true);
    if (!e || !e->roots || e->addr != r || !(smi_untag(S(r, REG_FLAGS)) & REG_SCHEDULED)) {
      snprintf(msg, len, "queued FinalizationRegistry #%llu is not scheduled and rooted", (unsigned long long)obj_at(r)->id);
      return GC_ECORRUPT;
    }
    queued++;
    if (!ref_at(r, REG_NEXT_DIRTY) && r != ws->dirty_tail) {
      snprintf(msg, len, "the cleanup queue's tail is not its last registry");
      return GC_ECORRUPT;
    }
  }
  if (queued != scheduled) {
    snprintf(msg, len, "%llu registries scheduled for cleanup but %llu queued", (unsigned long long)scheduled,
             (unsigned long long)queued);
    return GC_ECORRUPT;
  }
  return GC_OK;
}

void finalization_free(weak_state *ws) {
  free(ws->reg_handles);
}
