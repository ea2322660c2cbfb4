/*
 * engine_calls.h -- what each engine file offers the others: its internal
 * functions, grouped by the file that defines them, with the fast paths
 * that are inline here (new_space_alloc, names_intern, the write
 * barrier's inline half).  The structures they work on are heap_internal.h's,
 * which includes this header at its end; engine files include
 * heap_internal.h.
 */
#ifndef GCLAB_ENGINE_CALLS_H
#define GCLAB_ENGINE_CALLS_H

#include "heap_internal.h"

/* pages.c */
bool pages_init(gc_heap *h);
void pages_destroy(gc_heap *h);
page *page_take(gc_heap *h, uint32_t units, gc_space space, uint32_t flags);
void page_release(gc_heap *h, page *p);
/* The bytes a page commits: its units, header and all. */
static inline uint64_t page_bytes(const gc_heap *h, const page *p) { return (uint64_t)p->units << h->page_shift; }
/* The object bytes a regular (one-unit) page holds. */
static inline uint64_t page_area(const gc_heap *h) { return h->cfg.page_size - h->cfg.page_header; }
void page_list_append(page_list *l, page *p);
void page_list_remove(page_list *l, page *p);
void page_list_insert_sorted(page_list *l, page *p);

/* slot_set.c */
bool slot_set_insert(gc_heap *h, page *p, addr_t slot);
void slot_set_remove(page *p, addr_t slot);
void slot_set_remove_range(page *p, addr_t from, addr_t to);
bool slot_set_contains(const page *p, addr_t slot);
void slot_set_free(page *p);
size_t slot_set_count(const page *p);
/* Visit each recorded slot; fn returns false to clear the bit. */
typedef bool (*slot_fn)(gc_heap *h, page *p, addr_t slot, void *ud);
void slot_set_iterate(gc_heap *h, page *p, slot_fn fn, void *ud);

/* util.c: interned object names */
uint32_t names_intern_slow(gc_heap *h, const char *s);
/* The id of name `s` (NULL: "Object"), interning it; 0 on out-of-memory.
 * Inline for the common case, the same name as the last call. */
static inline uint32_t names_intern(gc_heap *h, const char *s) {
  if (!s) return 0; /* "Object" is interned first, at heap creation */
  if ((uintptr_t)s == h->names.last && strcmp(h->names.v[h->names.last_id], s) == 0)
    return h->names.last_id;
  return names_intern_slow(h, s);
}
const char *names_get(const gc_heap *h, uint32_t id);

void names_free(gc_heap *h);

/* new_space.c */
bool new_space_init(gc_heap *h);
addr_t new_space_alloc_slow(gc_heap *h, uint64_t size); /* next page, or 0 when full */
/* Bump allocation in To-space; 0 when full.  Inline: the mutator's and the
 * scavenger's hottest path. */
static inline addr_t new_space_alloc(gc_heap *h, uint64_t size) {
  addr_t a = h->new_space.top;
  if (LIKELY(a + size <= h->new_space.limit)) {
    h->new_space.top = a + size;
    return a;
  }
  return new_space_alloc_slow(h, size);
}
void new_space_flip(gc_heap *h);                    /* swap semispaces, reset top */
void new_space_seal(gc_heap *h);                    /* filler from top to page end */
uint64_t new_space_allocated_extent(const gc_heap *h); /* V8's SemiSpaceNewSpace::Size() */
/* V8's SemiSpaceNewSpace::Capacity(): what a semispace's objects can take,
 * its pages without their headers (new_space.capacity is the semispace's
 * size, V8's TotalCapacity()). */
static inline uint64_t new_space_object_capacity(const gc_heap *h) {
  return (h->new_space.capacity >> h->page_shift) * page_area(h);
}
/* During a GC, after new_space_flip: a survivor's place in To-space, 0
 * when there is none.  V8's evacuators copy into local allocation buffers
 * (new_space.copy_lab; new_space_copy_alloc_slow takes the next one). */
addr_t new_space_copy_alloc_slow(gc_heap *h, uint64_t size);
static inline addr_t new_space_copy_alloc(gc_heap *h, uint64_t size) {
  new_space *n = &h->new_space;
  if (LIKELY(size <= n->copy_lab_left && n->top + size <= n->limit)) {
    addr_t a = n->top;
    n->top += size;
    n->copy_lab_left -= size;
    return a;
  }
  return new_space_copy_alloc_slow(h, size);
}
void new_space_resize_at_gc_start(gc_heap *h, bool reduce_memory);
void new_space_after_scavenge(gc_heap *h, uint64_t survived_bytes);
bool new_space_resize(gc_heap *h, uint64_t capacity);
void new_space_reduce_size(gc_heap *h);

