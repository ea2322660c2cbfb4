/*
 * heap_internal.h -- the engine's private structures, shared by its files
 * (the functions the files offer each other: engine_calls.h, included at
 * the end).
 *
 * Memory model
 *  Each heap reserves one address range (mmap, PROT_NONE) and carves it into
 *  page units of config.page_size bytes.  A page is one unit (new and old
 *  space) or a run of units (a large object's page).  Pages are committed
 *  when taken and decommitted when released.  Page descriptors live outside
 *  the pages, in `heap->page_table` (one pointer per unit), so that an
 *  address finds its page with a subtraction, a shift and a load.
 *
 * Object layout: defined once, in gclab.h ("raw views": struct gc_obj and
 *  the GC_W0_* bits), as V8's v8-internal.h exposes its own.  In short:
 *   w0   size | nslots << 32; forwarded: new address | 1 (during a copy or
 *        an evacuation); filler: size | 2 (free space; only this word is
 *        used, plus a free-list link if size >= 16)
 *   id, meta (name 32 | age 8 | colour 8 | flags 16), tagged slots, payload.
 *
 * Invariants every collector keeps (checked by verify.c)
 *  - Every page is iterable: from its start to its top, words are objects or
 *    fillers, none straddles the page end.
 *  - Every pointer slot of a live object points at the start of a live
 *    object in a committed page; none points into From-space or into a
 *    released page outside a GC.
 *  - Every old->new slot (an old or large object's slot holding a young
 *    object) has its bit in its page's OLD_TO_NEW slot set.
 *  - Outside marking every object is white; during marking no black object
 *    points to a white one (when the marking barrier is on), and grey objects
 *    are exactly those on the marking worklist.
 */
#ifndef GCLAB_HEAP_INTERNAL_H
#define GCLAB_HEAP_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "gclab.h"

typedef uintptr_t addr_t;

#if defined(__GNUC__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

/* ----------------------------------------------------------------- objects */

/* The object layout is public (gclab.h, "raw views": gc_obj, GC_W0_*,
 * gc_w0_*, gc_meta_*, gc_tagged_*), so that a view reads what the engine
 * reads; these are the engine's short names for it, not a second copy. */
typedef gc_obj obj;
typedef gc_tagged tagged;

#define HEADER_SIZE GC_OBJ_HEADER_SIZE
#define W0_FORWARDED GC_W0_FORWARDED
#define W0_FILLER GC_W0_FILLER
#define MAX_OBJECT_SIZE GC_OBJ_MAX_SIZE
#define MAX_SLOTS GC_MAX_SLOTS

/* The object (or filler) at address `a`. */
static inline obj *obj_at(addr_t a) { return (obj *)a; }
static inline uint32_t obj_nslots(const obj *o) { return gc_w0_nslots(o->w0); }
static inline bool w0_forwarded(uint64_t w0) { return gc_w0_forwarded(w0); }
static inline bool w0_filler(uint64_t w0) { return gc_w0_filler(w0); }
static inline addr_t forwarding(const obj *o) { return (addr_t)(o->w0 & ~(uint64_t)7); }
static inline void set_forwarding(obj *o, addr_t to) { o->w0 = (uint64_t)to | W0_FORWARDED; }
/* The engine's one size accessor: the bytes of the object or filler at `o`
 * -- of its copy, if it was moved and its header is a forwarding address.
 * (gc_w0_size in gclab.h holds the mask; gc_obj_size is the checked
 * accessor for raw views.) */
static inline uint64_t obj_size(const obj *o) {
  uint64_t w0 = o->w0;
  return gc_w0_size(w0_forwarded(w0) ? obj_at(forwarding(o))->w0 : w0);
}

/* meta word */
#define META_NAME(m) gc_meta_name(m)
#define META_AGE(m) gc_meta_age(m)
#define META_COLOR(m) gc_meta_color(m)
static inline uint32_t obj_age(const obj *o) { return META_AGE(o->meta); }
static inline uint32_t obj_color(const obj *o) { return META_COLOR(o->meta); }
static inline void obj_set_color(obj *o, uint32_t c) {
  o->meta = (o->meta & ~(0xffull << 40)) | ((uint64_t)c << 40);
}
static inline void obj_set_age(obj *o, uint32_t age) {
  if (age > 255) age = 255;
  o->meta = (o->meta & ~(0xffull << 32)) | ((uint64_t)age << 32);
}
static inline uint64_t make_meta(uint32_t name, uint32_t age, uint32_t color) {
  return gc_meta_make(name, age, color);
}

