/*
 * gclab.h -- the engine's one public header.
 *
 * gclab implements V8's generational heap on real bytes: a reserved address
 * range per heap carved into pages, a young generation of two semispaces
 * collected by a Cheney scavenge with promotion, an old generation collected
 * by Mark-Sweep and Mark-Compact (evacuate or slide), a large-object space,
 * incremental marking with a Dijkstra write barrier, heap limits and
 * out-of-memory.
 *
 * The engine depends on libc only.  It keeps no global state: a process may
 * hold many heaps.  A heap is not thread-safe; use one heap per thread.
 *
 * Conventions
 *  - Every call that can fail returns a gc_status; GC_OK is 0.  On failure
 *    gc_heap_error() returns a message naming the argument and what was
 *    expected.  A failed call leaves the heap as it was.
 *  - Objects are reached through handles.  A handle observes an object: it
 *    follows the object when it moves and reports when it died (and in which
 *    GC), but it does not keep it alive.  Objects are kept alive by roots
 *    (gc_root) and by scopes (gc_scope_open), and by references from live
 *    objects.
 *  - Slot indexes are 0-based here (the Lua face is 1-based).
 *  - Addresses reported to users are offsets from the heap base, so runs are
 *    deterministic.
 */
#ifndef GCLAB_H
#define GCLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gc_heap gc_heap;

/* ------------------------------------------------------------------ status */

typedef enum gc_status {
  GC_OK = 0,
  GC_EINVAL,   /* an argument is invalid (type, range, unknown handle) */
  GC_EDEAD,    /* the handle's object has been collected */
  GC_EOOM,     /* heap limit reached: V8's "JavaScript heap out of memory" */
  GC_ESTATE,   /* not allowed in the heap's current state (e.g. inside a GC) */
  GC_ENOMEM,   /* the process itself could not get memory */
  GC_ECORRUPT  /* the verifier found a broken invariant */
} gc_status;

const char *gc_status_name(gc_status s);

/* ------------------------------------------------------------ configuration */

typedef enum gc_promotion_policy {
  GC_PROMOTE_AGE_MARK = 0, /* V8 today: promote on the survival after `promotion_age` */
  GC_PROMOTE_CLASSIC = 1   /* V8 before 2015: survived once, or To-space over a threshold */
} gc_promotion_policy;

typedef enum gc_compaction {
  GC_COMPACT_EVACUATE = 0, /* V8: evacuate sparse pages */
  GC_COMPACT_SLIDE = 1     /* textbook: slide live objects to the start of old space */
} gc_compaction;

typedef enum gc_full_gc_kind {
  GC_FULL_MARK_COMPACT = 0, /* V8: mark, sweep, compact candidates if any */
  GC_FULL_MARK_SWEEP = 1    /* never compact unless a fragmentation failure forces it */
} gc_full_gc_kind;

typedef enum gc_boot {
  GC_BOOT_NODE20 = 0, /* Node 20's boot objects (bindings/boot_heap.c) */
  GC_BOOT_NONE = 1    /* an empty heap */
} gc_boot;

/*
 * The heap configuration.  Every field has a default matching Node 20
 * (V8 11.3, x64, no pointer compression); see gc_config_default() and
 * docs/configuration.md.  Sizes are bytes; percentages are 0..100.
 */