/* old_space.c */
addr_t old_space_alloc(gc_heap *h, uint64_t size); /* 0 when no room */
void old_space_free_lab(gc_heap *h);
void free_list_add(gc_heap *h, addr_t a, uint64_t size);
void free_list_clear(gc_heap *h);
void old_space_release_page(gc_heap *h, page *p); /* the free lists were cleared */
uint64_t old_gen_size(const gc_heap *h); /* old + large object bytes */
/* The old generation's committed memory: old-space pages and old
 * large-object pages (V8's CommittedOldGenerationMemory; the memory
 * reducer's measure). */
uint64_t old_gen_committed(const gc_heap *h);
/* What the old generation holds against its maximum: old-space pages'
 * object areas (a page less its header), and the old large objects'
 * bytes, not their pages (V8's OldGenerationCapacity: PagedSpace::
 * Capacity() of each paged space plus the large-object spaces'
 * SizeOfObjects()). */
uint64_t old_gen_capacity(const gc_heap *h);
/* old_space_alloc that takes a fresh page only while old_gen_capacity
 * stays within max_capacity; 0 otherwise. */
addr_t old_space_alloc_within(gc_heap *h, uint64_t size, uint64_t max_capacity);
/* old_space_alloc on fresh pages only, never a free block; past any limit. */
addr_t old_space_alloc_fresh(gc_heap *h, uint64_t size);
uint64_t page_largest_free(const gc_heap *h, const page *p);

/* large_object_space.c */
addr_t lo_alloc(gc_heap *h, uint64_t size, bool young);
uint32_t lo_promote_young_survivors(gc_heap *h, bool by_marking);
void lo_release(gc_heap *h, lo_space *s, page *p);

/* objects.c */
void obj_init(gc_heap *h, addr_t a, uint64_t size, uint32_t nslots, uint32_t name, uint32_t color);
void record_old_to_new(gc_heap *h, addr_t holder, addr_t slot);
void object_info_fill(const gc_heap *h, addr_t a, gc_object_info *info);

/* the write barrier: the inline half here, marking_barrier_slow in marker.c */
void marking_barrier_slow(gc_heap *h, addr_t value);
static inline void write_barrier(gc_heap *h, addr_t holder, tagged *slot, tagged v) {
  if (!is_ptr(v)) return;
  const page *hp = page_of(h, holder);
  const page *vp = page_of(h, (addr_t)v);
  if (UNLIKELY(!(hp->flags & PAGE_YOUNG) && (vp->flags & PAGE_YOUNG)))
    record_old_to_new(h, holder, (addr_t)slot);
  /* On until the atomic pause: a "complete" cycle whose worklist is empty
   * must still see stores, or the pause would free what they link in. */
  if (UNLIKELY(h->marking != GC_MARKING_IDLE) && obj_color(obj_at((addr_t)v)) == GC_WHITE)
    marking_barrier_slow(h, (addr_t)v);
}

/* scavenger.c: the young-generation collector, the mechanism */
void scavenge(gc_heap *h);
/* Evacuate a young object (forward if already copied); returns its new address. */
addr_t scavenge_evacuate(gc_heap *h, addr_t a);

/* marker.c */
void marker_start(gc_heap *h);          /* a new cycle: clear the worklist and live bytes */
bool marker_push_grey(gc_heap *h, addr_t a); /* white -> grey and push */
uint64_t marker_drain(gc_heap *h, uint64_t budget, uint64_t *ns); /* returns bytes marked */
uint64_t marker_drain_paced(gc_heap *h, uint64_t budget, uint64_t budget_ns, uint64_t *ns);
uint64_t marker_cost_ns(const gc_heap *h, uint64_t ref_bytes, uint64_t scalar_bytes);
void marker_mark_roots(gc_heap *h);        /* grey every root */
void marker_mark_persistent_roots(gc_heap *h); /* grey gc_root's roots, not scopes' */
void marker_mark_runtime_roots(gc_heap *h); /* the boot heap's roots and the KeepDuringJob set */
uint64_t marker_drain_background(gc_heap *h, uint64_t budget_ns, uint64_t *ns); /* the markers' time, not the program's */

/* full_gc.c: the stop-the-world old-generation collector, Mark-Sweep or
 * Mark-Compact (kind), the mechanism; collector.c decides when. */
void mark_sweep_or_compact(gc_heap *h, gc_kind kind, gc_compaction strategy, bool reduce_memory);

/* sweeper.c */
uint64_t sweep_page(gc_heap *h, page *p);
void sweep_old_space(gc_heap *h);
void sweep_large_objects(gc_heap *h);
void sweeper_start(gc_heap *h);
uint64_t sweeper_complete(gc_heap *h);

/* compactor.c */
uint32_t compact_select_candidates(gc_heap *h, bool reduce_memory);
void compact_evacuate_candidates(gc_heap *h);
void compact_release_candidates(gc_heap *h);
void compact_slide(gc_heap *h);
void update_all_references(gc_heap *h); /* after objects moved */
void update_young_references(gc_heap *h); /* after only young objects moved */

