/*
 * pretenuring.c -- allocation sites and their feedback: the site table,
 * the allocation mementos written behind young objects allocated at a
 * site, the found/created counts a GC gathers, and applying promotion.h's
 * decision to every site after each GC.  The rules themselves (ratio,
 * minimum, when to tenure, when to reset) are promotion.h's, not here.
 *
 * V8 (11.3): AllocationMemento (src/objects/allocation-site.h) is a 2-word
 * object (map, site) allocated right behind a JSObject/JSArray literal in
 * new space; PretenuringHandler::UpdateAllocationSite
 * (src/heap/pretenuring-handler-inl.h) looks behind every object a GC
 * evacuates from new space and counts the memento's site as found;
 * ProcessPretenuringFeedback digests the counts after the GC and clears
 * them.  gclab keeps sites in a table of the heap, not as heap objects
 * (nothing in gclab points at them).
 *
 * Invariants: a memento lies only in new space, right behind an object of
 * its site, within its page's iterable area; it is a filler to every page
 * walk and is never counted in new_space.size or .objects (its bytes count
 * as allocated, as V8's do).  Counts are per GC cycle: zero after each
 * pretenuring_after_gc.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap_internal.h"
#include "pretenuring.h"
#include "promotion.h"

const char *gc_pretenure_decision_name(gc_pretenure_decision d) {
  switch (d) {
    case GC_SITE_UNDECIDED: return "undecided";
    case GC_SITE_DONT_TENURE: return "dont_tenure";
    case GC_SITE_MAYBE_TENURE: return "maybe_tenure";
    case GC_SITE_TENURE: return "tenure";
  }
  return "?";
}

/* A compile of the site's code that starts at virtual time `t`: the code
 * is optimized after its compile's time (the site's optimize_us:
 * allocation_sites.optimize_us unless gc_site_new_compiled said otherwise;
 * promotion.h's site_unoptimized), compiled against the site's decision
 * as it stands now. */
static void compile_from(site_rec *s, uint64_t t) {
  s->unoptimized_until = t + (uint64_t)s->optimize_us * 1000;
  s->compiled_old = s->decision == GC_SITE_TENURE;
}

/* The site's code, deoptimized or new, starts compiling now. */
static void start_compile(const gc_heap *h, site_rec *s) { compile_from(s, heap_vclock(h)); }

/* The compile in flight fails at its end (site_compile_invalidated) and
 * starts again then, against the decision as it stands now.  (A second
 * change of the type before the failed compile's end restarts it once
 * more, where V8's one restart would read the latest: a reset from tenure
 * needs a full GC that keeps under a tenth of the heap, so rare.) */
static void restart_compile(site_rec *s) { compile_from(s, s->unoptimized_until); }

gc_status gc_site_new(gc_heap *h, const char *name, gc_site *out) {
  if (!h) return GC_EINVAL;
  return gc_site_new_compiled(h, name, h->cfg.allocation_sites.optimize_us, out);
}

gc_status gc_site_new_compiled(gc_heap *h, const char *name, uint32_t optimize_us, gc_site *out) {
  if (!h) return GC_EINVAL;
  if (!out) return heap_fail(h, GC_EINVAL, "out: expected a pointer, got NULL");
  if (h->nsites >= UINT32_MAX / 2)
    return heap_fail(h, GC_EINVAL, "gc_site_new: too many allocation sites (%zu)", h->nsites);
  site_rec *v = array_make_room(h->sites, &h->cap_sites, h->nsites + 1, sizeof *v, 16);
  if (!v) return heap_fail(h, GC_ENOMEM, "out of process memory for an allocation site");
  h->sites = v;
  char buf[32];
  if (!name) {
    snprintf(buf, sizeof buf, "site %zu", h->nsites + 1);
    name = buf;
  }
  site_rec *s = &h->sites[h->nsites];
  *s = (site_rec){.name = names_intern(h, name), .decision = GC_SITE_UNDECIDED, .optimize_us = optimize_us};
  if (pretenuring_tiering(h))
    s->unoptimized_until = UINT64_MAX;
  else
    start_compile(h, s);
  *out = (gc_site)++h->nsites;
  return GC_OK;
}

size_t gc_site_count(const gc_heap *h) { return h ? h->nsites : 0; }

gc_status gc_site_get(const gc_heap *h, gc_site site, gc_site_info *out) {
  if (!h || !out || site == GC_NO_SITE || site > h->nsites) return GC_EINVAL;
  const site_rec *s = &h->sites[site - 1];
  *out = (gc_site_info){names_get(h, s->name), s->decision, s->created, s->found, s->tenured, s->reset,
                        !site_unoptimized(h, site), s->optimize_us};
  return GC_OK;
}

