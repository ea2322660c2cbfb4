# Weak-reference benchmarks (issue 13): full-GC time per entry of ephemeron
# chains of 10k, 100k and 1M entries (near-linear growth).
gclab_bench(bench_ephemeron)
add_test(NAME bench_ephemeron_smoke COMMAND bench_ephemeron 1000)
set_tests_properties(bench_ephemeron_smoke PROPERTIES LABELS "bench")

# FinalizationRegistry.unregister against the registry's size (issue 16's
# held-out tokens workload): flat per pair with the token index.
gclab_bench(bench_unregister)
add_test(NAME bench_unregister_smoke COMMAND bench_unregister 1000)
set_tests_properties(bench_unregister_smoke PROPERTIES LABELS "bench")
