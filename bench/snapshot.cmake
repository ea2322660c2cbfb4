# Heap-snapshot benchmarks (issue 12): taking a snapshot of a million-object
# heap and analysing it (dominators, retained sizes, distances), against a
# full GC of the same heap.
gclab_bench(bench_snapshot)
