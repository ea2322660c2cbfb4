/*
 * verify.c -- walks the whole heap and checks every invariant (listed at the
 * top of heap_internal.h).  Cheap enough to call after every GC in tests.
 *
 * Pass 1 walks every page, checks each header, and records object starts in
 * a temporary bitmap per page.  Pass 2 checks every slot of every object
 * against it, the remembered sets, the colours, the handles, the free lists
 * and the space counters.  The first violation is reported with where it is.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"
#include "handles.h"
#include "weak.h"

typedef struct vctx {
  gc_heap *h;
  uint64_t **starts; /* per unit: bitmap of object starts, or NULL */
  bool marking;
  gc_status st;
  uint64_t greys;
  bool tricolour; /* the first violation is black -> white during marking */
} vctx;

#define VFAIL(v, ...)                                   \
  do {                                                  \
    if ((v)->st == GC_OK) {                             \
      char m_[400];                                     \
      snprintf(m_, sizeof m_, __VA_ARGS__);             \
      heap_fail((v)->h, GC_ECORRUPT, "verify: %s", m_); \
      (v)->st = GC_ECORRUPT;                            \
    }                                                   \
  } while (0)

static void mark_start(vctx *v, addr_t a) {
  gc_heap *h = v->h;
  uint32_t unit = (uint32_t)((a - h->base) >> h->page_shift);
  if (!v->starts[unit]) {
    v->starts[unit] = calloc((h->cfg.page_size / 8 + 63) / 64, sizeof(uint64_t));
    if (!v->starts[unit]) return;
  }
  uint64_t i = ((a - h->base) & (h->cfg.page_size - 1)) >> 3;
  v->starts[unit][i >> 6] |= 1ull << (i & 63);
}

static bool is_start(const vctx *v, addr_t a) {
  const gc_heap *h = v->h;
  if (!in_reservation(h, a) || (a & 7)) return false;
  uint32_t unit = (uint32_t)((a - h->base) >> h->page_shift);
  const page *p = h->page_table[unit];
  if (!p) return false;
  if (p->flags & PAGE_LARGE) return a == p->start;
  if (!v->starts[unit]) return false;
  uint64_t i = ((a - h->base) & (h->cfg.page_size - 1)) >> 3;
  return (v->starts[unit][i >> 6] >> (i & 63)) & 1;
}

/* Check the header at a; returns its size or 0 on a violation. */
static uint64_t check_header(vctx *v, page *p, addr_t a, addr_t end) {
  gc_heap *h = v->h;
  uint64_t w0 = obj_at(a)->w0;
  uint64_t sz = gc_w0_size(w0);
  if (w0_forwarded(w0)) {
    VFAIL(v, "forwarding header left at offset 0x%llx (%s page %u)", (unsigned long long)heap_offset(h, a),
          gc_space_name(p->space), p->unit);
    return 0;
  }
  if (sz < 8 || a + sz > end) {
    VFAIL(v, "bad block size %s at offset 0x%llx (%s page %u)", SIZE_TEXT(sz),
          (unsigned long long)heap_offset(h, a), gc_space_name(p->space), p->unit);
    return 0;
  }
  if (w0_filler(w0)) return sz;
  const obj *o = obj_at(a);
  if (sz < HEADER_SIZE + 8ull * obj_nslots(o)) {
    VFAIL(v, "object at offset 0x%llx: size %s too small for %u slots", (unsigned long long)heap_offset(h, a),
          SIZE_TEXT(sz), obj_nslots(o));
    return 0;
  }
  if (o->id == 0 || o->id >= h->next_id) {
    VFAIL(v, "object at offset 0x%llx: bad id %llu", (unsigned long long)heap_offset(h, a),
          (unsigned long long)o->id);
    return 0;
  }
  if (META_NAME(o->meta) >= h->names.n) {
    VFAIL(v, "object #%llu: bad name id", (unsigned long long)o->id);
    return 0;
  }
  uint32_t c = obj_color(o);
  if (c > GC_BLACK || (!v->marking && c != GC_WHITE)) {
    VFAIL(v, "object #%llu (%s): colour %s outside marking", (unsigned long long)o->id,
          names_get(h, META_NAME(o->meta)), c <= GC_BLACK ? gc_color_name((gc_color)c) : "invalid");
    return 0;
  }
  if (c == GC_GREY) v->greys++;
  mark_start(v, a);
  return sz;
}

