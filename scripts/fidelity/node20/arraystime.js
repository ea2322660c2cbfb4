// No workload: times arrays.js's loop (a new Array of 16 to 2,015 Smis,
// filled, into a ring of 500) with process.hrtime, for the price per
// iteration arrays-2e5.lua charges with heap:compute.  Run with
// --trace-gc and take the GC pauses the trace prints after the
// "iterations:" line off the time it prints.  One loop times iterations
// 20,000 to 200,000, after its code has tiered up as arrays.js's has.
const n = 200000, slots = 500;
const ring = new Array(slots).fill(null);
let seed = 1, t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 20000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  ring[i % slots] = new Array(16 + (seed >>> 16) % 2000).fill(i);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 20000, 'iterations', ring.length);
