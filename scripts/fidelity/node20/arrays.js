// Arrays of mixed sizes in a ring: each of 200,000 iterations puts a new
// array of 16 to 2,015 Smis (144 bytes to 16 KB: below and above the
// scavenger's 8 KB copy-buffer limit) in one of 500 slots, replacing the
// one put there 500 iterations before.  Sizes come from a 32-bit LCG.
const n = +process.argv[2] || 200000, slots = 500;
const ring = new Array(slots).fill(null);
let seed = 1;
for (let i = 0; i < n; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  ring[i % slots] = new Array(16 + (seed >>> 16) % 2000).fill(i);
}
console.log(ring.length);
