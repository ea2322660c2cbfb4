/*
 * sweeper.c -- Mark-Sweep's second half: rebuild free lists page by page.
 *
 * After marking, a page's black objects are its survivors: they turn white
 * again (mark bits are clean outside a GC), and every run of dead objects
 * and fillers between them becomes one free block.  A page with no live
 * bytes is released.  Large objects are swept by releasing the pages of the
 * unmarked ones.  Sweeping is what leaves old space fragmented: holes stay
 * where the dead were (the article's second picture).
 *
 * The pages are swept in the pause, at once; what the virtual clock charges
 * for it depends on old_space.concurrent_sweepers.  V8 11.3 sweeps on
 * background threads after a Mark-Compact's pause (Node 20's
 * --trace-gc-nvp: sweep= 0.0-0.4 ms in the pause, background.sweep= beside
 * it, complete.sweeping= 0.0 in every log of scripts/fidelity/node20), so
 * with sweepers the work is theirs: it runs from the end of the pause at
 * cost.sweep_ns_per_kb per sweeper, and only what is left when the next
 * full GC or incremental marking starts is finished on the main thread
 * (Heap::CompleteSweepingFull).  Without, it is charged in the pause.
 */
#include "heap_internal.h"

/* Sweep one page into the free lists; returns the bytes swept. */
uint64_t sweep_page(gc_heap *h, page *p) {
  uint64_t used = 0;
  uint32_t objs = 0;
  addr_t free_start = 0;
  for (page_cursor c = page_walk(h, p); page_next_block(&c);) {
    obj *o = obj_at(c.a);
    if (!w0_filler(o->w0) && obj_color(o) == GC_BLACK) {
      if (free_start) {
        slot_set_remove_range(p, free_start, c.a);
        free_list_add(h, free_start, c.a - free_start);
        free_start = 0;
      }
      obj_set_color(o, GC_WHITE);
      used += c.size;
      objs++;
    } else if (!free_start) {
      free_start = c.a;
    }
  }
  addr_t end = p->start + p->size;
  if (free_start) {
    slot_set_remove_range(p, free_start, end);
    free_list_add(h, free_start, end - free_start);
  } else if (p->top < end) {
    free_list_add(h, p->top, end - p->top);
  }
  p->top = end;
  p->used_bytes = used;
  p->objects = objs;
  return p->size;
}

/* Sweep every old page except evacuation candidates; release the empty
 * pages but the first old_space.empty_pages_kept of them, which are swept
 * into free space (V8's StartSweepSpace keeps one unused page).  Rebuilds
 * the free lists and the space's counters from scratch. */
void sweep_old_space(gc_heap *h) {
  old_space *o = &h->old;
  gc_event *ev = h->current_event;
  free_list_clear(h);
  o->lab_top = o->lab_limit = 0;
  o->lab_page = NULL;
  o->size = o->objects = 0;
  uint64_t swept = 0;
  uint32_t keep_empty = h->cfg.old_space.empty_pages_kept;
  for (page *p = o->pages.head, *next; p; p = next) {
    next = p->next;
    if (p->flags & PAGE_EVACUATE) {
      o->size += p->used_bytes; /* leaves with the page */
      o->objects += p->objects;
      continue;
    }
    if (p->live_bytes == 0) {
      if (keep_empty) {
        keep_empty--;
      } else {
        p->used_bytes = 0;
        p->objects = 0;
        old_space_release_page(h, p);
        ev->pages_released++;
        continue;
      }
    }
    swept += sweep_page(h, p);
    o->size += p->used_bytes;
    o->objects += p->objects;
  }
  uint64_t ns = swept * h->cfg.cost.sweep_ns_per_kb / 1024;
  ev->sweep_ns += ns;
  if (h->cfg.old_space.concurrent_sweepers) h->sweeping_ns_left += ns;
  else heap_count_work(h, ns);
}

/* The end of a full GC's pause: the sweepers begin on what it handed them. */
void sweeper_start(gc_heap *h) { h->sweeping_since_ns = heap_vclock(h); }

/* The main thread needs sweeping done (a full GC or incremental marking
 * starts): what the sweepers have not done yet by now -- each has swept for
 * the virtual time since sweeper_start -- is done here and charged to the
 * clock.  Returns the ns charged. */
uint64_t sweeper_complete(gc_heap *h) {
  uint64_t left = h->sweeping_ns_left;
  if (!left) return 0;
  uint64_t now = heap_vclock(h);
  uint64_t elapsed = now > h->sweeping_since_ns ? now - h->sweeping_since_ns : 0;
  uint64_t sweepers = h->cfg.old_space.concurrent_sweepers;
  uint64_t done = sweepers && elapsed > left / sweepers ? left : elapsed * sweepers;
  uint64_t rest = left - done;
  h->sweeping_ns_left = 0;
  heap_count_work(h, rest);
  h->sweeping_completed_ns += rest;
  return rest;
}

/* Old large objects: release the unmarked, whiten the marked. */
void sweep_large_objects(gc_heap *h) {
  for (page *p = h->lo.pages.head, *next; p; p = next) {
    next = p->next;
    if (obj_color(obj_at(p->start)) == GC_BLACK) {
      obj_set_color(obj_at(p->start), GC_WHITE);
    } else {
      lo_release(h, &h->lo, p);
      h->current_event->pages_released++;
    }
  }
}
