// A cache that is filled and cleared, round after round: 200,000 entries
// {r, i} keyed by Smis set into a Map, then map.clear(), twenty times.
// Each round's entries and the Map's grown tables are promoted while the
// round runs and are garbage after the clear.
const m = new Map(); const N = 200000; const rounds = +process.argv[2] || 20;
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < N; i++) m.set(i, {r, i});
  m.clear();
}
console.log(m.size);
