/*
 * test_old_gen.c -- issue 3: the old generation.  Mark-Sweep keeps exactly
 * the reachable set; sweeping leaves holes; a fragmentation failure
 * compacts or fails as configured; slide and evacuate; references follow
 * moved objects; large objects never move; bad input.  (The limits and
 * out of memory are test_heap_limit.c's, the verifier's own checks
 * test_verifier.c's.)
 *
 * Every heap verifies itself after every GC (new_heap turns it on).
 */
#include "test_graph.h"

/* ---------------------------------------------------------------- helpers */

/* An object allocated old (gc_alloc_old): above the threshold, V8's
 * OldLargeObjectSpace, whose allocation needs the object's own pages to fit
 * under the maximum (a young large object only needs the young ones already
 * there to fit: docs/engine.md, *The heap limit*). */
static gc_handle alloc_old_sized(gc_heap *h, uint32_t slots, uint64_t bytes, const char *name) {
  gc_handle x;
  OK(h, gc_alloc_old(h, slots, bytes, name, &x));
  return x;
}

/* Old-space pages, in address order; the caller frees. */
static gc_page_info *old_pages(gc_heap *h, size_t *n) {
  OK(h, gc_pages(h, GC_SPACE_OLD, NULL, 0, n));
  gc_page_info *v = calloc(*n + 1, sizeof *v);
  assert_non_null(v);
  size_t m;
  OK(h, gc_pages(h, GC_SPACE_OLD, v, *n, &m));
  assert_int_equal(m, *n);
  return v;
}

static bool has_page(const gc_page_info *v, size_t n, uint32_t index) {
  for (size_t i = 0; i < n; i++)
    if (v[i].index == index) return true;
  return false;
}

/* --------------------------------------------------- Mark-Sweep: shapes */

/* Cycles, self-loops, DAGs with shared children, unreachable cycles and an
 * unreachable object pointing into the live graph: after each full GC,
 * alive == reachable, checked by the oracle, over three collections
 * with mutations in between. */
static void test_mark_sweep_shapes(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  tgraph g;
  tg_init(&g, h, 2);
  gc_scope sc;
  OK(h, gc_scope_open(h, &sc));
  for (int i = 0; i < 16; i++) tg_add(&g, 0, "Shape");
  /* 0 -> 1 -> 2 -> 0: a rooted cycle */
  tg_set(&g, 0, 0, 1);
  tg_set(&g, 1, 0, 2);
  tg_set(&g, 2, 0, 0);
  /* 3 <-> 4: an unreachable cycle */
  tg_set(&g, 3, 0, 4);
  tg_set(&g, 4, 0, 3);
  /* 5: unreachable self-loop; 6: rooted self-loop */
  tg_set(&g, 5, 1, 5);
  tg_set(&g, 6, 1, 6);
  /* a diamond DAG 7 -> {8, 9} -> 10 -> 11 */
  tg_set(&g, 7, 0, 8);
  tg_set(&g, 7, 1, 9);
  tg_set(&g, 8, 0, 10);
  tg_set(&g, 9, 0, 10);
  tg_set(&g, 10, 0, 11);
  /* 12 (unreachable) points into the live DAG and at 13 */
  tg_set(&g, 12, 0, 10);
  tg_set(&g, 12, 1, 13);
  /* 14 <- 15 both unreachable; 15 -> 14 -> 14 */
  tg_set(&g, 15, 0, 14);
  tg_set(&g, 14, 0, 14);
  tg_root(&g, 0);
  tg_root(&g, 6);
  tg_root(&g, 7);
  OK(h, gc_scope_close(h, sc));

  OK(h, gc_mark_sweep(h)); /* young objects: promoted by the full GC */
  tg_check_exact(&g);
  assert_int_equal(info_of(h, g.hd[0]).space, GC_SPACE_OLD);

  /* Now all old: break the rooted cycle's entry, keep the cycle alive
   * through the DAG, and drop the diamond's root. */
  tg_unroot(&g, 0);
  tg_set(&g, 11, 1, 1); /* 11 -> 1 keeps 1 -> 2 -> 0 -> 1 */
  OK(h, gc_mark_sweep(h));
  tg_check_exact(&g);
  assert_true(info_of(h, g.hd[0]).alive);

  tg_unroot(&g, 7);
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  tg_check_exact(&g);
  assert_false(info_of(h, g.hd[1]).alive);
  assert_true(info_of(h, g.hd[6]).alive);

  tg_unroot(&g, 6);
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  tg_check_exact(&g);
  assert_int_equal(stats_of(h).total.objects, 0);
  OK(h, gc_verify(h));
  tg_free(&g);
  gc_heap_free(h);
}

/* A list of a million objects: marking, sweeping, both compactions and the
 * scavenges that built it must not recurse. */
static void test_deep_chain(void **state) {
  (void)state;
  const uint32_t n = 1000000;
  gc_config c;
  small_config(&c);
  c.page_size = 256u << 10;
  c.new_space.semi_space_initial = 8u << 20;
  c.new_space.semi_space_max = 8u << 20;
  c.old_space.max_size = 256u << 20;
  c.large_object.threshold = 128u << 10;
  c.incremental.enabled = false;
  gc_heap *h = new_heap(&c);
  gc_handle head = rooted(h, 1, "Link");
  gc_handle tail;
  OK(h, gc_handle_dup(h, head, &tail));
  for (uint32_t i = 1; i < n; i++) {
    gc_handle x = alloc_obj(h, 1, "Link");
    OK(h, gc_slot_set_ref(h, tail, 0, x));
    OK(h, gc_handle_release(h, tail));
    tail = x;
  }
  OK(h, gc_mark_sweep(h));
  assert_int_equal(stats_of(h).total.objects, n);
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  assert_int_equal(stats_of(h).total.objects, n);
  assert_true(info_of(h, tail).alive);
  assert_int_equal(info_of(h, tail).space, GC_SPACE_OLD);

  /* Cut the list in the middle: exactly the first half survives. */
  gc_handle cur;
  OK(h, gc_handle_dup(h, head, &cur));
  for (uint32_t i = 1; i < n / 2; i++) {
    gc_handle nx;
    OK(h, gc_slot_handle(h, cur, 0, &nx));
    OK(h, gc_handle_release(h, cur));
    cur = nx;
  }
  OK(h, gc_slot_clear(h, cur, 0));
  OK(h, gc_mark_sweep(h));
  assert_int_equal(stats_of(h).total.objects, n / 2);
  assert_false(info_of(h, tail).alive);
  OK(h, gc_unroot(h, head));
  OK(h, gc_mark_sweep(h));
  assert_int_equal(stats_of(h).total.objects, 0);
  gc_heap_free(h);
}

/* Random graphs against the oracle: several seeds, each over rounds of
 * random mutation (edges, roots, new objects) and every kind of full GC,
 * with scavenges in between.  Odd seeds keep young objects young through
 * full GCs until they are due (old->new slots then survive a full GC). */
