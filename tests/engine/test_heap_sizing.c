/*
 * test_heap_sizing.c -- Node 20's heap limits (engine/heap_sizing.c).
 *
 * Where the expected numbers come from:
 *  - "node": `node -e 'console.log(v8.getHeapStatistics().heap_size_limit)'`
 *    with the flags shown, run with Node v20.20.2 (V8 11.3.244.8-node.38)
 *    on the machine this was written on: os.totalmem() = 25275990016 bytes,
 *    no cgroup memory limit (process.constrainedMemory() = 2^64, which Node
 *    treats as "no limit"), so Node passed V8 the physical 25275990016.
 *  - "formula": V8 11.3's src/heap/heap.cc worked by hand for machines
 *    of 512 MiB, 2 GiB and 16 GiB (a docker -m 512m container is 512 MiB):
 *      512 MiB: old = 512/4 x 2 = 256 MiB (= kMinSize), semi = 256/256 = 1 MiB
 *               -> 256 + 3 x 1 = 259 MiB
 *      2 GiB:   old = 1 GiB (< the 2 GiB max), semi = 1024/128 = 8 MiB
 *               -> 1024 + 3 x 8 = 1048 MiB
 *      16 GiB:  old = min(8 GiB, 4 GiB: (16 GiB + 512 MiB) / 1 GiB >= 16), semi =
 *               min(4096/128, 16) = 16 MiB -> 4096 + 3 x 16 = 4144 MiB
 *  - Node 20 takes min(RAM, cgroup limit) as the physical memory, so the
 *    512 MiB figure is also what a 512 MiB container on a big host gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gclab.h"

#define MiB (1024ull * 1024ull)
#define THIS_MACHINE 25275990016ull /* os.totalmem() where the "node" numbers were taken */

static gc_node_heap_sizes size(gc_node_heap_input in) {
  gc_node_heap_sizes out;
  char err[256] = "";
  assert_int_equal(gc_node_heap_limits(&in, &out, err, sizeof err), GC_OK);
  return out;
}

static gc_node_heap_input machine(uint64_t physical) {
  gc_node_heap_input in;
  memset(&in, 0, sizeof in);
  in.physical_memory = physical;
  return in;
}

/* node on this machine, flag by flag. */
static void test_node_on_this_machine(void **state) {
  (void)state;
  gc_node_heap_input in = machine(THIS_MACHINE);
  gc_node_heap_sizes s = size(in);
  assert_int_equal(s.heap_size_limit, 4345298944ull); /* node (no flags) */
  assert_int_equal(s.old_max, 4096 * MiB);
  assert_int_equal(s.semi_max, 16 * MiB);
  assert_int_equal(s.semi_initial, 1 * MiB);

  in.max_old_space_mb = 32;
  assert_int_equal(size(in).heap_size_limit, 83886080ull); /* node --max-old-space-size=32 */
  in.max_semi_space_mb = 1;
  assert_int_equal(size(in).heap_size_limit, 36700160ull); /* ... --max-semi-space-size=1 */

  in = machine(THIS_MACHINE);
  in.max_semi_space_mb = 1;
  assert_int_equal(size(in).heap_size_limit, 4298113024ull); /* node --max-semi-space-size=1 */
  in.max_semi_space_mb = 3;                                  /* rounded up to 4 MiB */
  assert_int_equal(size(in).heap_size_limit, 4307550208ull); /* node --max-semi-space-size=3 */
  in.max_semi_space_mb = 64;
  assert_int_equal(size(in).heap_size_limit, 4496293888ull); /* NODE_OPTIONS=--max-semi-space-size=64 */
  in.max_semi_space_mb = 2, in.max_old_space_mb = 64;
  assert_int_equal(size(in).heap_size_limit, 73400320ull); /* NODE_OPTIONS='--max-old-space-size=64 "--max-semi-space-size=2"' */
  in.max_semi_space_mb = 5, in.max_old_space_mb = 600;
  assert_int_equal(size(in).heap_size_limit, 654311424ull); /* node --max-semi-space-size=5 --max-old-space-size=600 */

  in = machine(THIS_MACHINE);
  in.max_old_space_mb = 300;
  assert_int_equal(size(in).heap_size_limit, 364904448ull); /* node --max-old-space-size=300 */

  in = machine(THIS_MACHINE);
  in.stress_compaction = true;
  assert_int_equal(size(in).heap_size_limit, 4298113024ull); /* node --stress-compaction */

  in = machine(THIS_MACHINE);
  in.min_semi_space_mb = 4; /* the initial size only */
  s = size(in);
  assert_int_equal(s.heap_size_limit, 4345298944ull); /* node --min-semi-space-size=4 */
  assert_int_equal(s.semi_initial, 4 * MiB);
}

