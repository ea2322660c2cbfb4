// A server under steady light load: a request every 2 ms (setInterval)
// for 1500 requests, each making 5000 short-lived {id, next} and caching
// one {id, body} result (body: a 50-element array) in a ring of 1000;
// then 10 s idle before the process exits.
const ring = new Array(1000).fill(null); const n = +process.argv[2] || 1500; let served = 0;
const timer = setInterval(() => {
  let tmp = null;
  for (let i = 0; i < 5000; i++) tmp = { id: i, next: tmp };
  ring[served % 1000] = { id: served, body: new Array(50).fill(tmp.id) };
  if (++served === n) { clearInterval(timer); setTimeout(() => console.log(served), 10000); }
}, 2);