/* While marking, an old page's live bytes are exactly its black objects'
 * bytes: the sweep releases a page with none, and evacuation ranks pages
 * by them, so an undercount frees or moves live objects. */
static void check_live_bytes(vctx *v, const page *p, uint64_t black) {
  if (!v->marking || (p->flags & PAGE_YOUNG) || v->st != GC_OK) return;
  if (black != p->live_bytes)
    VFAIL(v, "%s page %u: %s of black objects, but its live bytes say %s", gc_space_name(p->space), p->unit,
          SIZE_TEXT(black), SIZE_TEXT(p->live_bytes));
}

typedef struct counts {
  uint64_t size, objects, committed;
} counts;

/* The one page walk that does not use the page iterator (heap_internal.h):
 * it must check each header before it trusts the size in it. */
static counts walk_pages(vctx *v, page *p) {
  gc_heap *h = v->h;
  counts c = {0, 0, 0};
  for (; p && v->st == GC_OK; p = p->next) {
    addr_t end = p->start + p->size;
    addr_t top = page_iteration_end(h, p);
    if (page_of(h, p->start) != p) VFAIL(v, "page table does not map page %u", p->unit);
    uint64_t used = 0, black = 0;
    uint32_t objs = 0;
    for (addr_t a = p->start; a < top && v->st == GC_OK;) {
      uint64_t sz = check_header(v, p, a, end);
      if (!sz) break;
      if (!w0_filler(obj_at(a)->w0)) {
        used += sz;
        objs++;
        if (obj_color(obj_at(a)) == GC_BLACK) black += sz;
      }
      a += sz;
    }
    if (p->space == GC_SPACE_OLD && (used != p->used_bytes || objs != p->objects))
      VFAIL(v, "old page %u: counters say %s in %u objects, the page holds %s in %u", p->unit,
            SIZE_TEXT(p->used_bytes), p->objects, SIZE_TEXT(used), objs);
    check_live_bytes(v, p, black);
    c.size += used;
    c.objects += objs;
  }
  return c;
}

static void check_slots(vctx *v, addr_t a) {
  gc_heap *h = v->h;
  obj *o = obj_at(a);
  page *hp = page_of(h, a);
  bool old_holder = !(hp->flags & PAGE_YOUNG);
  uint32_t n = obj_nslots(o);
  for (uint32_t i = 0; i < n && v->st == GC_OK; i++) {
    tagged t = o->slots[i];
    if (!is_ptr(t)) continue;
    addr_t target = (addr_t)t;
    if (!is_start(v, target)) {
      VFAIL(v, "object #%llu (%s) slot %u points to 0x%llx, not to a live object", (unsigned long long)o->id,
            names_get(h, META_NAME(o->meta)), i,
            (unsigned long long)(in_reservation(h, target) ? heap_offset(h, target) : (uint64_t)target));
      return;
    }
    page *tp = page_of(h, target);
    if (tp->flags & PAGE_FROM) {
      VFAIL(v, "object #%llu slot %u points into From-space", (unsigned long long)o->id, i);
      return;
    }
    if (old_holder && (tp->flags & PAGE_YOUNG) && !slot_set_contains(hp, (addr_t)&o->slots[i])) {
      VFAIL(v, "old->new slot %u of object #%llu (%s) -> #%llu is not in the remembered set", i,
            (unsigned long long)o->id, names_get(h, META_NAME(o->meta)),
            (unsigned long long)obj_at(target)->id);
      return;
    }
    /* An ephemeron table's values are traced through their keys (weak_verify). */
    if (v->marking && obj_color(o) == GC_BLACK && obj_color(obj_at(target)) == GC_WHITE &&
        !(o->meta & META_F_EPH_TABLE)) {
      if (v->st == GC_OK) v->tricolour = true;
      VFAIL(v, "tri-colour invariant broken%s: black object #%llu (%s) slot %u points to white object #%llu (%s)",
            h->marking_barrier_on ? "" : " (marking barrier off)", (unsigned long long)o->id,
            names_get(h, META_NAME(o->meta)), i, (unsigned long long)obj_at(target)->id,
            names_get(h, META_NAME(obj_at(target)->meta)));
      return;
    }
  }
}

static void slots_in_pages(vctx *v, page *p) {
  gc_heap *h = v->h;
  for (; p && v->st == GC_OK; p = p->next) {
    for (page_cursor c = page_walk(h, p); v->st == GC_OK && page_next_object(&c);) check_slots(v, c.a);
  }
}