typedef struct gc_config {
  uint64_t page_size; /* 256 KiB (kPageSizeBits = 18); power of two, 4 KiB..64 MiB */
  /* Bytes at the start of every page that hold no objects (V8: the chunk's
   * header and marking bitmap, MemoryChunkLayout::ObjectStartOffsetInDataPage:
   * 4,424 with 256 KiB pages on x64, so a page holds 257,720 bytes of
   * objects; the default).  A multiple of 8 below half the page; 0: objects
   * from a page's first byte. */
  uint64_t page_header;

  struct {
    uint64_t semi_space_initial;  /* 1 MiB  (--min-semi-space-size) */
    uint64_t semi_space_max;      /* 16 MiB (--max-semi-space-size) */
    uint32_t growth_factor;       /* 2      (--semi-space-growth-factor) */
    gc_promotion_policy promotion;/* age_mark */
    uint32_t promotion_age;       /* 1: promote on the survival after the 1st */
    uint32_t classic_to_space_pct;/* 25: classic rule's To-space threshold */
    /* 32 KiB: a GC copies survivors within new space into buffers of this
     * size (V8's EvacuationAllocator::kLabSize), at most a page's object
     * area; objects over a quarter of it (kMaxLabObjectSize) directly.
     * 0: a plain bump, no buffer (new_space.c new_space_copy_alloc_slow). */
    uint64_t copy_lab;
  } new_space;

  struct {
    uint64_t max_size;              /* 4096 MiB (--max-old-space-size) */
    uint64_t initial_limit;         /* 0 = V8's rule: min(512 MiB, max/2) */
    /* true: until the first full GC, every GC lowers the initial limit from
     * the average young survival (V8's
     * ShrinkOldGenerationAllocationLimitIfNotConfigured); only with
     * initial_limit 0 */
    bool shrink_initial_limit;
    /* With incremental marking off: true, a young allocation failure with
     * the old generation past its allocation limit is a full GC (V8 3.x's
     * OldGenerationPromotionLimitReached, the classic profiles); false, a
     * Scavenge, as in V8 11.3, whose Heap::SelectGarbageCollector asks
     * only whether the old generation could take new space's worst case.
     * With marking on, gclab runs that full GC whenever no cycle is
     * marking (collector.c select_collector). */
    bool promotion_limit_gc;
    uint64_t min_growing_step;      /* 8 MiB: limit >= size + this */
    uint32_t min_growing_factor_x100; /* 110 */
    uint32_t max_growing_factor_x100; /* 400 (V8 scales 1.3..2.0 below 2 GiB max) */
    uint32_t target_mu_x100;        /* 97 */
    gc_full_gc_kind full_gc;           /* mark_compact */
    gc_compaction compaction;       /* evacuate */
    uint32_t evacuation_free_pct;   /* 70: a page with this much free is a candidate */
    uint32_t evacuation_free_pct_reducing; /* 20 when reducing memory */
    uint64_t evacuation_quota;      /* 4 MiB of live bytes per compaction */
    bool always_promote_young;      /* true (--always-promote-young-mc) */
    uint32_t page_promotion_pct;    /* 70 (--page-promotion-threshold) */
    uint32_t last_resort_gcs;       /* 2: full GCs an allocation that still fails tries before OOM */
    /* 4: this many consecutive ineffective full GCs (old generation >= 80%
     * of the maximum and average mark-compact mutator utilisation < 0.4)
     * are fatal; 0 = off (V8's --detect-ineffective-gcs-near-heap-limit) */
    uint32_t ineffective_mark_compacts;
    /* 1: background sweeper threads (V8's concurrent sweeping, Sweeper's
     * jobs), each sweeping at cost.sweep_ns_per_kb from the end of a full
     * GC's pause while the program runs; what is left when the next full
     * GC or incremental marking starts is finished there on the main thread
     * (V8's CompleteSweepingFull).  0: sweeping is charged in the pause. */
    uint32_t concurrent_sweepers;
    /* 1: a full GC's sweep keeps the first old page it finds empty (no
     * live bytes) and releases the others (V8's StartSweepSpace: "one
     * unused page is kept"); 0: every empty page is released. */
    uint32_t empty_pages_kept;
  } old_space;

  struct {
    uint64_t threshold; /* 128 KiB (kMaxRegularHeapObjectSize); objects above go to LO space */
  } large_object;

  struct {
    bool enabled;              /* true */
    /* 1: background marker threads (V8's ConcurrentMarking), each marking
     * while the mutator runs, at the pause's prices (cost.mark_ns_per_kb,
     * cost.mark_scalar_ns_per_kb); an allocation step then marks what they
     * would have marked since the last step if that is more than
     * step_budget (incremental.c).  0: steps only. */
    uint32_t concurrent_markers;
    /* 4: the tasks the markers' time is shared between, each with its
     * own local segments, taking turns and stealing from the shared pool
     * when they hold nothing (V8's ConcurrentMarking job: a task per
     * platform worker thread, Node 20 has 4).  So a chain stays with
     * one task while the others take the pool's segments.  1..64. */
    uint32_t marker_tasks;
    uint64_t activation_size;  /* 8 MiB: never start below this old-gen size */
    uint64_t young_step;       /* 64 KiB of young allocation per step */
    uint64_t old_step;         /* 256 KiB of old allocation per step */
    uint64_t step_budget;      /* 64 KiB: bytes of objects marked per step */
    uint32_t interrupt_ns;     /* the program's interrupt checks, every this much mutator time (0: at each allocation) */
    uint32_t interrupt_optimize; /* ... until this many have passed: then at each allocation (0: never) */
  } incremental;

  /* Virtual clock (deterministic stand-in for wall time in policy and in the
   * trace): nanoseconds charged per unit of counted work. */
  struct {
    uint32_t alloc_ns;         /* per allocation (mutator) */
    uint32_t store_ns;         /* per slot store (mutator) */
    uint32_t mark_ns_per_kb;   /* per KiB marked of headers and reference slots */
    uint32_t mark_scalar_ns_per_kb; /* per KiB marked of the rest: Smi and empty slots, data */
    uint32_t copy_ns_per_kb;   /* per KiB copied or promoted */
    uint32_t sweep_ns_per_kb;  /* per KiB swept */
  } cost;

  /* GC events a heap keeps, the most recent (a ring, tracer.c); counts and
   * the averages of the trace lines stay exact over every GC. */
  uint32_t event_ring;
  /* Node's event loop (gc_idle): the runner idles every heap this many
   * virtual ms when a scenario ends, as Node's process runs V8's pending
   * tasks before it exits (0 = off).  The engine only carries it. */
  struct {
    uint32_t exit_idle_ms;
  } event_loop;
  /* Allocation sites' code (V8's tiers): after a site is made, and after
   * each GC that deoptimizes the code depending on it, the site's code runs
   * unoptimized for this many virtual microseconds -- young objects with
   * mementos, whatever the site's decision -- then optimized: no mementos,
   * old space once tenured (V8: TurboFan's concurrent compile).  0: always
   * optimized -- no mementos, so no site is ever tenured (pretenuring.c).
   * tiering_allocations: a new site's window starts only after this many
   * allocations at the site (V8's tiering budget, counted in bytecode, ends
   * before the compile starts); 0: at once, when the site is made. */
  struct {
    uint32_t optimize_us;
    uint32_t tiering_allocations;
  } allocation_sites;

  /* Memory outside the heap that heap objects own (V8's ArrayBuffer
   * backing stores; gc_alloc_external, external.c).  soft_limit: 64 MiB
   * (V8's kExternalAllocationSoftLimit): once the external bytes pass the
   * lowest they were since the last full GC by this much, incremental
   * marking starts (or advances); young_gc_bytes: 32 MiB (V8: twice the
   * default maximum semispace, 2 x 16 MiB on x64): a new backing store
   * when the young objects' reach this much runs a Scavenge first.  The
   * hard limit, half the old generation's maximum past that lowest, is
   * V8's fixed rule (a memory-reducing full GC). */
  struct {
    uint64_t soft_limit;
    uint64_t young_gc_bytes;
  } external;

  /* Node's --heapsnapshot-near-heap-limit: write up to this many
   * .heapsnapshot files when the old generation nears its limit (0 = off).
   * The engine only carries the number; the bindings write the files. */
  uint32_t heapsnapshot_near_heap_limit;

  /* The heap a program starts from (config key `boot`): GC_BOOT_NODE20,
   * Node 20's own objects at a script's first line, replayed by the
   * bindings from a snapshot (docs/configuration.md, "The boot heap"), or
   * GC_BOOT_NONE, empty.  The engine only carries it: gc_heap_new always
   * makes an empty heap. */
  gc_boot boot;

  uint64_t seed; /* for anything random (none in the engine yet) */
} gc_config;

