// Factorials as BigInts: f = f * BigInt(i) for i up to n, every tenth
// product kept in an array.  Each product is a new BigInt of the product's
// size (16 bytes and 8 per 64-bit digit), the factor a one-digit BigInt.
const n = +process.argv[2] || 20000;
let f = 1n; const keep = [];
for (let i = 1; i <= n; i++) {
  f *= BigInt(i);
  if (i % 10 === 0) keep.push(f);
}
console.log(keep.length, f.toString(16).length);