/* tagged values */
static inline bool is_ptr(tagged t) { return gc_tagged_is_ref(t); }
static inline bool is_smi(tagged t) { return gc_tagged_is_smi(t); }
static inline tagged smi_tag(int32_t v) { return gc_smi_tag(v); }
static inline int32_t smi_untag(tagged t) { return gc_smi_untag(t); }

/* A filler covering [a, a + size), size >= 8 and a multiple of 8. */
static inline void write_filler(addr_t a, uint64_t size) { obj_at(a)->w0 = size | W0_FILLER; }

/* ------------------------------------------------------------------- pages */

enum page_flags {
  PAGE_YOUNG = 1u << 0,      /* new space or young large object */
  PAGE_FROM = 1u << 1,       /* From-space during a scavenge */
  PAGE_TO = 1u << 2,         /* To-space (the allocation semispace) */
  PAGE_LARGE = 1u << 3,      /* a large object's page */
  PAGE_EVACUATE = 1u << 4,   /* evacuation candidate during a full GC */
  PAGE_SURVIVOR = 1u << 5,   /* young large object found live this GC */
  PAGE_ABORTED = 1u << 6     /* evacuation candidate whose evacuation was aborted */
};

/* OLD_TO_NEW slot set: one bit per tagged slot of the page, in buckets of
 * 1024 slots allocated on first use (V8's SlotSet). */
#define SLOTS_PER_BUCKET 1024u
typedef struct slot_set {
  uint32_t nbuckets;
  uint64_t *buckets[]; /* each NULL or SLOTS_PER_BUCKET / 64 words */
} slot_set;

typedef struct page {
  addr_t start;        /* the first object's address: the unit's + page_header */
  uint64_t size;       /* object bytes: units x page_size - page_header */
  addr_t top;          /* end of the iterable area (== start + size in old space) */
  uint32_t unit;       /* first unit index == address / page_size */
  uint32_t units;      /* page units: 1, or more for a large page */
  uint32_t flags;
  gc_space space;
  uint64_t live_bytes; /* from the last marking */
  uint64_t used_bytes; /* object bytes (old space: kept by alloc and sweep) */
  uint32_t objects;    /* objects on the page (kept like used_bytes) */
  slot_set *old_to_new;
  struct page *next;   /* within its list (space or semispace), address order */
} page;

typedef struct page_list {
  page *head, *tail;
  uint32_t count;
} page_list;

/* ------------------------------------------------------------- free lists */

/* Old-space free blocks are fillers linked through their second word.
 * Class k holds blocks of [2^k, 2^(k+1)) bytes, k = 4 .. 40. */
#define FREE_CLASSES 41
typedef struct free_list {
  addr_t head[FREE_CLASSES];
  addr_t tail[FREE_CLASSES]; /* keeps each class in insertion order */
  uint64_t bytes;     /* all bytes on the list */
} free_list;

/* ---------------------------------------------------------------- handles */

/* A handle table entry: handles.h (the files that read entries include it). */
typedef struct hentry hentry;

#include "vectors.h"

/* ------------------------------------------------------------------- heap */

/* One interval between GCs as V8's GCTracer samples it
 * (allocation_rate.c). */
typedef struct alloc_sample {
  uint64_t new_bytes, old_bytes, ns;
} alloc_sample;

/* The collector's speed samples as V8's GCTracer keeps them (gc_speed.c):
 * rings of the last ten (bytes, virtual ns). */
typedef struct speed_ring {
  struct { uint64_t bytes, ns; } s[10];
  uint32_t count, next;
} speed_ring;
typedef struct gc_speeds {
  speed_ring scavenges;                 /* recorded_minor_gcs_survived_ */
  speed_ring mark_compacts;             /* recorded_mark_compacts_ */
  speed_ring incremental_mark_compacts; /* recorded_incremental_mark_compacts_ */
  double marking_speed;                 /* recorded_incremental_marking_speed_, bytes/ms */
} gc_speeds;

typedef struct new_space {
  page_list semi[2];   /* semi[to] is the allocation semispace */
  int to;              /* index of To-space */
  uint64_t capacity;   /* bytes per semispace */
  page *alloc_page;    /* current allocation page in To-space */
  addr_t top, limit;   /* bump pointer within alloc_page */
  uint64_t copy_lab_left; /* during a GC: room left in the copy buffer at top */
  uint64_t survived_since_growth;
  bool shrink_due;     /* decided at a GC's start, done at its end */
  uint64_t size_at_age_mark;   /* bytes below the age mark */
  addr_t age_mark;     /* To-space top after the last scavenge */
  uint64_t objects;    /* objects in To-space (kept exact) */
  uint64_t size;       /* object bytes in To-space */
} new_space;

