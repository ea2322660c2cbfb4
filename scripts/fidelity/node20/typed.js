// Typed arrays in a ring: n new Float64Array(1024) -- 8 KiB each outside
// the heap, the ArrayBuffer's backing store -- every 10th stored into a
// ring of 1000, where it lives 10,000 iterations (long enough to be
// promoted, so that old ArrayBuffers pile up until a Mark-Compact).
const n = +process.argv[2] || 200000, R = 1000, ring = new Array(R).fill(null);
for (let i = 0; i < n; i++) {
  const a = new Float64Array(1024);
  a[0] = i;
  if (i % 10 === 0) ring[(i / 10) % R] = a;
}
console.log(ring[R - 1][0]);
