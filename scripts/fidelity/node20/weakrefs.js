// WeakRefs made in one synchronous job: every 10th of n request objects
// gets a WeakRef; KeepDuringJob holds each target until the job ends.
const refs = []; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const req = { id: i, body: null };
  if (i % 10 === 0) refs.push(new WeakRef(req));
}
console.log(refs.length);
