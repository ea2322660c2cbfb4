// What dict.js allocates per update, by space: run with a 64 MiB semispace
// (`node --min-semi-space-size=64 --max-semi-space-size=64 dictsize.js`)
// so that no Scavenge runs while 100,000 updates are measured.  On the
// development machine (2026-12-06): new space 211.2 bytes and old space
// 25.8 an update; `'s' + i` alone 48 bytes (the number's string and the
// concatenation), `{ id: i }` 32, the keyed store without deletes 48 new
// and 25.8 old (the internalized copy, 24, and the dictionary's growth),
// with deletes but plain values 168.3 new.  The table stays young here
// (no Scavenge promotes it), so its replacements are young too; in dict.js
// they are old once a GC has moved the table there (dict-1e6.lua).
const v8 = require('v8');
const table = {};
function run(from, to) {
  for (let i = from; i < to; i++) {
    table['s' + i] = { id: i };
    if (i >= 1000) delete table['s' + (i - 1000)];
  }
}
function spaces() {
  const r = {};
  for (const s of v8.getHeapSpaceStatistics()) r[s.space_name] = s.space_used_size;
  return r;
}
run(0, 200000);
const a = spaces();
run(200000, 300000);
const b = spaces();
for (const k in a) if (b[k] !== a[k]) console.log(k, ((b[k] - a[k]) / 100000).toFixed(1));
