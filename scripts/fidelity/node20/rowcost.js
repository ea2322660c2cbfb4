const cols = 1000;
function run(n, r) { let keep; for (let i = 0; i < n; i++) keep = new Array(cols).fill(r); return keep; }
function runObj(n) { let head = null; for (let i = 0; i < n; i++) head = { next: null, v: null }; return head; }
for (let w = 0; w < 3; w++) { run(20000, w); runObj(200000); }
let t = process.hrtime.bigint(); run(200000, 7); let t1 = process.hrtime.bigint();
console.log('row ns', Number(t1 - t) / 200000);
t = process.hrtime.bigint(); runObj(5000000); t1 = process.hrtime.bigint();
console.log('small obj ns', Number(t1 - t) / 5000000);
