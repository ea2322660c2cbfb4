/*
 * new_space.c -- the young generation's two semispaces.
 *
 * Each semispace is a list of pages (like V8's SemiSpace).  The mutator bump-
 * allocates in To-space; an object never straddles a page: when it does not
 * fit in the rest of the current page, the rest becomes a filler and
 * allocation moves to the next page.  A scavenge flips the semispaces (the
 * old To-space becomes From-space) and copies survivors into the new
 * To-space from its start, through copy buffers (new_space.copy_lab, V8's
 * evacuation LABs: new_space_copy_alloc_slow).  The age mark is To-space's
 * top after a scavenge: everything below it survived one.
 *
 * Capacity grows by the growth factor at the start of a GC (a Scavenge or
 * a full GC that does not reduce memory) when the young bytes that
 * survived the GCs before it since the last growth exceed the capacity
 * (V8's ShouldResizeNewSpace in the GC prologue), up to semi_space_max;
 * memory-reducing GCs, and GCs that start after a time of low allocation
 * throughput (allocation_rate.c), shrink it at their end back towards
 * max(initial, 2 x live) (V8's Heap::ReduceNewSpaceSize, NewSpace::Shrink).
 */
#include "heap_internal.h"

static bool add_pages(gc_heap *h, int semi, uint64_t bytes) {
  uint32_t n = (uint32_t)(bytes >> h->page_shift);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t flags = PAGE_YOUNG | (semi == h->new_space.to ? PAGE_TO : 0);
    page *p = page_take(h, 1, GC_SPACE_NEW, flags);
    if (!p) return false;
    page_list_append(&h->new_space.semi[semi], p);
  }
  return true;
}

static void set_alloc_page(gc_heap *h, page *p) {
  h->new_space.alloc_page = p;
  h->new_space.top = p ? p->start : 0;
  h->new_space.limit = p ? p->start + p->size : 0;
  if (p) p->top = p->start;
}

bool new_space_init(gc_heap *h) {
  h->new_space.to = 0;
  h->new_space.capacity = h->cfg.new_space.semi_space_initial;
  if (!add_pages(h, 0, h->new_space.capacity) || !add_pages(h, 1, h->new_space.capacity)) return false;
  set_alloc_page(h, h->new_space.semi[0].head);
  h->new_space.age_mark = h->new_space.top;
  return true;
}

/* Make the current page iterable up to top. */
static inline void sync_top(gc_heap *h) {
  if (h->new_space.alloc_page) h->new_space.alloc_page->top = h->new_space.top;
}

void new_space_seal(gc_heap *h) { sync_top(h); }

/* V8 11.3's SemiSpaceNewSpace::Size(): To-space's allocated extent --
 * every page before the allocation page counted whole (its objects and
 * the filler that closed it), plus the allocation page up to top.  Not
 * the sum of the objects: a page closed early because the next object
 * (an elements backing store up to 128 KiB) did not fit counts its rest
 * too.  Heap::PerformGarbageCollection takes it (with the young large
 * objects) as the young size its survival statistics divide by. */
uint64_t new_space_allocated_extent(const gc_heap *h) {
  const new_space *n = &h->new_space;
  if (!n->alloc_page) return 0;
  uint64_t bytes = n->top - n->alloc_page->start;
  for (const page *p = n->semi[n->to].head; p && p != n->alloc_page; p = p->next) bytes += p->size;
  return bytes;
}

/* new_space_alloc (engine_calls.h) when the current page is full:
 * close it with a filler and move on to the next.  On the last page, as
 * V8's SemiSpaceNewSpace::AddFreshPage when To-space cannot advance, the
 * rest becomes a filler but top stays where it is: the failed allocation
 * is not counted, and Size() (new_space_allocated_extent) is the objects'
 * extent, not the whole page. */
