// An async loop: each iteration awaits an async function that makes a
// small record; every 20th record kept.  The whole loop runs in one
// microtask checkpoint (every await is of a resolved promise), so no
// task of V8's runs until it ends.
async function fetchItem(i) { return {id: i, ok: true}; }
async function main(n) {
  const keep = [];
  for (let i = 0; i < n; i++) { const item = await fetchItem(i); if (i % 20 === 0) keep.push(item); }
  console.log(keep.length);
}
main(+process.argv[2] || 1000000);
