// Not a workload: smileak.js's loop timed with process.hrtime for n
// arrays (`node --trace-gc smileaktime.js N`: add up the GC pauses of the
// trace lines to take them off).  smileak-oom-32m.lua charges each
// array's time from it.
const keep = []; const n = +process.argv[2] || 20000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const a = new Array(1000).fill(i & 1023);
  if (i % 16 === 0) keep.push(a);
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} arrays, ${keep.length} kept, loop ${ms.toFixed(2)} ms`);
