// A burst, then idle: 60 event-loop turns (setImmediate) each build a
// list of 25000 {v, next} (1 MB), every third list kept; then 30 s with
// nothing to do, in which V8's memory reducer may collect.
const kept = []; let n = 0;
function burst() {
  let head = null;
  for (let i = 0; i < 25000; i++) head = { v: i, next: head };
  if (n % 3 === 0) kept.push(head);
  if (++n < 60) setImmediate(burst); else setTimeout(() => console.log(kept.length), 30000);
}
burst();
