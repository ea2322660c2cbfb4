// How fast remap.js's map callback makes its objects: ns per object, round
// by round (GCs included).  `node --no-opt remaptime.js 12`: the rounds
// without a GC (the 4th, 7th, 9th and 11th) give Node's unoptimized
// (Sparkplug) price, 27-55 ns an object, 46 on average over nine runs on
// this machine (remap-30.lua's compile windows); without --no-opt the
// optimized price, 15-17.
let arr = Array.from({ length: 100000 }, (_, i) => ({ i, next: null }));
const rounds = +process.argv[2] || 30;
const t = [];
for (let r = 0; r < rounds; r++) { const t0 = process.hrtime.bigint(); arr = arr.map(o => ({ i: o.i + 1, next: null })); t.push(Number(process.hrtime.bigint() - t0) / 1e5); }
console.log(t.map(x => x.toFixed(0)).join(" "));
