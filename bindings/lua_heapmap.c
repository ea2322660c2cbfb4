/*
 * lua_heapmap.c -- heap:map{...} and heap:layout(): the heap as a picture.
 *
 * This file reads the heap through the engine's public API (gc_pages,
 * gc_each_object, gc_stats) into the model of lua_heapmap.h and hands it
 * to lua_heapmap_svg.c to draw.  It also keeps layouts: heap:layout()
 * records where every object and page is, and heap:map{since = layout}
 * marks what changed since -- the objects a compaction moved, the pages
 * they were moved out of (evacuation candidates, released or not), and,
 * coloured by "live", the objects that died.
 *
 * Invariants: nothing here depends on machine addresses (offsets from the
 * heap base and object ids only), so the same script gives the same SVG;
 * every buffer is a Lua userdata on the stack, so an error frees it; no
 * Lua call is made while the engine walks the heap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_heapmap.h"
#include "lua_internal.h"
#include "lua_xml.h"

#define LAYOUT_MT "gclab.layout"

/* ------------------------------------------------------------- layouts */

typedef struct lay_obj {
  uint64_t id, addr, size;
  const char *name; /* interned by the heap */
  uint32_t age;
  uint8_t space;
} lay_obj;

typedef struct lay_page {
  uint64_t addr, size;
  uint8_t space;
} lay_page;

typedef struct layout {
  const gc_heap *heap; /* compared, never dereferenced */
  uint64_t epoch;
  size_t nobjs, npages;
  lay_obj *objs;  /* sorted by id */
  lay_page *pages;
} layout;

typedef struct collect {
  lay_obj *v;
  size_t n, cap;
} collect;

static bool collect_obj(const gc_object_info *o, void *ud) {
  collect *c = (collect *)ud;
  if (c->n == c->cap) return false;
  lay_obj *e = &c->v[c->n++];
  e->id = o->id;
  e->addr = o->address;
  e->size = o->size;
  e->name = o->name;
  e->age = o->age;
  e->space = (uint8_t)o->space;
  return true;
}

static int cmp_lay_id(const void *a, const void *b) {
  uint64_t x = ((const lay_obj *)a)->id, y = ((const lay_obj *)b)->id;
  return x < y ? -1 : x > y;
}

static int layout_gc(lua_State *L) {
  layout *l = (layout *)luaL_checkudata(L, 1, LAYOUT_MT);
  free(l->objs);
  free(l->pages);
  l->objs = NULL;
  l->pages = NULL;
  return 0;
}

static int layout_tostring(lua_State *L) {
  layout *l = (layout *)luaL_checkudata(L, 1, LAYOUT_MT);
  lua_pushfstring(L, "gclab.layout (%d objects on %d pages, after GC %d)", (int)l->nobjs,
                  (int)l->npages, (int)l->epoch);
  return 1;
}

