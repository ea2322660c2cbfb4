/*
 * lua_heapmap_svg.c -- draw a heap-map model (lua_heapmap.h) as SVG.
 *
 * One job: geometry and markup.  Pages are rows in address order (a large
 * page several rows), labelled with their page number, space and size;
 * each page is an outlined box whose background is free space; objects
 * (exact mode) or runs of cells (aggregate mode) are boxes on it, filled
 * by CSS class (.c0 ... from the model's categories); gaps below a page's
 * last object are holes (hatched).  From-space pages are dashed; pages
 * objects were moved out of are outlined red, released ones drawn as red
 * dashed outlines; moved objects have a black stroke, dead ones a grey
 * dashed outline.
 *
 * Invariants: coordinates are integers or tenths computed with integer
 * arithmetic, so output is byte-identical from run to run; all markup
 * goes through libxml2's xmlTextWriter (lua_xml.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_heapmap.h"
#include "lua_xml.h"

#define MARGIN 10
#define LABEL_W 190
#define INFO_W 170
#define LEGEND_ITEM_W 290

void hm_format_bytes(uint64_t n, char *buf, size_t len) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  uint64_t scale = 1;
  while (u < 4 && n >= scale * 1024) scale *= 1024, u++;
  if (u == 0) {
    snprintf(buf, len, "%" PRIu64 " B", n);
    return;
  }
  uint64_t tenths = (n * 10 + scale / 2) / scale;
  if (tenths % 10 == 0) snprintf(buf, len, "%" PRIu64 " %s", tenths / 10, unit[u]);
  else snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10, unit[u]);
}

typedef struct pen {
  lua_State *L;
  xmlTextWriterPtr w;
  const hm_model *m;
  int row_h, row_gap, page_gap;
  uint64_t y0;
} pen;

static void ck(pen *p, int rc) { lgc_xml_check(p->L, rc, "heap:map"); }

/* Tenths of a pixel as text: 1234 -> "123.4", 1230 -> "123". */
static void tenths(char *buf, size_t len, uint64_t t) {
  if (t % 10 == 0) snprintf(buf, len, "%" PRIu64, t / 10);
  else snprintf(buf, len, "%" PRIu64 ".%" PRIu64, t / 10, t % 10);
}

static void attr_u(pen *p, const char *name, uint64_t v) {
  ck(p, xmlTextWriterWriteFormatAttribute(p->w, BAD_CAST name, "%" PRIu64, v));
}

static void attr_t(pen *p, const char *name, uint64_t t) {
  char b[32];
  tenths(b, sizeof b, t);
  ck(p, xmlTextWriterWriteAttribute(p->w, BAD_CAST name, BAD_CAST b));
}

static void attr_s(pen *p, const char *name, const char *v) {
  ck(p, xmlTextWriterWriteAttribute(p->w, BAD_CAST name, BAD_CAST v));
}

/* The category of a class list ("o c3 mv" -> 3), or -1. */
static int class_cat(const char *cls) {
  for (const char *s = cls; *s; s++)
    if (*s == 'c' && (s == cls || s[-1] == ' ') && s[1] >= '0' && s[1] <= '9') return atoi(s + 1);
  return -1;
}

/* <rect class x y width height/> in tenths for x and width.  A category's
 * colour is a fill attribute, not a CSS rule: maps coloured differently
 * share a page in the HTML report, and CSS in inline SVG is page-wide. */
static void rect(pen *p, const char *cls, uint64_t x10, uint64_t y, uint64_t w10, uint64_t h,
                 const char *tip) {
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "rect"));
  attr_s(p, "class", cls);
  int cat = class_cat(cls);
  if (cat >= 0 && (uint32_t)cat < p->m->ncats) attr_s(p, "fill", p->m->cats[cat].fill);
  attr_t(p, "x", x10);
  attr_u(p, "y", y);
  attr_t(p, "width", w10 ? w10 : 1);
  attr_u(p, "height", h);
  if (tip) {
    ck(p, xmlTextWriterWriteElement(p->w, BAD_CAST "title", BAD_CAST lgc_xml_text(p->L, tip)));
    lua_pop(p->L, 1);
  }
  ck(p, xmlTextWriterEndElement(p->w));
}

