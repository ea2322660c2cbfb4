/*
 * sweeper.c -- Mark-Sweep's second half: rebuild free lists page by page.
 *
 * After marking, a page's black objects are its survivors: they turn white
 * again (mark bits are clean outside a GC), and every run of dead objects
 * and fillers between them becomes one free block.  A page with no live
 * bytes is released.  Large objects are swept by releasing the pages of the
 * unmarked ones.  Sweeping is what leaves old space fragmented: holes stay
 * where the dead were (the article's second picture).
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

/* Sweep every old page except evacuation candidates; release empty pages.
 * Rebuilds the free lists and the space's counters from scratch. */
void sweep_old_space(gc_heap *h) {
  old_space *o = &h->old;
  gc_event *ev = h->current_event;
  free_list_clear(h);
  o->lab_top = o->lab_limit = 0;
  o->lab_page = NULL;
  o->size = o->objects = 0;
  uint64_t swept = 0;
  for (page *p = o->pages.head, *next; p; p = next) {
    next = p->next;
    if (p->flags & PAGE_EVACUATE) {
      o->size += p->used_bytes; /* leaves with the page */
      o->objects += p->objects;
      continue;
    }
    if (p->live_bytes == 0) {
      p->used_bytes = 0;
      p->objects = 0;
      old_space_release_page(h, p);
      ev->pages_released++;
      continue;
    }
    swept += sweep_page(h, p);
    o->size += p->used_bytes;
    o->objects += p->objects;
  }
  heap_count_work(h, swept * h->cfg.cost.sweep_ns_per_kb / 1024);
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
