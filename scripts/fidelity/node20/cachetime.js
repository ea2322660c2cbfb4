// No workload: times cache.js's loop (cache.set(i, {k: i, v: null}) and
// the delete of the oldest past 50000) with process.hrtime, for the price
// per iteration cache-2e6.lua charges with heap:compute.  Run with
// --trace-gc and take the GC pauses the trace prints after the
// "iterations:" line off the time it prints.  One loop times iterations
// 100,000 to 2,000,000, after its code has tiered up as cache.js's has.
const cache = new Map(); const cap = 50000; const n = 2000000; let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  cache.set(i, { k: i, v: null });
  if (i >= cap) cache.delete(i - cap);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', cache.size);
