// No workload: times bt.js's make() calls with process.hrtime, for the
// window bt-14.lua gives make()'s compile (heap:site's optimize_us).  Run
// with --no-opt (the code V8 runs while the compile is under way) and
// --trace-gc, and take the GC pauses the trace prints after the "calls:"
// line off the time it prints.
function make(d){ return d===0 ? {l:null,r:null} : {l:make(d-1), r:make(d-1)}; }
const trees = +process.argv[2] || 200;
let keep = make(14); // warm up: Ignition, then Sparkplug
console.log('calls:');
const t0 = process.hrtime.bigint();
for (let i = 0; i < trees; i++) keep = make(14);
const ns = Number(process.hrtime.bigint() - t0);
console.log('time', (ns / 1e6).toFixed(1), 'ms for', trees * 32767, 'calls', keep === null);
