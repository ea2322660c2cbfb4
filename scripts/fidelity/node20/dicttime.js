// No workload: times dict.js's loop (table['s' + i] = {id: i}, and the
// delete of the key 1000 before) with process.hrtime, for the price per
// iteration dict-1e6.lua charges with heap:compute.  Run with --trace-gc
// and take the GC pauses the trace prints after the "iterations:" line
// off the time it prints.  One loop times iterations 100,000 to
// 1,000,000, after its code has tiered up as dict.js's has.
const table = {}; const n = 1000000; let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  table['s' + i] = { id: i };
  if (i >= 1000) delete table['s' + (i - 1000)];
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', Object.keys(table).length);