static void test_random_graphs_vs_oracle(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 8; seed++) {
    gc_config c;
    small_config(&c);
    c.incremental.enabled = false;
    if (seed % 2) {
      c.old_space.always_promote_young = false;
      c.old_space.page_promotion_pct = seed % 4 == 1 ? 0 : 30;
    }
    gc_heap *h = new_heap(&c);
    tg_rng r = tg_seed(seed);
    tgraph g;
    tg_init(&g, h, 3);
    tg_random(&g, &r, 600 + tg_below(&r, 600), 30 + tg_below(&r, 40), 4 + tg_below(&r, 12));
    for (int round = 0; round < 8; round++) {
      switch (round % 4) {
        case 0: OK(h, gc_mark_sweep(h)); break;
        case 1: OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE)); break;
        case 2: OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE)); break;
        default: OK(h, gc_full_gc(h)); break;
      }
      tg_check_exact(&g);
      /* Mutate: new objects hang off live ones; edges move; roots change. */
      gc_scope sc;
      OK(h, gc_scope_open(h, &sc));
      uint32_t adds = tg_below(&r, 200);
      for (uint32_t i = 0; i < adds; i++) {
        uint32_t x = tg_add(&g, 0, "New");
        tg_set(&g, tg_pick_live(&g, &r), tg_below(&r, g.k), (int32_t)x);
        if (tg_below(&r, 3) == 0) tg_set(&g, x, 0, (int32_t)tg_pick_live(&g, &r));
      }
      for (uint32_t m = 0; m < 300; m++) {
        uint32_t a = tg_pick_live(&g, &r);
        uint32_t s = tg_below(&r, g.k);
        if (tg_below(&r, 4) == 0) tg_set(&g, a, s, -1);
        else tg_set(&g, a, s, (int32_t)tg_pick_live(&g, &r));
      }
      for (uint32_t m = 0; m < 6; m++) {
        uint32_t a = tg_pick_live(&g, &r);
        if (g.roots[a] && tg_below(&r, 2)) tg_unroot(&g, a);
        else tg_root(&g, a);
      }
      OK(h, gc_scope_close(h, sc));
      /* A scavenge collects only young garbage: everything reachable
       * stays, and it must not disturb the next full GC's answer. */
      OK(h, gc_scavenge(h));
      tg_reach(&g);
      for (uint32_t i = 0; i < g.n; i++)
        if (g.reach[i]) assert_true(info_of(h, g.hd[i]).alive);
      tg_refresh_dead(&g);
      /* New young objects, hung off old ones: still age 0 at the next
       * full GC, which keeps them young on odd seeds. */
      OK(h, gc_scope_open(h, &sc));
      for (uint32_t i = 0; i < 40; i++) {
        uint32_t x = tg_add(&g, 0, "Fresh");
        tg_set(&g, tg_pick_live(&g, &r), tg_below(&r, g.k), (int32_t)x);
        tg_set(&g, x, 1, (int32_t)tg_pick_live(&g, &r));
      }
      OK(h, gc_scope_close(h, sc));
    }
    tg_free(&g);
    gc_heap_free(h);
  }
}

/* ------------------------------------------------------ sweep and holes */

/* The article's second picture: after Mark-Sweep the survivors stay where
 * they were and the dead leave holes between them. */
static void test_sweep_leaves_holes(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  enum { N = 100, SIZE = 200 };
  gc_handle v[N];
  uint64_t before[N];
  fill_old(h, v, N, SIZE);
  for (uint32_t i = 0; i < N; i++) before[i] = info_of(h, v[i]).address;
  size_t npages;
  gc_page_info *p0 = old_pages(h, &npages);
  free(p0);
  for (uint32_t i = 0; i < N; i += 2) OK(h, gc_unroot(h, v[i]));
  OK(h, gc_mark_sweep(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_MARK_SWEEP);
  assert_int_equal(ev->moved_objects, 0);
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    assert_int_equal(in.alive, i % 2 == 1);
    if (in.alive) assert_int_equal(in.address, before[i]); /* nothing moved */
  }
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  assert_int_equal(n, npages); /* no page was empty: none released */
  gc_heap_stats s = stats_of(h);
  uint64_t free_sum = 0;
  for (size_t i = 0; i < n; i++) {
    /* Holes: one dead object's worth each (the page tail may be larger). */
    assert_true(p[i].free > 0);
    assert_true(p[i].objects > 0);
    free_sum += p[i].free;
  }
  /* The holes are between survivors: every dead object's range is free. */
  assert_true(s.space[GC_SPACE_OLD].free >= (N / 2) * SIZE - SIZE);
  assert_true(free_sum >= s.space[GC_SPACE_OLD].free);
  assert_int_equal(s.space[GC_SPACE_OLD].size, (N / 2) * SIZE);
  assert_true(ev->holes_after > ev->holes_before);
  /* A page with survivors on both sides of a hole: its largest free block
   * is one dead object (200 bytes), far less than its free bytes. */
  bool found = false;
  for (size_t i = 0; i + 1 < n; i++)
    if (p[i].objects >= 4 && p[i].largest_free == SIZE && p[i].free >= 4 * SIZE) found = true;
  assert_true(found);
  /* A page left empty is the one V8 keeps (old_space.empty_pages_kept,
   * test_sweep_keeps_one_empty_page): swept into one free block. */
  size_t freed_pages = 0;
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    if (in.alive && in.page == p[0].index) {
      OK(h, gc_unroot(h, v[i]));
      freed_pages = 1;
    }
  }
  assert_int_equal(freed_pages, 1);
  OK(h, gc_mark_sweep(h));
  assert_int_equal(last_event(h)->pages_released, 0);
  assert_int_equal(stats_of(h).space[GC_SPACE_OLD].pages, n);
  size_t m;
  gc_page_info *q = old_pages(h, &m);
  assert_int_equal(m, n);
  assert_int_equal(q[0].objects, 0);
  assert_int_equal(q[0].largest_free, 4096);
  free(q);
  free(p);
  gc_heap_free(h);
}

/* A full GC's sweep keeps the first old page it finds with no live bytes
 * (V8's StartSweepSpace: "one unused page is kept") and releases the
 * others; the next old allocation takes the kept page instead of a new
 * one.  With old_space.empty_pages_kept = 0 every empty page goes, with 2
 * two stay. */
