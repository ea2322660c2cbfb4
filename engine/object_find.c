/*
 * object_find.c -- gc_object_handle: a new handle to the live object with
 * a given id (what a snapshot or heap:objects() names), found by a walk
 * of the heap with gc_each_object.  O(objects); ids are never reused, so
 * an id either names one object or none.
 */
#include "handles.h"
#include "heap_internal.h"

typedef struct find {
  uint64_t id;
  uint64_t address; /* offset from the heap base */
  bool found;
} find;

static bool match(const gc_object_info *obj, void *ud) {
  find *f = (find *)ud;
  if (obj->id != f->id) return true;
  f->found = true;
  f->address = obj->address;
  return false;
}

gc_status gc_object_handle(gc_heap *h, uint64_t id, gc_handle *out) {
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = GC_NO_HANDLE;
  if (id == 0 || id >= h->next_id)
    return heap_fail(h, GC_EINVAL, "id: no object #%llu was ever allocated in this heap",
                     (unsigned long long)id);
  find f = {.id = id};
  gc_status st = gc_each_object(h, match, &f);
  if (st != GC_OK) return st;
  if (!f.found)
    return heap_fail(h, GC_EDEAD, "object #%llu is dead (collected)", (unsigned long long)id);
  gc_handle n = handle_new(h, h->base + (addr_t)f.address);
  if (!n) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  *out = n;
  return GC_OK;
}