/* --max-heap-size splits one number as V8's binary search does. */
static void test_node_max_heap_size(void **state) {
  (void)state;
  gc_node_heap_input in = machine(THIS_MACHINE);
  in.max_heap_mb = 100;
  gc_node_heap_sizes s = size(in);
  assert_int_equal(s.heap_size_limit, 104857600ull); /* node --max-heap-size=100 */
  assert_int_equal(s.old_max, 97 * MiB);
  assert_int_equal(s.semi_max, 1 * MiB);
  in.max_heap_mb = 300;
  s = size(in);
  assert_int_equal(s.heap_size_limit, 314572800ull); /* node --max-heap-size=300 */
  assert_int_equal(s.semi_max, 4 * MiB);             /* 2.5 MiB rounded up to a power of two */
  assert_int_equal(s.old_max, 288 * MiB);
  in.max_heap_mb = 2000;
  assert_int_equal(size(in).heap_size_limit, 2097152000ull); /* node --max-heap-size=2000 */
  in.max_heap_mb = 100, in.max_old_space_mb = 64;
  assert_int_equal(size(in).heap_size_limit, 117440512ull); /* node --max-heap-size=100 --max-old-space-size=64 */
  in.max_old_space_mb = 0, in.max_heap_mb = 700, in.max_semi_space_mb = 8;
  assert_int_equal(size(in).heap_size_limit, 734003200ull); /* node --max-heap-size=700 --max-semi-space-size=8 */

  /* All three at once fail V8's CHECK; gclab refuses them with a message. */
  in.max_old_space_mb = 64;
  gc_node_heap_sizes out;
  char err[256] = "";
  assert_int_equal(gc_node_heap_limits(&in, &out, err, sizeof err), GC_EINVAL);
  assert_non_null(strstr(err, "--max-heap-size"));
}

/* V8's formula for other machines (worked in the header comment). */
static void test_formula_machine_sizes(void **state) {
  (void)state;
  gc_node_heap_sizes s = size(machine(512 * MiB));
  assert_int_equal(s.old_max, 256 * MiB);
  assert_int_equal(s.semi_max, 1 * MiB);
  assert_int_equal(s.heap_size_limit, 259 * MiB);
  assert_int_equal(gc_node_heap_from_physical(512 * MiB), 259 * MiB);

  s = size(machine(2048 * MiB));
  assert_int_equal(s.old_max, 1024 * MiB);
  assert_int_equal(s.semi_max, 8 * MiB);
  assert_int_equal(s.heap_size_limit, 1048 * MiB);

  s = size(machine(16384 * MiB));
  assert_int_equal(s.old_max, 4096 * MiB);
  assert_int_equal(s.semi_max, 16 * MiB);
  assert_int_equal(s.heap_size_limit, 4144 * MiB);

  /* Just below 15.5 GiB the machine counts as 15 GB: the 2 GiB maximum. */
  s = size(machine(15872 * MiB - 1));
  assert_int_equal(s.old_max, 2048 * MiB);
  assert_int_equal(s.semi_max, 16 * MiB);
  s = size(machine(15872 * MiB));
  assert_int_equal(s.old_max, 4096 * MiB);

  /* No wrap-around near 2^64 (physical + 512 MB overflowed to a few
   * hundred MB: the 2 GiB maximum). */
  s = size(machine(UINT64_MAX));
  assert_int_equal(s.old_max, 4096 * MiB);
  s = size(machine(UINT64_MAX - 256 * MiB));
  assert_int_equal(s.old_max, 4096 * MiB);

  /* A machine whose old generation is not a multiple of 128 semispaces:
   * 600 MiB -> old 300 MiB, semi 300/128 rounded up to a 256 KiB page =
   * 2.5 MiB, young 7.5 MiB; the split finds old 300 MiB again, and
   * ConfigureHeap rounds the semispace up to 4 MiB. */
  assert_int_equal(gc_node_young_from_old(300 * MiB), 7 * MiB + 512 * 1024);
  s = size(machine(600 * MiB));
  assert_int_equal(s.old_max, 300 * MiB);
  assert_int_equal(s.semi_max, 4 * MiB);
  assert_int_equal(s.heap_size_limit, 312 * MiB);

  /* Below 512 MiB the old generation stays at its 256 MiB minimum. */
  assert_int_equal(size(machine(128 * MiB)).old_max, 256 * MiB);
}

/* Without physical memory the flags adjust the caller's limits. */
static void test_defaults_from_caller(void **state) {
  (void)state;
  gc_node_heap_input in;
  memset(&in, 0, sizeof in);
  in.old_default = 4 * MiB, in.semi_default = 64 * 1024, in.semi_initial_default = 16 * 1024;
  gc_node_heap_sizes s = size(in);
  assert_int_equal(s.set, 0);
  in.max_old_space_mb = 32;
  s = size(in);
  assert_int_equal(s.set, GC_NODE_SET_OLD_MAX);
  assert_int_equal(s.old_max, 32 * MiB);
  in.min_semi_space_mb = 2; /* above the maximum: clamped to it, as V8 does */
  in.max_semi_space_mb = 1;
  s = size(in);
  assert_int_equal(s.semi_max, 1 * MiB);
  assert_int_equal(s.semi_initial, 1 * MiB);
  in.initial_old_space_mb = 100; /* at most half the maximum */
  s = size(in);
  assert_int_equal(s.initial_old, 16 * MiB);
  assert_true(s.set & GC_NODE_SET_INITIAL_OLD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_node_on_this_machine),
      cmocka_unit_test(test_node_max_heap_size),
      cmocka_unit_test(test_formula_machine_sizes),
      cmocka_unit_test(test_defaults_from_caller),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
