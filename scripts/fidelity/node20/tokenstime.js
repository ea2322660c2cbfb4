// No workload: times tokens.js's loop (a {id, socket} registered with a
// FinalizationRegistry under itself as the token, every 10th kept, the
// rest unregistered) with process.hrtime, for the price per iteration
// tokens-1e6.lua's charge can be set against.  Run with --trace-gc and
// take the GC pauses the trace prints after the "iterations:" line off
// the time it prints.  One loop times iterations 100,000 to 1,000,000.
const reg = new FinalizationRegistry(() => {}); const open = []; const n = 1000000; let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  const conn = { id: i, socket: null };
  reg.register(conn, i, conn);
  if (i % 10 === 0) open.push(conn); else reg.unregister(conn);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', open.length);
