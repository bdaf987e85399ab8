// BullMQ client with K concurrent submitters (bench/compare installs it as
// bullmq/client_submitters.mjs in its copy of the harness; see bench/peers16/README.md).
// Same protocol and output as the harness's bullmq/client.mjs: `node client_submitters.mjs W N`
// prints READY, waits for "GO" on stdin, runs the workload and prints one JSON line with raw
// timestamps. What differs: K = $BENCH_SUBMITTERS (default 16) submitters, each with its own Queue
// (its own Redis connection), each awaiting its queue.add calls one at a time and taking the next
// workflow index from a shared counter, so up to K submissions are in flight. Completion is still
// observed by one QueueEvents, and t0 (first submit) -> tDone (client saw the last completion) is
// measured the same way. W1, W2 and W4 only (W3 is one workflow, W0 a one-in-flight round trip).
// With B = $BENCH_BULK > 1, each submitter takes the next B workflow indices and adds them with
// one queue.addBulk call (BullMQ's bulk add: one MULTI of B jobs), awaiting it before the next;
// pop's counterpart is a bulk submission of B Agendas (`pop_workflow_bench --batch B`).
import { Queue, QueueEvents } from 'bullmq';
import readline from 'node:readline';
const [W, Nstr] = process.argv.slice(2);
const N = +Nstr;
const K = +(process.env.BENCH_SUBMITTERS || 16);
const B = +(process.env.BENCH_BULK || 1);
const TIMEOUT_MS = +(process.env.BENCH_TIMEOUT_S || 240) * 1000;
const connection = { host: '127.0.0.1', port: +process.env.BENCH_REDIS_PORT };
const Q = 'wf';
const now = () => (performance.timeOrigin + performance.now()) / 1000;
const NAME = { W1: 'T', W2: 'A', W4: 'P' }[W];
if (!NAME || !(K >= 1) || !(B >= 1)) {
  console.error(`client_submitters: workload ${W} with ${K} submitters, bulk ${B} is not supported (W1, W2, W4)`);
  process.exit(2);
}
// one Queue (= one Redis connection) per submitter, same options as the harness's client
const queues = Array.from({ length: K },
  () => new Queue(Q, { connection, streams: { events: { maxLen: 500000 } } }));
await Promise.all(queues.map(q => q.waitUntilReady()));
const qe = new QueueEvents(Q, { connection });
await qe.waitUntilReady();

let target = 0, done = {}, ndone = 0, tLastDone = 0, resolveAll, bad = 0;
qe.on('completed', ({ returnvalue }) => {
  const r = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
  const key = { W1: 'T', W2: 'D', W4: 'P' }[W];
  if (r && r.task === key && (r.wf === undefined || r.wf >= 0) && !(r.wf in done)) {
    done[r.wf] = r.t_end; ndone++; tLastDone = now();
    if (r.task === 'D' && r.v !== 5) bad++;   // result sanity
    if (ndone >= target && resolveAll) resolveAll();
  }
});
function waitAll(n) {
  target = n;
  return new Promise((res, rej) => {
    if (ndone >= n) return res();
    resolveAll = res;
    setTimeout(() => rej(new Error(`timeout: ${ndone}/${n} completed`)), TIMEOUT_MS);
  });
}
// warm-up: one workflow per submitter connection (at least 4, as the harness's client), negative
// ids, not counted
{
  const jobs = [];
  for (let k = 1; k <= Math.max(4, K); k++) jobs.push(await queues[(k - 1) % K].add(NAME, { i: -k }));
  await Promise.all(jobs.map(j => j.waitUntilFinished(qe, 30000)));
  await new Promise(r => setTimeout(r, 500));
}
console.log('READY');
const rl = readline.createInterface({ input: process.stdin });
await new Promise(r => rl.once('line', r));
const sub = {};
let next = 0;
async function submitter(queue) {
  if (B === 1) {
    for (let i = next++; i < N; i = next++) { sub[i] = now(); await queue.add(NAME, { i }); }
    return;
  }
  for (let k = next++; k * B < N; k = next++) {
    const jobs = [];
    const t = now();
    for (let i = k * B; i < Math.min(N, (k + 1) * B); i++) { sub[i] = t; jobs.push({ name: NAME, data: { i } }); }
    await queue.addBulk(jobs);
  }
}
const t0 = now();
await Promise.all(queues.map(submitter));
const tLastSub = now();
await waitAll(N);
const tDone = tLastDone;
const counts = await queues[0].getJobCounts('completed', 'failed', 'waiting', 'active');
console.log(JSON.stringify({ t0, tLastSub, tDone, sub, done, counts, bad, submitters: K, bulk: B }));
// stay alive until the driver has read our CPU/RSS (it closes our stdin)
await new Promise(r => { rl.once('close', r); rl.once('line', r); });
await qe.close();
await Promise.all(queues.map(q => q.close()));
process.exit(0);