/* heap:layout() -> a record of where every object and page is now. */
int lgc_heap_layout(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  gc_heap_stats st;
  gc_stats(lh->heap, &st);
  layout *l = (layout *)lua_newuserdatauv(L, sizeof *l, 0);
  memset(l, 0, sizeof *l);
  if (luaL_newmetatable(L, LAYOUT_MT)) {
    lua_pushcfunction(L, layout_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, layout_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, LAYOUT_MT);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  l->heap = lh->heap;
  l->epoch = gc_heap_epoch(lh->heap);
  size_t np = 0;
  gc_status s = gc_pages(lh->heap, GC_SPACE_COUNT, NULL, 0, &np);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:layout");
  gc_page_info *pi = (gc_page_info *)lua_newuserdatauv(L, (np ? np : 1) * sizeof *pi, 0);
  s = gc_pages(lh->heap, GC_SPACE_COUNT, pi, np, &np);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:layout");
  l->pages = (lay_page *)malloc((np ? np : 1) * sizeof *l->pages);
  collect c = {NULL, 0, st.total.objects};
  c.v = (lay_obj *)malloc((c.cap ? c.cap : 1) * sizeof *c.v);
  l->objs = c.v;
  if (!l->pages || !c.v) return luaL_error(L, "heap:layout: out of memory");
  for (size_t i = 0; i < np; i++) {
    l->pages[i].addr = pi[i].address;
    l->pages[i].size = pi[i].size;
    l->pages[i].space = (uint8_t)pi[i].space;
  }
  l->npages = np;
  lua_pop(L, 1);
  s = gc_each_object(lh->heap, collect_obj, &c);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:layout");
  l->nobjs = c.n;
  qsort(l->objs, l->nobjs, sizeof *l->objs, cmp_lay_id);
  return 1;
}

static const lay_obj *layout_find(const layout *l, uint64_t id) {
  size_t lo = 0, hi = l->nobjs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->objs[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < l->nobjs && l->objs[lo].id == id ? &l->objs[lo] : NULL;
}

/* ---------------------------------------------------------- categories */

static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d",
                                      "#499894", "#d37295", "#a0cbe8", "#bab0ac"};

typedef enum color_by { BY_SPACE, BY_AGE, BY_MARK, BY_NAME, BY_LIVE } color_by;
static const char *const color_by_names[] = {"space", "age", "mark", "name", "live", NULL};

typedef struct name_slot {
  const char *name;
  uint64_t bytes, objects;
  uint16_t cat;
} name_slot;

typedef struct walk {
  hm_model *m;
  color_by by;
  const layout *since;
  uint8_t *seen;        /* per layout object: still there */
  name_slot *names;     /* open addressing on the interned pointer */
  size_t names_cap, nnames;
  size_t *page_of_row;  /* row -> page index */
  uint64_t *acc;        /* aggregate: per cell, per category (+ free last) */
  uint32_t ncat_acc;
  size_t last_page;
  bool naming_pass;
} walk;

static name_slot *name_lookup(walk *w, const char *name) {
  size_t h = ((uintptr_t)name >> 3) * 0x9e3779b97f4a7c15ull % w->names_cap;
  for (size_t i = 0; i < w->names_cap; i++) {
    name_slot *s = &w->names[(h + i) % w->names_cap];
    if (s->name == name) return s;
    if (!s->name) {
      if (w->nnames + 1 >= w->names_cap) return NULL; /* full: counted as "other" */
      s->name = name;
      w->nnames++;
      return s;
    }
  }
  return NULL;
}

static int cmp_name_slot(const void *a, const void *b) {
  const name_slot *x = *(name_slot *const *)a, *y = *(name_slot *const *)b;
  if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  return strcmp(x->name, y->name);
}

static void set_cat(hm_model *m, uint32_t i, const char *label) {
  snprintf(m->cats[i].label, sizeof m->cats[i].label, "%s", label);
  m->cats[i].fill = palette[i % (sizeof palette / sizeof *palette)];
  if (m->ncats < i + 1) m->ncats = i + 1;
}

/* The fixed categories of every colouring but "name". */
static void fixed_cats(hm_model *m, color_by by) {
  static const char *const space[] = {"new space", "old space", "large objects",
                                      "young large objects"};
  static const char *const age[] = {"age 0", "age 1", "age 2", "age 3 and more"};
  static const char *const mark[] = {"white (unmarked)", "grey (marked, not scanned)",
                                     "black (marked)"};
  if (by == BY_SPACE) for (uint32_t i = 0; i < 4; i++) set_cat(m, i, space[i]);
  if (by == BY_AGE) for (uint32_t i = 0; i < 4; i++) set_cat(m, i, age[i]);
  if (by == BY_MARK) {
    for (uint32_t i = 0; i < 3; i++) set_cat(m, i, mark[i]);
    m->cats[0].fill = "#e8e8e8";
    m->cats[1].fill = "#8c8c8c";
    m->cats[2].fill = "#2b2b2b";
  }
  if (by == BY_LIVE) {
    set_cat(m, 0, m->since ? "survived (in the layout)" : "survived a GC");
    set_cat(m, 1, m->since ? "allocated since the layout" : "allocated since the last GC");
    m->cats[0].fill = "#59a14f";
    m->cats[1].fill = "#edc948";
  }
}

static uint16_t category(walk *w, const gc_object_info *o, bool in_layout) {
  switch (w->by) {
  case BY_SPACE: return (uint16_t)o->space;
  case BY_AGE: return (uint16_t)(o->age > 3 ? 3 : o->age);
  case BY_MARK: return (uint16_t)o->color;
  case BY_LIVE:
    if (w->since) return in_layout ? 0 : 1;
    return (o->age == 0 && (o->space == GC_SPACE_NEW || o->space == GC_SPACE_NEW_LARGE)) ? 1 : 0;
  case BY_NAME: {
    name_slot *s = name_lookup(w, o->name);
    return s ? s->cat : (uint16_t)(w->m->ncats - 1);
  }
  }
  return 0;
}

/* The page holding `addr` (pages sorted by address; the last hit cached). */
static size_t page_at(walk *w, uint64_t addr) {
  hm_model *m = w->m;
  size_t i = w->last_page;
  if (i < m->npages && addr >= m->pages[i].addr && addr < m->pages[i].addr + m->pages[i].size)
    return i;
  size_t lo = 0, hi = m->npages;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->pages[mid].addr + m->pages[mid].size <= addr) lo = mid + 1;
    else hi = mid;
  }
  w->last_page = lo;
  return lo;
}