static void check_free_lists(vctx *v) {
  gc_heap *h = v->h;
  uint64_t bytes = 0;
  for (int k = 0; k < FREE_CLASSES && v->st == GC_OK; k++) {
    uint64_t guard = 0;
    for (addr_t a = h->old.free.head[k]; a && v->st == GC_OK; a = (addr_t)((uint64_t *)a)[1]) {
      if (!in_reservation(h, a) || !page_of(h, a) || page_of(h, a)->space != GC_SPACE_OLD ||
          (page_of(h, a)->flags & PAGE_LARGE)) {
        VFAIL(v, "free list %d holds a block outside old space", k);
        return;
      }
      uint64_t w0 = obj_at(a)->w0;
      uint64_t sz = gc_w0_size(w0);
      if (!w0_filler(w0) || sz < 16 || (63 - __builtin_clzll(sz)) != k) {
        VFAIL(v, "free list %d: block at offset 0x%llx is not a free block of its class", k,
              (unsigned long long)heap_offset(h, a));
        return;
      }
      if (is_start(v, a)) {
        VFAIL(v, "free block at offset 0x%llx overlaps an object", (unsigned long long)heap_offset(h, a));
        return;
      }
      bytes += sz;
      if (++guard > h->reserved / 16) {
        VFAIL(v, "free list %d has a cycle", k);
        return;
      }
    }
  }
  if (v->st == GC_OK && bytes != h->old.free.bytes)
    VFAIL(v, "free lists hold %s, the counter says %s", SIZE_TEXT(bytes), SIZE_TEXT(h->old.free.bytes));
}

static bool is_start_cb(const void *v, addr_t a) { return is_start((const vctx *)v, a); }

/* Every entry of a marking list is the start of a grey object. */
static void verify_grey_list(vctx *v, const addr_vec *w, const char *what) {
  for (size_t i = 0; i < w->n && v->st == GC_OK; i++) {
    addr_t a = w->v[i];
    if (!is_start(v, a) || obj_color(obj_at(a)) != GC_GREY) VFAIL(v, "%s entry %zu is not a grey object", what, i);
  }
}