/* handles.c: what the collectors need (the API's inline fast paths are in
 * handles.h) */
void handles_free_all(gc_heap *h);
void handles_mark_dead_after_marking(gc_heap *h);
void handles_update_after_scavenge(gc_heap *h);
void handles_update_after_full(gc_heap *h);
void handles_visit_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud);
/* Only the gc_root roots, not what scopes hold (V8: not the stack and the
 * main thread's handles). */
void handles_visit_persistent_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud);
void handles_visit_boot_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud);
void handles_close_boot_roots(gc_heap *h); /* the roots made so far are the boot heap's */

/* allocator.c */
uint64_t heap_fast_alloc_max(const gc_heap *h); /* what fast_alloc_max should be */
static inline void heap_update_fast_alloc(gc_heap *h) { h->fast_alloc_max = heap_fast_alloc_max(h); }

/* collector.c */
/* What a collection is asked for (V8's space argument of CollectGarbage);
 * select_collector turns it into a kind. */
typedef enum gc_request {
  GC_REQUEST_OLD,              /* old space, large objects, gc_full_gc: a full GC */
  GC_REQUEST_YOUNG_ALLOCATION, /* new space is full, or a stress scavenge */
  GC_REQUEST_YOUNG_EXPLICIT,   /* gc_scavenge: a Scavenge unless it might not succeed */
  GC_REQUEST_YOUNG_FORCED      /* a Scavenge whatever */
} gc_request;
/* Choose the collection for `request` and run it; *ran (if not NULL) says
 * which kind ran. */
gc_status collect_garbage(gc_heap *h, gc_request request, gc_reason reason, gc_kind *ran);
/* Run one collection of `kind` and record its event: the only place where
 * objects move or die. */
gc_status heap_collect(gc_heap *h, gc_kind kind, gc_reason reason, const char *collector_reason,
                       gc_compaction strategy, bool reduce_memory);
/* Charge `ns` of counted GC work to the virtual clock. */
static inline void heap_count_work(gc_heap *h, uint64_t ns) { h->gc_ns_total += ns; }

/* heap_controller.c */
uint64_t heap_initial_old_limit(const gc_config *c);
void heap_update_old_limit(gc_heap *h, uint64_t gc_ns, uint64_t marked, bool reduce_memory); /* after a full GC */
bool heap_optimize_for_memory(const gc_heap *h);
/* After every GC: record its young survival (`survived` of `young_before`
 * bytes) and, while the initial limit is not configured, lower it. */
void heap_shrink_initial_old_limit(gc_heap *h, uint64_t survived, uint64_t young_before);
double heap_average_survival(const gc_heap *h); /* V8's AverageSurvivalRatio, % */
/* allocation_rate.c: V8's GCTracer allocation samples and throughput */
void allocation_rate_gc_start(gc_heap *h, uint64_t mutator_ns);
void allocation_rate_gc_end(gc_heap *h, uint64_t promoted);
double allocation_throughput(const gc_heap *h); /* bytes per ms */
/* V8's Heap::HasLowAllocationRate at `now`, outside a GC. */
bool allocation_rate_low(const gc_heap *h, uint64_t now);
/* V8's Heap::kLowAllocationThroughput (Heap::ReduceNewSpaceSize): under
 * it, in bytes per ms, new space shrinks (new_space.c). */
#define LOW_ALLOCATION_BYTES_PER_MS 1000u
/* gc_speed.c: the collector's speeds as V8's GCTracer records them.
 * After every GC (`pause_ns` its pause; `finalized_marking`: a full GC
 * that finished incremental marking): */
void gc_speed_record(gc_heap *h, const gc_event *ev, uint64_t pause_ns, bool finalized_marking);
double gc_speed_young(const gc_heap *h); /* bytes per ms, survived bytes */
/* GCTracer::AverageSpeed's clamp, for every rate the tracer reads. */
double gc_average_speed(uint64_t bytes, uint64_t ns);
double gc_speed_old(const gc_heap *h);   /* bytes per ms, combined */
/* external.c: after every GC, what it freed of the external memory and
 * which owners it promoted; a full GC resets the soft limit. */
void external_after_gc(gc_heap *h, bool full);
void external_stats(const gc_heap *h, uint64_t *total, uint64_t *young, uint64_t *limit);
/* The live owners now (between GCs every listed owner is alive), in the
 * order they were made: up to `cap` into out; returns how many there are. */
typedef struct gc_external_owner {
  addr_t addr;
  uint64_t bytes;
} gc_external_owner;
size_t external_owners(const gc_heap *h, gc_external_owner *out, size_t cap);
void external_free(gc_heap *h);
/* caches.c: at a full GC's start, the registered caches emptied (V8's
 * Heap::MarkCompactPrologue); the caches greyed as runtime roots; and
 * their list freed with the heap. */