/* Fill `cfg` with the built-in default profile (== configs/node20.yaml). */
void gc_config_default(gc_config *cfg);

/* Check ranges and relations.  On failure writes a message naming the key
 * (e.g. "new_space.semi_space.initial") into err and returns GC_EINVAL. */
gc_status gc_config_validate(const gc_config *cfg, char *err, size_t errlen);

/*
 * Node 20's heap sizing (engine/heap_sizing.c): the old-generation and
 * semispace maxima V8 11.3 (x64, no pointer compression) derives from the
 * machine's memory and the heap flags, exactly as Heap::ConfigureHeap does.
 * Flag values are in MiB as V8 reads them; 0 means "not given".
 */
typedef struct gc_node_heap_input {
  uint64_t physical_memory;      /* bytes Node passes V8: min(RAM, cgroup limit); 0 = none */
  uint64_t old_default;          /* without physical_memory: the limits the flags adjust */
  uint64_t semi_default;         /* (a config's old_space.max_size, semi_space.max, ...) */
  uint64_t semi_initial_default;
  uint64_t max_old_space_mb;     /* --max-old-space-size */
  uint64_t max_semi_space_mb;    /* --max-semi-space-size */
  uint64_t min_semi_space_mb;    /* --min-semi-space-size */
  uint64_t max_heap_mb;          /* --max-heap-size */
  uint64_t initial_old_space_mb; /* --initial-old-space-size */
  bool stress_compaction;        /* --stress-compaction: a 1 MiB semispace */
} gc_node_heap_input;

enum {
  GC_NODE_SET_OLD_MAX = 1,      /* old_max was decided by the input */
  GC_NODE_SET_SEMI_MAX = 2,
  GC_NODE_SET_SEMI_INITIAL = 4,
  GC_NODE_SET_INITIAL_OLD = 8
};

typedef struct gc_node_heap_sizes {
  uint64_t old_max;         /* max_old_generation_size */
  uint64_t semi_max;        /* max_semi_space_size */
  uint64_t semi_initial;    /* initial_semispace_size */
  uint64_t initial_old;     /* initial_old_generation_size (with the flag only) */
  uint64_t heap_size_limit; /* v8.getHeapStatistics().heap_size_limit = 3 x semi_max + old_max */
  unsigned set;             /* GC_NODE_SET_*: which results the input decided */
} gc_node_heap_sizes;

gc_status gc_node_heap_limits(const gc_node_heap_input *in, gc_node_heap_sizes *out, char *err,
                             size_t errlen);
/* The steps, for tests: Heap::HeapSizeFromPhysicalMemory,
 * YoungGenerationSizeFromOldGenerationSize and GenerationSizesFromHeapSize. */
uint64_t gc_node_heap_from_physical(uint64_t physical);
uint64_t gc_node_young_from_old(uint64_t old_generation);
void gc_node_split_heap(uint64_t heap, uint64_t *young, uint64_t *old);

/* ------------------------------------------------------------------- heaps */

/* cfg may be NULL for the default.  On failure *out is NULL and, if err is
 * non-NULL, a message is written there. */
gc_status gc_heap_new(const gc_config *cfg, gc_heap **out, char *err, size_t errlen);
void gc_heap_free(gc_heap *heap);
const gc_config *gc_heap_config(const gc_heap *heap);
/* The message of the last failed call on this heap ("" if none). */
const char *gc_heap_error(const gc_heap *heap);

