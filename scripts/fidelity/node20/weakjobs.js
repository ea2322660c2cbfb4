// WeakRefs across event-loop turns: 50 turns (setImmediate), each first
// deref()ing the previous turn's WeakRefs, then making 20000 requests and
// a WeakRef to every tenth.  A target is kept until the end of the turn
// that made or deref'd it (KeepDuringJob), then only its WeakRef knows it.
let refs = []; let turn = 0, alive = 0;
function work() {
  for (const r of refs) if (r.deref() !== undefined) alive++;
  refs = [];
  for (let i = 0; i < 20000; i++) {
    const req = { id: i, body: null };
    if (i % 10 === 0) refs.push(new WeakRef(req));
  }
  if (++turn < 50) setImmediate(work); else console.log(alive);
}
work();