static void check_empty_pages_kept(uint32_t keep) {
  gc_config c;
  small_config(&c);
  c.old_space.empty_pages_kept = keep;
  gc_heap *h = new_heap(&c);
  enum { N = 100, SIZE = 200 };
  gc_handle v[N];
  fill_old(h, v, N, SIZE);
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  assert_true(n >= 4);
  /* empty the first three pages */
  uint32_t emptied = 0;
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    if (in.page == p[0].index || in.page == p[1].index || in.page == p[2].index) {
      OK(h, gc_unroot(h, v[i]));
      emptied++;
    }
  }
  assert_true(emptied > 0);
  OK(h, gc_mark_sweep(h));
  uint32_t kept = keep < 3 ? keep : 3;
  assert_int_equal(last_event(h)->pages_released, 3 - kept);
  gc_heap_stats s = stats_of(h);
  assert_int_equal(s.space[GC_SPACE_OLD].pages, n - 3 + kept);
  assert_int_equal(s.space[GC_SPACE_OLD].committed, (n - 3 + kept) * 4096);
  size_t m;
  gc_page_info *q = old_pages(h, &m);
  uint32_t empty = 0;
  for (size_t i = 0; i < m; i++)
    if (q[i].objects == 0) {
      assert_int_equal(q[i].largest_free, 4096); /* one free block */
      empty++;
    }
  assert_int_equal(empty, kept);
  free(q);
  /* A page's worth of old allocation: a kept page takes it, no page is
   * added; without one the space grows. */
  uint64_t pages_before = s.space[GC_SPACE_OLD].pages;
  gc_handle big[4096 / SIZE];
  for (uint32_t i = 0; i < 4096 / SIZE; i++) big[i] = alloc_old_sized(h, 0, SIZE, "filler");
  (void)big;
  uint64_t pages_after = stats_of(h).space[GC_SPACE_OLD].pages;
  if (kept) assert_int_equal(pages_after, pages_before);
  else assert_true(pages_after > pages_before);
  free(p);
  gc_heap_free(h);
}

static void test_sweep_keeps_one_empty_page(void **state) {
  (void)state;
  check_empty_pages_kept(1);
  check_empty_pages_kept(0);
  check_empty_pages_kept(2);
}


/* --------------------------------------------------------- fragmentation */

/* 32 pages of old generation; page_size 4 KiB. */
static gc_config frag_config(gc_full_gc_kind kind, bool never_compact) {
  gc_config c;
  small_config(&c);
  c.old_space.max_size = 128u << 10;
  c.old_space.evacuation_quota = 64u << 10;
  c.old_space.min_growing_step = 16u << 10;
  c.old_space.full_gc = kind;
  c.incremental.enabled = false;
  c.incremental.activation_size = 64u << 10;
  if (never_compact) { /* no page is ever sparse enough: V8's --never-compact */
    c.old_space.evacuation_free_pct = 100;
    c.old_space.evacuation_free_pct_reducing = 100;
  }
  return c;
}

/* 28 pages of 400-byte objects, then four in five die: every page is 80%
 * free, in 1600-byte holes, and the pages all stay. */
enum { FRAG_N = 280, FRAG_SIZE = 400 };
static void fragment(gc_heap *h, gc_handle *v) {
  fill_old(h, v, FRAG_N, FRAG_SIZE);
  for (uint32_t i = 0; i < FRAG_N; i++)
    if (i % 5) OK(h, gc_unroot(h, v[i]));
  OK(h, gc_mark_sweep(h));
  gc_heap_stats s = stats_of(h);
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  assert_int_equal(n, 28);
  for (size_t i = 0; i + 1 < n; i++) assert_true(p[i].largest_free < 4 * FRAG_SIZE + 200);
  assert_true(s.space[GC_SPACE_OLD].free > 28 * 3000);
  free(p);
}

static void check_survivors(gc_heap *h, const gc_handle *v) {
  for (uint32_t i = 0; i < FRAG_N; i++) assert_int_equal(info_of(h, v[i]).alive, i % 5 == 0);
  OK(h, gc_verify(h));
}

/* An old large object of 8 pages: 28 + 8 committed pages exceed the 32-page
 * maximum although the old generation holds 22 KB of objects and 90 KB of
 * holes.  No hole can take it.  Mark-Compact (the default full GC)
 * evacuates the sparse pages and the allocation succeeds. */
static void test_fragmentation_mark_compact(void **state) {
  (void)state;
  gc_config c = frag_config(GC_FULL_MARK_COMPACT, false);
  gc_heap *h = new_heap(&c);
  gc_handle v[FRAG_N];
  fragment(h, v);
  size_t ev0 = gc_event_count(h);
  gc_handle big = alloc_old_sized(h, 0, 8 * 4096, "Big");
  assert_int_equal(info_of(h, big).space, GC_SPACE_LARGE);
  assert_int_equal(count_events(h, ev0, GC_KIND_MARK_COMPACT, GC_REASON_ALLOCATION_FAILURE), 1);
  const gc_event *ev = gc_event_get(h, ev0);
  assert_int_equal(ev->compaction, GC_COMPACT_EVACUATE);
  assert_true(ev->pages_evacuated >= 20);
  assert_int_equal(ev->moved_objects, FRAG_N / 5);
  gc_heap_stats s = stats_of(h);
  assert_true(s.space[GC_SPACE_OLD].committed + s.space[GC_SPACE_LARGE].committed <= c.old_space.max_size);
  check_survivors(h, v);
  gc_heap_free(h);
}

/* The same with full_gc = mark_sweep: its Mark-Sweeps cannot help (V8's
 * two light-retry GCs, HeapAllocator::AllocateRawWithLightRetrySlowPath),
 * so the fragmentation failure goes on to the last-resort GCs
 * (CollectAllAvailableGarbage: memory-reducing Mark-Compacts), which
 * compact. */
static void test_fragmentation_mark_sweep_forces_compaction(void **state) {
  (void)state;
  gc_config c = frag_config(GC_FULL_MARK_SWEEP, false);
  gc_heap *h = new_heap(&c);
  gc_handle v[FRAG_N];
  fragment(h, v);
  size_t ev0 = gc_event_count(h);
  gc_handle big = alloc_old_sized(h, 0, 8 * 4096, "Big");
  assert_true(info_of(h, big).alive);
  assert_int_equal(count_events(h, ev0, GC_KIND_MARK_SWEEP, GC_REASON_ALLOCATION_FAILURE), 2);
  assert_int_equal(count_events(h, ev0, GC_KIND_MARK_COMPACT, GC_REASON_LAST_RESORT), c.old_space.last_resort_gcs);
  const gc_event *first_last_resort = gc_event_get(h, ev0 + 2);
  assert_int_equal(first_last_resort->reason, GC_REASON_LAST_RESORT);
  assert_true(first_last_resort->moved_objects > 0);
  assert_true(first_last_resort->reduce_memory);
  check_survivors(h, v);
  gc_heap_free(h);
}

/* Configured never to compact: the fragmented heap cannot take the object
 * and says so with V8's words for an allocation that still fails after
 * every GC (CALL_AND_RETRY_LAST), though its free bytes would suffice.  The
 * heap stays valid; once whole pages die, the allocation succeeds. */