/* ----------------------------------------------------------------- handles */

/* A handle: an index into the heap's handle table plus a generation, so a
 * released handle is recognised.  0 is never a valid handle. */
typedef uint64_t gc_handle;
#define GC_NO_HANDLE ((gc_handle)0)

/* Allocate an object with `nslots` tagged slots (all empty) and a total size
 * of `bytes` (0 = the size V8 would use: a 3-word header plus one word per
 * slot; bytes beyond that are raw payload).  `name` may be NULL ("Object").
 * Allocation may run a GC.  Objects above the large-object threshold go to
 * the young large-object space.  Returns a new handle in *out. */
gc_status gc_alloc(gc_heap *heap, uint32_t nslots, uint64_t bytes, const char *name,
                   gc_handle *out);
/* gc_alloc straight into the old generation (V8's AllocationType::kOld,
 * where its deserializer puts a startup snapshot's objects): old space, or
 * old large-object space above the threshold.  No GC runs unless the old
 * generation is at its maximum (then the last-resort GCs and out of
 * memory, as for any old allocation). */
gc_status gc_alloc_old(gc_heap *heap, uint32_t nslots, uint64_t bytes, const char *name,
                       gc_handle *out);
/* The size gc_alloc uses for bytes = 0. */
uint64_t gc_default_size(uint32_t nslots);

/* The program's first line runs now (after a boot heap is loaded): its
 * interrupt checks (incremental.interrupt_ns, engine/incremental.c
 * incremental_stack_guard_taken) count from here, as V8's bytecode budget
 * counts from a script's start.  Without a call they count from the
 * heap's creation. */
void gc_program_start(gc_heap *heap);

/* The program works for `ns` virtual nanoseconds without allocating or
 * storing (what a JS program's other operations cost: a Map's hashing, a
 * call, arithmetic): its clock (the mutator time) advances, which the
 * concurrent markers, the allocation throughput, the allocation sites'
 * code tiers and the interrupt checks read; no GC runs here.  At most
 * 2^40 ns per call.  engine/allocator.c. */
gc_status gc_compute(gc_heap *heap, uint64_t ns);

/* The program is idle for `ms` virtual milliseconds (Node's event loop
 * waiting): the tasks V8 runs then, in time order -- a Scavenge task when
 * new space is at least 80% full ("task"), incremental marking finished by
 * a task ("finalize incremental marking via task"), and the memory
 * reducer's timer and its memory-reducing Mark-Compacts ("memory
 * reducer") -- and the clock advances by `ms`.  engine/event_loop.c. */
gc_status gc_idle(gc_heap *heap, uint64_t ms);

/* Allocation sites (V8's AllocationSite, issue 16): a site stands for one
 * place in a program that allocates (a literal, a `new`).  Objects
 * allocated young at a site get an allocation memento behind them (16
 * bytes); each GC counts the mementos it finds behind survivors, and a site
 * whose objects survive (V8's ratio and rules: engine/promotion.h) is
 * tenured: its objects are then allocated in old space directly, until a
 * full GC finds the old generation mostly dead and resets the decision.
 * 0 (GC_NO_SITE) is no site: gc_alloc's behaviour. */
typedef uint32_t gc_site;
#define GC_NO_SITE ((gc_site)0)
typedef enum gc_pretenure_decision {
  GC_SITE_UNDECIDED = 0, GC_SITE_DONT_TENURE, GC_SITE_MAYBE_TENURE, GC_SITE_TENURE
} gc_pretenure_decision;
const char *gc_pretenure_decision_name(gc_pretenure_decision d);
/* A new site named `name` (NULL: "site N"). */
gc_status gc_site_new(gc_heap *heap, const char *name, gc_site *out);
/* gc_site_new for code that compiles in `optimize_us` virtual microseconds
 * instead of the profile's allocation_sites.optimize_us: the window the
 * site's code runs unoptimized after its tiering budget and after each
 * deoptimizing GC (a small callback compiles faster than a big loop). */
gc_status gc_site_new_compiled(gc_heap *heap, const char *name, uint32_t optimize_us, gc_site *out);
size_t gc_site_count(const gc_heap *heap);
typedef struct gc_site_info {
  const char *name;
  gc_pretenure_decision decision;
  uint64_t mementos_created, mementos_found; /* since the last GC */
  uint32_t tenured, reset;                   /* decisions to tenure, and back */
  bool optimized; /* the site's code is optimized now (allocation_sites.*) */
  uint32_t optimize_us; /* its compile's window (gc_site_new_compiled) */
} gc_site_info;
gc_status gc_site_get(const gc_heap *heap, gc_site site, gc_site_info *out);
/* gc_alloc at a site (GC_NO_SITE: gc_alloc). */
gc_status gc_alloc_at(gc_heap *heap, gc_site site, uint32_t nslots, uint64_t bytes, const char *name,
                      gc_handle *out);

