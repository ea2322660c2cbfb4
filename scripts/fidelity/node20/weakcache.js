// A WeakMap cache keyed by request objects: n requests, each with a
// cached result held by the map; every 10th request stays live (kept in
// an array), the others die, and their entries with them.
const cache = new WeakMap(); const live = []; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const req = { id: i, body: null };
  cache.set(req, { v: i, next: null });
  if (i % 10 === 0) live.push(req);
}
console.log(live.length);
