# .heapsnapshot file throughput (issue 12): write and read MB/s, peak read
# memory, and memlab on the same file when node and memlab are present.
gclab_bench(bench_snapshot_io)
target_link_libraries(bench_snapshot_io PRIVATE gclab_snapshot_file)