gc_status heap_verify(gc_heap *h, bool during_marking) {
  vctx v = {h, calloc(h->units, sizeof(uint64_t *)), during_marking, GC_OK, 0, false};
  if (!v.starts) return heap_fail(h, GC_ENOMEM, "verify: out of process memory");
  new_space_seal(h);

  counts young = walk_pages(&v, h->new_space.semi[h->new_space.to].head);
  counts old = walk_pages(&v, h->old.pages.head);
  counts lo = {0, 0, 0}, nlo = {0, 0, 0};
  lo_space *los[] = {&h->lo, &h->nlo};
  counts *lc[] = {&lo, &nlo};
  for (int i = 0; i < 2 && v.st == GC_OK; i++)
    for (page *p = los[i]->pages.head; p && v.st == GC_OK; p = p->next) {
      if (!(p->flags & PAGE_LARGE) || ((p->flags & PAGE_YOUNG) != 0) != (i == 1))
        VFAIL(&v, "large page %u has the wrong flags", p->unit);
      uint64_t sz = check_header(&v, p, p->start, p->start + p->size);
      if (sz && w0_filler(obj_at(p->start)->w0)) VFAIL(&v, "large page %u holds no object", p->unit);
      if (sz) check_live_bytes(&v, p, obj_color(obj_at(p->start)) == GC_BLACK ? sz : 0);
      lc[i]->size += sz;
      lc[i]->objects++;
      lc[i]->committed += page_bytes(h, p);
    }
  if (v.st == GC_OK) {
    if (h->fast_alloc_max != heap_fast_alloc_max(h))
      VFAIL(&v, "the fast allocation bound is %s, expected %s", SIZE_TEXT(h->fast_alloc_max),
            SIZE_TEXT(heap_fast_alloc_max(h)));
    if (young.size != h->new_space.size || young.objects != h->new_space.objects)
      VFAIL(&v, "new space counters say %s in %llu objects, To-space holds %s in %llu",
            SIZE_TEXT(h->new_space.size), (unsigned long long)h->new_space.objects, SIZE_TEXT(young.size),
            (unsigned long long)young.objects);
    if (old.size != h->old.size || old.objects != h->old.objects)
      VFAIL(&v, "old space counters say %s in %llu objects, its pages hold %s in %llu", SIZE_TEXT(h->old.size),
            (unsigned long long)h->old.objects, SIZE_TEXT(old.size), (unsigned long long)old.objects);
    if (lo.size != h->lo.size || lo.objects != h->lo.objects || nlo.size != h->nlo.size ||
        nlo.objects != h->nlo.objects || lo.committed != h->lo.committed ||
        nlo.committed != h->nlo.committed)
      VFAIL(&v, "large-object counters do not match their pages");
  }

  slots_in_pages(&v, h->new_space.semi[h->new_space.to].head);
  slots_in_pages(&v, h->old.pages.head);
  for (int i = 0; i < 2 && v.st == GC_OK; i++)
    for (page *p = los[i]->pages.head; p && v.st == GC_OK; p = p->next) check_slots(&v, p->start);
  if (v.st == GC_OK) check_free_lists(&v);

  /* Handles and roots. */
  for (uint32_t i = 0; i < h->nhandles && v.st == GC_OK; i++) {
    hentry *e = &h->handles[i];
    if (e->state != H_LIVE) {
      if (e->state == H_DEAD && (e->roots || e->scoped))
        VFAIL(&v, "rooted handle of object #%llu is dead", (unsigned long long)e->id);
      continue;
    }
    if (!is_start(&v, e->addr) || obj_at(e->addr)->id != e->id)
      VFAIL(&v, "handle of object #%llu (%s) does not point to it", (unsigned long long)e->id,
            names_get(h, e->name));
  }

  /* The root list: exactly the entries with a root count, each where its
   * root_pos says (handles.c visits roots in its order). */
  if (v.st == GC_OK && !h->root_list_lost) {
    size_t counted = 0;
    for (uint32_t i = 0; i < h->nhandles; i++) counted += h->handles[i].state != H_FREE && h->handles[i].roots;
    if (counted != h->root_list.n)
      VFAIL(&v, "root list holds %zu entries, %zu handles have a root count", h->root_list.n, counted);
    for (size_t k = 0; k < h->root_list.n && v.st == GC_OK; k++) {
      uint32_t i = h->root_list.v[k];
      if (i >= h->nhandles || !h->handles[i].roots || h->handles[i].root_pos != k)
        VFAIL(&v, "root list entry %zu (handle slot %u) is not a rooted handle in its place", k, i);
    }
  }

  /* Marking: grey objects are exactly those on the worklist. */
  if (v.st == GC_OK && during_marking) {
    verify_grey_list(&v, &h->worklist, "marking worklist");
    verify_grey_list(&v, &h->marking_pool, "marking pool");
    for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) {
      char what[32];
      snprintf(what, sizeof what, "marker task %u's list", (unsigned)t);
      verify_grey_list(&v, &h->markers_local[t], what);
    }
    size_t listed = h->worklist.n + h->marking_pool.n + worklists_markers_held(h);
    if (v.st == GC_OK && v.greys != listed)
      VFAIL(&v, "%llu grey objects but %zu on the marking worklists", (unsigned long long)v.greys, listed);
  } else if (v.st == GC_OK && (h->worklist.n || h->marking_pool.n || worklists_markers_held(h))) {
    VFAIL(&v, "marking worklist not empty outside marking");
  }

  if (v.st == GC_OK) v.st = weak_verify(h, during_marking, is_start_cb, &v);
  for (uint32_t u = 0; u < h->units; u++) free(v.starts[u]);
  free(v.starts);
  /* The heap is broken while its last verification found the graph broken:
   * a GC would walk dangling pointers (nothing but a test repairing its own
   * corruption by hand makes a later verification pass).  One finding is
   * not (yet) damage: black -> white while marking with the marking
   * barrier switched off on purpose (the test-only switch's demonstration)
   * -- the graph is intact until the GC that ends marking frees the white
   * object; the verification after that GC finds it. */
  if (v.st == GC_OK) {
    h->broken = false;
  } else if (v.st == GC_ECORRUPT && !(v.tricolour && !h->marking_barrier_on)) {
    h->broken = true;
    snprintf(h->broken_why, sizeof h->broken_why, "%s", h->error);
  }
  return v.st;
}

gc_status heap_check_intact(gc_heap *h) {
  if (!h->broken) return GC_OK;
  return heap_fail(h, GC_ECORRUPT,
                   "the heap is broken, collections are refused (found by %s)", h->broken_why);
}