/* Add [addr, addr+size) of category cat to the aggregate cells. */
static void accumulate(walk *w, uint64_t addr, uint64_t size, uint16_t cat) {
  hm_model *m = w->m;
  size_t pi = page_at(w, addr);
  if (pi >= m->npages) return;
  const hm_page *p = &m->pages[pi];
  uint64_t rel = addr - p->addr, end = rel + size;
  if (end > p->size) end = p->size;
  while (rel < end) {
    uint64_t row = p->first_row + rel / m->page_size;
    uint64_t in_row = rel % m->page_size;
    uint64_t cell = row * m->cells_per_row + in_row / m->cell_bytes;
    uint64_t cell_end = (in_row / m->cell_bytes + 1) * m->cell_bytes - in_row + rel;
    uint64_t stop = cell_end < end ? cell_end : end;
    w->acc[cell * w->ncat_acc + cat] += stop - rel;
    rel = stop;
  }
}

static bool walk_obj(const gc_object_info *o, void *ud) {
  walk *w = (walk *)ud;
  hm_model *m = w->m;
  if (w->naming_pass) {
    name_slot *s = name_lookup(w, o->name);
    if (s) {
      s->bytes += o->size;
      s->objects++;
    }
    return true;
  }
  const lay_obj *before = NULL;
  if (w->since) {
    before = layout_find(w->since, o->id);
    if (before) w->seen[before - w->since->objs] = 1;
  }
  bool moved = before && before->addr != o->address && before->space == GC_SPACE_OLD &&
               o->space == GC_SPACE_OLD;
  if (moved) {
    m->moved_objects++;
    m->moved_bytes += o->size;
    size_t from = page_at(w, before->addr); /* a page objects left (moving within it is sliding) */
    if (from < m->npages && from != page_at(w, o->address)) m->pages[from].evacuated = true;
  }
  uint16_t cat = category(w, o, before != NULL);
  m->cats[cat].bytes += o->size;
  m->cats[cat].objects++;
  if (m->exact) {
    if (m->nobjs == m->objs_cap) return false; /* more objects than gc_stats counted: cannot happen */
    hm_obj *e = &m->objs[m->nobjs++];
    e->addr = o->address;
    e->size = o->size;
    e->id = o->id;
    e->cat = cat;
    e->moved = moved;
    e->dead = false;
    e->name = o->name;
    e->age = o->age;
    e->space = o->space;
    e->color = o->color;
  } else {
    accumulate(w, o->address, o->size, cat);
  }
  return true;
}

/* Pages that a layout had and the heap has no more, as outlines. */
static size_t add_ghost_pages(hm_model *m, const layout *l, size_t cap) {
  size_t n = m->npages;
  for (size_t i = 0; i < l->npages && n < cap; i++) {
    bool found = false;
    for (size_t j = 0; j < m->npages && !found; j++) found = m->pages[j].addr == l->pages[i].addr;
    if (found) continue;
    hm_page *p = &m->pages[n++];
    memset(p, 0, sizeof *p);
    p->addr = l->pages[i].addr;
    p->size = l->pages[i].size;
    p->space = (gc_space)l->pages[i].space;
    p->ghost = true;
  }
  return n;
}