void caches_flush(gc_heap *h);
void caches_grey(gc_heap *h);
void caches_free(gc_heap *h);
/* event_loop.c: the memory reducer hears of every full GC (V8's
 * MemoryReducer::NotifyMarkCompact); committed = the old generation's. */
void event_loop_after_full_gc(gc_heap *h, uint64_t committed_before);
/* A full GC of `gc_ns` (pause + marking steps) ended at virtual time
 * `end_ns`: record its mutator utilisation (before the event is recorded,
 * whose trace line prints it). */
void heap_record_mc_utilisation(gc_heap *h, uint64_t gc_ns, uint64_t end_ns);
/* The average mark-compact mutator utilisation (1 before two full GCs). */
double heap_mc_utilisation(const gc_heap *h);
/* After a full GC (its utilisation recorded): was it the last of
 * old_space.ineffective_mark_compacts consecutive ineffective ones (the
 * heap is then out of memory)? */
bool heap_ineffective_mark_compact(gc_heap *h);
bool heap_old_limit_reached(const gc_heap *h);
bool heap_limit_overshot_by_large_margin(const gc_heap *h);
bool heap_large_alloc_needs_gc(const gc_heap *h, uint64_t need, bool young);
bool heap_old_alloc_needs_gc(const gc_heap *h);
/* After a GC an allocation caused (after_full: a full GC): is the old
 * generation over its maximum?  Near-limit callback, else GC_EOOM "Reached
 * heap limit" naming the failed allocation's size, `request`. */
gc_status heap_check_after_gc(gc_heap *h, uint64_t request, bool after_full);
/* An allocation needs `need` bytes of the old generation: make them fit
 * under the maximum -- `light_retries` full GCs, the near-limit callback,
 * the last-resort GCs -- else GC_EOOM "CALL_AND_RETRY_LAST". */
gc_status heap_reserve_old(gc_heap *h, uint64_t need, uint64_t request, uint32_t light_retries);

/* stats.c */
void heap_sample(const gc_heap *h, gc_space_sample s[GC_SPACE_COUNT]);

/* incremental.c */
void incremental_maybe_start(gc_heap *h);   /* after a scavenge, before an old allocation */
void incremental_run_start_task(gc_heap *h); /* the event loop runs the posted start task */
void incremental_start_reducing(gc_heap *h); /* the memory reducer starts a memory-reducing cycle */
void incremental_start_now(gc_heap *h);      /* external memory pressure starts a cycle (the schedule's start) */
gc_status incremental_advance(gc_heap *h, uint64_t ns); /* ... advances a running one: a main-thread step of ns */
uint64_t incremental_allocation_step_ns(gc_heap *h); /* the markers' time since the last step */
bool incremental_stack_guard_taken(gc_heap *h); /* a complete cycle: does the program finalize it now? */
bool incremental_checks_at_once(const gc_heap *h); /* the program's interrupt check at every allocation */
void incremental_on_alloc(gc_heap *h, bool young, uint64_t size);
void incremental_after_scavenge(gc_heap *h);/* fix the worklist */
void incremental_clear_cycle_counts(gc_heap *h); /* a cycle's steps and marked bytes to zero */
gc_status incremental_step_internal(gc_heap *h, uint64_t budget, uint64_t budget_ns, bool *done);
gc_status incremental_allocation_step(gc_heap *h);

/* marking_worklists.c */
bool worklists_init(gc_heap *h);            /* the marker tasks' lists (incremental.marker_tasks) */
void worklists_free(gc_heap *h);
void worklists_clear(gc_heap *h);           /* every list empty: a new cycle */
size_t worklists_markers_held(const gc_heap *h); /* entries the marker tasks hold */
void worklists_after_barrier_push(gc_heap *h); /* the barrier's full segments to the pool */
void worklists_publish(gc_heap *h);          /* the main list into the shared pool */
bool worklists_steal(gc_heap *h);            /* a segment of the pool onto the main list */
void worklists_share_work(gc_heap *h);       /* what a step left (V8's ShareWork) */
bool worklists_shared_empty(const gc_heap *h); /* main list and pool empty */
void worklists_merge(gc_heap *h);            /* pool and markers' lists onto the main one */
uint64_t worklists_markers_mark(gc_heap *h, uint64_t ns); /* the markers' time; bytes marked */
void worklists_after_scavenge(gc_heap *h);

/* verify.c */
gc_status heap_verify(gc_heap *h, bool during_marking);
/* tracer.c: keep event `ev` (in the ring, with its running totals). */
gc_status tracer_record(gc_heap *h, const gc_event *ev);
gc_status heap_check_intact(gc_heap *h); /* GC_ECORRUPT once the heap is known broken */

#endif
