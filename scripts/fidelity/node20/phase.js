// One allocation site through a change of phase: make()'s literal first
// builds a list that all survives (V8 tenures the site: its objects are
// then allocated old), then the same literal's objects go into a ring of
// 64 and are dead 64 iterations later.
function make(i, next) { return { i, next }; }
const n = +process.argv[2] || 4000000;
let head = null;
for (let i = 0; i < n / 4; i++) head = make(i, head);
head = null;
const ring = new Array(64).fill(null);
for (let i = 0; i < n; i++) ring[i & 63] = make(i, null);
console.log(ring[5].i);