static void test_fragmentation_fails_without_compaction(void **state) {
  (void)state;
  gc_config c = frag_config(GC_FULL_MARK_SWEEP, true);
  gc_heap *h = new_heap(&c);
  gc_handle v[FRAG_N];
  fragment(h, v);
  gc_handle big;
  assert_int_equal(gc_alloc_old(h, 0, 8 * 4096, "Big", &big), GC_EOOM);
  assert_true(error_has(h, GC_OOM_RETRY_MESSAGE));
  gc_heap_stats s = stats_of(h);
  assert_true(s.space[GC_SPACE_OLD].free > 8 * 4096);
  assert_true(s.space[GC_SPACE_OLD].size + 8 * 4096 < c.old_space.max_size);
  assert_int_equal(last_event(h)->moved_objects, 0);
  check_survivors(h, v);
  /* Free the survivors of the first ten pages: those pages empty out. */
  for (uint32_t i = 0; i < 100; i += 5) OK(h, gc_unroot(h, v[i]));
  OK(h, gc_alloc(h, 0, 8 * 4096, "Big", &big));
  assert_true(info_of(h, big).alive);
  OK(h, gc_verify(h));
  gc_heap_free(h);
}

/* A regular object larger than every hole, promoted into a fragmented old
 * generation that is at its maximum: the promotion needs a page the limit
 * does not allow, and the GC that follows compacts -- or, configured never
 * to compact, the allocation that ran the GC fails. */
static void check_promotion_into_fragments(bool never_compact) {
  gc_config c = frag_config(GC_FULL_MARK_COMPACT, never_compact);
  c.old_space.max_size = 112u << 10; /* 28 pages: fragment() fills it */
  c.old_space.evacuation_quota = 32u << 10;
  gc_heap *h = new_heap(&c);
  gc_handle v[FRAG_N];
  fragment(h, v);
  gc_handle x = alloc_sized(h, 0, 2000, "LargeIsh"); /* below the 2 KiB threshold */
  OK(h, gc_root(h, x));
  size_t ev0 = gc_event_count(h);
  gc_status st = GC_OK;
  for (int i = 0; i < 4000 && info_of(h, x).space == GC_SPACE_NEW; i++) {
    gc_handle junk;
    st = gc_alloc(h, 2, 0, "Junk", &junk);
    if (st != GC_OK) break;
    OK(h, gc_handle_release(h, junk));
  }
  if (never_compact) {
    assert_int_equal(st, GC_EOOM);
    assert_true(error_has(h, GC_OOM_MESSAGE));
  } else {
    OK(h, st);
    assert_int_equal(info_of(h, x).space, GC_SPACE_OLD);
    size_t n = 0;
    for (size_t i = ev0; i < gc_event_count(h); i++)
      if (gc_event_get(h, i)->kind == GC_KIND_MARK_COMPACT && gc_event_get(h, i)->moved_objects > 0) n++;
    assert_true(n >= 1);
    assert_true(stats_of(h).space[GC_SPACE_OLD].committed <= c.old_space.max_size);
  }
  check_survivors(h, v);
  assert_true(info_of(h, x).alive);
  gc_heap_free(h);
}

/* state: a bool, never_compact */
static void test_promotion_into_fragments(void **state) { check_promotion_into_fragments(*(bool *)*state); }
static bool compacting = false, never_compacting = true;

/* ------------------------------------------------------------ compaction */

/* Objects of varied sizes, a random half dies; slide: the survivors keep
 * their order, start at the start of old space and follow one another with
 * no gap except where the next one did not fit the rest of a page. */
static void test_slide_contiguous_in_order(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  enum { N = 400 };
  gc_handle v[N];
  uint64_t size[N];
  tg_rng r = tg_seed(7);
  for (uint32_t i = 0; i < N; i++) {
    size[i] = 32 + 8 * tg_below(&r, 60);
    v[i] = alloc_sized(h, 1, size[i], "Slide");
    OK(h, gc_root(h, v[i]));
  }
  OK(h, gc_mark_sweep(h));
  /* Order by address before compaction (promotion order). */
  uint32_t order[N];
  for (uint32_t i = 0; i < N; i++) order[i] = i;
  for (uint32_t i = 1; i < N; i++) /* insertion sort by address */
    for (uint32_t j = i; j > 0 && info_of(h, v[order[j - 1]]).address > info_of(h, v[order[j]]).address; j--) {
      uint32_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  bool keep[N];
  for (uint32_t i = 0; i < N; i++) {
    keep[i] = tg_below(&r, 2);
    if (!keep[i]) OK(h, gc_unroot(h, v[i]));
  }
  OK(h, gc_mark_sweep(h)); /* fragment first: the slide must close the holes */
  size_t n0;
  free(old_pages(h, &n0));
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->kind, GC_KIND_MARK_COMPACT);
  assert_int_equal(ev->compaction, GC_COMPACT_SLIDE);
  assert_true(ev->moved_objects > 0);
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  assert_true(n < n0); /* pages emptied by the slide are released */
  const uint64_t ps = gc_heap_config(h)->page_size;
  uint64_t expect = p[0].address, live = 0;
  for (uint32_t k = 0; k < N; k++) {
    uint32_t i = order[k];
    gc_object_info in = info_of(h, v[i]);
    assert_int_equal(in.alive, keep[i]);
    if (!in.alive) continue;
    assert_int_equal(in.size, size[i]);
    if (in.address != expect) {
      /* Only allowed: it did not fit the rest of the page and starts the
       * next old page. */
      assert_true(expect % ps + in.size > ps);
      assert_int_equal(in.address % ps, 0);
      assert_true(in.address > expect);
    }
    expect = in.address + in.size;
    live += in.size;
  }
  /* Every page but the last is full up to a tail too small for the next
   * object; the free space is one block at the end. */
  for (size_t i = 0; i + 1 < n; i++) assert_true(p[i].free < 60 * 8 + 32);
  assert_int_equal(p[n - 1].largest_free, p[n - 1].free);
  assert_int_equal(stats_of(h).space[GC_SPACE_OLD].size, live);
  assert_true(n <= live / ps + 2);
  free(p);
  gc_heap_free(h);
}

/* Sparse pages (one object in ten alive) are evacuation candidates: their
 * objects move and the pages are released.  Dense pages are left alone:
 * their objects keep their addresses. */
static void test_evacuate_sparse_pages_only(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  enum { N = 300, SIZE = 200 }; /* ~20 objects per 4 KiB page */
  gc_handle v[N];
  fill_old(h, v, N, SIZE);
  size_t n0;
  gc_page_info *p0 = old_pages(h, &n0);
  const uint64_t ps = gc_heap_config(h)->page_size;
  /* The first half of the pages become sparse, the rest stay dense. */
  uint32_t sparse_pages = (uint32_t)(n0 / 2);
  uint32_t first_dense = p0[sparse_pages].index;
  uint64_t before[N];
  bool keep[N];
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    before[i] = in.address;
    keep[i] = in.page >= first_dense || i % 10 == 0;
    if (!keep[i]) OK(h, gc_unroot(h, v[i]));
  }
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  const gc_event *ev = last_event(h);
  assert_true(ev->pages_evacuated >= 2);
  assert_true(ev->moved_objects > 0);
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  uint32_t evacuated = 0;
  for (uint32_t i = 0; i < sparse_pages; i++)
    if (!has_page(p, n, p0[i].index)) evacuated++;
  assert_int_equal(evacuated, ev->pages_evacuated);
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    assert_int_equal(in.alive, keep[i]);
    if (!keep[i]) continue;
    uint32_t page_before = (uint32_t)(before[i] / ps);
    if (page_before >= first_dense) {
      assert_int_equal(in.address, before[i]); /* dense: untouched */
    } else if (!has_page(p, n, page_before)) {
      assert_int_not_equal(in.address, before[i]); /* its page was evacuated */
      assert_true(has_page(p, n, in.page));
    }
  }
  /* The rule "none if no page would be freed": one sparse page alone is
   * not evacuated. */
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  assert_int_equal(last_event(h)->pages_evacuated, 0);
  free(p);
  free(p0);
  gc_heap_free(h);
}

