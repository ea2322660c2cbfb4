// A Map that only grows (a cache never evicted), under
// --max-old-space-size=48: {k, v} values under small-integer keys until
// the heap runs out.
const m = new Map(); let i = 0;
for (;;) { m.set(i, { k: i, v: null }); i++; }
