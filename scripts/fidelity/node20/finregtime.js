// No workload: times finreg.js's loop (a {id, body} request registered
// with a FinalizationRegistry, every 10th kept) with process.hrtime, for
// the price per iteration finreg-1e6.lua's charge can be set against.
// Run with --trace-gc and take the GC pauses the trace prints after the
// "iterations:" line off the time it prints.  One loop times iterations
// 100,000 to 1,000,000.
const reg = new FinalizationRegistry(() => {}); const live = []; const n = 1000000; let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  const req = { id: i, body: null };
  reg.register(req, i);
  if (i % 10 === 0) live.push(req);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', live.length);
