/*
 * gclab_weak.h -- the engine's weak references: weak slots, WeakRef,
 * WeakMap/WeakSet (ephemeron tables) and FinalizationRegistry, as V8
 * collects them (docs/weak.md).  Part of the public API, apart from
 * gclab.h as gclab_snapshot.h is; the slot kind GC_SLOT_WEAK, the tag
 * helpers and the events' weak counts are in gclab.h.
 */
#ifndef GCLAB_WEAK_API_H
#define GCLAB_WEAK_API_H

#include "gclab.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Weak references, as V8 collects them (docs/weak.md).
 *
 * Weak slots: gc_slot_set_weak stores a reference that does not keep its
 * target alive through a full GC: the slot is cleared to empty when its
 * target dies.  A Scavenge treats it as strong, as V8's does (only
 * ephemeron keys are weak there).  When the target moves the slot follows.  gc_slot_get reports
 * it as GC_SLOT_WEAK.  Any object's slot may be made weak.
 *
 * WeakRef: an object whose one slot is weak.  Creating one and every
 * successful deref add the target to the KeepDuringJob set (roots until
 * gc_end_job, V8's ClearKeptObjects).
 *
 * WeakMap / WeakSet: a wrapper object over an EphemeronHashTable whose
 * entries (key, value) keep the value alive only while the key is alive
 * from elsewhere.  Keys are objects; values are objects, small integers or
 * empty.  Entries whose key died are removed.
 *
 * FinalizationRegistry: register(target, held, token) makes a WeakCell; when
 * the target dies the cell is queued.  Nothing runs inside a GC: the program
 * takes queued cells with gc_cleanup_next (V8's cleanup task), in V8's
 * order.  The held value stays strongly reachable until then.
 */
typedef enum gc_weak_kind {
  GC_WEAK_NONE = 0,       /* an ordinary object (it may hold weak slots) */
  GC_WEAK_REF = 1,        /* "WeakRef" */
  GC_WEAK_TABLE = 2,      /* "EphemeronHashTable" (a WeakMap's or WeakSet's) */
  GC_WEAK_MAP = 3,        /* "WeakMap" */
  GC_WEAK_SET = 4,        /* "WeakSet" */
  GC_WEAK_CELL = 5,       /* "WeakCell" */
  GC_WEAK_REGISTRY = 6    /* "FinalizationRegistry" */
} gc_weak_kind;
gc_status gc_weak_kind_of(gc_heap *heap, gc_handle h, gc_weak_kind *out);

/* A value to store: empty, a small integer or an object (by handle). */
typedef struct gc_value {
  gc_slot_kind kind; /* GC_SLOT_EMPTY, GC_SLOT_SMI or GC_SLOT_REF */
  int64_t smi;
  gc_handle ref;
} gc_value;

/* Weak slots.  The store goes through the write barrier (while marking,
 * the target turns grey, as V8's barrier does for any store). */
gc_status gc_slot_set_weak(gc_heap *heap, gc_handle h, uint32_t index, gc_handle target);

/* WeakRef.  deref: *out is a new handle to the target, or GC_NO_HANDLE if
 * it was collected. */
gc_status gc_weak_ref_new(gc_heap *heap, gc_handle target, gc_handle *out);
gc_status gc_weak_ref_deref(gc_heap *heap, gc_handle ref, gc_handle *out);
/* End the current job: the KeepDuringJob set is emptied. */
gc_status gc_end_job(gc_heap *heap);
/* Objects held by the KeepDuringJob set. */
size_t gc_kept_count(const gc_heap *heap);

/* WeakMap (set = false) or WeakSet (set = true). */
gc_status gc_weak_map_new(gc_heap *heap, bool set, gc_handle *out);
/* set: key -> value (a WeakSet takes value kind GC_SLOT_EMPTY). */
gc_status gc_weak_map_set(gc_heap *heap, gc_handle map, gc_handle key, const gc_value *value);
/* get: *found, and the value (out->kind; a new handle in *ref for an
 * object, which the caller releases; ref may be NULL). */
gc_status gc_weak_map_get(gc_heap *heap, gc_handle map, gc_handle key, bool *found,
                          gc_slot_value *out, gc_handle *ref);
gc_status gc_weak_map_delete(gc_heap *heap, gc_handle map, gc_handle key, bool *deleted);
/* Entries present (not in JavaScript; for observing the collector). */
gc_status gc_weak_map_size(gc_heap *heap, gc_handle map, uint64_t *out);

/* FinalizationRegistry. */
gc_status gc_finreg_new(gc_heap *heap, gc_handle *out);
/* token may be GC_NO_HANDLE.  GC_EINVAL if held is the target itself. */
gc_status gc_finreg_register(gc_heap *heap, gc_handle reg, gc_handle target, const gc_value *held,
                             gc_handle token);
/* Removes every cell (active or queued) registered with token. */
gc_status gc_finreg_unregister(gc_heap *heap, gc_handle reg, gc_handle token, bool *removed);
/* Cells of a registry: registered and alive, and queued for cleanup. */
gc_status gc_finreg_counts(gc_heap *heap, gc_handle reg, uint64_t *active, uint64_t *queued);
/* Take the next queued cell, in V8's order: registries in the order they
 * were queued, each registry's cells from the head of its cleared list.
 * *got is false when none is left.  *registry_id names the registry (its
 * object id); the held value is in *held, with a new handle in *held_ref
 * for an object (the caller releases it).  Not allowed during a GC. */
gc_status gc_cleanup_next(gc_heap *heap, bool *got, uint64_t *registry_id, gc_slot_value *held,
                          gc_handle *held_ref);
/* Queued cells over all registries. */
size_t gc_cleanup_pending(const gc_heap *heap);

#ifdef __cplusplus
}
#endif
#endif /* GCLAB_WEAK_API_H */
