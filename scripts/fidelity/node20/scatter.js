// Random replacement in a large table: 500,000 slots, n stores of a fresh
// {a, b} into a slot picked by MINSTD (exact in doubles and in Lua
// integers).  A record lives until its slot is picked again: a geometric
// lifetime of 500,000 stores on average (about 20 MB of allocation), so
// most outlive two Scavenges, are promoted, and die in old space at
// random places.
const N = 500000, n = +process.argv[2] || 5000000;
const slots = new Array(N).fill(null);
let x = 1;
for (let i = 0; i < n; i++) {
  x = (x * 48271) % 2147483647;
  slots[x % N] = { a: i, b: null };
}
let c = 0;
for (let i = 0; i < N; i++) if (slots[i] !== null) c++;
console.log(c);
