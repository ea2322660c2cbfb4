// A listener leak: every second request's callback (a closure over the
// request: a JSFunction and its block's Context) is added to a list that
// is never cleared, until the heap runs out (run with
// --max-old-space-size=24).
const listeners = [];
for (let i = 0; ; i++) {
  const req = { id: i, body: null };
  const cb = () => req.id;
  if (i % 2 === 0) listeners.push(cb);
}
