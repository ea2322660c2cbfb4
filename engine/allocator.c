/*
 * allocator.c -- gc_alloc and gc_alloc_into: where a new object goes and
 * what must happen first (V8's heap-allocator.cc); and the program's
 * clock that allocation counts (heap_mutator_ns), which gc_compute
 * advances for work that allocates nothing.
 *
 * Paths: a fast path bumps in To-space when nothing is due before the
 * allocation; the slow path runs the work due (stress scavenges,
 * incremental steps, finalization), then allocates a young large object,
 * or a young object -- collecting (collector.c chooses the kind) and, when
 * new space stays full, pretenuring in old space (promotion.h says when).
 * gc_alloc_at: an object of a tenured allocation site goes to old space
 * (gc_alloc_old: every object, as V8's deserializer allocates);
 * a young one of any other site gets its allocation memento behind it
 * (pretenuring.c keeps the sites and their counts).
 * Invariants: a GC never runs after the new object exists and before it
 * is returned, so it can never collect it; the fast paths change nothing
 * until they are sure to succeed, so on any doubt the general path
 * decides exactly as without them; the heap limit is checked after every
 * collection an allocation causes (heap_controller.c).
 */
#include <stdio.h>

#include "heap_internal.h"
#include "pretenuring.h"
#include "handles.h"
#include "promotion.h"

/* A young allocation of `size` bytes failed (or a stress scavenge is due
 * before it): collect (collector.c chooses the kind), then check the heap
 * limit as V8 does after every GC. */
static gc_status collect_for_young(gc_heap *h, gc_reason reason, uint64_t size) {
  gc_kind ran;
  gc_status st = collect_garbage(h, GC_REQUEST_YOUNG_ALLOCATION, reason, &ran);
  if (st != GC_OK) return st;
  return heap_check_after_gc(h, size, ran != GC_KIND_SCAVENGE);
}

/* Work due before an allocation: stress scavenges and incremental steps.
 * Runs before the new object exists, so it can never collect it. */
static gc_status before_alloc(gc_heap *h, uint64_t size) {
  if (UNLIKELY(h->stress_every) && ++h->stress_count >= h->stress_every) {
    h->stress_count = 0;
    gc_status st = collect_for_young(h, GC_REASON_STRESS, size);
    if (st != GC_OK) return st;
  }
  if (UNLIKELY(h->marking != GC_MARKING_IDLE)) {
    if (h->marking == GC_MARKING_MARKING &&
        (h->young_alloc >= h->cfg.incremental.young_step || h->old_alloc >= h->cfg.incremental.old_step)) {
      h->young_alloc = h->old_alloc = 0;
      gc_status st = incremental_allocation_step(h);
      if (st != GC_OK) return st;
    }
    if (incremental_stack_guard_taken(h)) {
      gc_status st = collect_garbage(h, GC_REQUEST_OLD, GC_REASON_FINALIZE_MARKING, NULL);
      if (st != GC_OK) return st;
    }
  }
  return GC_OK;
}

/* V8's NewLargeObjectSpace::AllocateRaw: the young large objects share a
 * capacity equal to new space's (Heap sets it to the semispace capacity
 * after every GC, kNewLargeObjectSpaceToSemiSpaceRatio = 1; the whole
 * semispace, page headers included: with only its object area
 * bufleak-oom-64m's ninth and eleventh Scavenges promote 7 of its 160 KB
 * arrays where Node's four nvp runs promote 8); once some are
 * there, one that does not fit in what is left fails like a young
 * allocation (a Scavenge, unless select_collector says otherwise); the
 * first always fits. */
static bool young_large_space_full(const gc_heap *h, uint64_t size) {
  return h->nlo.size > 0 && h->nlo.size + size > h->new_space.capacity;
}

/* A large object: young (gc_alloc), or old (gc_alloc_old, V8's
 * AllocationType::kOld above kMaxRegularHeapObjectSize).  A full GC first
 * when heap_large_alloc_needs_gc says so (the first of V8's two light-retry
 * GCs when the object does not fit), then the heap limit after it, then the
 * rest of V8's retry path if the object still does not fit.  Its pages are
 * whole page units, but it counts against the maximum by its bytes
 * (old_gen_capacity), as V8's large pages are sized to their object. */
