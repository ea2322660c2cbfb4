// A Map-based cache with churn: 2e6 puts of fresh {k, v} values under Smi
// keys into a Map that keeps the newest 50000 (the oldest is deleted on
// every put past that).  The Map's table is rehashed into a new backing
// store (a large object) whenever its deleted entries fill it.
const cache = new Map(); const cap = 50000; const n = +process.argv[2] || 2000000;
for (let i = 0; i < n; i++) {
  cache.set(i, { k: i, v: null });
  if (i >= cap) cache.delete(i - cap);
}
console.log(cache.size);
