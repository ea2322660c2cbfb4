/*
 * handles.c -- the handle table, roots and scopes.
 *
 * A handle is (generation << 32 | index + 1).  An entry observes one object:
 * after every GC, entries whose object moved are updated and entries whose
 * object died become DEAD, remembering the GC that collected it.  Entries
 * are roots while their root count (gc_root) or scope count is non-zero;
 * everything else is weak.  A released entry is kept (invisible to its
 * owner) while an open scope still roots it.  Roots are visited in the
 * program's order -- the root list in the order the entries were rooted,
 * then the scopes' stack -- never in the table's slot order, which follows
 * when the bindings released earlier handles (Lua's collector): a
 * Scavenge copies in the order roots are visited, and the same program
 * must place its objects the same way whatever ran before it in the
 * process.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"
#include "handles.h"

/* A fresh entry (zeroed but for its generation); -1 on out-of-memory. */
static int64_t entry_alloc(gc_heap *h) {
  uint32_t idx;
  if (h->free_handle) {
    idx = h->free_handle - 1;
    h->free_handle = h->handles[idx].next_free;
  } else {
    if (h->nhandles == h->cap_handles) {
      uint32_t cap = h->cap_handles ? h->cap_handles * 2 : 1024;
      hentry *v = realloc(h->handles, (size_t)cap * sizeof *v);
      if (!v) return -1;
      h->handles = v;
      h->cap_handles = cap;
    }
    idx = h->nhandles++;
    h->handles[idx].gen = 1;
  }
  hentry *e = &h->handles[idx];
  uint32_t gen = e->gen;
  memset(e, 0, sizeof *e);
  e->gen = gen;
  h->live_handles++;
  return idx;
}

/* handle_new (handles.h) when no released entry is free to reuse. */
gc_handle handle_new_slow(gc_heap *h, addr_t a) {
  int64_t idx = entry_alloc(h);
  if (idx < 0) return GC_NO_HANDLE;
  hentry *e = &h->handles[idx];
  handle_entry_init(e, a);
  return make_handle((uint32_t)idx, e->gen);
}

static void entry_free(gc_heap *h, uint32_t idx) {
  hentry *e = &h->handles[idx];
  e->state = H_FREE;
  e->gen++;
  if (e->gen == 0) e->gen = 1;
  e->next_free = h->free_handle;
  h->free_handle = idx + 1;
  h->live_handles--;
}

/* handle_lookup (handles.h) for everything but a live handle: the
 * checks in full and the messages. */
hentry *handle_lookup_slow(gc_heap *h, gc_handle hd, bool need_live, gc_status *st) {
  uint32_t idx = (uint32_t)(hd & 0xffffffffu) - 1, gen = (uint32_t)(hd >> 32);
  if (hd == GC_NO_HANDLE || idx >= h->nhandles || h->handles[idx].state == H_FREE ||
      h->handles[idx].gen != gen || h->handles[idx].released) {
    *st = heap_fail(h, GC_EINVAL, "handle: expected a handle of this heap, got %s",
                    hd == GC_NO_HANDLE ? "no handle" : "an unknown or released handle");
    return NULL;
  }
  hentry *e = &h->handles[idx];
  if (need_live && e->state == H_DEAD) {
    const gc_event *ev = e->died_in_gc ? gc_event_get(h, e->died_in_gc - 1) : NULL;
    *st = heap_fail(h, GC_EDEAD, "object #%llu (%s) is dead: collected by GC #%u (%s, %s)",
                    (unsigned long long)e->id, names_get(h, e->name), e->died_in_gc,
                    ev ? gc_kind_name(ev->kind) : "?", ev ? gc_reason_name(ev->reason) : "?");
    return NULL;
  }
  *st = GC_OK;
  return e;
}

bool gc_handle_valid(const gc_heap *h, gc_handle hd) {
  uint32_t idx = (uint32_t)(hd & 0xffffffffu) - 1, gen = (uint32_t)(hd >> 32);
  return h && hd != GC_NO_HANDLE && idx < h->nhandles && h->handles[idx].state != H_FREE &&
         h->handles[idx].gen == gen && !h->handles[idx].released;
}