/* gc_alloc_at of an object that owns `external` bytes outside the heap
 * (V8's JSArrayBuffer and its backing store, ArrayBuffer::New): the bytes
 * count as external memory until a GC finds the object dead.  V8's rules
 * (external.c): before the object, a Scavenge when the young objects'
 * external bytes reach external.young_gc_bytes
 * (Heap::AllocateExternalBackingStore); after it, when the external bytes
 * pass the soft limit, incremental marking starts, or advances if it runs,
 * or past the hard limit a memory-reducing full GC runs
 * (Heap::ReportExternalMemoryPressure), reason "external memory pressure".
 * `external`: 1 to GC_EXTERNAL_MAX. */
#define GC_EXTERNAL_MAX (1ull << 50)
gc_status gc_alloc_external(gc_heap *heap, gc_site site, uint64_t external, uint32_t nslots, uint64_t bytes,
                            const char *name, gc_handle *out);

/* A second handle to the same object. */
gc_status gc_handle_dup(gc_heap *heap, gc_handle h, gc_handle *out);
/* Forget a handle (and drop any roots it holds). */
gc_status gc_handle_release(gc_heap *heap, gc_handle h);
/* Is `h` a handle of this heap that has not been released? */
bool gc_handle_valid(const gc_heap *heap, gc_handle h);

/* Roots.  gc_root may be called several times; each needs its gc_unroot. */
gc_status gc_root(gc_heap *heap, gc_handle h);
gc_status gc_unroot(gc_heap *heap, gc_handle h);
/* Caches: every full GC empties the slots of an object registered with
 * on = true, at its start -- V8's Heap::MarkCompactPrologue, which empties
 * the number-string cache before a Mark-Compact marks: an atomic full GC
 * then frees what only the cache held, while an incremental one keeps
 * what its marking has marked already.  A registered object is a root
 * (V8's caches are strong roots) until on = false takes it off, and a
 * cycle the schedule starts greys it with the runtime's roots;
 * registering twice is registering once.  Added in issue 16. */
gc_status gc_flush_at_full_gc(gc_heap *heap, gc_handle h, bool on);

/* Scopes root every object allocated while they are the innermost open
 * scope, until they close (V8's HandleScope).  Scopes nest and close in
 * LIFO order; gc_scope_close checks the token. */
typedef uint32_t gc_scope;
gc_status gc_scope_open(gc_heap *heap, gc_scope *out);
gc_status gc_scope_close(gc_heap *heap, gc_scope scope);

/* Handles as registers: fast paths for building and walking many objects.
 * gc_alloc and gc_slot_handle make a new handle per object, which its
 * owner must release; these two calls instead write into a handle the
 * caller already holds, which then observes the new object as if it were
 * a fresh handle of it.  Its roots and scopes stay with the handle: what
 * rooted it now roots the new object.  A dead handle may be reused; a
 * released one may not.  Ids, events and the virtual clock are those of
 * the equivalent gc_alloc + gc_slot_set_ref (or gc_slot_handle) calls. */

/* An object name interned once (gc_alloc looks its string argument up on
 * every call).  0 is "Object"; NULL interns as "Object". */
typedef uint32_t gc_name;
gc_status gc_name_intern(gc_heap *heap, const char *name, gc_name *out);

/* gc_alloc, then slot i = init[i] for i < ninit (GC_NO_HANDLE leaves it
 * empty) as gc_slot_set_ref stores it, with the new object in `dst`
 * instead of a new handle.  The objects of init[] stay alive across any GC
 * the allocation runs, rooted or not; dst may be one of them.  dst is not
 * added to the innermost scope (gc_alloc's new handle is). */
gc_status gc_alloc_into(gc_heap *heap, uint32_t nslots, uint64_t bytes, gc_name name,
                        const gc_handle *init, uint32_t ninit, gc_handle dst);

/* ----------------------------------------------------------------- objects */

typedef enum gc_space {
  GC_SPACE_NEW = 0,       /* semispaces */
  GC_SPACE_OLD = 1,       /* old space pages */
  GC_SPACE_LARGE = 2,     /* old large-object space */
  GC_SPACE_NEW_LARGE = 3, /* young large-object space */
  GC_SPACE_COUNT = 4
} gc_space;
const char *gc_space_name(gc_space s); /* "new", "old", "large", "new_large" */

typedef enum gc_color { GC_WHITE = 0, GC_GREY = 1, GC_BLACK = 2 } gc_color;
const char *gc_color_name(gc_color c);

typedef struct gc_object_info {
  bool alive;
  uint64_t id;           /* stable, never reused */
  const char *name;      /* interned; valid while the heap lives */
  /* The rest is meaningful only when alive. */
  gc_space space;
  uint32_t age;          /* scavenges survived */
  uint64_t size;         /* bytes, header included */
  uint32_t nslots;
  uint64_t address;      /* offset from the heap base */
  uint32_t page;         /* address / page_size */
  gc_color color;
  bool rooted;           /* held by gc_root or an open scope */
  /* When dead: the GC that collected it (1-based event number). */
  uint32_t died_in_gc;
} gc_object_info;

gc_status gc_object_info_get(gc_heap *heap, gc_handle h, gc_object_info *out);

/* Slots.  A slot holds nothing, a small integer (V8's Smi: 32 bits on x64
 * without pointer compression), or a reference to a heap object. */