/* Near the maximum a Mark-Compact picks its pages as V8's
 * optimize-for-memory mode does (ComputeEvacuationHeuristics): a page half
 * free is a candidate (compaction.free_threshold_reducing, 20%), up to 1.5
 * times the quota of live bytes (6 MB to 4); far from it only pages 70%
 * free are.  Old 200-byte objects, every other one dead: 20 a 4 KiB page,
 * each page half free. */
static uint64_t half_free_pages_evacuated(uint64_t old_bytes) {
  gc_config c;
  small_config(&c); /* 4 MiB maximum, 1 MiB quota */
  c.incremental.enabled = false;
  c.old_space.initial_limit = c.old_space.max_size;
  c.old_space.shrink_initial_limit = false;
  gc_heap *h = new_heap(&c);
  uint64_t n = old_bytes / 200;
  gc_handle *kept = calloc(n / 2 + 1, sizeof *kept);
  assert_non_null(kept);
  for (uint64_t i = 0; i < n; i++) {
    gc_handle x;
    OK(h, gc_alloc_old(h, 1, 200, "Filler", &x));
    if (i % 2 == 0) {
      OK(h, gc_root(h, x));
      kept[i / 2] = x;
    } else {
      OK(h, gc_handle_release(h, x));
    }
  }
  assert_int_equal(gc_event_count(h), 0);
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  const gc_event *ev = last_event(h);
  assert_false(ev->reduce_memory);
  assert_int_equal(ev->marked_bytes, (n + 1) / 2 * 200);
  uint64_t evacuated = ev->pages_evacuated, moved = ev->moved_bytes;
  assert_true(moved <= c.old_space.evacuation_quota * 3 / 2);
  free(kept);
  gc_heap_free(h);
  return evacuated;
}

static void test_near_the_maximum_compaction_takes_half_free_pages(void **state) {
  (void)state;
  assert_int_equal(half_free_pages_evacuated(1u << 20), 0);       /* a quarter of the maximum */
  uint64_t near = half_free_pages_evacuated((4u << 20) / 8 * 7 + (128u << 10)); /* past 7/8 */
  /* 1.5 MiB of live bytes at 2,000 a page (a partly filled page less):
   * about 786 pages, the moved bytes within the quota (above); the
   * regular 1 MiB quota would stop at 524 */
  assert_true(near > 700 && near < 800);
}

/* Every kind of reference into a moved object follows it: a root, a weak
 * handle, an old object's slot, a young object's slot; and an old object
 * that moves keeps its old->new slot in the remembered set. */
static void check_refs_follow(gc_compaction strategy) {
  gc_config c;
  small_config(&c);
  c.old_space.always_promote_young = false; /* young objects stay young */
  c.old_space.page_promotion_pct = 0;
  gc_heap *h = new_heap(&c);
  enum { N = 200, SIZE = 200 };
  gc_handle v[N];
  fill_old(h, v, N, SIZE);
  /* Kill all but a few: the remaining objects sit on sparse pages. */
  for (uint32_t i = 0; i < N; i++)
    if (i % 25 != 3) OK(h, gc_unroot(h, v[i]));
  gc_handle target = v[103], holder = v[128], mover = v[53];
  uint64_t target_id = info_of(h, target).id;
  gc_handle weak;
  OK(h, gc_handle_dup(h, target, &weak));
  OK(h, gc_slot_set_ref(h, holder, 0, target)); /* old -> old */
  gc_handle young = rooted(h, 1, "Young");
  OK(h, gc_slot_set_ref(h, young, 0, target)); /* new -> old */
  gc_handle young2 = alloc_obj(h, 1, "Young2");
  OK(h, gc_slot_set_ref(h, mover, 0, young2)); /* old -> new, the holder moves */
  uint64_t t_before = info_of(h, target).address, m_before = info_of(h, mover).address;

  OK(h, gc_mark_compact(h, strategy));
  assert_true(last_event(h)->moved_objects > 0);
  assert_int_not_equal(info_of(h, target).address, t_before);
  assert_int_not_equal(info_of(h, mover).address, m_before);
  assert_int_equal(info_of(h, young).space, GC_SPACE_NEW);
  assert_int_equal(info_of(h, young2).space, GC_SPACE_NEW);
  assert_int_equal(info_of(h, weak).address, info_of(h, target).address);
  gc_slot_value sv;
  OK(h, gc_slot_get(h, holder, 0, &sv));
  assert_int_equal(sv.ref_id, target_id);
  OK(h, gc_slot_get(h, young, 0, &sv));
  assert_int_equal(sv.ref_id, target_id);
  OK(h, gc_slot_get(h, mover, 0, &sv));
  assert_int_equal(sv.ref_id, info_of(h, young2).id);
  /* The moved old->new slot still keeps young2 alive through a scavenge,
   * which it can only do from the remembered set. */
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, young2).alive);
  OK(h, gc_slot_get(h, mover, 0, &sv));
  assert_int_equal(sv.ref_id, info_of(h, young2).id);
  /* And the handles through slot reads reach the same object. */
  gc_handle via;
  OK(h, gc_slot_handle(h, young, 0, &via));
  assert_int_equal(info_of(h, via).address, info_of(h, target).address);
  gc_heap_free(h);
}

/* state: the gc_compaction strategy */
static void test_references_follow(void **state) { check_refs_follow(*(gc_compaction *)*state); }
static gc_compaction evacuate = GC_COMPACT_EVACUATE, slide = GC_COMPACT_SLIDE;

/* Evacuation candidates are taken in ascending live bytes until the quota
 * of live bytes is reached: pages 5%, 10%, 15% and 25% live (200, 400,
 * 600, 1000 bytes) and a quota of 1000 bytes: the two sparsest pages go,
 * the others stay. */