gc_status gc_handle_dup(gc_heap *h, gc_handle hd, gc_handle *out) {
  gc_status st;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  hentry *e = handle_lookup(h, hd, false, &st);
  if (!e) return st;
  if (e->state == H_DEAD) { /* a copy of a dead handle is dead too */
    uint32_t src = (uint32_t)(e - h->handles);
    int64_t idx = entry_alloc(h);
    if (idx < 0) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
    hentry *d = &h->handles[idx], *s0 = &h->handles[src];
    d->id = s0->id;
    d->name = s0->name;
    d->died_in_gc = s0->died_in_gc;
    d->state = H_DEAD;
    *out = make_handle((uint32_t)idx, d->gen);
    return GC_OK;
  }
  gc_handle n = handle_new(h, e->addr);
  if (!n) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  *out = n;
  return GC_OK;
}

void handle_drop(gc_heap *h, gc_handle hd) {
  uint32_t idx = (uint32_t)(hd & 0xffffffffu) - 1;
  handle_root_clear(h, &h->handles[idx]);
  entry_free(h, idx);
}

gc_status gc_handle_release(gc_heap *h, gc_handle hd) {
  gc_status st;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_handle_release: not allowed during a GC");
  hentry *e = handle_lookup(h, hd, false, &st);
  if (!e) return st;
  uint32_t idx = (uint32_t)(hd & 0xffffffffu) - 1;
  handle_root_clear(h, e);
  if (e->scoped) {
    e->released = 1; /* the scope still roots it; freed when the scope closes */
    e->gen++;
    return GC_OK;
  }
  entry_free(h, idx);
  return GC_OK;
}

void handle_root_add(gc_heap *h, hentry *e) {
  if (e->roots++ != 0 || h->root_list_lost) return;
  e->root_pos = (uint32_t)h->root_list.n;
  if (!u32_vec_push(&h->root_list, (uint32_t)(e - h->handles)))
    h->root_list_lost = true; /* out of process memory: the visits scan the table from now on */
}

/* Put root_list entry `from` at position `to`. */
static void root_list_move(gc_heap *h, size_t from, size_t to) {
  uint32_t idx = h->root_list.v[from];
  h->root_list.v[to] = idx;
  h->handles[idx].root_pos = (uint32_t)to;
}

/* Take e out of the root list: the last entry takes its place, and the
 * boot heap's roots stay first -- a boot root's place goes to the last
 * boot root, whose place goes to the list's last. */
static void root_list_remove(gc_heap *h, hentry *e) {
  if (h->root_list_lost) return;
  size_t pos = e->root_pos;
  if (pos < h->boot_roots) {
    size_t last_boot = --h->boot_roots;
    root_list_move(h, last_boot, pos);
    pos = last_boot;
  }
  size_t last = --h->root_list.n;
  if (pos != last) root_list_move(h, last, pos);
}

void handle_root_drop(gc_heap *h, hentry *e) {
  if (e->roots && --e->roots == 0) root_list_remove(h, e);
}

void handle_root_clear(gc_heap *h, hentry *e) {
  if (e->roots) root_list_remove(h, e);
  e->roots = 0;
}

gc_status gc_root(gc_heap *h, gc_handle hd) {
  gc_status st;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_root: not allowed during a GC");
  hentry *e = handle_lookup(h, hd, true, &st);
  if (!e) return st;
  if (e->roots == UINT32_MAX) return heap_fail(h, GC_EINVAL, "handle: rooted too many times");
  handle_root_add(h, e);
  return GC_OK;
}

gc_status gc_unroot(gc_heap *h, gc_handle hd) {
  gc_status st;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_unroot: not allowed during a GC");
  hentry *e = handle_lookup(h, hd, false, &st);
  if (!e) return st;
  if (e->roots == 0)
    return heap_fail(h, GC_EINVAL, "handle: object #%llu (%s) is not rooted",
                     (unsigned long long)e->id, names_get(h, e->name));
  handle_root_drop(h, e);
  return GC_OK;
}

gc_status gc_scope_open(gc_heap *h, gc_scope *out) {
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_scope_open: not allowed during a GC");
  if (!u32_vec_push(&h->scope_marks, (uint32_t)h->scope_stack.n))
    return heap_fail(h, GC_ENOMEM, "out of process memory for a scope");
  *out = (gc_scope)h->scope_marks.n; /* depth, 1-based */
  return GC_OK;
}

