// Not a workload: bufleak.js's loop timed with process.hrtime for n
// arrays (`node --trace-gc bufleaktime.js N`: add up the GC pauses of the
// trace lines to take them off).  bufleak-oom-64m.lua charges each
// array's time from it.
const keep = []; const n = +process.argv[2] || 400;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const a = new Array(20000).fill(0);
  if (i % 4 === 0) keep.push(a);
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} arrays, ${keep.length} kept, loop ${ms.toFixed(2)} ms`);
