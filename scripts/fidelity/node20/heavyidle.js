// A heavy burst, then idle: one loop allocates 8 million {v, next} (320
// MB), every 20th kept in a list (16 MB); then 20 s with nothing to do.
// V8's memory reducer, armed by the burst's Mark-Compact, looks at the
// allocation rate every 8 s: the tracer's last ten intervals, the burst's
// included, against the GC's own speed (Heap::HasLowAllocationRate).
let head = null;
for (let i = 0; i < 8e6; i++) {
  const o = {v: i, next: null};
  if (i % 20 === 0) { o.next = head; head = o; }
}
setTimeout(() => console.log(head.v), +process.argv[2] || 20000);
