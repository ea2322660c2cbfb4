// Not a workload: bst.js's loop timed with process.hrtime, and the steps
// of its walks down the tree counted (`node --trace-gc bsttime.js`: add up
// the GC pauses of the trace lines to take them off).  bst-1e6.lua charges
// the walk's time per step from it.
const n = +process.argv[2] || 1000000;
const root = { k: 1073741823, l: null, r: null };
let x = 1, steps = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  x = (x * 48271) % 2147483647;
  const node = { k: x, l: null, r: null };
  let p = root;
  for (;;) {
    steps++;
    if (x < p.k) { if (p.l === null) { p.l = node; break; } p = p.l; }
    else { if (p.r === null) { p.r = node; break; } p = p.r; }
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} insertions, ${steps} steps, loop ${ms.toFixed(1)} ms`);
