/*
 * objects.c -- the object and slot API: a new object's header and empty
 * slots, object info, slot reads and loads, and slot stores through the
 * write barrier (its inline half is in engine_calls.h, its marking half in
 * marker.c).
 *
 * Invariants: every store of the program goes through store() and so
 * through write_barrier, which keeps the OLD_TO_NEW remembered sets and,
 * while marking, the tri-colour invariant; no store happens during a GC;
 * every slot access is checked against the object's slot count first
 * (slot_target).
 */
#include "heap_internal.h"
#include "handles.h"
#include "weak.h"

void obj_init(gc_heap *h, addr_t a, uint64_t size, uint32_t nslots, uint32_t name, uint32_t color) {
  obj *o = obj_at(a);
  o->w0 = size | ((uint64_t)nslots << 32);
  o->id = h->next_id++;
  o->meta = make_meta(name, 0, color);
  /* Small objects (most of them) clear their words inline: a call to memset
   * costs more than the few stores (and GCC turns a loop back into one). */
  tagged *w = o->slots;
  if (size > HEADER_SIZE + 4 * 8) {
    memset(w, 0, size - HEADER_SIZE);
    return;
  }
  switch ((size - HEADER_SIZE) >> 3) {
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    case 2: w[1] = 0; /* fall through */
    case 1: w[0] = 0; /* fall through */
    default: break;
  }
}

void record_old_to_new(gc_heap *h, addr_t holder, addr_t slot) {
  slot_set_insert(h, page_of(h, holder), slot);
}

gc_status gc_name_intern(gc_heap *h, const char *name, gc_name *out) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  *out = names_intern(h, name);
  return GC_OK;
}

/* What gc_object_info reports of the live object at `a` (not rooted, as far
 * as it knows: the caller knows the handle). */
void object_info_fill(const gc_heap *h, addr_t a, gc_object_info *info) {
  const obj *o = obj_at(a);
  const page *p = page_of(h, a);
  info->alive = true;
  info->id = o->id;
  info->name = names_get(h, META_NAME(o->meta));
  info->space = p->space;
  info->age = obj_age(o);
  info->size = obj_size(o);
  info->nslots = obj_nslots(o);
  info->address = heap_offset(h, a);
  info->page = (uint32_t)(heap_offset(h, a) >> h->page_shift);
  info->color = (gc_color)obj_color(o);
  info->rooted = false;
  info->died_in_gc = 0;
}

gc_status gc_object_info_get(gc_heap *h, gc_handle hd, gc_object_info *out) {
  gc_status st;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  hentry *e = handle_lookup(h, hd, false, &st);
  if (!e) return st;
  memset(out, 0, sizeof *out);
  if (e->state == H_DEAD) {
    out->alive = false;
    out->id = e->id;
    out->name = names_get(h, e->name);
    out->died_in_gc = e->died_in_gc;
    return GC_OK;
  }
  object_info_fill(h, e->addr, out);
  out->rooted = e->roots || e->scoped;
  return GC_OK;
}

#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
static gc_status slot_index_error(gc_heap *h, const obj *o, uint32_t index) {
  uint32_t n = obj_nslots(o);
  if (n == 0)
    return heap_fail(h, GC_EINVAL, "index: object #%llu (%s) has no slots, got index %u",
                     (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), index);
  return heap_fail(h, GC_EINVAL, "index: expected 0..%u for object #%llu (%s), got %u", n - 1,
                   (unsigned long long)o->id, names_get(h, META_NAME(o->meta)), index);
}

/* The live object of `hd` and a valid slot index in it.  Every slot call
 * starts here, so the messages stay out of line. */
static inline gc_status slot_target(gc_heap *h, gc_handle hd, uint32_t index, obj **o) {
  gc_status st;
  hentry *e = handle_lookup(h, hd, true, &st);
  *o = NULL;
  if (UNLIKELY(!e)) return st;
  *o = obj_at(e->addr);
  if (UNLIKELY(index >= obj_nslots(*o))) return slot_index_error(h, *o, index);
  return GC_OK;
}

gc_status gc_slot_get(gc_heap *h, gc_handle hd, uint32_t index, gc_slot_value *out) {
  obj *o;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  tagged v = o->slots[index];
  memset(out, 0, sizeof *out);
  if (v == 0) {
    out->kind = GC_SLOT_EMPTY;
  } else if (is_smi(v)) {
    out->kind = GC_SLOT_SMI;
    out->smi = smi_untag(v);
  } else {
    out->kind = gc_tagged_is_weak(v) ? GC_SLOT_WEAK : GC_SLOT_REF;
    out->ref_id = obj_at((addr_t)(v & ~(tagged)3))->id;
  }
  return GC_OK;
}