#define GC_SMI_MIN (-2147483647 - 1)
#define GC_SMI_MAX 2147483647

typedef enum gc_slot_kind {
  GC_SLOT_EMPTY = 0,
  GC_SLOT_SMI = 1,
  GC_SLOT_REF = 2,
  GC_SLOT_WEAK = 3 /* a weak reference (gc_slot_set_weak, gclab_weak.h) */
} gc_slot_kind;
typedef struct gc_slot_value {
  gc_slot_kind kind;
  int32_t smi;     /* when GC_SLOT_SMI */
  uint64_t ref_id; /* when GC_SLOT_REF or GC_SLOT_WEAK: the referenced object's id */
} gc_slot_value;

gc_status gc_slot_get(gc_heap *heap, gc_handle h, uint32_t index, gc_slot_value *out);
/* A new handle to the object referenced by slot `index`, strongly or
 * weakly (GC_EINVAL if the slot does not hold a reference). */
gc_status gc_slot_handle(gc_heap *heap, gc_handle h, uint32_t index, gc_handle *out);
/* Make `dst` observe the object referenced by slot `index` (a register:
 * see gc_alloc_into; dst may be h).  If the slot holds no reference, dst
 * is left as it was and *is_ref is set false, or, when is_ref is NULL,
 * the call fails with GC_EINVAL as gc_slot_handle does. */
gc_status gc_slot_load(gc_heap *heap, gc_handle h, uint32_t index, gc_handle dst, bool *is_ref);
/* Stores go through the write barrier (generational and, while marking, the
 * marking barrier). */
gc_status gc_slot_set_ref(gc_heap *heap, gc_handle h, uint32_t index, gc_handle value);
/* An initializing store (a literal's field, V8's barrier-free store into a
 * just-allocated young object): no marking barrier while h is young and
 * white; otherwise exactly gc_slot_set_ref.  Added in issue 16. */
gc_status gc_slot_init_ref(gc_heap *heap, gc_handle h, uint32_t index, gc_handle value);
gc_status gc_slot_set_smi(gc_heap *heap, gc_handle h, uint32_t index, int64_t value);
gc_status gc_slot_clear(gc_heap *heap, gc_handle h, uint32_t index);

/* -------------------------------------------------------------- collection */

typedef enum gc_kind {
  GC_KIND_SCAVENGE = 0,
  GC_KIND_MARK_SWEEP = 1,
  GC_KIND_MARK_COMPACT = 2
} gc_kind;
const char *gc_kind_name(gc_kind k); /* "Scavenge", "Mark-Sweep", "Mark-Compact" */

/* Why a GC ran (V8's GarbageCollectionReason strings). */
typedef enum gc_reason {
  GC_REASON_ALLOCATION_FAILURE = 0, /* "allocation failure" */
  GC_REASON_TESTING,                /* "testing": requested through the API */
  GC_REASON_LAST_RESORT,            /* "last resort" */
  GC_REASON_FINALIZE_MARKING,       /* "finalize incremental marking via stack guard" */
  GC_REASON_STRESS,                 /* "stress": --stress N */
  GC_REASON_TASK,                   /* "task": V8's scavenge task (gc_idle) */
  GC_REASON_FINALIZE_MARKING_TASK,  /* "finalize incremental marking via task" (gc_idle) */
  GC_REASON_MEMORY_REDUCER,         /* "memory reducer" (gc_idle) */
  GC_REASON_EXTERNAL_MEMORY,        /* "external memory pressure" (gc_alloc_external) */
  GC_REASON_COUNT
} gc_reason;
const char *gc_reason_name(gc_reason r);

/* Explicit collections (reason "testing").  mark_compact uses `strategy`.
 * gc_scavenge asks for a young-generation GC as V8 does: when the old
 * generation could not take every young object if all were promoted, it
 * runs the configured full GC instead (collector reason "scavenge might not
 * succeed").  gc_scavenge_forced always runs a Scavenge (for testing the
 * scavenger itself); its promotions may take the old generation past its
 * maximum, which the next allocation's GC then finds. */
gc_status gc_scavenge(gc_heap *heap);
gc_status gc_scavenge_forced(gc_heap *heap);
gc_status gc_mark_sweep(gc_heap *heap);
gc_status gc_mark_compact(gc_heap *heap, gc_compaction strategy);
/* What the configured policy runs for a full GC. */
gc_status gc_full_gc(gc_heap *heap);

/* Incremental marking. */
typedef enum gc_marking_state {
  GC_MARKING_IDLE = 0,
  GC_MARKING_MARKING = 1,
  GC_MARKING_COMPLETE = 2 /* worklist empty; finalize pending */
} gc_marking_state;
const char *gc_marking_state_name(gc_marking_state s);
gc_marking_state gc_marking(const gc_heap *heap);
gc_status gc_incremental_start(gc_heap *heap);
/* Mark up to `budget` bytes of objects.  *done (may be NULL) tells whether
 * the worklist is now empty. */
gc_status gc_incremental_step(gc_heap *heap, uint64_t budget, bool *done);
/* The atomic pause: drain, then sweep or compact as the policy says. */
gc_status gc_incremental_finish(gc_heap *heap);

