// Not a workload: scatter.js's loop timed with process.hrtime
// (`node --trace-gc scattertime.js`: add up the GC pauses of the trace
// lines to take them off).  scatter-3e6-40m.lua charges no time of its
// own; node20/README.md and docs/fidelity.md compare the two.
const N = 500000, n = +process.argv[2] || 5000000;
const slots = new Array(N).fill(null);
let x = 1;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  x = (x * 48271) % 2147483647;
  slots[x % N] = { a: i, b: null };
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
let c = 0;
for (let i = 0; i < N; i++) if (slots[i] !== null) c++;
console.log(`${n} stores, ${c} slots filled, loop ${ms.toFixed(1)} ms`);