static int cmp_page(const void *a, const void *b) {
  uint64_t x = ((const hm_page *)a)->addr, y = ((const hm_page *)b)->addr;
  if (x != y) return x < y ? -1 : 1;
  return (int)((const hm_page *)a)->ghost - (int)((const hm_page *)b)->ghost;
}

static int cmp_obj(const void *a, const void *b) {
  const hm_obj *x = (const hm_obj *)a, *y = (const hm_obj *)b;
  if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
  return (int)x->dead - (int)y->dead;
}

/* Aggregate mode: each group of f cells takes the category with the most
 * bytes (free if free space has more); written to m->cells as rows of
 * cells_per_row / f.  Returns the number of runs of equal cells (about
 * the number of boxes the picture will hold). */
static size_t decide_cells(hm_model *m, const walk *w, uint32_t f) {
  uint32_t per_row = m->cells_per_row / f;
  size_t runs = 0;
  uint64_t group_bytes = m->cell_bytes * f;
  uint64_t sum[HM_MAX_CATS];
  for (size_t r = 0; r < m->nrows; r++) {
    uint16_t prev = HM_FREE;
    for (uint32_t g = 0; g < per_row; g++) {
      memset(sum, 0, sizeof sum);
      for (uint32_t c = 0; c < f; c++) {
        const uint64_t *a = &w->acc[((size_t)r * m->cells_per_row + g * f + c) * w->ncat_acc];
        for (uint32_t k = 0; k < w->ncat_acc; k++) sum[k] += a[k];
      }
      uint64_t used = 0, best = 0;
      uint16_t cat = HM_FREE;
      for (uint32_t k = 0; k < w->ncat_acc; k++) {
        used += sum[k];
        if (sum[k] > best) best = sum[k], cat = (uint16_t)k;
      }
      if (group_bytes > used && group_bytes - used > best) cat = HM_FREE;
      m->cells[r * per_row + g] = cat;
      if (cat != prev) runs++;
      prev = cat;
    }
  }
  return runs;
}

/* ----------------------------------------------------------- heap:map */

int lgc_heapmap_draw(lua_State *L, const hm_model *m); /* lua_heapmap_svg.c */

static uint64_t opt_count(lua_State *L, const char *key, uint64_t dflt, uint64_t min) {
  int t = lua_getfield(L, 2, key);
  uint64_t v = dflt;
  if (t != LUA_TNIL) {
    int isint;
    lua_Integer n = lua_tointegerx(L, -1, &isint);
    if (!isint || n < (lua_Integer)min)
      luaL_error(L, "heap:map: %s must be an integer >= %d, got %s", key, (int)min,
                 luaL_tolstring(L, -1, NULL));
    v = (uint64_t)n;
  }
  lua_pop(L, 1);
  return v;
}

static void check_options(lua_State *L) {
  static const char *const known[] = {"file", "color", "title", "since", "max_boxes",
                                      "bytes_per_pixel", "width", NULL};
  lgc_check_options(L, 2, "heap:map", known);
}

