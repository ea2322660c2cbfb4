# Old-generation and incremental-marking benchmarks (issues 3 and 4): a full
# Mark-Sweep / Mark-Compact of a million live objects against Boehm GC's
# GC_gcollect, and incremental versus stop-the-world marking work.
gclab_bench(bench_full_gc BOEHM)
gclab_bench(bench_incremental)
