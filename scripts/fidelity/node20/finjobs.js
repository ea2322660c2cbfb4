// A FinalizationRegistry across event-loop turns: 50 turns
// (setImmediate), each making 20000 requests and registering every tenth
// (held value: its id); nothing keeps a request past its turn, so only the
// registry's WeakCells know them, and their cleanups count the ones the
// GCs found dead.
let turn = 0, cleaned = 0;
const reg = new FinalizationRegistry(() => { cleaned++; });
function work() {
  for (let i = 0; i < 20000; i++) {
    const req = { id: i, body: null };
    if (i % 10 === 0) reg.register(req, i);
  }
  if (++turn < 50) setImmediate(work); else setTimeout(() => console.log(cleaned), 0);
}
work();
