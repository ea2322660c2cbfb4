// dev-only, no workload: new space's used bytes around slices.js's two
// calls, padEnd and slice, in each of 400 iterations (an iteration a GC
// falls in is dropped), printed as a count of each pair "padEnd+slice".
// Each delta also holds the bytes of one measurement (the statistics
// array v8.getHeapSpaceStatistics() returns): the slice's 65,552 + 32
// bytes come to 66,872 in optimized code, so a measurement is 1,288 and
// padEnd's strings 2,272 - 1,288 = 984.
const v8 = require('v8');
function used() { return v8.getHeapSpaceStatistics()[1].space_used_size; }
const keep = []; const r = [];
for (let i = 0; i < 400; i++) {
  const u0 = used();
  const big = ('record ' + i + ';').padEnd(65536, '.');
  const u1 = used();
  keep.push(big.slice(0, 20));
  const u2 = used();
  if (u1 > u0 && u2 > u1) r.push([u1 - u0, u2 - u1]);
}
const m = {}; for (const [a, b] of r) { const k = a + '+' + b; m[k] = (m[k] || 0) + 1; }
console.log(m);
