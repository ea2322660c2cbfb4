/*
 * promotion.h -- every "does this young object (or page) go old?" rule, and
 * nothing else.  The collectors ask; this file answers.  The rules are
 * inline because the scavenger asks once per copied object.
 *
 * V8 (today, and gclab's default `age_mark` policy):
 *  - Scavenge: an object is copied within new space on its first
 *    survival and promoted on the next one -- it is promoted when it lies
 *    below the age mark (To-space's top after the previous scavenge).  The
 *    header keeps an age instead of comparing addresses, so that
 *    new_space.promotion.age (1 = V8) can be varied:
 *    promote_in_scavenge().
 *  - Mark-Compact: every young survivor is promoted
 *    (--always-promote-young-mc, old_space.always_promote_young), else
 *    only those of promotion age: promote_in_full_gc().  A new-space page
 *    whose live bytes are at least page_promotion_threshold of the page
 *    moves to old space whole (--page-promotion):
 *    promote_page_whole().
 *  - A scavenge is only run when the old generation could take every young
 *    object if all were promoted (CanPromoteYoungAndExpandOldGeneration);
 *    otherwise a full GC runs instead: young_fits_in_old().
 * The classic rule (V8 before 2015, the article; policy `classic`):
 *  - Scavenge: promote an object that has survived once, or any object
 *    once To-space is past classic_to_space (25%) of its capacity, so that
 *    a scavenge never fills To-space: promote_in_scavenge().
 * Both policies:
 *  - A surviving young large object always goes old (its page is
 *    relinked, never copied): lo_promote_young_survivors() in
 *    large_object_space.c, with no rule to ask.
 *  - Pretenuring: when new space is still full after
 *    young_gcs_before_pretenuring() young-allocation GCs, the object is
 *    allocated in old space directly.
 *  - Allocation-site pretenuring (V8's PretenuringHandler,
 *    src/heap/pretenuring-handler.cc, and AllocationSite,
 *    src/objects/allocation-site.h): an object allocated at a tenured
 *    site goes to old space (site_allocates_old); after a GC that has
 *    found 100 mementos behind a site's objects since its last decision
 *    (site_digested) the site's counts become a decision (site_decide: at least
 *    kPretenureMinimumCreated = 100 mementos created, a found/created
 *    ratio >= kPretenureRatio = 0.85 tenures -- only when the GC ran at
 *    the maximum semispace capacity, else "maybe tenure" -- and a lower
 *    ratio is "don't tenure"); after a full GC that keeps less than
 *    kOldSurvivalRateLowThreshold = 10% of the heap's object bytes (every
 *    space, new space's dead objects included: SizeOfObjects() after /
 *    before, despite the threshold's name), every tenured site goes back
 *    to undecided (sites_reset_after_full_gc: Heap::MarkCompact ->
 *    EvaluateOldSpaceLocalPretenuring ->
 *    ResetAllAllocationSitesDependentCode(kOld), V8's deoptimisation).
 *    Mementos and old-space allocation follow the site's code tier
 *    (site_unoptimized): unoptimized code, until the program's tiering
 *    budget is spent (allocation_sites.tiering_allocations), then for
 *    the site's compile time (allocation_sites.optimize_us, or its own:
 *    gc_site_new_compiled), and for that long after each GC that
 *    deoptimizes it (a
 *    tenure decision, a reset, new space just at its maximum for a
 *    maybe-tenure site: sites_deopt_maybe_tenured), allocates young with a
 *    memento whatever the decision; optimized code allocates no mementos,
 *    and in old space once the site is tenured.
 *  - Promotion is a wish, not a must: a promotion that finds no room falls
 *    back to a copy within new space (V8's order: copy -> promote -> copy),
 *    and a full GC never promotes past the old generation's maximum.
 */
#ifndef GCLAB_PROMOTION_H
#define GCLAB_PROMOTION_H