/* What a large object of `size` asks the old generation to absorb beyond
 * its capacity: an old one its own bytes, a young one the young large
 * objects already there (V8's CanExpandOldGeneration arguments).  Read
 * again after a GC, which may have promoted the young ones. */
static uint64_t large_alloc_need(const gc_heap *h, uint64_t size, bool young) {
  return young ? h->nlo.size : size;
}

static gc_status alloc_large(gc_heap *h, uint64_t size, bool young, addr_t *out) {
  if (young && young_large_space_full(h, size)) {
    gc_status st = collect_for_young(h, GC_REASON_ALLOCATION_FAILURE, size);
    if (st != GC_OK) return st;
  }
  /* V8's OldLargeObjectSpace::AllocateRaw asks CanExpandOldGeneration
   * (object_size); NewLargeObjectSpace::AllocateRaw asks it only for the
   * young large objects already there (SizeOfObjects()): a young one is
   * allocated even if promoting it will not fit, and the GC that promotes
   * it ends in "Reached heap limit" (heap_check_after_gc). */
  if (!young) incremental_maybe_start(h);
  if (heap_large_alloc_needs_gc(h, large_alloc_need(h, size, young), young)) {
    gc_status st = young ? collect_for_young(h, GC_REASON_ALLOCATION_FAILURE, size)
                         : collect_garbage(h, GC_REQUEST_OLD, GC_REASON_ALLOCATION_FAILURE, NULL);
    if (st == GC_OK && !young) st = heap_check_after_gc(h, size, true);
    if (st == GC_OK) st = heap_reserve_old(h, large_alloc_need(h, size, young), size, 1);
    if (st != GC_OK) return st;
  }
  addr_t a = lo_alloc(h, size, young);
  if (!a) return heap_fail(h, GC_EOOM, "%s (no address space left for a large object of %s)",
                           GC_OOM_MESSAGE, SIZE_TEXT(size));
  *out = a;
  return GC_OK;
}

/* A regular-size object in old space, within the heap limit; V8's retry
 * path runs `light_retries` GCs first (a pretenured allocation: 2; none
 * when the caller's own GCs failed to make room in new space). */
static gc_status alloc_old(gc_heap *h, uint64_t size, addr_t *out, uint32_t light_retries) {
  incremental_maybe_start(h);
  gc_status st = heap_reserve_old(h, size, size, light_retries);
  if (st != GC_OK) return st;
  *out = old_space_alloc(h, size);
  if (!*out) return heap_fail(h, GC_EOOM, "%s (no address space left)", GC_OOM_MESSAGE);
  return GC_OK;
}

/* The program's own old allocation (a tenured site's object,
 * gc_alloc_old): past the old-generation limit with marking unable to
 * start, a full GC first (heap_old_alloc_needs_gc), then the heap limit's
 * check as after every GC an allocation causes. */
static gc_status alloc_tenured(gc_heap *h, uint64_t size, addr_t *out) {
  incremental_maybe_start(h);
  if (heap_old_alloc_needs_gc(h)) {
    gc_status st = collect_garbage(h, GC_REQUEST_OLD, GC_REASON_ALLOCATION_FAILURE, NULL);
    if (st == GC_OK) st = heap_check_after_gc(h, size, true);
    if (st != GC_OK) return st;
  }
  return alloc_old(h, size, out, 2);
}

/* An object just allocated in old space: counted, and black while marking
 * (black allocation). */
static void old_allocated(gc_heap *h, addr_t a, uint64_t size, uint32_t *color) {
  h->old_alloc += size;
  if (h->marking == GC_MARKING_MARKING) {
    *color = GC_BLACK;
    page_of(h, a)->live_bytes += size;
  }
}

/* *in_old tells the caller the object went to old space (pretenured). */
static gc_status alloc_young(gc_heap *h, uint64_t size, addr_t *out, bool *in_old) {
  *in_old = false;
  addr_t a = new_space_alloc(h, size);
  for (uint32_t tries = 0; !a && tries < young_gcs_before_pretenuring(h); tries++) {
    gc_status st = collect_for_young(h, GC_REASON_ALLOCATION_FAILURE, size);
    if (st != GC_OK) return st;
    a = new_space_alloc(h, size);
  }
  if (!a) {
    /* New space is full of survivors: allocate in old space (pretenure). */
    *in_old = true;
    return alloc_old(h, size, out, 0);
  }
  h->new_space.size += size;
  h->new_space.objects++;
  *out = a;
  return GC_OK;
}

