// Chunks joined as a stream reader joins them: n times, 16
// Buffer.allocUnsafe(1024) chunks -- slices of Node's 8 KiB Buffer pool,
// so two pools (two ArrayBuffers of 8 KiB outside the heap) per round --
// joined by Buffer.concat into one 16 KiB Buffer of its own; every 50th
// result kept in a ring of 500.
const n = +process.argv[2] || 50000, R = 500, ring = new Array(R).fill(null);
for (let i = 0; i < n; i++) {
  const chunks = [];
  for (let k = 0; k < 16; k++) {
    const c = Buffer.allocUnsafe(1024);
    c[0] = k;
    chunks.push(c);
  }
  const whole = Buffer.concat(chunks);
  if (i % 50 === 0) ring[(i / 50) % R] = whole;
}
console.log(ring[R - 1].length);