static void text(pen *p, const char *cls, uint64_t x, uint64_t y, const char *s) {
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "text"));
  if (cls) attr_s(p, "class", cls);
  attr_u(p, "x", x);
  attr_u(p, "y", y);
  ck(p, xmlTextWriterWriteString(p->w, BAD_CAST lgc_xml_text(p->L, s)));
  lua_pop(p->L, 1);
  ck(p, xmlTextWriterEndElement(p->w));
}

static uint64_t row_y(const pen *p, const hm_page *pg, uint32_t r) {
  return p->y0 + (uint64_t)pg->first_row * (uint64_t)(p->row_h + p->row_gap) +
         (uint64_t)(pg - p->m->pages) * (uint64_t)p->page_gap + (uint64_t)r * (uint64_t)(p->row_h + p->row_gap);
}

static const char *space_label(const hm_page *pg) {
  switch (pg->space) {
  case GC_SPACE_NEW: return pg->to_space ? "new To" : "new From";
  case GC_SPACE_OLD: return "old";
  case GC_SPACE_LARGE: return "large";
  default: return "new large";
  }
}

static bool label_page(const hm_model *m, size_t i) {
  if (m->exact || m->npages <= 256) return true;
  const hm_page *pg = &m->pages[i];
  return i == 0 || pg->space != m->pages[i - 1].space || (pg->addr / m->page_size) % 64 == 0 ||
         pg->ghost || pg->evacuated;
}

static void style(pen *p) {
  /* every rule under .hm: the map may be inline in an HTML page */
  static const char css[] =
      ".hm text{font-family:monospace;font-size:11px;fill:#222}.hm .t{font-size:15px;font-weight:bold}"
      ".hm .pg{fill:#fafafa;stroke:#666;stroke-width:0.6}.hm .from{stroke-dasharray:4 2;fill:#fff}"
      ".hm .evac{stroke:#d62728;stroke-width:2}.hm .ghost{fill:none;stroke:#d62728;stroke-dasharray:5 3}"
      ".hm .hole{fill:url(#hatch)}.hm .mv{stroke:#000;stroke-width:1.2}"
      ".hm .dead{fill:none;stroke:#777;stroke-dasharray:2 2}.hm .free{fill:#fafafa;stroke:#666;"
      "stroke-width:0.6}.hm .o{stroke:#fff;stroke-width:0.3}";
  ck(p, xmlTextWriterWriteElement(p->w, BAD_CAST "style", BAD_CAST css));
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "defs"));
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "pattern"));
  attr_s(p, "id", "hatch");
  attr_s(p, "width", "4");
  attr_s(p, "height", "4");
  attr_s(p, "patternUnits", "userSpaceOnUse");
  attr_s(p, "patternTransform", "rotate(45)");
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "rect"));
  attr_s(p, "width", "4");
  attr_s(p, "height", "4");
  attr_s(p, "fill", "#fde0c5");
  ck(p, xmlTextWriterEndElement(p->w));
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "line"));
  attr_s(p, "x1", "0");
  attr_s(p, "y1", "0");
  attr_s(p, "x2", "0");
  attr_s(p, "y2", "4");
  attr_s(p, "stroke", "#e6550d");
  attr_s(p, "stroke-width", "1.5");
  ck(p, xmlTextWriterEndElement(p->w));
  ck(p, xmlTextWriterEndElement(p->w)); /* pattern */
  ck(p, xmlTextWriterEndElement(p->w)); /* defs */
}

typedef struct legend_item {
  const char *cls, *label;
} legend_item;

typedef struct legend_list {
  legend_item items[HM_MAX_CATS + 8];
  char cls[HM_MAX_CATS][16];
  char labels[HM_MAX_CATS][96];
  size_t n;
} legend_list;

