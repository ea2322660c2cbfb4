/*
 * heap_sizing.c -- the heap limits a Node 20 process gets: V8 11.3's
 * heap-sizing arithmetic (x64, no pointer compression), as pure functions.
 *
 * This is heap-sizing policy (which maxima a heap starts with), so it lives
 * in the engine beside the limit policy that uses those maxima; it reads no
 * flags, files or environment -- the config layer (bindings/config_flags.c)
 * turns flags and NODE_OPTIONS into a gc_node_heap_input.
 *
 * The chain Node 20 runs (src/api/environment.cc SetIsolateCreateParamsForNode;
 * V8 src/api/api.cc ResourceConstraints::ConfigureDefaults; src/heap/heap.cc
 * HeapSizeFromPhysicalMemory, GenerationSizesFromHeapSize,
 * YoungGenerationSizeFromOldGenerationSize, ConfigureHeap):
 *   physical = min(total RAM, cgroup limit)      (Node: uv_get_constrained_memory)
 *   heap     = HeapSizeFromPhysicalMemory(physical)
 *   (young, old) = GenerationSizesFromHeapSize(heap)   (a binary search)
 *   semi     = young / 3, then the flags, rounded up to a power of two
 *   old      = old, then the flags, at least MinOldGenerationSize
 *   heap_size_limit = 2 x semi + semi (new large objects) + old  (Heap::MaxReserved)
 *
 * Invariants: every result is a multiple of V8's 256 KiB page; semi_max is a
 * power of two of at least 1 MiB; semi_initial <= semi_max.
 */
#include <stdio.h>
#include <string.h>

#include "gclab.h"

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* src/heap/heap.h and heap-controller.h (V8 11.3) with kPointerMultiplier =
 * kHeapLimitMultiplier = 2 (8-byte tagged words and system pointers). */
#define V8_PAGE (256 * KiB)                  /* Page::kPageSize, kPageSizeBits = 18 */
#define PHYSICAL_TO_OLD_RATIO 4ull           /* kPhysicalMemoryToOldGenerationRatio */
#define HEAP_LIMIT_MULTIPLIER 2ull           /* kHeapLimitMultiplier */
#define OLD_TO_SEMI_RATIO 128ull             /* kOldGenerationToSemiSpaceRatio: 128 x 2 / 2 */
#define OLD_TO_SEMI_RATIO_LOW_MEMORY 256ull  /* ...LowMemory: 256 x 2 / 2 */
#define OLD_LOW_MEMORY (256 * MiB)           /* kOldGenerationLowMemory: 128 MB x 2 */
#define MIN_SEMI (1 * MiB)                   /* kMinSemiSpaceSize: 512 KB x 2 */
#define MAX_SEMI (16 * MiB)                  /* kMaxSemiSpaceSize: 8192 KB x 2 */
#define YOUNG_PER_SEMI 3ull                  /* 2 semispaces + kNewLargeObjectSpaceToSemiSpaceRatio (1) */
#define HEAP_TRAIT_MIN (256 * MiB)           /* V8HeapTrait::kMinSize: 128 MB x 2 */
#define HEAP_TRAIT_MAX (2 * GiB)             /* V8HeapTrait::kMaxSize: 1024 MB x 2 */
/* MinOldGenerationSize: one page per growable paged space (old, code,
 * shared: globals.h FIRST/LAST_GROWABLE_PAGED_SPACE). */
#define MIN_OLD (3 * V8_PAGE)

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }
static uint64_t round_down(uint64_t v, uint64_t to) { return v / to * to; }

/* base::bits::RoundUpToPowerOfTwo64 (0 stays 0; callers clamp to MIN_SEMI). */
static uint64_t pow2_up(uint64_t v) {
  if (v <= 1) return v;
  uint64_t p = 1;
  while (p < v && p < (1ull << 63)) p <<= 1;
  return p;
}

/* Heap::MaxOldGenerationSize: 2 GiB, or 4 GiB when the machine has at least
 * 16 GB rounded to the nearest GB (--huge-max-old-generation-size, on in
 * Node 20). */
static uint64_t max_old_generation(uint64_t physical) {
  /* V8's (physical + 512 MB) / GB >= 16, written so that it cannot wrap
   * for a physical memory near 2^64 */
  return physical >= 16 * GiB - 512 * MiB ? 2 * HEAP_TRAIT_MAX : HEAP_TRAIT_MAX;
}

uint64_t gc_node_young_from_old(uint64_t old_generation) {
  uint64_t ratio = old_generation <= OLD_LOW_MEMORY ? OLD_TO_SEMI_RATIO_LOW_MEMORY
                                                    : OLD_TO_SEMI_RATIO;
  uint64_t semi = old_generation / ratio;
  if (semi > MAX_SEMI) semi = MAX_SEMI;
  if (semi < MIN_SEMI) semi = MIN_SEMI;
  return round_up(semi, V8_PAGE) * YOUNG_PER_SEMI;
}

uint64_t gc_node_heap_from_physical(uint64_t physical) {
  uint64_t old = physical / PHYSICAL_TO_OLD_RATIO * HEAP_LIMIT_MULTIPLIER;
  if (old > max_old_generation(physical)) old = max_old_generation(physical);
  if (old < HEAP_TRAIT_MIN) old = HEAP_TRAIT_MIN;
  old = round_up(old, V8_PAGE);
  return old + gc_node_young_from_old(old);
}

