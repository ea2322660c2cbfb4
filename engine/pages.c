/*
 * pages.c -- the heap's reserved address range and its page units.
 *
 * One mmap(PROT_NONE) reservation per heap.  A page takes the lowest run of
 * free units that fits (first fit by address, so layouts are deterministic),
 * is committed with mprotect, and is decommitted (madvise DONTNEED, then
 * PROT_NONE) when released, so a fresh page always reads as zeroes.
 * Page descriptors live outside the pages; heap->page_table maps each unit
 * to its descriptor.
 *
 * The reservation is 2 MiB-aligned and advised MADV_HUGEPAGE (Linux's
 * transparent huge pages, when the system allows them on request): where
 * a whole aligned 2 MiB of it is committed, as in a grown semispace or a
 * run of old-space pages, the kernel may back it with one huge page, so
 * fresh memory costs one page fault per 2 MiB instead of one per 4 KiB,
 * and walking the nursery misses the TLB less.  (The kernel's defrag
 * setting decides whether such a fault may compact memory first.)  Only
 * committed runs qualify (a huge page
 * never spans a PROT_NONE unit), and a released page is still returned
 * with MADV_DONTNEED (the kernel splits the huge page), so what the heap
 * commits and reports is unchanged.  Build with -DGCLAB_NO_HUGE_PAGES to
 * leave the hint out.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <sys/mman.h>

#include "heap_internal.h"

/* The reservation's alignment: a transparent huge page on x86-64 and arm64. */
#define RESERVATION_ALIGN (2ull << 20)

bool pages_init(gc_heap *h) {
  const gc_config *c = &h->cfg;
  uint32_t shift = 0;
  while ((1ull << shift) < c->page_size) shift++;
  h->page_shift = shift;
  /* Room for both semispaces at their maximum, twice the old generation's
   * maximum (the near-heap-limit callback may raise it), and slack so that
   * promotion inside a GC never runs out of address space. */
  uint64_t bytes = 4 * c->new_space.semi_space_max + 2 * c->old_space.max_size + 64 * c->page_size;
  bytes = (bytes + c->page_size - 1) & ~(c->page_size - 1);
  /* Aligned to RESERVATION_ALIGN, so that runs of committed pages can be
   * backed by transparent huge pages (see the top of this file). */
  void *p = mmap(NULL, bytes + RESERVATION_ALIGN, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  addr_t base = ((addr_t)p + RESERVATION_ALIGN - 1) & ~(addr_t)(RESERVATION_ALIGN - 1);
  if (base > (addr_t)p) munmap(p, base - (addr_t)p);
  munmap((void *)(base + bytes), (addr_t)p + RESERVATION_ALIGN - base);
#if defined(MADV_HUGEPAGE) && !defined(GCLAB_NO_HUGE_PAGES)
  madvise((void *)base, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
  h->base = base;
  h->reserved = bytes;
  h->units = (uint32_t)(bytes >> shift);
  h->page_table = calloc(h->units, sizeof *h->page_table);
  h->unit_used = calloc(h->units, 1);
  if (!h->page_table || !h->unit_used) return false;
  return true;
}

void pages_destroy(gc_heap *h) {
  if (h->page_table) {
    for (uint32_t u = 0; u < h->units;) {
      page *p = h->page_table[u];
      if (p) {
        u = p->unit + p->units;
        slot_set_free(p);
        free(p);
      } else {
        u++;
      }
    }
  }
  if (h->base) munmap((void *)h->base, h->reserved);
  free(h->page_table);
  free(h->unit_used);
  h->page_table = NULL;
  h->unit_used = NULL;
  h->base = 0;
}

/* The address of page unit `unit` (where a page's header begins). */
static addr_t unit_address(const gc_heap *h, uint32_t unit) {
  return h->base + ((uint64_t)unit << h->page_shift);
}

page *page_take(gc_heap *h, uint32_t units, gc_space space, uint32_t flags) {
  uint32_t u = h->unit_hint, run = 0, start = 0;
  for (; u < h->units; u++) {
    if (h->unit_used[u]) {
      run = 0;
      continue;
    }
    if (run++ == 0) start = u;
    if (run == units) break;
  }
  if (run < units) return NULL;
  page *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  uint64_t size = (uint64_t)units << h->page_shift;
  addr_t a = unit_address(h, start);
  if (mprotect((void *)a, size, PROT_READ | PROT_WRITE) != 0) {
    free(p);
    return NULL;
  }
  p->start = a + h->cfg.page_header;
  p->size = size - h->cfg.page_header;
  p->top = p->start;
  p->unit = start;
  p->units = units;
  p->flags = flags;
  p->space = space;
  for (uint32_t i = 0; i < units; i++) {
    h->unit_used[start + i] = 1;
    h->page_table[start + i] = p;
  }
  if (start == h->unit_hint) {
    while (h->unit_hint < h->units && h->unit_used[h->unit_hint]) h->unit_hint++;
  }
  h->committed += size;
  return p;
}

void page_release(gc_heap *h, page *p) {
  uint32_t units = p->units;
  uint64_t bytes = page_bytes(h, p);
  addr_t a = unit_address(h, p->unit);
  madvise((void *)a, bytes, MADV_DONTNEED);
  mprotect((void *)a, bytes, PROT_NONE);
  for (uint32_t i = 0; i < units; i++) {
    h->unit_used[p->unit + i] = 0;
    h->page_table[p->unit + i] = NULL;
  }
  if (p->unit < h->unit_hint) h->unit_hint = p->unit;
  h->committed -= bytes;
  slot_set_free(p);
  free(p);
}

void page_list_append(page_list *l, page *p) {
  p->next = NULL;
  if (l->tail) l->tail->next = p;
  else l->head = p;
  l->tail = p;
  l->count++;
}

void page_list_insert_sorted(page_list *l, page *p) {
  page **pp = &l->head;
  while (*pp && (*pp)->start < p->start) pp = &(*pp)->next;
  p->next = *pp;
  *pp = p;
  if (!p->next) l->tail = p;
  l->count++;
}

void page_list_remove(page_list *l, page *p) {
  page **pp = &l->head, *prev = NULL;
  while (*pp && *pp != p) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  if (!*pp) return;
  *pp = p->next;
  if (l->tail == p) l->tail = prev;
  p->next = NULL;
  l->count--;
}
