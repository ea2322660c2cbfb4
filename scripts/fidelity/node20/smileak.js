// A leak of small arrays of Smis to out of memory under
// --max-old-space-size=32: every iteration allocates a 1000-element array
// filled with a Smi (an 8 KB backing store, young, copied by Scavenges)
// and every sixteenth is kept.
const keep = []; const n = +process.argv[2] || 1e7;
for (let i = 0; i < n; i++) {
  const a = new Array(1000).fill(i & 1023);
  if (i % 16 === 0) keep.push(a);
}
console.log(keep.length);
