/*
 * test_verifier.c -- gc_verify catches a corrupted heap: each test corrupts
 * one word on purpose (a header, a slot, the remembered set, a counter, a
 * free list, a handle, the marking worklist), expects GC_ECORRUPT with a
 * message that says what is wrong, restores the word and expects the heap
 * to verify again.  It includes heap_internal.h for the engine's own
 * layout, to corrupt it.
 */
#include "test_util.h"
#include "heap_internal.h"
#include "handles.h"

/* The engine's address of a handle's object (test-only, for corruption). */
static addr_t addr_of(gc_heap *h, gc_handle x) {
  return h->handles[(uint32_t)(x & 0xffffffffu) - 1].addr;
}

/* gc_verify must fail with `needle` in its message, and pass again once
 * the word at `w` is restored. */
static void expect_corrupt(gc_heap *h, uint64_t *w, uint64_t bad, const char *needle) {
  uint64_t saved = *w;
  *w = bad;
  gc_status st = gc_verify(h);
  if (st != GC_ECORRUPT || !error_has(h, needle))
    fail_msg("expected a corrupt heap saying \"%s\", got %s: %s", needle, gc_status_name(st), gc_heap_error(h));
  *w = saved;
  OK(h, gc_verify(h));
}

/* Each corruption is caught, with a message that says what is wrong. */
static void test_verifier_catches_corruption(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  enum { N = 60 };
  gc_handle v[N];
  fill_old(h, v, N, 200);
  for (uint32_t i = 0; i < N; i += 3) OK(h, gc_unroot(h, v[i]));
  OK(h, gc_mark_sweep(h)); /* holes on the free lists */
  gc_handle young = rooted(h, 1, "Young");
  OK(h, gc_slot_set_ref(h, v[1], 0, young)); /* an old->new slot */
  OK(h, gc_slot_set_ref(h, v[2], 0, v[4]));  /* an old->old slot */
  OK(h, gc_verify(h));
  obj *o = obj_at(addr_of(h, v[1]));
  obj *o2 = obj_at(addr_of(h, v[2]));

  /* Headers. */
  expect_corrupt(h, &o->w0, o->w0 + (1ull << 32) * 200, "too small for"); /* slots beyond size */
  expect_corrupt(h, &o->w0, (o->w0 & ~0xffffffffull) | 0x10000, "bad block size");
  expect_corrupt(h, &o->w0, (uint64_t)addr_of(h, v[4]) | 1, "forwarding header");
  expect_corrupt(h, &o->id, 0, "bad id");
  expect_corrupt(h, &o->meta, o->meta | ((uint64_t)GC_BLACK << 40), "outside marking");
  /* Slots: into the middle of an object, into nowhere, into a dead object. */
  expect_corrupt(h, &o2->slots[0], (uint64_t)addr_of(h, v[4]) + 8, "not to a live object");
  expect_corrupt(h, &o2->slots[0], (uint64_t)h->base + h->reserved - 4096, "not to a live object");
  /* The remembered set: the old->new slot's bit is cleared. */
  page *p1 = page_of(h, (addr_t)o);
  slot_set_remove(p1, (addr_t)&o->slots[0]);
  assert_int_equal(gc_verify(h), GC_ECORRUPT);
  assert_true(error_has(h, "remembered set"));
  slot_set_insert(h, p1, (addr_t)&o->slots[0]);
  OK(h, gc_verify(h));
  /* Page and space counters. */
  expect_corrupt(h, &p1->used_bytes, p1->used_bytes + 8, "counters");
  expect_corrupt(h, &h->old.size, h->old.size - 200, "old space counters");
  /* Free lists: a wrong byte count, a block in the wrong class, a link
   * into an object, a cycle. */
  int k = -1;
  for (int c = 0; c < FREE_CLASSES && k < 0; c++)
    if (h->old.free.head[c]) k = c;
  assert_true(k >= 0);
  addr_t fb = h->old.free.head[k];
  expect_corrupt(h, &h->old.free.bytes, h->old.free.bytes + 8, "free lists hold");
  expect_corrupt(h, (uint64_t *)&h->old.free.head[k + 1], (uint64_t)fb, "not a free block of its class");
  expect_corrupt(h, (uint64_t *)fb + 1, (uint64_t)addr_of(h, v[1]), "not a free block");
  expect_corrupt(h, (uint64_t *)fb + 1, (uint64_t)fb, "cycle");
  expect_corrupt(h, (uint64_t *)&h->old.free.head[k], (uint64_t)addr_of(h, v[1]), "free");
  /* A handle that no longer points at its object. */
  hentry *e = &h->handles[(uint32_t)(v[5] & 0xffffffffu) - 1];
  expect_corrupt(h, (uint64_t *)&e->addr, (uint64_t)addr_of(h, v[7]), "does not point to it");
  /* Outside marking the worklist must be empty. */
  OK(h, gc_incremental_start(h));
  OK(h, gc_verify(h));
  /* During marking: a grey object that is not on the worklist. */
  obj *w = obj_at(addr_of(h, young));
  if (obj_color(w) == GC_WHITE) expect_corrupt(h, &w->meta, w->meta | ((uint64_t)GC_GREY << 40), "grey objects");
  size_t wn = h->worklist.n;
  assert_true(wn > 0);
  expect_corrupt(h, (uint64_t *)&h->worklist.v[wn - 1], (uint64_t)addr_of(h, v[1]) + 8, "worklist entry");
  OK(h, gc_incremental_finish(h));
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verifier_catches_corruption),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