/* gc_slot_load in full: the checks, the messages, the rare cases. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static gc_status slot_load_slow(gc_heap *h, gc_handle hd, uint32_t index, gc_handle dst, bool *is_ref) {
  if (!h) return GC_EINVAL;
  obj *o;
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  hentry *d = handle_lookup(h, dst, false, &st);
  if (!d) return heap_fail_arg(h, st, "dst");
  tagged v = o->slots[index];
  if (!is_ptr(v)) {
    if (!is_ref)
      return heap_fail(h, GC_EINVAL, "index: slot %u of object #%llu does not hold a reference",
                       index, (unsigned long long)o->id);
    *is_ref = false;
    return GC_OK;
  }
  handle_retarget(d, (addr_t)v);
  if (is_ref) *is_ref = true;
  return GC_OK;
}

/* The common case inline, with no call on its way, so that it saves no
 * registers: both handles valid, h's object live, is_ref given. */
gc_status gc_slot_load(gc_heap *h, gc_handle hd, uint32_t index, gc_handle dst, bool *is_ref) {
  uint32_t si = (uint32_t)hd - 1, di = (uint32_t)dst - 1;
  if (LIKELY(h != NULL && si < h->nhandles && di < h->nhandles)) {
    const hentry *e = &h->handles[si];
    hentry *d = &h->handles[di];
    if (LIKELY(e->key == handle_key(hd, H_LIVE) &&
               (d->key == handle_key(dst, H_LIVE) || d->key == handle_key(dst, H_DEAD)))) {
      const obj *o = obj_at(e->addr);
      if (LIKELY(index < obj_nslots(o) && is_ref)) {
        tagged v = o->slots[index];
        *is_ref = is_ptr(v);
        if (*is_ref) handle_retarget(d, (addr_t)v);
        return GC_OK;
      }
    }
  }
  return slot_load_slow(h, hd, index, dst, is_ref);
}

gc_status gc_slot_handle(gc_heap *h, gc_handle hd, uint32_t index, gc_handle *out) {
  obj *o;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  tagged v = o->slots[index];
  if (!is_ptr(v) && !gc_tagged_is_weak(v))
    return heap_fail(h, GC_EINVAL, "index: slot %u of object #%llu does not hold a reference",
                     index, (unsigned long long)o->id);
  gc_handle n = handle_new(h, (addr_t)(v & ~(tagged)3));
  if (!n) return heap_fail(h, GC_ENOMEM, "out of process memory for a handle");
  *out = n;
  return GC_OK;
}

/* A store through the write barrier; an initializing store (init) skips
 * it while the holder is young and white: what V8's optimized code does
 * for a literal's fields.  V8 elides the write barrier of a store into an
 * object just allocated in the young generation
 * (MemoryLowering::ComputeWriteBarrierKind, src/compiler/memory-lowering.cc:
 * kNoWriteBarrier for a young allocation of the same group), so the stored
 * value is not marked by it.  A white holder is scanned when marking
 * reaches it, so no black -> white edge appears, and the generational
 * barrier has nothing to record for a young holder; any other holder gets
 * the barrier. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static gc_status internal_slots_error(gc_heap *h, const obj *o) {
  return heap_fail(h, GC_EINVAL,
                   "object #%llu (%s): its slots belong to the engine and change only "
                   "through its operations",
                   (unsigned long long)o->id, weak_kind_name(obj_weak_kind(o)));
}

static inline gc_status store(gc_heap *h, gc_handle hd, uint32_t index, tagged v, bool init) {
  obj *o;
  if (h->in_gc) return heap_fail(h, GC_ESTATE, "slot store: not allowed during a GC");
  gc_status st = slot_target(h, hd, index, &o);
  if (st != GC_OK) return st;
  if (UNLIKELY(obj_slots_internal(o))) return internal_slots_error(h, o);
  o->slots[index] = v;
  if (!init || !(page_of(h, (addr_t)o)->flags & PAGE_YOUNG) || obj_color(o) != GC_WHITE)
    write_barrier(h, (addr_t)o, &o->slots[index], v);
  h->stores++;
  return GC_OK;
}

static gc_status store_ref(gc_heap *h, gc_handle hd, uint32_t index, gc_handle value, bool init) {
  gc_status st;
  hentry *e = handle_lookup(h, value, true, &st);
  if (!e) return heap_fail_arg(h, st, "value"); /* the failing handle is the value */
  return store(h, hd, index, (tagged)e->addr, init);
}

gc_status gc_slot_set_ref(gc_heap *h, gc_handle hd, uint32_t index, gc_handle value) {
  return store_ref(h, hd, index, value, false);
}

/* An initializing store (store's comment). */
gc_status gc_slot_init_ref(gc_heap *h, gc_handle hd, uint32_t index, gc_handle value) {
  return store_ref(h, hd, index, value, true);
}

gc_status gc_slot_set_smi(gc_heap *h, gc_handle hd, uint32_t index, int64_t value) {
  if (value < GC_SMI_MIN || value > GC_SMI_MAX)
    return heap_fail(h, GC_EINVAL,
                     "value: expected a small integer (%d..%d), got %lld", GC_SMI_MIN, GC_SMI_MAX,
                     (long long)value);
  return store(h, hd, index, smi_tag((int32_t)value), false);
}

gc_status gc_slot_clear(gc_heap *h, gc_handle hd, uint32_t index) { return store(h, hd, index, 0, false); }