gc_status gc_scope_close(gc_heap *h, gc_scope s) {
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "gc_scope_close: not allowed during a GC");
  if (s == 0 || s != h->scope_marks.n)
    return heap_fail(h, GC_EINVAL,
                     "scope: expected the innermost open scope (%u), got %u",
                     (unsigned)h->scope_marks.n, (unsigned)s);
  uint32_t mark = h->scope_marks.v[--h->scope_marks.n];
  while (h->scope_stack.n > mark) {
    uint32_t idx = h->scope_stack.v[--h->scope_stack.n];
    hentry *e = &h->handles[idx];
    if (e->scoped) e->scoped--;
    if (!e->scoped && e->released) entry_free(h, idx);
  }
  return GC_OK;
}

/* handle_scope_add (handles.h) when a scope is open. */
bool handle_scope_add_slow(gc_heap *h, gc_handle hd) {
  uint32_t idx = (uint32_t)(hd & 0xffffffffu) - 1;
  if (!u32_vec_push(&h->scope_stack, idx)) return false;
  h->handles[idx].scoped++;
  return true;
}

/* The entries with a root count, in the order they were rooted (the
 * table's order after an out-of-memory lost the list). */
void handles_visit_persistent_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud) {
  if (h->root_list_lost) {
    for (uint32_t i = 0; i < h->nhandles; i++) {
      hentry *e = &h->handles[i];
      if (e->state == H_LIVE && e->roots) fn(h, &e->addr, ud);
    }
    return;
  }
  for (size_t k = 0; k < h->root_list.n; k++) {
    hentry *e = &h->handles[h->root_list.v[k]];
    if (e->state == H_LIVE) fn(h, &e->addr, ud);
  }
}

/* The roots the boot heap was rooted by: root_list's first boot_roots
 * entries (root_list_remove keeps them first); none after an
 * out-of-memory lost the list. */
void handles_visit_boot_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud) {
  if (h->root_list_lost) return;
  for (size_t k = 0; k < h->boot_roots; k++) {
    hentry *e = &h->handles[h->root_list.v[k]];
    if (e->state == H_LIVE) fn(h, &e->addr, ud);
  }
}

void handles_close_boot_roots(gc_heap *h) { h->boot_roots = h->root_list_lost ? 0 : h->root_list.n; }

/* Every root: the persistent ones, then what the open scopes hold that has
 * no root count, in the order the scopes took them (an entry a scope took
 * twice is visited twice; the visitors are idempotent). */
void handles_visit_roots(gc_heap *h, void (*fn)(gc_heap *, addr_t *, void *), void *ud) {
  handles_visit_persistent_roots(h, fn, ud);
  for (size_t k = 0; k < h->scope_stack.n; k++) {
    hentry *e = &h->handles[h->scope_stack.v[k]];
    if (e->state == H_LIVE && !e->roots) fn(h, &e->addr, ud);
  }
}

/* After a scavenge: follow copies, and mark dead what was left behind. */
void handles_update_after_scavenge(gc_heap *h) {
  for (uint32_t i = 0; i < h->nhandles; i++) {
    hentry *e = &h->handles[i];
    if (e->state != H_LIVE) continue;
    page *p = page_of(h, e->addr);
    if (p->flags & PAGE_FROM) {
      if (w0_forwarded(obj_at(e->addr)->w0)) {
        e->addr = forwarding(obj_at(e->addr));
      } else {
        e->state = H_DEAD;
        e->died_in_gc = h->gc_count;
      }
    } else if ((p->flags & PAGE_LARGE) && (p->flags & PAGE_YOUNG) && !(p->flags & PAGE_SURVIVOR)) {
      e->state = H_DEAD;
      e->died_in_gc = h->gc_count;
    }
  }
}

/* During a full GC, after marking: everything unmarked is dead. */
void handles_mark_dead_after_marking(gc_heap *h) {
  for (uint32_t i = 0; i < h->nhandles; i++) {
    hentry *e = &h->handles[i];
    if (e->state == H_LIVE && obj_color(obj_at(e->addr)) != GC_BLACK) {
      e->state = H_DEAD;
      e->died_in_gc = h->gc_count;
    }
  }
}

void handles_free_all(gc_heap *h) {
  free(h->handles);
  h->handles = NULL;
  h->nhandles = h->cap_handles = 0;
  free(h->scope_stack.v);
  free(h->root_list.v);
  free(h->scope_marks.v);
}