typedef struct old_space {
  page_list pages;
  free_list free;
  addr_t lab_top, lab_limit; /* linear allocation area */
  page *lab_page;
  uint64_t size;       /* object bytes */
  uint64_t objects;
  uint64_t live;       /* live bytes at the last full GC */
} old_space;

typedef struct lo_space {
  page_list pages;
  uint64_t size;
  uint64_t objects;
  uint64_t committed;  /* bytes of its pages (sizes rounded up to page units) */
} lo_space;

typedef struct names {
  char **v;            /* v[0] = "Object" */
  uint32_t n, cap;
  uint32_t *table;     /* open-addressed hash of string content -> index+1 */
  uint32_t table_cap;
  /* The last string interned and its id: a program allocating many objects
   * of one name passes the same pointer each time.  Only a shortcut to the
   * probe: a hit is confirmed by content, so a reused buffer is safe. */
  uintptr_t last;
  uint32_t last_id;
} names;

struct gc_heap {
  gc_config cfg;
  char error[512];

  /* reservation */
  addr_t base;
  uint64_t reserved;
  uint32_t page_shift;
  uint32_t units;
  page **page_table;   /* unit -> page */
  uint8_t *unit_used;  /* unit -> taken */
  uint32_t unit_hint;  /* lowest possibly-free unit */
  uint64_t committed;

  new_space new_space;
  old_space old;
  lo_space lo;         /* old large objects */
  lo_space nlo;        /* young large objects */

  /* handles, roots, scopes */
  hentry *handles;
  uint32_t nhandles, cap_handles, free_handle; /* free_handle: index+1 or 0 */
  uint32_t live_handles;
  u32_vec root_list;     /* handle indices with a root count, in the order the
                            program rooted them (handles.c: root visits follow
                            it, not the table's slot order) */
  bool root_list_lost;   /* out of memory once: root visits scan the table */
  u32_vec scope_stack;   /* handle indices rooted by open scopes */
  u32_vec scope_marks;   /* scope_stack length at each open */

  names names;
  uint64_t next_id;

  /* policy state */
  uint64_t old_max, initial_old_max;
  uint64_t old_limit;
  /* V8's old_generation_size_configured_: false while old_limit is the
   * initial limit that heap_shrink_initial_old_limit may still lower. */
  bool old_limit_configured;
  /* V8's GCTracer::recorded_survival_ratios_: the young survival
   * percentages of the last SURVIVAL_RING GCs (heap_controller.c). */
  double survival_ring[10];
  uint32_t survival_count, survival_next;
  /* V8's GCTracer allocation samples (allocation_rate.c): the ring of the
   * last ten intervals between GCs, the one a running GC ended, and where
   * the next one counts from (new space's extent; the old generation's
   * objects, before what the last GC promoted). */
  alloc_sample alloc_ring[10];
  uint32_t alloc_count, alloc_next;
  alloc_sample alloc_current;
  uint64_t alloc_new_base, alloc_old_base;
  gc_speeds speeds;
  bool in_gc;
  uint32_t gc_count;
  /* The event ring (tracer.c): event i (0-based) is in slot i % ring while
   * i >= nevents - min(nevents, ring); totals[slot] are its running sums. */
  gc_event *events;
  struct ev_totals *totals;
  size_t nevents, cap_events; /* nevents: every GC so far */
  gc_event_fn on_gc;
  void *on_gc_ud;
  gc_near_limit_fn near_limit;
  void *near_limit_ud;
  bool verify_each_gc;
  uint32_t stress_every, stress_count;
  bool marking_barrier_on;
  /* The verifier found the object graph broken (verify.c): collections are
   * refused from then on, with the finding, instead of walking it. */
  bool broken;
  char broken_why[512];
  /* The largest object gc_alloc_into's fast path may bump-allocate, or 0
   * while a GC runs or something must run before every allocation (stress
   * scavenges, incremental marking): one compare in place of five.  Kept by
   * heap_update_fast_alloc whenever in_gc, stress_every, marking (idle or
   * not) or old_max change; the verifier checks it. */
  uint64_t fast_alloc_max;

