// An allocation site that pretenures: one site makes objects that all
// survive (a list of 400000 {next, v}), another makes 4 temporaries per
// iteration that a 64-entry ring keeps for 16 iterations, then drops.
// V8 tenures the first site after a Scavenge at the maximum semispace
// (--max-semi-space-size=1 here); the second's objects die young.
let head = null; const n = +process.argv[2] || 400000; const ring = new Array(64).fill(null);
for (let i = 0; i < n; i++) {
  head = { next: head, v: null };
  for (let j = 0; j < 4; j++) ring[(i * 4 + j) & 63] = { next: null, v: null };
}
console.log(n);
