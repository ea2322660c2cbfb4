/*
 * large_object_space.c -- objects above large_object.threshold get pages of
 * their own (a run of page units).  They are never copied: a young large
 * object that survives a scavenge is promoted by moving its page from the
 * young to the old large-object list; a dead one's page is released.
 */
#include "heap_internal.h"

addr_t lo_alloc(gc_heap *h, uint64_t size, bool young) {
  uint64_t units = (size + h->cfg.page_size - 1) >> h->page_shift;
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
  s->committed += p->size;
  return p->start;
}

void lo_promote_page(gc_heap *h, page *p) {
  page_list_remove(&h->nlo.pages, p);
  h->nlo.size -= p->used_bytes;
  h->nlo.objects--;
  h->nlo.committed -= p->size;
  p->flags &= ~(PAGE_YOUNG | PAGE_SURVIVOR);
  p->space = GC_SPACE_LARGE;
  page_list_insert_sorted(&h->lo.pages, p);
  h->lo.size += p->used_bytes;
  h->lo.objects++;
  h->lo.committed += p->size;
}

void lo_release(gc_heap *h, lo_space *s, page *p) {
  page_list_remove(&s->pages, p);
  s->size -= p->used_bytes;
  s->objects--;
  s->committed -= p->size;
  page_release(h, p);
}
