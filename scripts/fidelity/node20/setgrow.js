// A Set that grows: a million request objects, every other one added to
// a Set that keeps it (V8's OrderedHashSet, doubled into a new table when
// full), the rest garbage at once.
const seen = new Set(); const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const req = { id: i, body: null };
  if (i % 2 === 0) seen.add(req);
}
console.log(seen.size);