/* ------------------------------------------------------------------ events */

typedef struct gc_space_sample {
  uint64_t size;      /* bytes of objects */
  uint64_t objects;   /* number of objects */
  uint64_t committed; /* bytes of committed pages */
} gc_space_sample;

typedef struct gc_event {
  uint32_t seq;               /* 1-based GC number */
  gc_kind kind;
  gc_reason reason;
  const char *collector_reason; /* "" or e.g. "scavenge might not succeed" */
  bool reduce_memory;
  bool incremental;           /* finished an incremental marking cycle */
  gc_compaction compaction;   /* for Mark-Compact */
  gc_space_sample before[GC_SPACE_COUNT];
  gc_space_sample after[GC_SPACE_COUNT];
  uint64_t holes_before, holes_after;   /* free-list bytes in old space */
  uint64_t allocated;         /* bytes allocated since the previous GC */
  /* The young generation's extent before the GC: new space's allocated
   * bytes, fillers and allocation mementos included (V8's
   * SemiSpaceNewSpace::Size()), plus young large objects -- what V8's
   * survival statistics divide by (before[].size counts objects only). */
  uint64_t young_extent;
  /* The same after the GC: the survivors copied within new space and the
   * fillers that closed their copy buffers and pages. */
  uint64_t young_extent_after;
  /* The heap before and after as V8's Heap::SizeOfObjects() counts it,
   * the sizes --trace-gc prints: the old generation's objects plus the
   * young extent (before[]/after[] count the young objects instead). */
  uint64_t size_of_objects_before, size_of_objects_after;
  uint64_t copied_bytes, copied_objects;     /* within new space */
  uint64_t promoted_bytes, promoted_objects; /* young -> old */
  uint64_t died_objects, freed_bytes;        /* all spaces */
  uint64_t died_in_new;       /* young objects that died */
  uint64_t moved_bytes, moved_objects;       /* old objects moved by compaction */
  uint64_t pages_released, pages_evacuated, pages_promoted;
  uint32_t incremental_steps;
  uint64_t incremental_marked;     /* bytes marked by steps before the pause */
  uint64_t concurrent_marked;      /* ... by the concurrent markers (V8's "Marked
                                    * N KB on background threads") */
  uint64_t largest_step;           /* bytes marked by the largest step */
  uint64_t incremental_ns;         /* virtual time of the steps before the pause */
  uint64_t largest_step_ns;        /* ... of the largest step */
  uint64_t marked_bytes;           /* all bytes marked in this cycle */
  uint64_t semi_space_capacity;    /* after the GC */
  uint64_t old_limit;              /* old-generation allocation limit after */
  /* Virtual clock: deterministic microseconds (see gc_config.cost). */
  uint64_t start_us;               /* virtual time at start */
  uint64_t pause_us;               /* virtual pause */
  uint64_t marking_start_us;       /* virtual time marking started (incremental) */
  /* Sweeping (full GCs): the virtual time of this GC's own sweeping, in
   * its pause or handed to the concurrent sweepers, and of the previous
   * cycle's sweeping the sweepers had not finished when this cycle began
   * (at this pause or at the start of its incremental marking), which the
   * main thread finished (V8's complete.sweeping). */
  uint64_t sweep_ns;
  uint64_t complete_sweeping_ns;
  /* Wall clock: informative only, never used in policy or compared. */
  double wall_pause_ms;
  /* Weak processing (all 0 when the heap holds no weak objects). */
  uint64_t weak_holders;           /* objects with weak slots visited */
  uint64_t weak_slots_cleared;     /* weak slots (and WeakRefs) cleared: target died */
  uint64_t ephemerons_removed;     /* ephemeron entries removed: key died */
  uint64_t cells_queued;           /* FinalizationRegistry cells queued: target died */
  uint64_t ephemeron_ns;           /* virtual time of ephemeron marking */
  uint64_t clear_weak_refs_ns;     /* ... of clearing weak slots, WeakRefs and cells */
  uint64_t clear_weak_collections_ns; /* ... of clearing ephemeron tables */
  /* Allocation-site pretenuring (only when the heap has sites). */
  uint64_t mementos_created, mementos_found; /* since the previous GC / found by this one */
  uint32_t sites_tenured;          /* sites this GC switched to old-space allocation */
  uint32_t sites_reset;            /* tenured sites this GC switched back (old gen mostly dead) */
} gc_event;

size_t gc_event_count(const gc_heap *heap);
const gc_event *gc_event_get(const gc_heap *heap, size_t index); /* 0-based */
typedef void (*gc_event_fn)(gc_heap *heap, const gc_event *ev, void *ud);
/* One callback per heap; NULL removes it.  Called after every GC, once the
 * heap is consistent again.  The callback may look (object info, slots,
 * stats, events) but not change the heap: allocation, stores, verify,
 * roots and collections return GC_ESTATE while it runs. */
void gc_on_gc(gc_heap *heap, gc_event_fn fn, void *ud);

/* ------------------------------------------------------------------- stats */