/* The legend: one item per category, then the markings the map uses. */
static void legend_items(const hm_model *m, legend_list *l) {
  l->n = 0;
  for (uint32_t i = 0; i < m->ncats; i++) {
    char b[32];
    hm_format_bytes(m->cats[i].bytes, b, sizeof b);
    snprintf(l->cls[i], sizeof l->cls[i], "c%u", i);
    snprintf(l->labels[i], sizeof l->labels[i], "%s: %s", m->cats[i].label, b);
    l->items[l->n++] = (legend_item){l->cls[i], l->labels[i]};
  }
  l->items[l->n++] = (legend_item){"free", "free"};
  l->items[l->n++] = (legend_item){"hole", "hole (free, below used space)"};
  bool ghost = false, evac = false;
  for (size_t i = 0; i < m->npages; i++) ghost |= m->pages[i].ghost, evac |= m->pages[i].evacuated;
  if (m->moved_objects) l->items[l->n++] = (legend_item){"c0 mv", "moved by compaction"};
  if (evac) l->items[l->n++] = (legend_item){"pg evac", "objects moved out of the page"};
  if (ghost) l->items[l->n++] = (legend_item){"ghost", "page released since the layout"};
  if (m->exact && m->dead_objects && strcmp(m->color_by, "live") == 0)
    l->items[l->n++] = (legend_item){"dead", "died since the layout"};
}

static uint64_t legend_per_line(uint64_t width) {
  uint64_t per_line = (width - 2 * MARGIN) / LEGEND_ITEM_W;
  return per_line ? per_line : 1;
}

static void legend(pen *p, const legend_list *l, uint64_t width, uint64_t y) {
  uint64_t per_line = legend_per_line(width);
  ck(p, xmlTextWriterStartElement(p->w, BAD_CAST "g"));
  attr_s(p, "class", "legend");
  for (size_t i = 0; i < l->n; i++) {
    uint64_t x = MARGIN + (i % per_line) * LEGEND_ITEM_W, yy = y + (i / per_line) * 16;
    rect(p, l->items[i].cls, x * 10, yy, 120, 10, NULL);
    text(p, NULL, x + 16, yy + 9, l->items[i].label);
  }
  ck(p, xmlTextWriterEndElement(p->w));
}

/* x of byte `rel` within a row, in tenths of a pixel. */
static uint64_t x_of(const pen *p, uint64_t rel) {
  return (MARGIN + LABEL_W) * 10 + rel * p->m->row_width * 10 / p->m->page_size;
}

static void draw_exact_page(pen *p, const hm_page *pg, size_t *oi) {
  const hm_model *m = p->m;
  uint64_t pend = pg->addr + pg->size;
  /* a gap before an object is a hole; after the last object, free space */
  uint64_t cursor = pg->addr;
  char tip[200], b[32];
  for (; *oi < m->nobjs && m->objs[*oi].addr < pend; (*oi)++) {
    const hm_obj *o = &m->objs[*oi];
    if (o->addr < pg->addr) continue;
    if (!o->dead && o->addr > cursor) { /* a hole, row by row */
      for (uint64_t a = cursor; a < o->addr;) {
        uint64_t rel = a - pg->addr, r = rel / m->page_size;
        uint64_t stop = pg->addr + (r + 1) * m->page_size;
        if (stop > o->addr) stop = o->addr;
        rect(p, "hole", x_of(p, rel % m->page_size), row_y(p, pg, (uint32_t)r),
             x_of(p, rel % m->page_size + (stop - a)) - x_of(p, rel % m->page_size), (uint64_t)p->row_h,
             NULL);
        a = stop;
      }
    }
    hm_format_bytes(o->size, b, sizeof b);
    snprintf(tip, sizeof tip, "%s #%" PRIu64 ", %s at 0x%" PRIx64 ", age %u%s%s", o->name, o->id, b,
             o->addr, o->age, o->moved ? ", moved" : "", o->dead ? ", died" : "");
    char cls[24];
    if (o->dead) snprintf(cls, sizeof cls, "dead");
    else snprintf(cls, sizeof cls, "o c%u%s", o->cat, o->moved ? " mv" : "");
    for (uint64_t a = o->addr; a < o->addr + o->size && a < pend;) {
      uint64_t rel = a - pg->addr, r = rel / m->page_size;
      uint64_t stop = pg->addr + (r + 1) * m->page_size;
      if (stop > o->addr + o->size) stop = o->addr + o->size;
      uint64_t x = x_of(p, rel % m->page_size);
      rect(p, cls, x, row_y(p, pg, (uint32_t)r), x_of(p, rel % m->page_size + (stop - a)) - x,
           (uint64_t)p->row_h, tip);
      a = stop;
    }
    if (!o->dead && o->addr + o->size > cursor) cursor = o->addr + o->size;
  }
}