static void test_evacuate_ascending_live_quota(void **state) {
  (void)state;
  gc_config c;
  small_config(&c);
  c.old_space.evacuation_quota = 1000;
  gc_heap *h = new_heap(&c);
  enum { N = 200, SIZE = 200 }; /* 20 objects per page: one is 5% */
  gc_handle v[N];
  fill_old(h, v, N, SIZE);
  size_t n0;
  gc_page_info *p0 = old_pages(h, &n0);
  assert_true(n0 >= 8);
  /* keep[k]: survivors on page k (of the first four pages). */
  const uint32_t keep[4] = {3, 1, 5, 2}; /* 15%, 5%, 25%, 10% */
  uint32_t kept_on[64] = {0};
  for (uint32_t i = 0; i < N; i++) {
    gc_object_info in = info_of(h, v[i]);
    uint32_t k = 0;
    while (k < n0 && p0[k].index != in.page) k++;
    bool stay = k >= 4 || kept_on[k] < keep[k];
    if (k < 4 && stay) kept_on[k]++;
    if (!stay) OK(h, gc_unroot(h, v[i]));
  }
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  assert_int_equal(last_event(h)->pages_evacuated, 2);
  size_t n;
  gc_page_info *p = old_pages(h, &n);
  assert_false(has_page(p, n, p0[1].index)); /* 5% */
  assert_false(has_page(p, n, p0[3].index)); /* 10% */
  assert_true(has_page(p, n, p0[0].index));  /* 15%: over the quota */
  assert_true(has_page(p, n, p0[2].index));  /* 25% */
  free(p);
  free(p0);
  gc_heap_free(h);
}

/* ------------------------------------------------- young objects, full GC */

/* V8 11's defaults: a full GC promotes every young survivor, and a young
 * page at least 70% live moves to old space whole (its objects keep their
 * addresses).  With both off, young survivors stay young until due. */
static void test_full_gc_and_young_objects(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  /* Page 1 of To-space: full of live objects.  Then a sparse page. */
  gc_handle dense[102], sparse[10];
  for (int i = 0; i < 102; i++) dense[i] = rooted(h, 2, "Dense"); /* 40 bytes: 102 fill a page */
  for (int i = 0; i < 100; i++) {
    gc_handle x = alloc_obj(h, 2, "Garbage");
    if (i % 10 == 0) {
      sparse[i / 10] = x;
      OK(h, gc_root(h, x));
    }
  }
  uint64_t dense_at = info_of(h, dense[0]).address, sparse_at = info_of(h, sparse[0]).address;
  assert_int_equal(info_of(h, dense[0]).space, GC_SPACE_NEW);
  OK(h, gc_mark_sweep(h));
  const gc_event *ev = last_event(h);
  assert_int_equal(ev->pages_promoted, 1);
  assert_int_equal(ev->promoted_objects, 112);
  for (int i = 0; i < 102; i++) assert_int_equal(info_of(h, dense[i]).space, GC_SPACE_OLD);
  for (int i = 0; i < 10; i++) assert_int_equal(info_of(h, sparse[i]).space, GC_SPACE_OLD);
  assert_int_equal(info_of(h, dense[0]).address, dense_at);    /* moved with its page */
  assert_int_not_equal(info_of(h, sparse[0]).address, sparse_at); /* copied out */
  assert_int_equal(stats_of(h).space[GC_SPACE_NEW].objects, 0);
  gc_heap_free(h);

  gc_config c;
  small_config(&c);
  c.old_space.always_promote_young = false;
  c.old_space.page_promotion_pct = 0;
  h = new_heap(&c);
  gc_handle a = rooted(h, 2, "A");
  OK(h, gc_mark_sweep(h));
  assert_int_equal(info_of(h, a).space, GC_SPACE_NEW); /* survived once: copied */
  assert_int_equal(info_of(h, a).age, 1);
  OK(h, gc_mark_sweep(h));
  assert_int_equal(info_of(h, a).space, GC_SPACE_OLD); /* due: promoted */
  gc_heap_free(h);
}

/* ---------------------------------------------------------- large objects */

/* gc_alloc_old (issue 16, the boot heap): straight into the old
 * generation, regular objects in old space and large ones in old
 * large-object space, with no GC; black while marking, so an object
 * allocated during marking is never swept; an old object pointing at a
 * young one is in the remembered set like any other. */
static void test_alloc_old(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  gc_handle o, big, young;
  OK(h, gc_alloc_old(h, 2, 0, "Old", &o));
  OK(h, gc_alloc_old(h, 1, 3 * 4096 + 100, "OldLarge", &big));
  assert_int_equal(info_of(h, o).space, GC_SPACE_OLD);
  assert_int_equal(info_of(h, big).space, GC_SPACE_LARGE);
  assert_int_equal(info_of(h, o).age, 0);
  gc_heap_stats st;
  gc_stats(h, &st);
  assert_int_equal(st.gcs, 0);
  assert_int_equal(st.objects_allocated, 2);
  assert_int_equal(st.space[GC_SPACE_OLD].size, gc_default_size(2));
  assert_int_equal(st.space[GC_SPACE_NEW].size, 0);
  OK(h, gc_root(h, o));
  young = alloc_obj(h, 0, "Young");
  OK(h, gc_slot_set_ref(h, o, 0, young)); /* old -> young: recorded */
  OK(h, gc_scavenge(h));
  assert_true(info_of(h, young).alive);
  assert_true(info_of(h, big).alive); /* a Scavenge leaves the old generation alone */
  OK(h, gc_mark_sweep(h));
  assert_false(info_of(h, big).alive); /* nothing held it */
  /* During marking: allocated black, kept by the pause that follows. */
  OK(h, gc_incremental_start(h));
  gc_handle during;
  OK(h, gc_alloc_old(h, 0, 0, "During", &during));
  assert_int_equal(info_of(h, during).color, GC_BLACK);
  OK(h, gc_alloc_old(h, 0, 3 * 4096, "DuringLarge", &big));
  assert_int_equal(info_of(h, big).color, GC_BLACK);
  OK(h, gc_incremental_finish(h));
  assert_true(info_of(h, during).alive); /* black allocation: kept this cycle */
  assert_true(info_of(h, big).alive);
  OK(h, gc_mark_sweep(h));
  assert_false(info_of(h, during).alive); /* the next GC finds it unreachable */
  /* Bad input. */
  assert_int_equal(gc_alloc_old(h, 0, 0, NULL, NULL), GC_EINVAL);
  assert_int_equal(gc_alloc_old(h, 4, 8, NULL, &o), GC_EINVAL);
  gc_heap_free(h);
}

