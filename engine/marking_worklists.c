/*
 * marking_worklists.c -- V8 11.3's marking worklists while incremental
 * marking runs with concurrent markers, and the markers' own marking on
 * the virtual clock.
 *
 * Lists of grey objects (heap_internal.h): the main thread's
 * (heap.worklist: what the write barrier greys and the steps work on),
 * the shared pool (heap.marking_pool, V8's global worklist) and each
 * marker task's local segments (heap.markers_local, one list per task of
 * incremental.marker_tasks).  Entries move a segment at a time
 * (kEntriesPerSegment, 64): a thread that has greyed more than its two
 * local segments hold publishes the oldest (Worklist::Local::Push) --
 * the main thread's barrier as well as a marker -- and a task with
 * nothing left steals a segment from the pool.  So a wide graph spreads
 * through the pool, and a chain (each object greying one) stays with
 * the task that follows it while the other tasks take the pool's work.
 *
 * Marking is complete when the main thread's list and the pool are empty
 * (IncrementalMarking::ShouldFinalize asks only those): what the tasks
 * hold is marked by them later or by the atomic pause (worklists_merge).
 */
#include "heap_internal.h"
#include <stdlib.h>
#include <string.h>

enum { SEGMENT = 64 };
/* The markers' time is spent in slices, a task at a time in turn, after
 * each of which the task publishes its full segments (V8 publishes at the
 * push that fills one). */
static const uint64_t MARKERS_SLICE_NS = 10000;

/* w's entries from `from` on to the end of `to`.  Out of process memory,
 * what could not move stays in w: still grey, still listed. */
static void move_tail(addr_vec *to, addr_vec *w, size_t from) {
  size_t i = from;
  while (i < w->n && addr_vec_push(to, w->v[i])) i++;
  size_t left = w->n - i;
  if (left) memmove(w->v + from, w->v + i, left * sizeof *w->v);
  w->n = from + left;
}

/* A segment from the pool onto `w`; false if the pool is empty. */
static bool steal(gc_heap *h, addr_vec *w) {
  if (!h->marking_pool.n) return false;
  size_t take = h->marking_pool.n < SEGMENT ? h->marking_pool.n : SEGMENT;
  move_tail(w, &h->marking_pool, h->marking_pool.n - take);
  return true;
}

/* w's full segments beyond its two local ones to the pool, the oldest
 * first (Worklist::Local::Push -> PublishPushSegment). */
static void publish_full(gc_heap *h, addr_vec *w) {
  size_t extra = w->n > 2 * SEGMENT ? (w->n - SEGMENT - 1) / SEGMENT * SEGMENT : 0;
  size_t moved = 0;
  while (moved < extra && addr_vec_push(&h->marking_pool, w->v[moved])) moved++;
  if (!moved) return;
  memmove(w->v, w->v + moved, (w->n - moved) * sizeof *w->v);
  w->n -= moved;
}

bool worklists_init(gc_heap *h) {
  h->markers_local = calloc(h->cfg.incremental.marker_tasks, sizeof *h->markers_local);
  return h->markers_local != NULL;
}

void worklists_free(gc_heap *h) {
  addr_vec_free(&h->worklist);
  addr_vec_free(&h->marking_pool);
  if (h->markers_local)
    for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) addr_vec_free(&h->markers_local[t]);
  free(h->markers_local);
  h->markers_local = NULL;
}

void worklists_clear(gc_heap *h) {
  h->worklist.n = 0;
  h->marking_pool.n = 0;
  for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) h->markers_local[t].n = 0;
}

size_t worklists_markers_held(const gc_heap *h) {
  size_t n = 0;
  for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) n += h->markers_local[t].n;
  return n;
}

/* After the write barrier greyed an object: in a cycle shared with the
 * markers, the main thread's full segments go to the pool as its pushes
 * fill them (Worklist::Local::Push -> PublishPushSegment), so the markers
 * take the barrier's work while the program runs, not only what a step
 * leaves.  A program that stores many young values while marking runs
 * (dict-1e6's hash map) otherwise outruns the 64 KB steps and the cycle
 * never completes (docs/fidelity-notes.md, *The marking barrier's
 * segments*). */
void worklists_after_barrier_push(gc_heap *h) {
  if (h->marking_shared) publish_full(h, &h->worklist);
}

void worklists_publish(gc_heap *h) { move_tail(&h->marking_pool, &h->worklist, 0); }

bool worklists_steal(gc_heap *h) { return steal(h, &h->worklist); }

/* The end of a step that left work (V8 11.3's Step -> ShareWork): with the
 * pool empty, all of it goes there for the markers; else only its full
 * segments, as its pushes would have published them. */
void worklists_share_work(gc_heap *h) {
  if (!h->marking_pool.n) worklists_publish(h);
  else publish_full(h, &h->worklist);
}

bool worklists_shared_empty(const gc_heap *h) { return h->worklist.n == 0 && h->marking_pool.n == 0; }

void worklists_merge(gc_heap *h) {
  move_tail(&h->worklist, &h->marking_pool, 0);
  for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) move_tail(&h->worklist, &h->markers_local[t], 0);
}

/* The concurrent markers mark `ns` of their time, shared between the
 * tasks in slices, each task in turn: what it holds, else a segment from
 * the pool; what it greys stays its own until a segment is full.  A task
 * that finds nothing waits its next turn; when none finds work the
 * markers are idle.  The marking is done with the main thread's drain
 * (marker_drain_background, which works on heap.worklist), so the lists
 * trade places meanwhile.  Returns the bytes marked. */
uint64_t worklists_markers_mark(gc_heap *h, uint64_t ns) {
  uint32_t tasks = h->cfg.incremental.marker_tasks, idle = 0, t = 0;
  uint64_t marked = 0, spent = 0;
  addr_vec main = h->worklist;
  while (spent < ns && idle < tasks) {
    h->worklist = h->markers_local[t];
    if (h->worklist.n || steal(h, &h->worklist)) {
      uint64_t part, left = ns - spent;
      marked += marker_drain_background(h, left < MARKERS_SLICE_NS ? left : MARKERS_SLICE_NS, &part);
      spent += part ? part : 1;
      publish_full(h, &h->worklist);
      idle = 0;
    } else {
      idle++;
    }
    h->markers_local[t] = h->worklist;
    t = (t + 1) % tasks;
  }
  h->worklist = main;
  return marked;
}

/* Entries in From-space follow their copies or are dropped (the object
 * died), as are young large objects that did not survive. */
static void follow_scavenge(gc_heap *h, addr_vec *w) {
  size_t j = 0;
  for (size_t i = 0; i < w->n; i++) {
    addr_t a = w->v[i];
    page *p = page_of(h, a);
    if (p->flags & PAGE_FROM) {
      if (!w0_forwarded(obj_at(a)->w0)) continue;
      a = forwarding(obj_at(a));
    } else if ((p->flags & PAGE_LARGE) && (p->flags & PAGE_YOUNG) && !(p->flags & PAGE_SURVIVOR)) {
      continue;
    }
    w->v[j++] = a;
  }
  w->n = j;
}

void worklists_after_scavenge(gc_heap *h) {
  follow_scavenge(h, &h->worklist);
  follow_scavenge(h, &h->marking_pool);
  for (uint32_t t = 0; t < h->cfg.incremental.marker_tasks; t++) follow_scavenge(h, &h->markers_local[t]);
}