static void draw_cells_page(pen *p, const hm_page *pg) {
  const hm_model *m = p->m;
  /* the last non-free cell of the page: free cells before it are holes */
  int64_t last = -1;
  for (uint32_t r = 0; r < pg->nrows; r++)
    for (uint32_t c = 0; c < m->cells_per_row; c++)
      if (m->cells[(size_t)(pg->first_row + r) * m->cells_per_row + c] != HM_FREE)
        last = (int64_t)r * m->cells_per_row + c;
  for (uint32_t r = 0; r < pg->nrows; r++) {
    const uint16_t *row = &m->cells[(size_t)(pg->first_row + r) * m->cells_per_row];
    for (uint32_t c = 0; c < m->cells_per_row;) {
      uint32_t e = c + 1;
      while (e < m->cells_per_row && row[e] == row[c]) e++;
      int64_t idx = (int64_t)r * m->cells_per_row + c;
      char cls[16];
      const char *k = NULL;
      if (row[c] != HM_FREE) snprintf(cls, sizeof cls, "c%u", row[c]), k = cls;
      else if (idx < last) k = "hole";
      if (k)
        rect(p, k, x_of(p, c * m->cell_bytes), row_y(p, pg, r),
             x_of(p, e * m->cell_bytes) - x_of(p, c * m->cell_bytes), (uint64_t)p->row_h, NULL);
      c = e;
    }
  }
}