/* Why alloc_size refused nslots/bytes: the message naming the argument.
 * Kept out of line so that the common case stays a few compares. */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static gc_status alloc_size_error(gc_heap *h, uint32_t nslots, uint64_t bytes) {
  if (nslots > MAX_SLOTS)
    return heap_fail(h, GC_EINVAL, "slots: expected at most %llu, got %u",
                     (unsigned long long)MAX_SLOTS, (unsigned)nslots);
  uint64_t min = gc_default_size(nslots);
  uint64_t size = bytes ? bytes : min;
  if (size < min)
    return heap_fail(h, GC_EINVAL, "bytes: expected at least %s for %u slots, got %s", SIZE_TEXT(min),
                     (unsigned)nslots, SIZE_TEXT(bytes));
  if (size > MAX_OBJECT_SIZE)
    return heap_fail(h, GC_EINVAL, "bytes: expected at most %s, got %s", SIZE_TEXT(MAX_OBJECT_SIZE),
                     SIZE_TEXT(size));
  size = (size + 7) & ~7ull;
  return heap_fail(h, GC_EOOM, "%s (an object of %s is larger than the heap maximum of %s)",
                   GC_OOM_MESSAGE, SIZE_TEXT(size), SIZE_TEXT(h->old_max));
}

/* The rounded size of an object of `nslots` slots and `bytes` bytes (0:
 * the default), or a failure naming the argument (alloc_size_error). */
static inline gc_status alloc_size(gc_heap *h, uint32_t nslots, uint64_t bytes, uint64_t *out) {
  if (LIKELY(nslots <= MAX_SLOTS)) {
    uint64_t min = gc_default_size(nslots);
    uint64_t size = bytes ? bytes : min;
    if (LIKELY(size >= min && size <= MAX_OBJECT_SIZE)) {
      size = (size + 7) & ~7ull;
      if (LIKELY(size <= h->old_max)) {
        *out = size;
        return GC_OK;
      }
    }
  }
  return alloc_size_error(h, nslots, bytes);
}

/* The allocation fast path: a bump in To-space when no work is due before
 * it (stress, marking) and the object is not large; 0 otherwise.  Never
 * collects.  (young_alloc paces incremental steps; it only counts while
 * marking, and restarts from 0 when marking starts.) */
static inline addr_t alloc_fast(gc_heap *h, uint64_t size) {
  if (UNLIKELY(h->stress_every || h->marking != GC_MARKING_IDLE) || size > h->cfg.large_object.threshold)
    return 0;
  addr_t a = new_space_alloc(h, size);
  if (LIKELY(a)) {
    h->new_space.size += size;
    h->new_space.objects++;
  }
  return a;
}

/* Everything else: the work due before an allocation, large objects, and a
 * full new space (which collects, or pretenures).  *color is the new
 * object's colour (black when allocated in old space during marking).
 * `tenured`: the object's allocation site is tenured (promotion.h's
 * site_allocates_old), so it goes straight to old space, as V8 allocates a
 * pretenured literal. */
static gc_status alloc_slow(gc_heap *h, uint64_t size, bool tenured, bool large_old, addr_t *out,
                            uint32_t *color) {
  gc_status st;
  *color = GC_WHITE;
  if (UNLIKELY(h->stress_every || h->marking != GC_MARKING_IDLE)) {
    st = before_alloc(h, size);
    if (st != GC_OK) return st;
  }
  if (size > h->cfg.large_object.threshold) {
    st = alloc_large(h, size, !large_old, out);
    if (st != GC_OK) return st;
    if (large_old) {
      /* V8 11.3's OldLargeObjectSpace::AllocateRaw asks again once the
       * page is there (StartIncrementalMarkingIfAllocationLimitIsReached):
       * the object that took the old generation past its limit starts
       * marking, and is black in it */
      incremental_maybe_start(h);
      old_allocated(h, *out, size, color);
    } else {
      /* V8 observes the young large-object space with new space's
       * observer (Heap::AddAllocationObserversToAllSpaces) */
      h->young_alloc += size;
    }
    return GC_OK;
  }
  bool in_old = tenured;
  st = tenured ? alloc_tenured(h, size, out) : alloc_young(h, size, out, &in_old);
  if (st != GC_OK) return st;
  if (in_old) {
    old_allocated(h, *out, size, color);
  } else {
    h->young_alloc += size;
  }
  return GC_OK;
}

