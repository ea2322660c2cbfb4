/*
 * lua_tables.c -- engine records as Lua tables: GC events, heap stats,
 * pages and object infos.
 *
 * Field names are part of the Lua contract (docs/lua-api.md).  Event tables
 * hold only deterministic values: the engine's wall-clock pause is left out
 * on purpose, so that the same script, config and seed print the same.
 */
#include <string.h>

#include "lua_internal.h"

/* One vocabulary for spaces everywhere in the Lua face -- h.space, the
 * space arguments, stats, pages, events: the engine's names. */
static const char *const space_keys[GC_SPACE_COUNT] = {"new", "old", "large", "new_large"};

int lgc_space_arg(lua_State *L, int idx, gc_space *out) {
  if (lua_isnoneornil(L, idx)) {
    *out = GC_SPACE_COUNT;
    return 1;
  }
  const char *s = luaL_checkstring(L, idx);
  for (int i = 0; i < GC_SPACE_COUNT; i++)
    if (strcmp(s, space_keys[i]) == 0) {
      *out = (gc_space)i;
      return 1;
    }
  return luaL_argerror(
      L, idx, lua_pushfstring(L, "space must be \"new\", \"old\", \"large\" or \"new_large\", got "
                                 "\"%s\"", s));
}

static void set_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, bool v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v ? v : "");
  lua_setfield(L, -2, k);
}

static void push_samples(lua_State *L, const gc_space_sample *s) {
  lua_createtable(L, 0, GC_SPACE_COUNT + 1);
  gc_space_sample total = {0, 0, 0};
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    lua_createtable(L, 0, 3);
    set_int(L, "size", s[i].size);
    set_int(L, "objects", s[i].objects);
    set_int(L, "committed", s[i].committed);
    lua_setfield(L, -2, space_keys[i]);
    total.size += s[i].size;
    total.objects += s[i].objects;
    total.committed += s[i].committed;
  }
  lua_createtable(L, 0, 3);
  set_int(L, "size", total.size);
  set_int(L, "objects", total.objects);
  set_int(L, "committed", total.committed);
  lua_setfield(L, -2, "total");
}

void lgc_push_event(lua_State *L, const gc_event *ev) {
  lua_createtable(L, 0, 40);
  set_int(L, "seq", ev->seq);
  set_str(L, "kind", gc_kind_name(ev->kind));
  set_str(L, "reason", gc_reason_name(ev->reason));
  set_str(L, "collector_reason", ev->collector_reason);
  set_bool(L, "reduce_memory", ev->reduce_memory);
  set_bool(L, "incremental", ev->incremental);
  if (ev->kind == GC_KIND_MARK_COMPACT)
    set_str(L, "compaction", ev->compaction == GC_COMPACT_SLIDE ? "slide" : "evacuate");
  push_samples(L, ev->before);
  lua_setfield(L, -2, "before");
  push_samples(L, ev->after);
  lua_setfield(L, -2, "after");
  set_int(L, "holes_before", ev->holes_before);
  set_int(L, "holes_after", ev->holes_after);
  set_int(L, "allocated", ev->allocated);
  set_int(L, "young_extent", ev->young_extent);
  set_int(L, "young_extent_after", ev->young_extent_after);
  set_int(L, "size_of_objects_before", ev->size_of_objects_before);
  set_int(L, "size_of_objects_after", ev->size_of_objects_after);
  set_int(L, "copied", ev->copied_bytes);
  set_int(L, "copied_objects", ev->copied_objects);
  set_int(L, "promoted", ev->promoted_bytes);
  set_int(L, "promoted_objects", ev->promoted_objects);
  if (ev->mementos_created || ev->mementos_found || ev->sites_tenured || ev->sites_reset) {
    /* allocation-site pretenuring (heap:site), only where there was some */
    set_int(L, "mementos_created", ev->mementos_created);
    set_int(L, "mementos_found", ev->mementos_found);
    set_int(L, "sites_tenured", ev->sites_tenured);
    set_int(L, "sites_reset", ev->sites_reset);
  }
  set_int(L, "died", ev->died_objects);
  set_int(L, "freed", ev->freed_bytes);
  set_int(L, "died_in_new", ev->died_in_new);
  set_int(L, "moved", ev->moved_bytes);
  set_int(L, "moved_objects", ev->moved_objects);
  set_int(L, "pages_released", ev->pages_released);
  set_int(L, "pages_evacuated", ev->pages_evacuated);
  set_int(L, "pages_promoted", ev->pages_promoted);
  set_int(L, "steps", ev->incremental_steps);
  set_int(L, "incremental_marked", ev->incremental_marked);
  set_int(L, "concurrent_marked", ev->concurrent_marked);
  set_int(L, "largest_step", ev->largest_step);
  set_int(L, "marked", ev->marked_bytes);
  set_int(L, "semi_space_capacity", ev->semi_space_capacity);
  set_int(L, "old_limit", ev->old_limit);
  set_int(L, "start_us", ev->start_us);
  set_int(L, "pause_us", ev->pause_us);
  set_int(L, "marking_start_us", ev->marking_start_us);
  set_int(L, "weak_slots_cleared", ev->weak_slots_cleared);
  set_int(L, "ephemerons_removed", ev->ephemerons_removed);
  set_int(L, "cells_queued", ev->cells_queued);
}