typedef struct gc_space_stats {
  uint64_t capacity;   /* bytes objects could occupy without growing */
  uint64_t committed;  /* bytes of committed pages */
  uint64_t size;       /* bytes of objects */
  uint64_t live;       /* bytes found live by the last GC of this space */
  uint64_t free;       /* free-list bytes (old space) */
  uint64_t objects;
  uint32_t pages;
} gc_space_stats;

typedef struct gc_heap_stats {
  gc_space_stats space[GC_SPACE_COUNT];
  gc_space_stats total;
  uint64_t old_limit;          /* old-generation allocation limit */
  uint64_t old_max;            /* old-generation maximum */
  uint64_t semi_space_capacity;
  uint64_t age_mark;           /* offset of the age mark in To-space */
  uint64_t allocated_bytes;    /* since heap creation */
  uint64_t objects_allocated;  /* since heap creation */
  uint32_t gcs;                /* number of GCs */
  uint64_t old_to_new_slots;   /* slots recorded in the OLD_TO_NEW remembered sets */
  uint32_t handles;            /* live handle-table entries */
  uint64_t virtual_time_us;
  /* External memory (gc_alloc_external): bytes owned by live objects, the
   * part owned by young ones, and the soft limit now (V8's
   * external_memory_.total(), new space's ExternalBackingStoreBytes,
   * external_memory_.limit()). */
  uint64_t external_bytes, external_young_bytes, external_limit;
} gc_heap_stats;

void gc_stats(const gc_heap *heap, gc_heap_stats *out);

typedef struct gc_page_info {
  uint32_t index;          /* address / page_size */
  gc_space space;
  uint64_t address;        /* offset from the heap base */
  uint64_t size;           /* bytes (a large page spans several page units) */
  uint64_t used;           /* bytes of objects */
  uint64_t live;           /* live bytes from the last marking */
  uint64_t free;           /* free bytes (area - used) */
  uint64_t largest_free;   /* largest contiguous free block */
  uint32_t objects;
  bool to_space;           /* for new space: the page is in To-space */
} gc_page_info;

/* Pages of `space` (or of every space if space == GC_SPACE_COUNT), in
 * address order.  Writes at most cap entries; *n gets the total count. */
gc_status gc_pages(gc_heap *heap, gc_space space, gc_page_info *out, size_t cap, size_t *n);

/* Walk every object, in address order within each space:
 * new, old, large, new_large.  Stop early if fn returns false. */
typedef bool (*gc_object_fn)(const gc_object_info *obj, void *ud);
gc_status gc_each_object(gc_heap *heap, gc_object_fn fn, void *ud);

/* ---------------------------------------------------------------- checking */

/* Walk the whole heap and check every invariant.  GC_ECORRUPT with a
 * message on the first violation. */
gc_status gc_verify(gc_heap *heap);
/* Verify after every GC and every incremental step; a failure makes the
 * GC call return GC_ECORRUPT. */
void gc_set_verify_each_gc(gc_heap *heap, bool on);
/* Run a scavenge every n allocations (0 = off), like --stress-scavenge. */
void gc_set_stress(gc_heap *heap, uint32_t every_n_allocations);
/* Test-only: switch the marking write barrier off to show what it prevents. */
void gc_set_marking_barrier(gc_heap *heap, bool on);

/* ------------------------------------------------------------------- limits */

/* Called when a GC left the old generation over its maximum, and when an
 * allocation would fail at the heap limit, before the last-resort GCs.  Return a new (larger) old-generation maximum to raise it, or the
 * current one to keep it.  Mirrors V8's NearHeapLimitCallback. */
typedef uint64_t (*gc_near_limit_fn)(void *ud, uint64_t current_max, uint64_t initial_max);
void gc_on_near_heap_limit(gc_heap *heap, gc_near_limit_fn fn, void *ud);
/* Change the old-generation maximum; GC_EINVAL if below what is live. */
gc_status gc_set_old_max(gc_heap *heap, uint64_t max_size);

/* V8's message for running out of heap: a GC left the old generation over
 * its maximum (Heap::CollectGarbage). */
#define GC_OOM_MESSAGE "Reached heap limit Allocation failed - JavaScript heap out of memory"
/* V8's text when an allocation still fails after its GCs and the last-resort
 * GCs (HeapAllocator::AllocateRawWithRetryOrFailSlowPath). */
#define GC_OOM_RETRY_MESSAGE "CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory"
/* V8's other out-of-memory text: old_space.ineffective_mark_compacts. */
#define GC_OOM_INEFFECTIVE_MESSAGE \
  "Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory"

/* --------------------------------------------------------------- trace text */

/* Format one event as a `node --trace-gc` line (no trailing newline) or as
 * a `--trace-gc-nvp` line.  Times are the virtual clock unless
 * wall_time is set.  Returns the length written (snprintf-like). */
int gc_format_trace(const gc_heap *heap, const gc_event *ev, bool wall_time, char *buf,
                    size_t len);
int gc_format_trace_nvp(const gc_heap *heap, const gc_event *ev, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

/* Raw views (gc_view and the inline gc_obj accessors) and heap snapshots
 * with their analyses: headers of their own. */
#include "gclab_view.h"
#include "gclab_snapshot.h"

#endif /* GCLAB_H */