gc_status gc_compute(gc_heap *h, uint64_t ns) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "compute: not allowed during a GC");
  if (ns > (1ull << 40))
    return heap_fail(h, GC_EINVAL, "ns: expected 0 to 2^40 nanoseconds, got %llu", (unsigned long long)ns);
  h->computed_ns += ns;
  return GC_OK;
}

/* An allocation is done: the counters, which are also the virtual clock's
 * (heap_mutator_ns). */
static inline void count_alloc(gc_heap *h, uint64_t size) {
  h->allocated_total += size;
  h->objects_allocated++;
}

/* The memento behind a young object of `size` bytes at `a` allocated at
 * `site`: the next 16 bytes of the same page (V8 folds the two
 * allocations into one).  When the page has no room left the object goes
 * without one (the bytes taken from the next page become a filler).
 * Returns the bytes the memento took. */
static uint64_t alloc_memento(gc_heap *h, addr_t a, uint64_t size, gc_site site) {
  addr_t m = new_space_alloc(h, MEMENTO_SIZE);
  if (!m) return 0;
  if (m == a + size) pretenuring_write_memento(h, m, site);
  else write_filler(m, MEMENTO_SIZE);
  h->young_alloc += MEMENTO_SIZE;
  h->allocated_total += MEMENTO_SIZE;
  return MEMENTO_SIZE;
}

/* The object just allocated at `a`: its header, a new handle (added to
 * the innermost scope) in *out, and the counters. */
static gc_status alloc_handle(gc_heap *h, addr_t a, uint64_t size, uint32_t nslots, uint32_t name_id,
                              uint32_t color, gc_handle *out) {
  obj_init(h, a, size, nslots, name_id, color);
  gc_handle hd = handle_new(h, a);
  if (!hd || !handle_scope_add(h, hd)) {
    if (hd) gc_handle_release(h, hd);
    return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  }
  count_alloc(h, size);
  *out = hd;
  return GC_OK;
}

gc_status gc_alloc(gc_heap *h, uint32_t nslots, uint64_t bytes, const char *name, gc_handle *out) {
  return gc_alloc_at(h, GC_NO_SITE, nslots, bytes, name, out);
}

/* gc_alloc_at and gc_alloc_old: `old` puts the object in the old
 * generation whatever its site; `who` names the call in messages. */
static gc_status alloc_object(gc_heap *h, gc_site site, bool old, uint32_t nslots, uint64_t bytes,
                              const char *name, gc_handle *out, const char *who) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = GC_NO_HANDLE;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "%s: not allowed during a GC", who);
  if (site > h->nsites)
    return heap_fail(h, GC_EINVAL, "site: expected an allocation site of this heap (1..%zu), got %u",
                     h->nsites, (unsigned)site);
  uint64_t size = 0;
  gc_status st = alloc_size(h, nslots, bytes, &size);
  if (st != GC_OK) return st;
  uint32_t name_id = names_intern(h, name);

  uint32_t color = GC_WHITE;
  addr_t a = 0;
  if (UNLIKELY(old || site_allocates_old(h, site))) {
    if ((st = alloc_slow(h, size, true, old, &a, &color)) != GC_OK) return st;
  } else {
    a = alloc_fast(h, size);
    if (!a && (st = alloc_slow(h, size, false, false, &a, &color)) != GC_OK) return st;
    if (site_wants_memento(h, site) && (page_of(h, a)->flags & (PAGE_YOUNG | PAGE_LARGE)) == PAGE_YOUNG)
      alloc_memento(h, a, size, site);
  }
  if (site != GC_NO_SITE && UNLIKELY(pretenuring_tiering(h))) pretenuring_note_tiering(h);
  return alloc_handle(h, a, size, nslots, name_id, color, out);
}

