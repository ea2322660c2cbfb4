// A leak of large arrays to out of memory under --max-old-space-size=64:
// every iteration allocates a 20000-element array (a 160 KB backing
// store: a large object, allocated young) and every 4th is kept.
const keep = []; const n = +process.argv[2] || 1e6;
for (let i = 0; i < n; i++) {
  const a = new Array(20000).fill(0);
  if (i % 4 === 0) keep.push(a);
}
console.log(keep.length);