#include "heap_internal.h"
#include "pretenuring.h"

/* Scavenge: should the young object `o` of `size` bytes be promoted rather
 * than copied?  (To-space's size is what this scavenge has copied so far.) */
static inline bool promote_in_scavenge(const gc_heap *h, const obj *o, uint64_t size) {
  const gc_config *c = &h->cfg;
  if (obj_age(o) >= c->new_space.promotion_age) return true;
  if (c->new_space.promotion == GC_PROMOTE_CLASSIC) {
    uint64_t threshold = h->new_space.capacity * c->new_space.classic_to_space_pct / 100;
    return h->new_space.size + size > threshold;
  }
  return false;
}

/* Full GC: should the live young object `o` be promoted? */
static inline bool promote_in_full_gc(const gc_heap *h, const obj *o) {
  const gc_config *c = &h->cfg;
  return c->old_space.always_promote_young || obj_age(o) >= c->new_space.promotion_age;
}

/* Full GC: does the new-space page `p` (its live bytes counted by marking)
 * move to old space whole?  Only while one more old page stays within the
 * maximum. */
static inline bool promote_page_whole(const gc_heap *h, const page *p) {
  const gc_config *c = &h->cfg;
  return c->old_space.page_promotion_pct > 0 && p->live_bytes > 0 &&
         p->live_bytes * 100 >= (uint64_t)c->old_space.page_promotion_pct * c->page_size &&
         old_gen_capacity(h) + c->page_size <= h->old_max;
}

/* Could the old generation absorb every young object if all were promoted?
 * The worst case, new space's capacity plus the young large objects, on
 * top of the old generation's capacity (old_gen_capacity), must fit under
 * the maximum.  New space counts whole here (the semispace's size, page
 * headers included) where V8 10's CanPromoteYoungAndExpandOldGeneration
 * reads NewSpaceCapacity(), the object area: with the object area,
 * bigfact-2e4-oom-16m ran out at 140.1 MB (Node's five runs: 146.9 to
 * 148.4; with the whole semispace 147.0) and factory-1e7-oom-16m ran one
 * Mark-Compact fewer than Node's eight runs' 8 (docs/fidelity-notes.md,
 * *New space's capacity in the limit*). */
static inline bool young_fits_in_old(const gc_heap *h) {
  return old_gen_capacity(h) + h->new_space.capacity + h->nlo.size <= h->old_max;
}

/* How many young-allocation GCs may fail to make room in new space before
 * an object is pretenured.  Each scavenge ages the survivors, so
 * promotion_age + 2 scavenges empty new space of everything but what the
 * last one copied. */
static inline uint32_t young_gcs_before_pretenuring(const gc_heap *h) {
  return h->cfg.new_space.promotion_age + 2;
}

/* Allocation sites: the constants of V8 11.3 (allocation-site.h,
 * pretenuring-handler.cc). */
#define PRETENURE_MIN_CREATED 100u        /* AllocationSite::kPretenureMinimumCreated */
#define PRETENURE_RATIO_PCT 85u           /* AllocationSite::kPretenureRatio = 0.85 */
#define OLD_SURVIVAL_RATE_LOW_PCT 10u     /* kOldSurvivalRateLowThreshold */

/* Is the code allocating at `site` (gc_site, 1-based) unoptimized now?
 * V8's interpreter and baseline code allocate a literal through
 * CreateShallowObjectLiteral (builtins-constructor-gen.cc): always in new
 * space, always with a memento.  TurboFan's code is compiled against the
 * site's decision (JSCreateLowering: DependOnPretenureMode) and allocates
 * no mementos.  A site's code is unoptimized until the program's tiering
 * budget is spent (pretenuring_note_tiering), then for the site's compile
 * time (allocation_sites.optimize_us unless gc_site_new_compiled gave it
 * its own), and for that long after every GC that
 * deoptimizes it (pretenuring_after_gc) -- a GC that falls inside the
 * window deoptimizes nothing, but one that changes the site's allocation
 * type there makes the compile fail at the window's end and start again
 * (site_compile_invalidated). */