addr_t new_space_alloc_slow(gc_heap *h, uint64_t size) {
  new_space *n = &h->new_space;
  while (n->alloc_page) {
    if (n->top + size <= n->limit) {
      addr_t a = n->top;
      n->top += size;
      return a;
    }
    /* Close this page: the rest becomes a filler. */
    if (n->top < n->limit) write_filler(n->top, n->limit - n->top);
    n->alloc_page->top = n->limit;
    page *next = n->alloc_page->next;
    if (!next) return 0; /* full; stays on the last page, top unmoved */
    set_alloc_page(h, next);
  }
  return 0;
}

/* The copy buffer's size: new_space.copy_lab, at most a page's object area
 * (with small pages a buffer is the page: a plain bump); 0: none. */
static uint64_t copy_lab_size(const gc_heap *h) {
  uint64_t area = h->cfg.page_size - h->cfg.page_header;
  return h->cfg.new_space.copy_lab < area ? h->cfg.new_space.copy_lab : area;
}

/* new_space_copy_alloc (engine_calls.h) when the object does not fit in
 * the buffer.  V8's EvacuationAllocator: an object over a quarter of the
 * buffer (kMaxLabObjectSize) goes straight to To-space's top; a smaller
 * one closes the buffer -- its rest becomes a filler
 * (LocalAllocationBuffer::CloseAndMakeIterable) -- and takes a new one,
 * whole on one page (AllocateRawSynchronized: a page's rest too small for
 * it becomes a filler).  When To-space has no room for a buffer, 0: V8
 * stops copying small objects (lab_allocation_will_fail_) and the caller
 * promotes them.  Gaps the buffers leave stay in To-space until the next
 * GC, as V8's do: a page of 257,720 bytes holds seven 32 KiB buffers and
 * a 28,344-byte filler (`node --trace-gc-verbose`: new space "used" after
 * a Scavenge is its survivors plus about 28 KB a page).  The rest of the
 * last buffer is where the program allocates next (MaybeFreeUnusedLab). */
addr_t new_space_copy_alloc_slow(gc_heap *h, uint64_t size) {
  new_space *n = &h->new_space;
  uint64_t lab = copy_lab_size(h);
  if (lab == 0) return new_space_alloc(h, size);
  if (size > lab / 4) {
    const page *p = n->alloc_page;
    addr_t a = new_space_alloc(h, size);
    n->copy_lab_left = (a && n->alloc_page == p && n->copy_lab_left > size) ? n->copy_lab_left - size : 0;
    return a;
  }
  if (!n->alloc_page) return 0;
  uint64_t rest = n->limit - n->top < n->copy_lab_left ? n->limit - n->top : n->copy_lab_left;
  if (rest) {
    write_filler(n->top, rest);
    n->top += rest;
  }
  n->copy_lab_left = 0;
  if (n->top + lab > n->limit && !n->alloc_page->next) return 0;
  addr_t b = new_space_alloc(h, lab);
  if (!b) return 0;
  n->top = b + size;
  n->copy_lab_left = lab - size;
  return b;
}

void new_space_flip(gc_heap *h) {
  new_space *n = &h->new_space;
  sync_top(h);
  for (page *p = n->semi[n->to].head; p; p = p->next) p->flags = (p->flags & ~PAGE_TO) | PAGE_FROM;
  n->to ^= 1;
  for (page *p = n->semi[n->to].head; p; p = p->next) {
    p->flags = (p->flags & ~PAGE_FROM) | PAGE_TO;
    p->top = p->start;
    p->live_bytes = 0;
  }
  set_alloc_page(h, n->semi[n->to].head);
  n->copy_lab_left = copy_lab_size(h) ? 0 : UINT64_MAX;
  n->size = 0;
  n->objects = 0;
}

/* Release pages at the tail of a semispace until it holds `capacity`. */
static void trim(gc_heap *h, int semi, uint64_t capacity) {
  page_list *l = &h->new_space.semi[semi];
  while ((uint64_t)l->count << h->page_shift > capacity) {
    page *last = l->tail;
    page_list_remove(l, last);
    page_release(h, last);
  }
}