gc_status gc_alloc_at(gc_heap *h, gc_site site, uint32_t nslots, uint64_t bytes, const char *name,
                      gc_handle *out) {
  return alloc_object(h, site, false, nslots, bytes, name, out, "gc_alloc");
}

gc_status gc_alloc_old(gc_heap *h, uint32_t nslots, uint64_t bytes, const char *name, gc_handle *out) {
  return alloc_object(h, GC_NO_SITE, true, nslots, bytes, name, out, "gc_alloc_old");
}

/* Keep the objects of init[] alive across an allocation that may collect:
 * a scope of their own, which the caller closes after it (roots are
 * visited in the scopes' order, handles.c).  The handles were checked. */
static gc_status protect_init(gc_heap *h, const gc_handle *init, uint32_t ninit, gc_scope *scope) {
  gc_status st = gc_scope_open(h, scope);
  if (st != GC_OK) return st;
  for (uint32_t i = 0; i < ninit; i++)
    if (init[i] && !handle_scope_add_slow(h, init[i])) {
      gc_scope_close(h, *scope);
      return heap_fail(h, GC_ENOMEM, "out of process memory for a scope");
    }
  return GC_OK;
}

/* gc_alloc_into's fast path takes default-sized objects of at most this
 * many slots, the first two of them set from init[]. */
#define ALLOC_INTO_FAST_SLOTS 8

uint64_t heap_fast_alloc_max(const gc_heap *h) {
  if (h->in_gc || h->stress_every || h->marking != GC_MARKING_IDLE) return 0;
  uint64_t m = gc_default_size(ALLOC_INTO_FAST_SLOTS);
  if (m > h->cfg.large_object.threshold) m = h->cfg.large_object.threshold;
  if (m > h->old_max) m = h->old_max;
  return m;
}

/* gc_alloc_into's common case, tried first: nothing due before the
 * allocation and room in To-space (so no GC can run), a default-sized
 * object of a few slots, at most two init handles, valid arguments.  It
 * changes nothing before it is sure to succeed, so on any doubt the general
 * path starts over and decides, or fails with its message, exactly as
 * without it.  It makes no call.  Every check is done before any store,
 * the handles' as one word each (handle_key), and only the totals are
 * counted (the virtual clock and the "since the last GC" counts are
 * derived from them: heap_mutator_ns).  docs/benchmarks.md has its cost. */
static inline bool alloc_into_fast(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                                   const gc_handle *init, uint32_t ninit, gc_handle dst) {
  /* size <= fast_alloc_max: no GC running, nothing due before the
   * allocation, at most ALLOC_INTO_FAST_SLOTS slots, not a large object and
   * within the heap's maximum (nslots < 2^32: the size cannot wrap). */
  uint64_t size = gc_default_size(nslots);
  if (UNLIKELY(bytes != 0 || size > h->fast_alloc_max || ninit > 2 || ninit > nslots ||
               name >= h->names.n))
    return false;
  /* The handles: dst valid, init[] valid and live (handle_try, inline). */
  hentry *tab = h->handles;
  uint32_t n = h->nhandles;
  uint32_t di = (uint32_t)dst - 1;
  if (UNLIKELY(di >= n)) return false;
  hentry *d = &tab[di];
  uint64_t dk = d->key;
  if (UNLIKELY(dk != handle_key(dst, H_LIVE) && dk != handle_key(dst, H_DEAD))) return false;
  tagged v0 = 0, v1 = 0;
  uint64_t stores = 0;
  if (ninit) {
    if (UNLIKELY(!init)) return false;
    gc_handle x = init[0];
    if (x) {
      uint32_t i = (uint32_t)x - 1;
      if (UNLIKELY(i >= n || tab[i].key != handle_key(x, H_LIVE))) return false;
      v0 = (tagged)tab[i].addr;
      stores++;
    }
    if (ninit == 2 && (x = init[1])) {
      uint32_t i = (uint32_t)x - 1;
      if (UNLIKELY(i >= n || tab[i].key != handle_key(x, H_LIVE))) return false;
      v1 = (tagged)tab[i].addr;
      stores++;
    }
  }
  addr_t a = h->new_space.top;
  if (UNLIKELY(a + size > h->new_space.limit)) return false;
  /* new_space_alloc, obj_init with the init values in slots 0 and 1, and
   * count_alloc.  The stores are into a new young object and there is no
   * marking: they need no barrier, only counting. */
  uint64_t id = h->next_id++;
  obj *o = obj_at(a);
  o->w0 = size | ((uint64_t)nslots << 32);
  o->id = id;
  o->meta = make_meta(name, 0, GC_WHITE);
  tagged *w = o->slots;
  if (nslots > 0) w[0] = v0;
  if (nslots > 1) w[1] = v1;
  switch (nslots) { /* the rest empty, without a memset call */
    case 8: w[7] = 0; /* fall through */
    case 7: w[6] = 0; /* fall through */
    case 6: w[5] = 0; /* fall through */
    case 5: w[4] = 0; /* fall through */
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    default: break;
  }
  h->new_space.top = a + size;
  h->new_space.size += size;
  h->new_space.objects++;
  h->allocated_total += size;
  h->objects_allocated++;
  h->stores += stores;
  /* handle_retarget, from the values just stored */
  d->addr = a;
  d->id = id;
  d->name = name;
  if (UNLIKELY(d->state != H_LIVE)) {
    d->state = H_LIVE;
    d->died_in_gc = 0;
  }
  return true;
}

