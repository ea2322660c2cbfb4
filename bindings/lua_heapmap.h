/*
 * lua_heapmap.h -- the heap map's model, shared by its two files:
 * lua_heapmap.c (reads the heap through gclab.h's public gc_pages /
 * gc_each_object / gc_stats API into this model; the Lua face) and
 * lua_heapmap_svg.c (draws the model as SVG with libxml2's writer).
 *
 * The model is a list of page rows in address order.  Every page unit
 * (page_size bytes) is one row; a large page spans several rows.  In
 * exact mode each object is a box; in aggregate mode every row is cut
 * into cells of `cell_bytes` bytes and each cell takes the category with
 * the most bytes in it (free space counts as a category).
 */
#ifndef GCLAB_LUA_HEAPMAP_H
#define GCLAB_LUA_HEAPMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "gclab.h"

#define HM_MAX_CATS 14 /* object categories; then free and hole */

typedef struct hm_page {
  uint64_t addr, size, used; /* offsets from the heap base; bytes */
  uint32_t objects;
  gc_space space;
  bool to_space;  /* new space: To (else From) */
  bool ghost;     /* released since the layout `since` (drawn as an outline) */
  bool evacuated; /* objects moved out of it since the layout `since` */
  uint32_t first_row, nrows;
} hm_page;

typedef struct hm_obj {
  uint64_t addr, size, id;
  uint16_t cat;
  bool moved; /* moved by a compaction since the layout `since` */
  bool dead;  /* in the layout `since`, gone now (drawn as an outline) */
  const char *name;
  uint32_t age;
  gc_space space;
  gc_color color;
} hm_obj;

typedef struct hm_cat {
  char label[48];
  const char *fill;
  uint64_t bytes, objects;
} hm_cat;

typedef struct hm_model {
  uint64_t page_size;
  const char *title;
  const char *color_by;
  hm_page *pages;
  size_t npages, nrows;
  hm_cat cats[HM_MAX_CATS];
  uint32_t ncats;
  bool since;              /* compared with a layout */
  uint64_t moved_objects, moved_bytes, dead_objects, dead_bytes;
  gc_heap_stats stats;
  /* exact mode */
  bool exact;
  hm_obj *objs; /* sorted by address */
  size_t nobjs, objs_cap;
  /* aggregate mode: cells[row * cells_per_row + c] is its category
   * (HM_FREE if mostly free) */
  uint64_t cell_bytes;
  uint32_t cells_per_row;
  uint16_t *cells;
  uint32_t row_width; /* px of one page unit */
} hm_model;

#define HM_FREE 0xfffe
#define HM_HOLE 0xfffd
#define HM_MAX_RUNS 20000 /* aggregate mode: boxes in one picture, about */

/* Sizes as people read them: "40 B", "1.5 KiB", "16 MiB", "1 GiB". */
void hm_format_bytes(uint64_t n, char *buf, size_t len);

#endif /* GCLAB_LUA_HEAPMAP_H */
