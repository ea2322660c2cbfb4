// No workload: times setgrow.js's loop (a {id, body} literal each
// iteration, every other one added to a Set) with process.hrtime, for
// the price per iteration setgrow-1e6.lua charges with heap:compute.  Run
// with --trace-gc and take the GC pauses the trace prints after the
// "iterations:" line off the time it prints.  One loop times iterations
// 100,000 to 1,000,000, after its code has tiered up as setgrow.js's has.
const seen = new Set(); const n = 1000000; let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  const req = { id: i, body: null };
  if (i % 2 === 0) seen.add(req);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', seen.size);
