// Not a workload: points.js's and names.js's loops timed with
// process.hrtime (`node --trace-gc pointstime.js points` or `... names`:
// add up the GC pauses of the trace lines to take them off).
// points-1e6.lua and names-1e6.lua charge what is left per iteration
// beyond gclab's own prices.
const which = process.argv[2] || 'points';
const n = +process.argv[3] || 1000000;
const out = [];
const t0 = process.hrtime.bigint();
if (which === 'points') for (let i = 0; i < n; i++) out.push({ x: i + 0.5, y: (i + 0.5) * 0.25 });
else for (let i = 0; i < n; i++) out.push('user-' + i);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${which}: ${out.length} iterations, loop ${ms.toFixed(1)} ms`);