/* Push the SVG of model m as a Lua string. */
int lgc_heapmap_draw(lua_State *L, const hm_model *m) {
  lgc_xml *x = lgc_xml_push_new(L, 0);
  pen p = {L, x->w, m, 16, 2, 6, 0};
  if (!m->exact) {
    p.row_h = m->nrows > 64 ? 5 : 10;
    p.row_gap = 1;
    p.page_gap = m->npages > 256 ? 0 : 2;
  }
  uint64_t width = MARGIN + LABEL_W + m->row_width + INFO_W + MARGIN;
  /* height: header, legend, rows */
  legend_list leg;
  legend_items(m, &leg);
  uint64_t per_line = legend_per_line(width);
  uint64_t legend_h = ((leg.n + per_line - 1) / per_line) * 16 + 8;
  p.y0 = 56 + legend_h + 8;
  uint64_t height = p.y0 + m->nrows * (uint64_t)(p.row_h + p.row_gap) + m->npages * (uint64_t)p.page_gap +
                    MARGIN + 14;

  ck(&p, xmlTextWriterStartElement(x->w, BAD_CAST "svg"));
  attr_s(&p, "xmlns", "http://www.w3.org/2000/svg");
  attr_s(&p, "class", "hm");
  attr_u(&p, "width", width);
  attr_u(&p, "height", height);
  ck(&p, xmlTextWriterWriteFormatAttribute(x->w, BAD_CAST "viewBox", "0 0 %" PRIu64 " %" PRIu64, width,
                                           height));
  char title[256], b1[32], b2[32], b3[32], line[512];
  snprintf(title, sizeof title, "%s", m->title ? m->title : "heap map");
  ck(&p, xmlTextWriterWriteElement(x->w, BAD_CAST "title", BAD_CAST lgc_xml_text(L, title)));
  lua_pop(L, 1);
  style(&p);
  ck(&p, xmlTextWriterStartElement(x->w, BAD_CAST "rect"));
  attr_s(&p, "width", "100%");
  attr_s(&p, "height", "100%");
  attr_s(&p, "fill", "#fff");
  ck(&p, xmlTextWriterEndElement(x->w));
  text(&p, "t", MARGIN, 22, title);
  hm_format_bytes(m->stats.total.committed, b1, sizeof b1);
  hm_format_bytes(m->stats.total.size, b2, sizeof b2);
  hm_format_bytes(m->page_size, b3, sizeof b3);
  snprintf(line, sizeof line, "%s committed, %s in %" PRIu64 " objects, %zu pages of %s, after %u GCs; colour: %s",
           b1, b2, m->stats.total.objects, m->npages, b3, m->stats.gcs, m->color_by);
  text(&p, NULL, MARGIN, 38, line);
  if (m->exact) {
    snprintf(line, sizeof line, "one box per object; a row is one page (%s)", b3);
  } else {
    hm_format_bytes(m->cell_bytes, b1, sizeof b1);
    snprintf(line, sizeof line, "aggregated: one cell per %s (most bytes decide its colour); a row is one page (%s)",
             b1, b3);
  }
  if (m->since) {
    hm_format_bytes(m->moved_bytes, b1, sizeof b1);
    hm_format_bytes(m->dead_bytes, b2, sizeof b2);
    size_t n = strlen(line);
    snprintf(line + n, sizeof line - n, "; since the layout: %" PRIu64 " objects moved (%s), %" PRIu64
             " gone (%s)", m->moved_objects, b1, m->dead_objects, b2);
  }
  text(&p, NULL, MARGIN, 52, line);
  legend(&p, &leg, width, 60);

  size_t oi = 0;
  uint64_t next_label_y = 0; /* labels 12 px apart at least: small rows do not overlap them */
  for (size_t i = 0; i < m->npages; i++) {
    const hm_page *pg = &m->pages[i];
    uint64_t y = row_y(&p, pg, 0);
    uint64_t h = pg->nrows * (uint64_t)(p.row_h + p.row_gap) - (uint64_t)p.row_gap;
    ck(&p, xmlTextWriterStartElement(x->w, BAD_CAST "g"));
    attr_s(&p, "class", "page");
    attr_u(&p, "data-page", pg->addr / m->page_size);
    attr_s(&p, "data-space", gc_space_name(pg->space));
    const char *cls = pg->ghost ? "ghost" : pg->evacuated ? "pg evac"
                      : (pg->space == GC_SPACE_NEW && !pg->to_space) ? "pg from" : "pg";
    rect(&p, cls, (MARGIN + LABEL_W) * 10, y, (uint64_t)m->row_width * 10, h, NULL);
    if (label_page(m, i) && y >= next_label_y) {
      next_label_y = y + 12;
      hm_format_bytes(pg->size, b1, sizeof b1);
      snprintf(line, sizeof line, "p%" PRIu64 " %s%s", pg->addr / m->page_size, space_label(pg),
               pg->ghost ? " (released)" : pg->evacuated ? " (evacuated)" : "");
      text(&p, NULL, MARGIN, y + (uint64_t)(p.row_h > 10 ? 12 : p.row_h), line);
      if (!pg->ghost) {
        hm_format_bytes(pg->used, b2, sizeof b2);
        snprintf(line, sizeof line, "%s of %s used", b2, b1);
        text(&p, NULL, MARGIN + LABEL_W + m->row_width + 8, y + (uint64_t)(p.row_h > 10 ? 12 : p.row_h), line);
      }
    }
    if (!pg->ghost) {
      if (m->exact) draw_exact_page(&p, pg, &oi);
      else draw_cells_page(&p, pg);
    } else if (m->exact) {
      draw_exact_page(&p, pg, &oi); /* dead objects of a released page */
    }
    ck(&p, xmlTextWriterEndElement(x->w));
  }
  lgc_xml_finish(L, x);
  lua_pushlstring(L, (const char *)xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf));
  lua_remove(L, -2);
  return 1;
}
