// Near the maximum, then idle: a list of 690,000 {v, next} (about 27 MB)
// under --max-old-space-size=32, then 12 s with nothing to do.  The old
// generation cannot grow by an eighth of its maximum, so V8's memory
// reducer starts at its timer whatever the allocation rate
// (Heap::ShouldOptimizeForMemoryUsage: "Memory reducer: high alloc,
// background" in --trace-gc-verbose).
let head = null;
const n = +process.argv[2] || 690000;
for (let i = 0; i < n; i++) head = {v: i, next: head};
setTimeout(() => console.log(head.v), 12000);
