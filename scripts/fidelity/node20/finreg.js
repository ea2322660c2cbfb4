// A FinalizationRegistry watching a million request objects in one job,
// every tenth kept live: each register() makes a WeakCell; the dead
// requests' cells wait, cleared, for a cleanup task after the loop.
const reg = new FinalizationRegistry(() => {}); const live = []; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const req = { id: i, body: null };
  reg.register(req, i);
  if (i % 10 === 0) live.push(req);
}
console.log(live.length);
