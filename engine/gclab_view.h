/*
 * gclab_view.h -- raw views: reading a heap's objects without handles
 * (gc_view, gc_heap_epoch, gc_view_check and the inline gc_obj accessors).
 * Part of the public API, included by gclab.h; apart from it because it is
 * a second way in, with its own validity rule (below), for fast C clients
 * such as benchmarks and checkers.
 */
#ifndef GCLAB_VIEW_H
#define GCLAB_VIEW_H

#include "gclab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------- raw views */

/*
 * Raw views: reading objects without handles, like V8's raw Tagged<>
 * pointers inside a DisallowGarbageCollection scope.  gc_view() gives the
 * address of a handle's object as a `const gc_obj *`; the inline accessors
 * below read its header and slots, and follow a reference slot to the next
 * object, with no call and no handle per object.
 *
 * The rule: a view is valid until the next call on its heap that may
 * allocate or collect: gc_alloc, gc_alloc_into, gc_scavenge,
 * gc_scavenge_forced, gc_mark_sweep, gc_mark_compact, gc_full_gc,
 * gc_incremental_finish, gc_heap_free.  A
 * collection moves and frees objects, and a view is not updated: after
 * it, the pointer may lead to a copy left behind, to freed memory, or to
 * another object.  Every other call leaves objects where they are, so
 * views survive it: reads (gc_slot_get, gc_object_info_get, gc_stats,
 * ...), gc_slot_load, the slot stores, handles, roots and scopes, and
 * gc_incremental_start and _step (they mark; they do not move).
 * Everything reachable from a view by following slots may be read under
 * the same rule; stores made through the slot API are seen at once.
 *
 * Checking the rule: gc_heap_epoch() changes on every collection and at
 * no other time, so a view taken at epoch e is valid while the epoch is
 * still e; gc_view_check() compares and names the GC that ran since.
 * In a build without NDEBUG the accessors also assert that the object is
 * not a copy left behind (a forwarding header) nor freed space (a filler),
 * and that slot indexes are in range; define GC_VIEW_ASSERT before
 * including this header to choose the check.
 *
 * A view is read-only: the pointer is to const, and nothing here writes.
 * Writes go through the handle API (gc_slot_set_ref, ...), which keeps the
 * write barrier and the remembered sets exact.  A view's address is a
 * machine address: to keep a program deterministic, order and report
 * objects by gc_obj_id(), not by pointer (as gclab reports addresses as
 * offsets from the heap base).
 *
 * The layout below is the engine's own (engine/heap_internal.h uses these
 * definitions), so a view reads exactly what the engine reads.  Every word
 * is 8 bytes and objects are 8-byte aligned:
 *   w0     size in bytes (a multiple of 8; bits 3..31) | slot count << 32;
 *          during a copy: the new address | 1 (GC_W0_FORWARDED);
 *          free space: its size | 2 (GC_W0_FILLER), that word only
 *   id     the object's stable id
 *   meta   name (32 bits) | age (8) | colour (8) | flags (16)
 *   slots  tagged: 0 empty; odd: a small integer (v << 1 | 1); low bits
 *          00 and non-zero: the address of another object's gc_obj;
 *          low bits 10: a weak reference, that address | 2 (GC_TAG_WEAK)
 *   then raw payload bytes up to the size.
 * A 24-byte header and two slots is 40 bytes: V8's {l, r} JSObject.
 */
typedef uint64_t gc_tagged;
typedef struct gc_obj {
  uint64_t w0;
  uint64_t id;
  uint64_t meta;
  gc_tagged slots[];
} gc_obj;

#define GC_OBJ_HEADER_SIZE 24u
#define GC_OBJ_MAX_SIZE (1ull << 31) /* a size must fit w0's low word */
#define GC_MAX_SLOTS ((GC_OBJ_MAX_SIZE - GC_OBJ_HEADER_SIZE) / 8) /* slots of one object */
#define GC_W0_FORWARDED 1u
#define GC_W0_FILLER 2u
#define GC_W0_SIZE_MASK 0xfffffff8u

