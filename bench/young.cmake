# Young-generation benchmarks (issue 2): binary-trees against Boehm GC and
# malloc/free, and the scavenger's copy rate against memcpy.
gclab_bench(bench_binary_trees BOEHM)
gclab_bench(bench_scavenge_copy)