  /* Allocation counters.  The allocation fast paths only add to totals;
   * what is counted "since" a GC is a difference from a snapshot taken at
   * its end (heap_allocated_since_gc, ...), which keeps those paths short. */
  uint64_t allocated_total;        /* bytes since creation */
  uint64_t objects_allocated;
  uint64_t stores;                 /* slot stores made by the program */
  uint64_t computed_ns;            /* the program's other work (gc_compute) */
  uint64_t allocated_at_gc;        /* allocated_total at the end of the last GC */
  uint64_t allocated_at_full;      /* ... of the last full GC (growing factor) */
  uint64_t mutator_ns_at_full;     /* heap_mutator_ns at the end of the last full GC */

  /* Virtual clock (ns): the program's time is its counted work priced by
   * cfg.cost (heap_mutator_ns), the GC's is added as it is done; the clock
   * is their sum (heap_vclock). */
  uint64_t gc_ns_total;
  uint64_t idle_ns_total;          /* gc_idle: the program waiting */
  uint64_t vclock_last_gc_end;
  /* the concurrent sweepers (sweeper.c): the virtual ns of sweeping handed
   * to them, counted from when the last full GC's pause ended, and the
   * part of it the main thread finished since then (for the next full
   * GC's event) */
  uint64_t sweeping_ns_left;
  uint64_t sweeping_since_ns;
  uint64_t sweeping_completed_ns;

  /* the memory reducer (event_loop.c) */
  int mr_state;                    /* MR_DONE, MR_WAIT, MR_RUN */
  uint32_t mr_started_gcs;
  uint64_t mr_next_ns;             /* WAIT: when its next GC may start (next_gc_start_ms) */
  uint64_t mr_timer_ns;            /* WAIT: when its timer fires (posted kSlackMs late) */
  uint64_t mr_last_gc_ns;          /* the last Mark-Compact it was told of (last_gc_time_ms) */
  uint64_t mr_committed_at_last_run;
  bool mr_collecting;              /* the memory reducer's own GC is running */

  /* marking */
  gc_marking_state marking;
  /* grey objects (marking_worklists.c): the main thread's (the barrier's
   * and the steps'), the pool shared with the concurrent markers (V8's
   * global worklist) and what the markers hold */
  addr_vec worklist, marking_pool;
  addr_vec *markers_local;         /* cfg.incremental.marker_tasks lists: each
                                    * marker task's local segments */
  bool marking_shared;             /* the cycle is shared with the concurrent
                                    * markers (incremental.c) */
  uint64_t marking_started_ns;
  /* V8's IncrementalMarkingJob::ScheduleTask: the soft trigger posted a
   * task that starts marking when the event loop runs it (gc_idle). */
  bool marking_task_pending;
  bool stack_guard_pending;        /* marking complete, finalization waits for the program's interrupt check */
  uint64_t stack_guard_tick;       /* the interrupt period it was requested in */
  uint64_t program_start_ns;       /* heap_mutator_ns at gc_program_start: interrupt periods count from it */
  size_t boot_roots;               /* root_list's first entries: those rooted before
                                    * gc_program_start (handles.c) */
  /* the cycle reduces memory (V8's kReduceMemoryFootprint in
   * current_gc_flags_, set when marking starts): the memory reducer's */
  bool marking_reduce_memory;
  uint64_t marking_mutator_ns;     /* heap_mutator_ns at the last allocation step */
  uint32_t marking_steps;
  uint64_t marking_step_bytes;     /* marked by steps this cycle */
  uint64_t marking_concurrent_bytes; /* ... by the concurrent markers */
  uint64_t marking_step_ns;        /* ... and their virtual time (marker_cost_ns) */
  uint64_t marking_largest_step;
  uint64_t marking_largest_step_ns;
  uint64_t marked_bytes;           /* this cycle */
  /* V8's schedule (incremental.c, allocation_step_size): bytes scheduled to
   * mark (against marking_step_bytes + marking_concurrent_bytes), the old
   * generation's size at the start and at the last step */
  uint64_t marking_scheduled, marking_initial_old, marking_old_seen;
  uint64_t next_young_step, next_old_step; /* allocation counters */
  uint64_t young_alloc, old_alloc;

  /* mark-compact mutator utilisation (heap_controller.c, V8's GCTracer
   * averages; read by the ineffective rule and the trace line) */
  double avg_mc_ns, avg_mc_mutator_ns;
  double mc_mu_current;            /* of the last full GC; 1 before the second */
  uint64_t prev_mc_end_ns;
  bool mc_seen;                    /* a full GC has ended (prev_mc_end_ns is set) */
  uint32_t ineffective_mcs;        /* consecutive */

