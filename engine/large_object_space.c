/*
 * large_object_space.c -- objects above large_object.threshold get pages of
 * their own (a run of page units).  They are never copied: a young large
 * object that survives a GC (either kind) is promoted by moving its page from the
 * young to the old large-object list; a dead one's page is released.
 */
#include "heap_internal.h"

addr_t lo_alloc(gc_heap *h, uint64_t size, bool young) {
  uint64_t units = (size + h->cfg.page_header + h->cfg.page_size - 1) >> h->page_shift;
  if (units > h->units) return 0;
  page *p = page_take(h, (uint32_t)units, young ? GC_SPACE_NEW_LARGE : GC_SPACE_LARGE,
                      PAGE_LARGE | (young ? PAGE_YOUNG : 0));
  if (!p) return 0;
  p->top = p->start + size;
  p->used_bytes = size;
  p->objects = 1;
  lo_space *s = young ? &h->nlo : &h->lo;
  page_list_insert_sorted(&s->pages, p);
  s->size += size;
  s->objects++;
  s->committed += page_bytes(h, p);
  return p->start;
}

static void lo_promote_page(gc_heap *h, page *p) {
  page_list_remove(&h->nlo.pages, p);
  h->nlo.size -= p->used_bytes;
  h->nlo.objects--;
  h->nlo.committed -= page_bytes(h, p);
  p->flags &= ~(PAGE_YOUNG | PAGE_SURVIVOR);
  p->space = GC_SPACE_LARGE;
  page_list_insert_sorted(&h->lo.pages, p);
  h->lo.size += p->used_bytes;
  h->lo.objects++;
  h->lo.committed += page_bytes(h, p);
}

void lo_release(gc_heap *h, lo_space *s, page *p) {
  page_list_remove(&s->pages, p);
  s->size -= p->used_bytes;
  s->objects--;
  s->committed -= page_bytes(h, p);
  page_release(h, p);
}

/* After a collection: every young large object that survived it (marked
 * black by a full GC, flagged PAGE_SURVIVOR by a scavenge) goes old, one
 * survival older, counted in the event as promoted (the rule is
 * promotion.h's: always); the others' pages are released.  Returns how
 * many were released. */
uint32_t lo_promote_young_survivors(gc_heap *h, bool by_marking) {
  gc_event *ev = h->current_event;
  uint32_t released = 0;
  for (page *p = h->nlo.pages.head, *next; p; p = next) {
    next = p->next;
    obj *o = obj_at(p->start);
    if (by_marking ? obj_color(o) == GC_BLACK : (p->flags & PAGE_SURVIVOR) != 0) {
      obj_set_age(o, obj_age(o) + 1);
      ev->promoted_bytes += p->used_bytes;
      ev->promoted_objects++;
      lo_promote_page(h, p);
    } else {
      lo_release(h, &h->nlo, p);
      released++;
    }
  }
  return released;
}
