// Forced Scavenges: a loop that keeps every 20th of 2,000,000 {a, b} in an
// array and calls gc({type: 'minor'}) every 100,000 iterations (run with
// --expose-gc), as a test harness that wants young-generation numbers does.
const keep = []; const n = +process.argv[2] || 2000000;
for (let i = 0; i < n; i++) {
  const o = { a: i, b: null };
  if (i % 20 === 0) keep.push(o);
  if (i % 100000 === 99999) gc({ type: 'minor' });
}
console.log(keep.length);