  /* allocation sites (pretenuring.c); index = gc_site - 1 */
  struct site_rec *sites;
  size_t nsites, cap_sites;
  uint64_t mementos_created, mementos_found; /* this GC cycle, all sites */
  uint64_t site_allocations; /* at any site, counted up to the tiering budget */

  /* scratch for collectors */
  addr_vec promoted_to_scan; /* scavenge: promoted objects and kept young large
                              * objects whose slots are still to scan */
  addr_vec left_new_space;   /* full GC: every object that left new space */
  bool left_new_space_lost;  /* full GC: that list ran out of memory */
  gc_event *current_event;   /* the event heap_collect is filling */

  /* weak mechanisms (weak.h); NULL until first used */
  struct weak_state *weak;
  size_t eph_pending;    /* pending ephemeron records while marking */

  /* external memory (external.c); NULL until gc_alloc_external */
  struct external_state *ext;

  /* caches every full GC empties at its start (caches.c): the engine's
   * own handles of them */
  gc_handle *caches;
  size_t ncaches, caches_cap;
};

/* ---------------------------------------------------------------- helpers */

/* The program's virtual time: every allocation and every slot store it
 * made, at their configured prices (the same sum as adding each as it
 * happens), and the work it reported without allocating (gc_compute). */
static inline uint64_t heap_mutator_ns(const gc_heap *h) {
  return h->objects_allocated * h->cfg.cost.alloc_ns + h->stores * h->cfg.cost.store_ns + h->computed_ns;
}
static inline uint64_t heap_vclock(const gc_heap *h) {
  return heap_mutator_ns(h) + h->gc_ns_total + h->idle_ns_total;
}
static inline uint64_t heap_allocated_since_gc(const gc_heap *h) {
  return h->allocated_total - h->allocated_at_gc;
}

gc_status heap_fail(gc_heap *h, gc_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
gc_status heap_fail_arg(gc_heap *h, gc_status st, const char *arg);
/* Sizes in messages: "%s" with size_text_of(n).s, which is exact and has
 * its unit ("256KiB", "1000 bytes"); the text lives until the end of the
 * full expression (the call). */
typedef struct size_text {
  char s[32];
} size_text;
size_text size_text_of(uint64_t bytes);

/* config.c: old_space.max_size's own rule (a config's and gc_set_old_max's) */
gc_status config_check_old_max(uint64_t page_size, uint64_t max, char *err, size_t len);
#define SIZE_TEXT(n) (size_text_of(n).s)

static inline page *page_of(const gc_heap *h, addr_t a) {
  return h->page_table[(a - h->base) >> h->page_shift];
}
static inline bool in_reservation(const gc_heap *h, addr_t a) {
  return a >= h->base && a < h->base + h->reserved;
}
static inline bool is_young_addr(const gc_heap *h, addr_t a) {
  return (page_of(h, a)->flags & PAGE_YOUNG) != 0;
}
static inline uint64_t heap_offset(const gc_heap *h, addr_t a) { return (uint64_t)(a - h->base); }

/* The end of a page's iterable area: To-space's allocation page is iterable
 * up to the bump pointer, every other page up to its top. */
static inline addr_t page_iteration_end(const gc_heap *h, const page *p) {
  return p == h->new_space.alloc_page ? h->new_space.top : p->top;
}

/* The page iterator, the engine's one way to walk a page:
 *   for (page_cursor c = page_walk(h, p); page_next_object(&c);) use(c.a);
 * page_next_block also yields fillers.  The size is read before the body
 * runs, so the body may overwrite the header (forward the object, turn it
 * into a filler); a forwarded block's size is its copy's.  The end is read
 * at every step, so a walk of To-space's allocation page sees objects
 * copied into it meanwhile (the Cheney scan).  (verify.c walks on its own:
 * it must check a header before trusting its size.) */
typedef struct page_cursor {
  const gc_heap *h;
  const page *p;
  addr_t a;      /* the current block */
  uint64_t size; /* its size */
  addr_t next;   /* the next block */
} page_cursor;
static inline page_cursor page_walk(const gc_heap *h, const page *p) {
  return (page_cursor){h, p, 0, 0, p->start};
}
static inline bool page_next_block(page_cursor *c) {
  if (c->next >= page_iteration_end(c->h, c->p)) return false;
  c->a = c->next;
  c->size = obj_size(obj_at(c->a));
  c->next = c->a + c->size;
  return true;
}
static inline bool page_next_object(page_cursor *c) {
  while (page_next_block(c))
    if (!w0_filler(obj_at(c->a)->w0)) return true;
  return false;
}

/* The functions each engine file offers the others. */
#include "engine_calls.h"

#endif