/* heap:map([{file=, color=, title=, since=, max_boxes=, bytes_per_pixel=, width=}]) -> svg */
int lgc_heap_map(lua_State *L) {
  lheap *lh = lgc_check_heap(L, 1);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  check_options(L);
  hm_model *m = (hm_model *)lua_newuserdatauv(L, sizeof *m, 0); /* 3 */
  memset(m, 0, sizeof *m);
  walk w;
  memset(&w, 0, sizeof w);
  w.m = m;
  lua_getfield(L, 2, "color");
  w.by = BY_SPACE;
  if (!lua_isnil(L, -1)) {
    const char *c = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int k = 0;
    while (color_by_names[k] && !(c && strcmp(c, color_by_names[k]) == 0)) k++;
    if (!color_by_names[k])
      return luaL_error(L, "heap:map: color must be space, age, mark, name or live, got %s",
                        c ? lua_pushfstring(L, "'%s'", c) : luaL_typename(L, -1));
    w.by = (color_by)k;
  }
  m->color_by = color_by_names[w.by];
  lua_getfield(L, 2, "title"); /* 5 */
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
    return luaL_error(L, "heap:map: title must be a string");
  m->title = lua_tostring(L, -1);
  lua_getfield(L, 2, "since"); /* 6 */
  if (!lua_isnil(L, -1)) {
    const layout *l = (const layout *)luaL_testudata(L, -1, LAYOUT_MT);
    if (!l) return luaL_error(L, "heap:map: since must be a layout from heap:layout()");
    if (l->heap != lh->heap) return luaL_error(L, "heap:map: since is a layout of another heap");
    w.since = l;
    m->since = true;
  }
  uint64_t max_boxes = opt_count(L, "max_boxes", 5000, 0);
  uint64_t bpp = opt_count(L, "bytes_per_pixel", 0, 0);
  m->row_width = (uint32_t)opt_count(L, "width", 512, 64);
  if (m->row_width > 8192) return luaL_error(L, "heap:map: width must be at most 8192");

  gc_stats(lh->heap, &m->stats);
  m->page_size = gc_heap_config(lh->heap)->page_size;
  size_t np = 0;
  gc_status s = gc_pages(lh->heap, GC_SPACE_COUNT, NULL, 0, &np);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:map");
  size_t cap = np + (w.since ? w.since->npages : 0) + 1;
  gc_page_info *pi = (gc_page_info *)lua_newuserdatauv(L, cap * sizeof *pi, 0);
  s = gc_pages(lh->heap, GC_SPACE_COUNT, pi, np, &np);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:map");
  m->pages = (hm_page *)lua_newuserdatauv(L, cap * sizeof *m->pages, 0);
  for (size_t i = 0; i < np; i++) {
    hm_page *p = &m->pages[i];
    memset(p, 0, sizeof *p);
    p->addr = pi[i].address;
    p->size = pi[i].size;
    p->used = pi[i].used;
    p->objects = pi[i].objects;
    p->space = pi[i].space;
    p->to_space = pi[i].to_space;
  }
  m->npages = np;
  if (w.since) m->npages = add_ghost_pages(m, w.since, cap);
  qsort(m->pages, m->npages, sizeof *m->pages, cmp_page);
  for (size_t i = 0; i < m->npages; i++) {
    m->pages[i].first_row = (uint32_t)m->nrows;
    m->pages[i].nrows = (uint32_t)((m->pages[i].size + m->page_size - 1) / m->page_size);
    m->nrows += m->pages[i].nrows;
  }

  size_t nlay = w.since ? w.since->nobjs : 0;
  if (w.since) w.seen = (uint8_t *)lua_newuserdatauv(L, nlay + 1, 0), memset(w.seen, 0, nlay + 1);
  uint64_t nobj = m->stats.total.objects;
  m->exact = bpp == 0 && nobj + nlay <= max_boxes;

  if (w.by == BY_NAME) {
    w.names_cap = 2 * (nobj < 4096 ? nobj : 4096) + 2;
    w.names = (name_slot *)lua_newuserdatauv(L, w.names_cap * sizeof *w.names, 0);
    memset(w.names, 0, w.names_cap * sizeof *w.names);
    w.naming_pass = true;
    s = gc_each_object(lh->heap, walk_obj, &w);
    if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:map");
    w.naming_pass = false;
    name_slot **rank = (name_slot **)lua_newuserdatauv(L, (w.nnames + 1) * sizeof *rank, 0);
    size_t k = 0;
    for (size_t i = 0; i < w.names_cap; i++)
      if (w.names[i].name) rank[k++] = &w.names[i];
    qsort(rank, k, sizeof *rank, cmp_name_slot);
    uint32_t shown = k > HM_MAX_CATS ? HM_MAX_CATS - 1 : (uint32_t)k;
    for (size_t i = 0; i < k; i++) rank[i]->cat = (uint16_t)(i < shown ? i : shown);
    for (uint32_t i = 0; i < shown; i++) set_cat(m, i, rank[i]->name);
    if (k > shown || w.nnames + 1 >= w.names_cap) set_cat(m, shown, "other names");
    if (m->ncats == 0) set_cat(m, 0, "Object");
  } else {
    fixed_cats(m, w.by);
  }

  if (m->exact) {
    m->objs_cap = nobj + nlay + 1;
    m->objs = (hm_obj *)lua_newuserdatauv(L, m->objs_cap * sizeof *m->objs, 0);
  } else {
    /* A pixel per page_size/width bytes, coarsened by lua_heapmap_svg.c if
     * the picture would hold too many boxes. */
    m->cell_bytes = bpp ? bpp : m->page_size / m->row_width;
    if (m->cell_bytes < 8) m->cell_bytes = 8;
    while (m->cell_bytes < m->page_size && m->nrows * (m->page_size / m->cell_bytes) > (1u << 18))
      m->cell_bytes *= 2;
    if (m->cell_bytes > m->page_size) m->cell_bytes = m->page_size;
    m->cells_per_row = (uint32_t)((m->page_size + m->cell_bytes - 1) / m->cell_bytes);
    w.ncat_acc = m->ncats;
    size_t ncells = m->nrows * (size_t)m->cells_per_row;
    w.acc = (uint64_t *)lua_newuserdatauv(L, (ncells * w.ncat_acc + 1) * sizeof *w.acc, 0);
    memset(w.acc, 0, (ncells * w.ncat_acc + 1) * sizeof *w.acc);
    m->cells = (uint16_t *)lua_newuserdatauv(L, (ncells + 1) * sizeof *m->cells, 0);
  }
  s = gc_each_object(lh->heap, walk_obj, &w);
  if (s != GC_OK) return lgc_status_error(L, lh, s, "heap:map");

  /* Objects of the layout that are gone: died (or were freed) since. */
  for (size_t i = 0; i < nlay; i++) {
    if (w.seen[i]) continue;
    const lay_obj *d = &w.since->objs[i];
    m->dead_objects++;
    m->dead_bytes += d->size;
    if (m->exact && w.by == BY_LIVE && m->nobjs < m->objs_cap) {
      hm_obj *e = &m->objs[m->nobjs++];
      memset(e, 0, sizeof *e);
      e->addr = d->addr;
      e->size = d->size;
      e->id = d->id;
      e->dead = true;
      e->name = d->name;
      e->age = d->age;
      e->space = (gc_space)d->space;
    }
  }
  if (m->exact) {
    qsort(m->objs, m->nobjs, sizeof *m->objs, cmp_obj);
  } else {
    /* Coarsen (two cells into one) until the picture holds few enough
     * boxes: a 1 GiB heap stays within a couple of MB of SVG. */
    uint32_t f = 1;
    while (decide_cells(m, &w, f) > HM_MAX_RUNS && m->cells_per_row / f > 1) f *= 2;
    m->cell_bytes *= f;
    m->cells_per_row /= f;
  }
  lgc_heapmap_draw(L, m); /* pushes the SVG string */
  int svg = lua_gettop(L);

  lua_getfield(L, 2, "file");
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "heap:map: file must be a path");
    const char *path = lgc_check_path(L, -1, "heap:map: file");
    size_t len;
    const char *text = lua_tolstring(L, svg, &len);
    const char *err = lgc_write_file(L, path, text, len);
    if (err) return luaL_error(L, "heap:map: cannot write %s", err);
  }
  /* The runner's hook (gclab.on_map), so a report can show the map. */
  if (lua_getfield(L, LUA_REGISTRYINDEX, "gclab.on_map") == LUA_TFUNCTION) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, svg);
    if (m->title) lua_pushstring(L, m->title);
    else lua_pushnil(L);
    lua_call(L, 3, 0);
  }
  lua_pushvalue(L, svg);
  return 1;
}

/* gclab.on_map(fn | nil): fn(heap, svg, title) after every heap:map (the
 * runner's --report collects the maps a scenario makes). */
int lgc_on_map(lua_State *L) {
  if (!lua_isnil(L, 1)) luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "gclab.on_map");
  return 0;
}
