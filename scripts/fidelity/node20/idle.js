// A server-like loop that goes idle: 40 "requests" handled one per event-loop
// turn (setImmediate), each allocating 20000 short-lived {id, next} objects
// and keeping every 100th in a session list, then nothing for 12 s before
// the process exits: V8's idle-time tasks and memory reducer run in that gap.
const sessions = [];
let served = 0;
function handle() {
  let tmp = null;
  for (let i = 0; i < 20000; i++) {
    tmp = { id: i, next: tmp };
    if (i % 100 === 0) sessions.push(tmp);
  }
  if (++served < 40) setImmediate(handle);
  else setTimeout(() => console.log(sessions.length), 12000);
}
handle();