bool new_space_resize(gc_heap *h, uint64_t capacity) {
  new_space *n = &h->new_space;
  if (capacity > n->capacity) {
    uint64_t more = capacity - n->capacity;
    if (!add_pages(h, n->to, more) || !add_pages(h, n->to ^ 1, more)) return false;
    n->capacity = capacity;
    return true;
  }
  /* Shrink: only pages above the allocation page may go. */
  uint32_t used_pages = 0;
  for (page *p = n->semi[n->to].head; p; p = p->next) {
    used_pages++;
    if (p == n->alloc_page) break;
  }
  uint64_t floor_bytes = (uint64_t)used_pages << h->page_shift;
  if (capacity < floor_bytes) capacity = floor_bytes;
  if (capacity >= n->capacity) return true;
  trim(h, n->to, capacity);
  trim(h, n->to ^ 1, capacity);
  n->capacity = capacity;
  return true;
}

/* V8's Heap::ReduceNewSpaceSize (heap.cc), at the end of a GC whose start
 * found it due (new_space_resize_at_gc_start): shrink to max(initial,
 * 2 x live) in whole pages (NewSpace::Shrink). */
void new_space_reduce_size(gc_heap *h) {
  if (!h->new_space.shrink_due) return;
  h->new_space.shrink_due = false;
  uint64_t want = 2 * h->new_space.size;
  if (want < h->cfg.new_space.semi_space_initial) want = h->cfg.new_space.semi_space_initial;
  want = (want + h->cfg.page_size - 1) & ~(h->cfg.page_size - 1);
  if (want < h->new_space.capacity) new_space_resize(h, want);
}

/* V8's Heap::ShouldResizeNewSpace and ExpandNewSpaceSize, called from
 * Heap::GarbageCollectionPrologueInSafepoint: at the START of every GC --
 * a Scavenge or a Mark-Compact -- decide whether new space grows now or
 * shrinks at the GC's end (new_space_reduce_size):
 *  - a memory-reducing GC shrinks (ShouldReduceMemory), and never grows;
 *  - grow when the young bytes that survived the GCs before this one
 *    since the last growth (survived_since_last_expansion_: a Scavenge's
 *    copied and promoted bytes, ScavengerCollector::CollectGarbage; a full
 *    GC's evacuated ones, Evacuator::Finalize) exceed the capacity.  This
 *    GC's own survivors count only at the next one: Node 20 with a 1 MiB
 *    semispace grows at its 3rd Scavenge (806,504 + 958,144 bytes survived
 *    its first two: scripts/fidelity/node20/grow-1e6-semi4.nvp), not at
 *    its 2nd; and slowleak-oom-16m grows from 8 to 16 MiB at its 22nd GC,
 *    a Mark-Compact after five others whose promoted bytes made up the
 *    8 MiB;
 *  - shrink when the allocation throughput is under kLowAllocationThroughput
 *    = 1000 bytes per ms (allocation_throughput, V8's tracer over its last
 *    intervals: sort-300's rounds allocate 888 bytes of new space each
 *    beside an 800 KB young large object, which the rate does not count);
 *  - both or neither: nothing (the survivor count is reset all the same
 *    when growth was due). */
void new_space_resize_at_gc_start(gc_heap *h, bool reduce_memory) {
  new_space *n = &h->new_space;
  const gc_config *c = &h->cfg;
  if (reduce_memory) {
    n->shrink_due = true;
    return;
  }
  double rate = allocation_throughput(h);
  bool shrink = rate != 0.0 && rate < LOW_ALLOCATION_BYTES_PER_MS;
  bool grow = n->survived_since_growth > n->capacity && n->capacity < c->new_space.semi_space_max;
  n->shrink_due = shrink && !grow;
  if (!grow) return;
  if (shrink) {
    n->survived_since_growth = 0;
    return;
  }
  uint64_t cap = n->capacity * c->new_space.growth_factor;
  if (cap > c->new_space.semi_space_max) cap = c->new_space.semi_space_max;
  if (new_space_resize(h, cap)) n->survived_since_growth = 0;
}

void new_space_after_scavenge(gc_heap *h, uint64_t survived) {
  new_space *n = &h->new_space;
  sync_top(h);
  n->age_mark = n->top;
  n->size_at_age_mark = n->size;
  n->survived_since_growth += survived;
  new_space_reduce_size(h);
}