void gc_node_split_heap(uint64_t heap, uint64_t *young, uint64_t *old) {
  /* The largest old generation that fits with its own young generation;
   * 0 and 0 when none does. */
  *young = 0, *old = 0;
  uint64_t lower = 0, upper = heap;
  while (lower + 1 < upper) {
    uint64_t o = lower + (upper - lower) / 2, y = gc_node_young_from_old(o);
    if (o + y <= heap) {
      *young = y, *old = o;
      lower = o;
    } else {
      upper = o;
    }
  }
}

static gc_status fail(char *err, size_t len, const char *msg) {
  if (err && len) snprintf(err, len, "%s", msg);
  return GC_EINVAL;
}

/* A flag in MiB as bytes, or UINT64_MAX if it overflows. */
static uint64_t mib(uint64_t flag) { return flag > UINT64_MAX / MiB ? UINT64_MAX : flag * MiB; }

gc_status gc_node_heap_limits(const gc_node_heap_input *in, gc_node_heap_sizes *out, char *err,
                             size_t errlen) {
  if (!in || !out) return fail(err, errlen, "heap sizing: expected an input and an output");
  memset(out, 0, sizeof *out);
  const uint64_t flags_max = 1ull << 40; /* MiB: V8's size_t x MB must not wrap */
  if (in->max_old_space_mb >= flags_max || in->max_semi_space_mb >= flags_max ||
      in->min_semi_space_mb >= flags_max || in->max_heap_mb >= flags_max ||
      in->initial_old_space_mb >= flags_max)
    return fail(err, errlen, "heap sizing: a flag value above 2^40 MiB overflows V8's size_t");
  /* ConfigureHeap: CHECK_IMPLIES(max_heap_size > 0, max_semi == 0 || max_old == 0). */
  if (in->max_heap_mb && in->max_semi_space_mb && in->max_old_space_mb)
    return fail(err, errlen,
                "--max-heap-size cannot be combined with both --max-semi-space-size and "
                "--max-old-space-size (V8 11.3 aborts on a failed CHECK)");

  /* The embedder's constraints: Node's from physical memory, else the caller's. */
  uint64_t young_c = in->semi_default * YOUNG_PER_SEMI, old_c = in->old_default;
  uint64_t initial = in->semi_initial_default;
  if (in->physical_memory) {
    gc_node_split_heap(gc_node_heap_from_physical(in->physical_memory), &young_c, &old_c);
    initial = MIN_SEMI; /* kMinSemiSpaceSize, at least 1 MB (ConfigureHeap) */
  }

  /* max_semi_space_size_ */
  uint64_t semi = young_c / YOUNG_PER_SEMI;
  bool semi_set = in->physical_memory != 0;
  if (in->max_semi_space_mb) {
    semi = mib(in->max_semi_space_mb), semi_set = true;
  } else if (in->max_heap_mb) {
    uint64_t heap = mib(in->max_heap_mb), young, old;
    if (in->max_old_space_mb) {
      old = mib(in->max_old_space_mb);
      young = heap > old ? heap - old : 0;
    } else {
      gc_node_split_heap(heap, &young, &old);
    }
    semi = young / YOUNG_PER_SEMI, semi_set = true;
  }
  if (in->stress_compaction) semi = MiB, semi_set = true;
  if (semi_set) {
    semi = pow2_up(semi);
    if (semi < MIN_SEMI) semi = MIN_SEMI;
    semi = round_down(semi, V8_PAGE);
  }

  /* max_old_generation_size_ */
  uint64_t old = old_c;
  bool old_set = in->physical_memory != 0;
  if (in->max_old_space_mb) {
    old = mib(in->max_old_space_mb), old_set = true;
  } else if (in->max_heap_mb) {
    uint64_t heap = mib(in->max_heap_mb), young = semi * YOUNG_PER_SEMI;
    old = heap > young ? heap - young : 0, old_set = true;
  }
  if (old_set) {
    if (old < MIN_OLD) old = MIN_OLD;
    old = round_down(old, V8_PAGE);
  }

  /* initial_semispace_size_ */
  bool initial_set = in->physical_memory != 0;
  if (in->min_semi_space_mb) initial = mib(in->min_semi_space_mb), initial_set = true;
  if (initial > semi) initial = semi, initial_set = true;
  if (initial_set) initial = round_down(initial, V8_PAGE);

  /* initial_old_generation_size_: the flag, at most half the maximum. */
  if (in->initial_old_space_mb) {
    uint64_t io = mib(in->initial_old_space_mb);
    if (io > old / 2) io = old / 2;
    out->initial_old = round_down(io, V8_PAGE);
    out->set |= GC_NODE_SET_INITIAL_OLD;
  }

  out->old_max = old;
  out->semi_max = semi;
  out->semi_initial = initial;
  out->heap_size_limit = semi * YOUNG_PER_SEMI + old;
  if (old_set) out->set |= GC_NODE_SET_OLD_MAX;
  if (semi_set) out->set |= GC_NODE_SET_SEMI_MAX;
  if (initial_set) out->set |= GC_NODE_SET_SEMI_INITIAL;
  return GC_OK;
}
