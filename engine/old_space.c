/*
 * old_space.c -- old-space pages, the linear allocation area (LAB) and the
 * segregated free lists.
 *
 * Old-space pages are always iterable: every byte belongs to an object or a
 * filler.  Allocation bumps within the LAB and keeps the LAB's unused rest a
 * filler, so a heap walk never needs to "close" it.  When the LAB is used
 * up, the next one is the first free block that fits (free lists by size
 * class, each in insertion order, which after a sweep is address order), or
 * a fresh page.  This file is mechanism: whether the old generation may grow
 * (the heap limit) is decided by heap_controller.c.
 */
#include "heap_internal.h"

static inline int size_class(uint64_t size) { return 63 - __builtin_clzll(size); }

/* Free blocks: w0 = size | FILLER, word 1 = next block (0 ends the list). */
static inline addr_t fb_next(addr_t a) { return (addr_t)((uint64_t *)a)[1]; }
static inline void fb_set_next(addr_t a, addr_t n) { ((uint64_t *)a)[1] = (uint64_t)n; }

static inline addr_t *tails(gc_heap *h) { return h->old.free.tail; }

void free_list_add(gc_heap *h, addr_t a, uint64_t size) {
  write_filler(a, size);
  if (size < 16) return; /* too small to link: stays a filler (wasted) */
  int k = size_class(size);
  fb_set_next(a, 0);
  addr_t *tail = tails(h);
  if (tail[k]) fb_set_next(tail[k], a);
  else h->old.free.head[k] = a;
  tail[k] = a;
  h->old.free.bytes += size;
}

void free_list_clear(gc_heap *h) {
  memset(&h->old.free, 0, sizeof h->old.free);
}

/* Take the first block >= size: scan its own class a little (blocks there
 * may be smaller), then take the head of any larger class. */
static addr_t free_list_take(gc_heap *h, uint64_t size, uint64_t *got) {
  free_list *f = &h->old.free;
  addr_t *tail = tails(h);
  int k = size_class(size);
  addr_t prev = 0;
  int scanned = 0;
  for (addr_t a = f->head[k]; a && scanned < 64; prev = a, a = fb_next(a), scanned++) {
    if (obj_size(obj_at(a)) >= size) {
      if (prev) fb_set_next(prev, fb_next(a));
      else f->head[k] = fb_next(a);
      if (tail[k] == a) tail[k] = prev;
      *got = obj_size(obj_at(a));
      f->bytes -= *got;
      return a;
    }
  }
  for (int c = k + 1; c < FREE_CLASSES; c++) {
    addr_t a = f->head[c];
    if (!a) continue;
    f->head[c] = fb_next(a);
    if (tail[c] == a) tail[c] = 0;
    *got = obj_size(obj_at(a));
    f->bytes -= *got;
    return a;
  }
  return 0;
}

/* Give the LAB's unused rest back to the free list. */
void old_space_free_lab(gc_heap *h) {
  old_space *o = &h->old;
  if (o->lab_top < o->lab_limit) free_list_add(h, o->lab_top, o->lab_limit - o->lab_top);
  o->lab_top = o->lab_limit = 0;
  o->lab_page = NULL;
}

/* A new LAB of at least `size` bytes: a free block (unless fresh_only),
 * or a fresh page if the old generation may still grow by one within
 * max_capacity. */
static bool new_lab(gc_heap *h, uint64_t size, uint64_t max_capacity, bool fresh_only) {
  old_space *o = &h->old;
  old_space_free_lab(h);
  uint64_t got = 0;
  addr_t a = fresh_only ? 0 : free_list_take(h, size, &got);
  if (a) {
    o->lab_page = page_of(h, a);
    o->lab_top = a;
    o->lab_limit = a + got;
    return true;
  }
  if (old_gen_capacity(h) + page_area(h) > max_capacity) return false;
  page *p = page_take(h, 1, GC_SPACE_OLD, 0);
  if (!p) return false;
  p->top = p->start + p->size;
  write_filler(p->start, p->size);
  page_list_insert_sorted(&o->pages, p);
  o->lab_page = p;
  o->lab_top = p->start;
  o->lab_limit = p->top;
  return true;
}

static addr_t lab_alloc(gc_heap *h, uint64_t size, uint64_t max_capacity, bool fresh_only) {
  old_space *o = &h->old;
  if (o->lab_top + size > o->lab_limit || !o->lab_top) {
    if (!new_lab(h, size, max_capacity, fresh_only)) return 0;
  }
  addr_t a = o->lab_top;
  o->lab_top += size;
  if (o->lab_top < o->lab_limit) write_filler(o->lab_top, o->lab_limit - o->lab_top);
  o->lab_page->used_bytes += size;
  o->lab_page->objects++;
  o->size += size;
  o->objects++;
  return a;
}

addr_t old_space_alloc_within(gc_heap *h, uint64_t size, uint64_t max_capacity) {
  return lab_alloc(h, size, max_capacity, false);
}

/* Bump in the LAB, whose next page is always a fresh one: the free lists
 * are not used (the full GC's young evacuation, full_gc.c).  0 only when
 * no page can be reserved. */
addr_t old_space_alloc_fresh(gc_heap *h, uint64_t size) { return lab_alloc(h, size, UINT64_MAX, true); }

/* Mechanism only: grows as far as the reservation allows.  The heap limit
 * is the policy's business (heap_controller.c), or the caller's
 * (old_space_alloc_within). */
addr_t old_space_alloc(gc_heap *h, uint64_t size) { return old_space_alloc_within(h, size, UINT64_MAX); }

/* Drop a page from old space.  Only while its free blocks are on no list:
 * the sweeper and the slide clear the free lists before they release. */
void old_space_release_page(gc_heap *h, page *p) {
  old_space *o = &h->old;
  if (o->lab_page == p) {
    o->lab_top = o->lab_limit = 0;
    o->lab_page = NULL;
  }
  o->size -= p->used_bytes;
  o->objects -= p->objects;
  page_list_remove(&o->pages, p);
  page_release(h, p);
}

uint64_t old_gen_size(const gc_heap *h) { return h->old.size + h->lo.size; }

uint64_t old_gen_committed(const gc_heap *h) {
  return ((uint64_t)h->old.pages.count << h->page_shift) + h->lo.committed;
}

/* V8's Heap::OldGenerationCapacity: each old page counts its object area
 * (PagedSpaceBase::AddPageImpl: IncreaseCapacity(page->area_size()), the
 * page less its header), the large objects their bytes. */
uint64_t old_gen_capacity(const gc_heap *h) {
  return (uint64_t)h->old.pages.count * page_area(h) + h->lo.size;
}

/* The largest run of free bytes (adjacent fillers) on an old page. */
uint64_t page_largest_free(const gc_heap *h, const page *p) {
  uint64_t best = 0, run = 0;
  for (page_cursor c = page_walk(h, p); page_next_block(&c);) {
    if (w0_filler(obj_at(c.a)->w0)) {
      run += c.size;
      if (run > best) best = run;
    } else {
      run = 0;
    }
  }
  return best;
}
