// No workload: times scatter.js's loop unoptimized, a MINSTD step and a
// store of a fresh {a, b}, with process.hrtime, for the price of the
// loop's recompile on gclab's clock (docs/fidelity.md,
// *scatter-3e6-40m-semi1*; scattertime.js times the whole loop as it
// runs).  Run with --no-opt
// (the code V8 runs while the compile is under way) and --trace-gc, and
// take the GC pauses the trace prints after the "iterations:" line off the
// time it prints.  The timed iterations are the 20,000th to the 60,000th,
// around the Scavenge whose tenure decision deoptimizes the loop under
// --max-semi-space-size=1; one loop times them, so that its code has run
// 20,000 iterations before, as scatter.js's has.
const N = 500000;
const slots = new Array(N).fill(null);
let x = 1, t0 = 0n;
for (let i = 0; i < 60000; i++) {
  if (i === 20000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  x = (x * 48271) % 2147483647;
  slots[x % N] = { a: i, b: null };
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', 40000, 'iterations', slots.length);
