// A grid of rows rebuilt round after round: each round a new grid of
// 1000 rows of 1000 Smis (1000 arrays with 8 KB backing stores: regular
// objects, allocated young), the previous grid garbage once replaced.
const rows = 1000, cols = 1000, rounds = +process.argv[2] || 50;
let grid = [];
for (let r = 0; r < rounds; r++) {
  const next = [];
  for (let i = 0; i < rows; i++) next.push(new Array(cols).fill(r));
  grid = next;
}
console.log(grid.length);
