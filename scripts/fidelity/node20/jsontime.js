// No workload: times json.js's loop (JSON.parse of one small document,
// every 8th result kept in a ring of 2000) with process.hrtime, for the
// price per iteration json-1e6.lua's charge can be set against.  Run with
// --trace-gc and take the GC pauses the trace prints after the
// "iterations:" line off the time it prints.  One loop times iterations
// 100,000 to 1,000,000, after its code has tiered up as json.js's has.
const doc = '{"id":1,"name":"widget","tags":["red","green","blue"],"price":12.5,"dims":{"w":10,"h":20}}';
const n = 1000000; const ring = new Array(2000); let t0 = 0n;
for (let i = 0; i < n; i++) {
  if (i === 100000) { console.log('iterations:'); t0 = process.hrtime.bigint(); }
  const o = JSON.parse(doc); if ((i & 7) === 0) ring[(i >> 3) % 2000] = o;
}
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(3), 'ms for', n - 100000, 'iterations', ring.length);