static void push_space_stats(lua_State *L, const gc_space_stats *s) {
  lua_createtable(L, 0, 9);
  set_int(L, "capacity", s->capacity);
  set_int(L, "committed", s->committed);
  set_int(L, "size", s->size);
  set_int(L, "used", s->size);
  set_int(L, "live", s->live);
  set_int(L, "free", s->free);
  set_int(L, "objects", s->objects);
  set_int(L, "pages", s->pages);
}

void lgc_push_stats(lua_State *L, const gc_heap_stats *st) {
  lua_createtable(L, 0, 16);
  for (int i = 0; i < GC_SPACE_COUNT; i++) {
    push_space_stats(L, &st->space[i]);
    lua_setfield(L, -2, space_keys[i]);
  }
  push_space_stats(L, &st->total);
  lua_setfield(L, -2, "total");
  set_int(L, "old_limit", st->old_limit);
  set_int(L, "old_max", st->old_max);
  set_int(L, "semi_space_capacity", st->semi_space_capacity);
  set_int(L, "age_mark", st->age_mark);
  set_int(L, "allocated_bytes", st->allocated_bytes);
  set_int(L, "objects_allocated", st->objects_allocated);
  set_int(L, "gcs", st->gcs);
  set_int(L, "old_to_new_slots", st->old_to_new_slots);
  set_int(L, "handles", st->handles);
  set_int(L, "virtual_time_us", st->virtual_time_us);
  lua_createtable(L, 0, 3);
  set_int(L, "bytes", st->external_bytes);
  set_int(L, "young", st->external_young_bytes);
  set_int(L, "limit", st->external_limit);
  lua_setfield(L, -2, "external");
}

void lgc_push_page(lua_State *L, const gc_page_info *pg) {
  lua_createtable(L, 0, 10);
  set_int(L, "index", pg->index);
  set_str(L, "space", gc_space_name(pg->space));
  set_int(L, "address", pg->address);
  set_int(L, "size", pg->size);
  set_int(L, "used", pg->used);
  set_int(L, "live", pg->live);
  set_int(L, "free", pg->free);
  set_int(L, "largest_free", pg->largest_free);
  set_int(L, "objects", pg->objects);
  set_bool(L, "to_space", pg->to_space);
}

void lgc_push_object_info(lua_State *L, const gc_object_info *oi) {
  lua_createtable(L, 0, 13);
  set_bool(L, "alive", oi->alive);
  set_int(L, "id", oi->id);
  set_str(L, "name", oi->name);
  if (oi->alive) {
    set_str(L, "space", gc_space_name(oi->space));
    set_bool(L, "young", oi->space == GC_SPACE_NEW || oi->space == GC_SPACE_NEW_LARGE);
    set_int(L, "age", oi->age);
    set_int(L, "size", oi->size);
    set_int(L, "slots", oi->nslots);
    set_int(L, "address", oi->address);
    set_int(L, "page", oi->page);
    set_str(L, "color", gc_color_name(oi->color));
    set_bool(L, "rooted", oi->rooted);
  } else if (oi->died_in_gc) {
    set_int(L, "died_in_gc", oi->died_in_gc);
  }
}