/* Layout primitives on raw words, without checks (the engine's own). */
static inline uint64_t gc_w0_size(uint64_t w0) { return w0 & GC_W0_SIZE_MASK; }
static inline uint32_t gc_w0_nslots(uint64_t w0) { return (uint32_t)(w0 >> 32); }
static inline bool gc_w0_forwarded(uint64_t w0) { return (w0 & GC_W0_FORWARDED) != 0; }
static inline bool gc_w0_filler(uint64_t w0) { return (w0 & GC_W0_FILLER) != 0; }
static inline uint32_t gc_meta_name(uint64_t meta) { return (uint32_t)(meta & 0xffffffffu); }
static inline uint32_t gc_meta_age(uint64_t meta) { return (uint32_t)((meta >> 32) & 0xffu); }
static inline uint32_t gc_meta_color(uint64_t meta) { return (uint32_t)((meta >> 40) & 0xffu); }
static inline uint64_t gc_meta_make(uint32_t name, uint32_t age, uint32_t color) {
  return (uint64_t)name | ((uint64_t)age << 32) | ((uint64_t)color << 40);
}
/* A strong reference (a weak one is not: gc_tagged_is_weak). */
static inline bool gc_tagged_is_ref(gc_tagged t) { return t != 0 && (t & 3) == 0; }
#define GC_TAG_WEAK 2u
static inline bool gc_tagged_is_weak(gc_tagged t) { return (t & 3) == GC_TAG_WEAK; }
static inline bool gc_tagged_is_smi(gc_tagged t) { return (t & 1) != 0; }
static inline gc_tagged gc_smi_tag(int32_t v) { return ((uint64_t)(int64_t)v << 1) | 1; }
static inline int32_t gc_smi_untag(gc_tagged t) { return (int32_t)((int64_t)t >> 1); }

#ifndef GC_VIEW_ASSERT
#ifdef NDEBUG
#define GC_VIEW_ASSERT(cond) ((void)0)
#else
#include <assert.h>
#define GC_VIEW_ASSERT(cond) assert(cond)
#endif
#endif

/* The object of handle `h`, for reading under the rule above; NULL, with
 * the heap's message set, for a released, unknown or dead handle. */
const gc_obj *gc_view(gc_heap *heap, gc_handle h);
/* Changes on every collection and at no other time (it is the number of
 * GCs run so far: the seq of the last event). */
uint64_t gc_heap_epoch(const gc_heap *heap);
/* GC_OK if the epoch is still `epoch`; else GC_ESTATE, with a message
 * naming the first GC that ran since (views taken then are stale). */
gc_status gc_view_check(gc_heap *heap, uint64_t epoch);
/* The string of a name id (gc_obj_name, gc_name_intern); NULL if unknown. */
const char *gc_name_string(const gc_heap *heap, gc_name name);

/* Accessors.  A slot index out of range reads as an empty slot (and
 * asserts, with the debug check). */
static inline void gc_obj_check_(const gc_obj *o) {
  GC_VIEW_ASSERT(o != NULL && (o->w0 & (GC_W0_FORWARDED | GC_W0_FILLER)) == 0);
  (void)o;
}
static inline uint64_t gc_obj_id(const gc_obj *o) { gc_obj_check_(o); return o->id; }
static inline gc_name gc_obj_name(const gc_obj *o) { gc_obj_check_(o); return gc_meta_name(o->meta); }
static inline uint32_t gc_obj_nslots(const gc_obj *o) { gc_obj_check_(o); return gc_w0_nslots(o->w0); }
static inline uint64_t gc_obj_size(const gc_obj *o) { gc_obj_check_(o); return gc_w0_size(o->w0); }
static inline uint32_t gc_obj_age(const gc_obj *o) { gc_obj_check_(o); return gc_meta_age(o->meta); }
/* Slot i as a tagged word (0 when out of range). */
static inline gc_tagged gc_obj_slot(const gc_obj *o, uint32_t i) {
  gc_obj_check_(o);
  GC_VIEW_ASSERT(i < gc_w0_nslots(o->w0));
  return i < gc_w0_nslots(o->w0) ? o->slots[i] : 0;
}
static inline gc_slot_kind gc_obj_slot_kind(const gc_obj *o, uint32_t i) {
  gc_tagged t = gc_obj_slot(o, i);
  return t == 0 ? GC_SLOT_EMPTY : gc_tagged_is_smi(t) ? GC_SLOT_SMI
                               : gc_tagged_is_weak(t) ? GC_SLOT_WEAK : GC_SLOT_REF;
}
/* The object slot i refers to strongly, or NULL if it holds no strong
 * reference (gc_obj_slot_weak_ref reads a weak one). */
static inline const gc_obj *gc_obj_slot_ref(const gc_obj *o, uint32_t i) {
  gc_tagged t = gc_obj_slot(o, i);
  return gc_tagged_is_ref(t) ? (const gc_obj *)(uintptr_t)t : NULL;
}
/* The object slot i refers to weakly, or NULL. */
static inline const gc_obj *gc_obj_slot_weak_ref(const gc_obj *o, uint32_t i) {
  gc_tagged t = gc_obj_slot(o, i);
  return gc_tagged_is_weak(t) ? (const gc_obj *)(uintptr_t)(t & ~(gc_tagged)3) : NULL;
}
/* The small integer in slot i, or 0 if it holds none. */
static inline int32_t gc_obj_slot_smi(const gc_obj *o, uint32_t i) {
  gc_tagged t = gc_obj_slot(o, i);
  return gc_tagged_is_smi(t) ? gc_smi_untag(t) : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* GCLAB_VIEW_H */