/* gc_alloc_into in full. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static gc_status alloc_into_general(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                                    const gc_handle *init, uint32_t ninit, gc_handle dst) {
  if (!h) return GC_EINVAL;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_alloc_into: not allowed during a GC");
  gc_status st;
  if (!handle_lookup(h, dst, false, &st)) return heap_fail_arg(h, st, "dst");
  if (ninit > nslots)
    return heap_fail(h, GC_EINVAL, "ninit: expected at most nslots (%u), got %u", (unsigned)nslots,
                     (unsigned)ninit);
  if (ninit && !init) return heap_fail(h, GC_EINVAL, "init: expected %u handles, got NULL", (unsigned)ninit);
  for (uint32_t i = 0; i < ninit; i++)
    if (init[i] && !handle_lookup(h, init[i], true, &st)) {
      char arg[32];
      snprintf(arg, sizeof arg, "init[%u]", (unsigned)i);
      return heap_fail_arg(h, st, arg);
    }
  if (name >= h->names.n)
    return heap_fail(h, GC_EINVAL, "name: expected a name from gc_name_intern, got %u", (unsigned)name);
  uint64_t size = 0;
  st = alloc_size(h, nslots, bytes, &size);
  if (st != GC_OK) return st;

  uint32_t color = GC_WHITE;
  addr_t a = alloc_fast(h, size);
  if (!a) {
    gc_scope keep;
    if ((st = protect_init(h, init, ninit, &keep)) != GC_OK) return st;
    st = alloc_slow(h, size, false, false, &a, &color);
    gc_status cst = gc_scope_close(h, keep);
    if (st == GC_OK) st = cst;
    if (st != GC_OK) return st;
  }
  obj_init(h, a, size, nslots, name, color);
  count_alloc(h, size);
  /* The stores of gc_slot_set_ref, barrier and clock included.  Handles are
   * looked up again: the objects may have moved, and a GC callback may have
   * grown the table. */
  obj *o = obj_at(a);
  for (uint32_t i = 0; i < ninit; i++) {
    hentry *e = init[i] ? handle_lookup(h, init[i], true, &st) : NULL;
    if (!e) continue;
    o->slots[i] = (tagged)e->addr;
    write_barrier(h, a, &o->slots[i], (tagged)e->addr);
    h->stores++;
  }
  hentry *d = handle_lookup(h, dst, false, &st);
  if (!d) return heap_fail_arg(h, st, "dst");
  handle_retarget(d, a);
  return GC_OK;
}

gc_status gc_alloc_into(gc_heap *h, uint32_t nslots, uint64_t bytes, gc_name name,
                        const gc_handle *init, uint32_t ninit, gc_handle dst) {
  if (LIKELY(h != NULL) && alloc_into_fast(h, nslots, bytes, name, init, ninit, dst)) return GC_OK;
  return alloc_into_general(h, nslots, bytes, name, init, ninit, dst);
}