static inline bool site_unoptimized(const gc_heap *h, gc_site site) {
  return heap_vclock(h) < h->sites[site - 1].unoptimized_until;
}

/* Does the compile in flight for a site fail when it ends?  TurboFan's code
 * depends on the allocation type the site had when its compile began
 * (JSCreateLowering: DependOnPretenureMode, a PretenureModeDependency);
 * when the job is finalized on the main thread
 * CompilationDependencies::Commit finds the type changed -- the site was
 * tenured, or reset from tenured, meanwhile -- and the job is aborted
 * ("Bailed out due to dependency change" in `node --trace-opt`), and the
 * loop's OSR compile starts again at once, against the new decision.  A
 * maybe-tenure decision leaves the type young and the compile valid. */
static inline bool site_compile_invalidated(bool compiled_old, gc_pretenure_decision now) {
  return compiled_old != (now == GC_SITE_TENURE);
}

/* Does an object allocated at `site` go straight to old space?  Once the
 * site is tenured and its code optimized again. */
static inline bool site_allocates_old(const gc_heap *h, gc_site site) {
  return site != GC_NO_SITE && h->sites[site - 1].decision == GC_SITE_TENURE && !site_unoptimized(h, site);
}

/* Does a young object of `site` get an allocation memento?  While the
 * site's code is unoptimized, whatever its decision. */
static inline bool site_wants_memento(const gc_heap *h, gc_site site) {
  return site != GC_NO_SITE && site_unoptimized(h, site);
}

/* PretenuringHandler::DeoptMaybeTenuredAllocationSites: the GC that left
 * new space at its maximum capacity for the first time since it was below
 * (V8: IsAtMaximumCapacity() && !MaximumSizeMinorGC()) deoptimizes every
 * maybe-tenure site, so that its next Scavenge, at the maximum, gets fresh
 * feedback to decide on. */
static inline bool sites_deopt_maybe_tenured(uint64_t capacity_before, uint64_t capacity_after, uint64_t max) {
  return capacity_after >= max && capacity_before < max;
}

/* V8's DigestPretenuringFeedback + MakePretenureDecision for one site after
 * a GC: the new decision.  `maximum_size` says the GC ran with new space at
 * its maximum capacity (V8: the capacity before the GC equals the maximum).
 * Only undecided and maybe-tenure sites change; tenure and don't-tenure
 * stay until a reset. */
static inline gc_pretenure_decision site_decide(gc_pretenure_decision current, uint64_t created,
                                                uint64_t found, bool maximum_size) {
  if (created < PRETENURE_MIN_CREATED) return current;
  if (current != GC_SITE_UNDECIDED && current != GC_SITE_MAYBE_TENURE) return current;
  if (found * 100 >= (uint64_t)PRETENURE_RATIO_PCT * created)
    return maximum_size ? GC_SITE_TENURE : GC_SITE_MAYBE_TENURE;
  return GC_SITE_DONT_TENURE;
}

/* Is a site's feedback digested at this GC?  V8 digests only the sites in
 * its global feedback map, which a site enters once the mementos found
 * behind its objects since its last digest reach kPretenureMinimumCreated
 * (AllocationSite::IncrementMementoFoundCount); the others keep counting,
 * created and found, to a later GC. */
static inline bool site_digested(uint64_t found) { return found >= PRETENURE_MIN_CREATED; }

/* After a full GC: are the tenuring decisions to be reset (the heap's
 * object bytes, all spaces, after / before in percent, under 10%)? */
static inline bool sites_reset_after_full_gc(uint64_t heap_before, uint64_t heap_after) {
  return heap_before > 0 && heap_after * 100 < (uint64_t)OLD_SURVIVAL_RATE_LOW_PCT * heap_before;
}

#endif