static void test_large_objects_never_move(void **state) {
  (void)state;
  gc_heap *h = small_heap();
  const uint64_t big = 3 * 4096 + 100; /* above the 2 KiB threshold, 4 pages */
  gc_handle l = alloc_sized(h, 2, big, "Large");
  OK(h, gc_root(h, l));
  gc_object_info in = info_of(h, l);
  assert_int_equal(in.space, GC_SPACE_NEW_LARGE);
  const uint64_t at = in.address;
  gc_handle small = alloc_obj(h, 1, "Small");
  OK(h, gc_slot_set_ref(h, l, 0, small)); /* young large -> young */
  /* A young large object survives a scavenge by relinking its page. */
  OK(h, gc_scavenge(h));
  in = info_of(h, l);
  assert_int_equal(in.space, GC_SPACE_LARGE);
  assert_int_equal(in.address, at);
  assert_int_equal(in.age, 1);
  assert_true(info_of(h, small).alive);
  OK(h, gc_mark_sweep(h));
  OK(h, gc_mark_compact(h, GC_COMPACT_EVACUATE));
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  assert_int_equal(info_of(h, l).address, at);
  gc_slot_value sv;
  OK(h, gc_slot_get(h, l, 0, &sv));
  assert_int_equal(sv.ref_id, info_of(h, small).id);

  /* A young large object in a full GC: promoted by relinking too. */
  gc_handle l2 = alloc_sized(h, 0, big, "Large2");
  OK(h, gc_root(h, l2));
  uint64_t at2 = info_of(h, l2).address;
  OK(h, gc_mark_compact(h, GC_COMPACT_SLIDE));
  assert_int_equal(info_of(h, l2).space, GC_SPACE_LARGE);
  assert_int_equal(info_of(h, l2).address, at2);
  assert_true(last_event(h)->promoted_objects >= 1);

  /* Dead large objects give their pages back. */
  gc_heap_stats s = stats_of(h);
  assert_int_equal(s.space[GC_SPACE_LARGE].pages, 2);
  OK(h, gc_unroot(h, l));
  OK(h, gc_mark_sweep(h));
  s = stats_of(h);
  assert_int_equal(s.space[GC_SPACE_LARGE].pages, 1);
  assert_int_equal(s.space[GC_SPACE_LARGE].committed, 4 * 4096);
  assert_false(info_of(h, l).alive);
  assert_int_equal(info_of(h, l2).address, at2);
  gc_heap_free(h);
}

/* ------------------------------------------------------------- bad input */

static void on_gc_try_collect(gc_heap *h, const gc_event *ev, void *ud) {
  (void)ev;
  gc_status *out = ud;
  gc_handle x;
  out[0] = gc_mark_compact(h, GC_COMPACT_EVACUATE);
  out[1] = gc_mark_sweep(h);
  out[2] = gc_full_gc(h);
  out[3] = gc_scavenge(h);
  out[4] = gc_alloc(h, 1, 0, "InCallback", &x);
  out[5] = gc_mark_compact(h, GC_COMPACT_SLIDE);
}

static void test_bad_input(void **state) {
  (void)state;
  gc_config c = limit_config();
  gc_heap *h = new_heap(&c);
  gc_handle keep = rooted(h, 1, "Keep");
  gc_handle x = 123;
  /* Larger than the heap: out of memory at once, with V8's words. */
  assert_int_equal(gc_alloc(h, 0, c.old_space.max_size + 8, "Huge", &x), GC_EOOM);
  assert_int_equal(x, GC_NO_HANDLE);
  assert_true(error_has(h, GC_OOM_MESSAGE));
  /* Absurd sizes ("negative" through the unsigned API) and slot counts. */
  assert_int_equal(gc_alloc(h, 0, UINT64_MAX, "Neg", &x), GC_EINVAL);
  assert_true(error_has(h, "bytes"));
  assert_int_equal(gc_alloc(h, 0, (uint64_t)-40, "Neg", &x), GC_EINVAL);
  assert_int_equal(gc_alloc(h, UINT32_MAX, 0, "Slots", &x), GC_EINVAL);
  assert_true(error_has(h, "slots"));
  assert_int_equal(gc_alloc(h, 4, 16, "Small", &x), GC_EINVAL); /* below header + slots */
  assert_int_equal(gc_alloc(h, 1, 0, "Null", NULL), GC_EINVAL);
  /* Zero bytes means "the default size"; zero slots is a bare header. */
  OK(h, gc_alloc(h, 0, 0, "Empty", &x));
  assert_int_equal(info_of(h, x).size, gc_default_size(0));
  OK(h, gc_verify(h));
  /* A maximum below what is live is refused and changes nothing. */
  gc_handle big[40];
  for (int i = 0; i < 40; i++) {
    big[i] = alloc_sized(h, 0, 1000, "Big");
    OK(h, gc_root(h, big[i]));
  }
  OK(h, gc_mark_sweep(h));
  uint64_t live = old_gen_bytes(h);
  assert_true(live >= 40000);
  assert_int_equal(gc_set_old_max(h, live / 2), GC_EINVAL);
  assert_true(error_has(h, "max_size"));
  assert_int_equal(stats_of(h).old_max, c.old_space.max_size);
  assert_int_equal(gc_set_old_max(h, 0), GC_EINVAL);
  assert_int_equal(gc_set_old_max(h, UINT64_MAX), GC_EINVAL);
  assert_int_equal(stats_of(h).old_max, c.old_space.max_size);
  OK(h, gc_set_old_max(h, live + 8 * c.page_size)); /* at or above live is fine */
  OK(h, gc_verify(h));
  /* An unknown compaction strategy. */
  assert_int_equal(gc_mark_compact(h, (gc_compaction)7), GC_EINVAL);
  assert_true(error_has(h, "strategy"));
  /* Collections requested during a GC (from the on_gc callback). */
  gc_status got[6] = {GC_OK, GC_OK, GC_OK, GC_OK, GC_OK, GC_OK};
  gc_on_gc(h, on_gc_try_collect, got);
  size_t events = gc_event_count(h);
  OK(h, gc_mark_sweep(h));
  gc_on_gc(h, NULL, NULL);
  for (int i = 0; i < 6; i++) assert_int_equal(got[i], GC_ESTATE);
  assert_int_equal(gc_event_count(h), events + 1); /* none of them ran */
  OK(h, gc_verify(h));
  assert_true(info_of(h, keep).alive);
  for (int i = 0; i < 40; i++) assert_true(info_of(h, big[i]).alive);
  gc_heap_free(h);
}

/* ------------------------------------------------------ the marking price */

/* The pause of a Mark-Sweep of one rooted 8192-slot array (64 KiB) whose
 * slots are filled by `fill` (0: empty, 1: Smis, 2: references to one
 * small object), under the two marking prices. */
static uint64_t mark_sweep_pause(uint32_t ref_price, uint32_t scalar_price, int fill) {
  gc_config c;
  small_config(&c);
  c.cost.mark_ns_per_kb = ref_price;
  c.cost.mark_scalar_ns_per_kb = scalar_price;
  gc_heap *h = new_heap(&c);
  gc_handle arr = rooted(h, 8192, "FixedArray");
  gc_handle target = rooted(h, 0, "Target");
  for (uint32_t i = 0; i < 8192; i++) {
    if (fill == 1) OK(h, gc_slot_set_smi(h, arr, i, i));
    if (fill == 2) OK(h, gc_slot_set_ref(h, arr, i, target));
  }
  OK(h, gc_mark_sweep(h));
  uint64_t pause = last_event(h)->pause_us;
  gc_heap_free(h);
  return pause;
}