void pretenuring_write_memento(gc_heap *h, addr_t a, gc_site site) {
  uint64_t *w = (uint64_t *)a;
  w[0] = MEMENTO_SIZE | W0_FILLER;
  w[1] = MEMENTO_TAG | site;
  h->sites[site - 1].created++;
  h->mementos_created++;
}

/* V8 starts a function's first optimizing compile once its interrupt
 * budget has run out a few times (TieringManager::OnInterruptTick: ticks of
 * --interrupt-budget bytecode, then OSR urgency for a function still in its
 * loop).  gclab counts the program's bytecode by its literals: objects
 * allocated at sites, all sites together, as a scenario's loop is one hot
 * function.  A deoptimized function is already hot: its recompile starts
 * at once (pretenuring_after_gc), so the budget is spent once per heap. */
void pretenuring_note_tiering(gc_heap *h) {
  if (++h->site_allocations < h->cfg.allocation_sites.tiering_allocations) return;
  for (size_t i = 0; i < h->nsites; i++)
    if (h->sites[i].unoptimized_until == UINT64_MAX) start_compile(h, &h->sites[i]);
}

void pretenuring_note_survivor(gc_heap *h, addr_t a, uint64_t size) {
  addr_t m = a + size;
  const page *p = page_of(h, a);
  if (m + MEMENTO_SIZE > p->top) return;
  const uint64_t *w = (const uint64_t *)m;
  if (w[0] != (MEMENTO_SIZE | W0_FILLER) || (w[1] & ~0xffffffffull) != MEMENTO_TAG) return;
  uint64_t site = w[1] & 0xffffffffull;
  if (site == 0 || site > h->nsites) return;
  h->sites[site - 1].found++;
  h->mementos_found++;
}

void pretenuring_after_gc(gc_heap *h, gc_event *ev, uint64_t capacity_before, uint64_t heap_before,
                          uint64_t heap_after) {
  if (!h->nsites) return;
  uint64_t max = h->cfg.new_space.semi_space_max;
  bool maximum_size = capacity_before >= max;
  bool deopt_maybe_tenured = sites_deopt_maybe_tenured(capacity_before, h->new_space.capacity, max);
  bool reset = ev->kind != GC_KIND_SCAVENGE && sites_reset_after_full_gc(heap_before, heap_after);
  ev->mementos_created = h->mementos_created;
  ev->mementos_found = h->mementos_found;
  for (size_t i = 0; i < h->nsites; i++) {
    site_rec *s = &h->sites[i];
    bool digest = site_digested(s->found);
    gc_pretenure_decision d = digest ? site_decide(s->decision, s->created, s->found, maximum_size) : s->decision;
    /* V8 deoptimizes the site's dependent code when it tenures it
     * (AllocationSite::MakePretenureDecision), when new space has just
     * reached its maximum and the site may tenure, and when it resets it.
     * Only installed optimized code depends on the site
     * (DependentCode::DeoptimizeDependencyGroups marks what
     * CompilationDependencies::Commit registered): while the site's code
     * is still unoptimized the GC deoptimizes nothing.  A compile already
     * under way was begun against the decision as it stood then; if its
     * allocation type has changed since, the compile fails at its end and
     * starts again (promotion.h's site_compile_invalidated). */
    bool deopt = (d == GC_SITE_MAYBE_TENURE && deopt_maybe_tenured);
    if (d == GC_SITE_TENURE && s->decision != GC_SITE_TENURE) {
      s->tenured++;
      ev->sites_tenured++;
      deopt = true;
    }
    s->decision = d;
    bool was_reset = reset && s->decision == GC_SITE_TENURE;
    if (was_reset) {
      s->decision = GC_SITE_UNDECIDED;
      s->reset++;
      ev->sites_reset++;
      deopt = true;
    }
    if (!site_unoptimized(h, (gc_site)(i + 1))) {
      if (deopt) start_compile(h, s);
    } else if (s->unoptimized_until != UINT64_MAX && site_compile_invalidated(s->compiled_old, s->decision)) {
      restart_compile(s);
    }
    if (digest || was_reset) s->created = s->found = 0; /* AllocationSite::ResetPretenureDecision too */
  }
  h->mementos_created = h->mementos_found = 0;
}

void pretenuring_free(gc_heap *h) {
  free(h->sites);
  h->sites = NULL;
  h->nsites = h->cap_sites = 0;
}
