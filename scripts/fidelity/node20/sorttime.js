// No workload: times sort.js's rounds (a.sort with the comparator, then
// a.reverse) with process.hrtime, for the price sort-300.lua charges a
// round with heap:compute.  Run with --trace-gc and take the GC pauses
// the trace prints after the "rounds:" line off the time it prints.
const N = 100000; const a = [];
for (let i = 0; i < N; i++) a.push({k: (i * 7919) % N});
const rounds = +process.argv[2] || 300;
const t0 = process.hrtime.bigint();
console.log('rounds:');
for (let r = 0; r < rounds; r++) { a.sort((x, y) => x.k - y.k); a.reverse(); }
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(1), 'ms for', rounds, 'rounds');