/* Marking prices an object's header and reference slots at
 * cost.mark_ns_per_kb and its Smi and empty slots at
 * cost.mark_scalar_ns_per_kb (marker_cost_ns): V8's visitor tests a Smi's
 * tag and moves on (Node marks arrays of Smis about four times faster per
 * byte than {a, b} literals: docs/fidelity.md, bufleak-oom-64m).  64 KiB
 * of slots at 1000 ns per KiB is 64 us. */
static void test_marking_prices_reference_and_scalar_slots(void **state) {
  (void)state;
  for (int fill = 0; fill <= 1; fill++) {
    /* empty or Smi slots: the scalar price, not the reference price */
    assert_int_equal(mark_sweep_pause(1000, 1000, fill) - mark_sweep_pause(1000, 0, fill), 64);
    assert_true(mark_sweep_pause(1000, 0, fill) - mark_sweep_pause(0, 0, fill) <= 1); /* headers only */
  }
  /* reference slots: the reference price, not the scalar price */
  assert_int_equal(mark_sweep_pause(1000, 0, 2) - mark_sweep_pause(0, 0, 2), 64);
  assert_true(mark_sweep_pause(1000, 1000, 2) - mark_sweep_pause(1000, 0, 2) <= 1);
  /* the built-in prices (node20's): a Smi slot costs a quarter of a reference */
  gc_config d;
  gc_config_default(&d);
  assert_int_equal(d.cost.mark_ns_per_kb, 1000);
  assert_int_equal(d.cost.mark_scalar_ns_per_kb, 250);
}

/* ------------------------------------------------- the concurrent sweepers */

/* A heap of small_config with sweeping at 1000 ns per KiB, `sweepers`
 * concurrent sweepers and 32 KiB of old objects (8 pages), one in four
 * kept: the next full GC sweeps those pages. */
static gc_heap *sweep_heap(uint32_t sweepers) {
  gc_config c;
  small_config(&c);
  c.cost.sweep_ns_per_kb = 1000;
  c.old_space.concurrent_sweepers = sweepers;
  gc_heap *h = new_heap(&c);
  for (int i = 0; i < 64; i++) {
    gc_handle x = alloc_old_sized(h, 0, 512, "Old");
    if (i % 4 == 0) OK(h, gc_root(h, x));
  }
  return h;
}

/* A full GC's event, run by `gc` on a fresh sweep_heap after `mutator_ns`
 * of program time. */
static gc_event full_gc_after(gc_heap *h, uint64_t mutator_ns, bool incremental) {
  if (mutator_ns) OK(h, gc_compute(h, mutator_ns));
  if (incremental) {
    OK(h, gc_incremental_start(h));
    OK(h, gc_incremental_finish(h));
  } else {
    OK(h, gc_mark_sweep(h));
  }
  return *last_event(h);
}

/* old_space.concurrent_sweepers (V8's concurrent sweeping): with none, a
 * full GC's sweeping is in its pause; with sweepers, it is theirs, from the
 * end of the pause, and the next full GC (or the start of its incremental
 * marking: Heap::StartIncrementalMarking) finishes on the main thread
 * whatever they have not swept by then.  Each sweeper sweeps at the
 * configured price: 8 pages of 4 KiB at 1000 ns per KiB is 32 us. */
static void test_concurrent_sweepers(void **state) {
  (void)state;
  gc_heap *h = sweep_heap(0);
  gc_event stw = full_gc_after(h, 0, false);
  assert_true(stw.sweep_ns >= 32000);
  uint64_t sweep = stw.sweep_ns;
  gc_heap_free(h);

  /* one sweeper: the same sweeping, out of the pause */
  h = sweep_heap(1);
  gc_event first = full_gc_after(h, 0, false);
  assert_int_equal(first.sweep_ns, sweep);
  assert_int_equal(stw.pause_us - first.pause_us, sweep / 1000);
  assert_int_equal(first.complete_sweeping_ns, 0);
  /* a full GC at once: nothing was swept in the background, all of it is
   * finished in the second pause */
  gc_event second = full_gc_after(h, 0, false);
  assert_int_equal(second.complete_sweeping_ns, sweep);
  gc_heap_free(h);

  /* the program ran long enough: the sweeper is done, nothing is left */
  h = sweep_heap(1);
  full_gc_after(h, 0, false);
  assert_int_equal(full_gc_after(h, sweep, false).complete_sweeping_ns, 0);
  gc_heap_free(h);

  /* a quarter of the time with two sweepers: half is left */
  h = sweep_heap(2);
  full_gc_after(h, 0, false);
  assert_int_equal(full_gc_after(h, sweep / 4, false).complete_sweeping_ns, sweep - sweep / 4 * 2);
  gc_heap_free(h);

  /* a Scavenge does not wait for the sweepers: its pause counts as their
   * time, and the next full GC finishes the rest */
  h = sweep_heap(1);
  full_gc_after(h, 0, false);
  OK(h, gc_scavenge(h));
  uint64_t scavenge_ns = last_event(h)->pause_us * 1000;
  assert_true(scavenge_ns < sweep);
  uint64_t left = full_gc_after(h, 0, false).complete_sweeping_ns;
  assert_true(left <= sweep - scavenge_ns && left + 1000 > sweep - scavenge_ns);
  gc_heap_free(h);

  /* incremental marking starts by finishing the sweeping: the Mark-Sweep
   * that ends the cycle reports it, and its own pause does not hold it */
  h = sweep_heap(1);
  full_gc_after(h, 0, false);
  gc_event after_marking = full_gc_after(h, 0, true);
  assert_int_equal(after_marking.complete_sweeping_ns, sweep);
  assert_true(after_marking.pause_us * 1000 < sweep);
  gc_heap_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mark_sweep_shapes),
      cmocka_unit_test(test_deep_chain),
      cmocka_unit_test(test_random_graphs_vs_oracle),
      cmocka_unit_test(test_sweep_leaves_holes),
      cmocka_unit_test(test_fragmentation_mark_compact),
      cmocka_unit_test(test_fragmentation_mark_sweep_forces_compaction),
      cmocka_unit_test(test_fragmentation_fails_without_compaction),
      cmocka_unit_test_prestate(test_promotion_into_fragments, &compacting),
      cmocka_unit_test_prestate(test_promotion_into_fragments, &never_compacting),
      cmocka_unit_test(test_slide_contiguous_in_order),
      cmocka_unit_test(test_evacuate_sparse_pages_only),
      cmocka_unit_test(test_near_the_maximum_compaction_takes_half_free_pages),
      cmocka_unit_test_prestate(test_references_follow, &evacuate),
      cmocka_unit_test_prestate(test_references_follow, &slide),
      cmocka_unit_test(test_evacuate_ascending_live_quota),
      cmocka_unit_test(test_full_gc_and_young_objects),
      cmocka_unit_test(test_alloc_old),
      cmocka_unit_test(test_large_objects_never_move),
      cmocka_unit_test(test_marking_prices_reference_and_scalar_slots),
      cmocka_unit_test(test_concurrent_sweepers),
      cmocka_unit_test(test_sweep_keeps_one_empty_page),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
