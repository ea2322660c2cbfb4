// No workload: times mapleak.js's loop, m.set(i, {k: i, v: null}), with
// process.hrtime, for the window mapleak-oom-48m.lua gives the loop's
// recompile (heap:site's optimize_us).  Run with --no-opt (the code V8
// runs while the compile is under way) and --trace-gc, and take the GC
// pauses the trace prints after the "iterations:" line off the time it
// prints.  The timed iterations are the 15,000th to the 45,000th, where
// mapleak.js's first Scavenge deoptimizes the loop; one loop times them,
// so that its code has run 15,000 iterations before, as mapleak.js's has.
const m = new Map(); let t0 = 0n;
for (let i = 0; i < 45000; i++) {
  if (i === 15000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  m.set(i, { k: i, v: null });
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', 30000, 'iterations', m.size);
