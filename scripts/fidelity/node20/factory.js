// A factory function called in a loop: each call returns a fresh literal
// {id, next} made at the allocation site in make's own code; every tenth
// is kept in an array, the rest die young.
function make(i) { return { id: i, next: null }; }
const kept = []; const n = +process.argv[2] || 2000000;
for (let i = 0; i < n; i++) { const o = make(i); if (i % 10 === 0) kept.push(o); }
console.log(kept.length);
