// pg-boss worker process (the benchmark starts 2), as in the shared peers' harness: the public
// fetch()/complete() API in a loop, one job at a time (pg-boss's own work() fetches one batch per
// polling interval of at least 0.5 s, which would cap the rate at batchSize / 0.5 s per worker).
import PgBoss from 'pg-boss';
const sleep = ms => new Promise(r => setTimeout(r, ms));
const now = () => (performance.timeOrigin + performance.now()) / 1000;
const Q = 'wf';
const boss = new PgBoss({ connectionString: process.env.BENCH_PG_URL, supervise: false, schedule: false,
                          migrate: false, max: 2 });
boss.on('error', e => console.error('pg-boss error', e));
await boss.start();
let stopping = false;
process.on('SIGTERM', () => { stopping = true; });
console.log('worker ready', process.pid);
while (!stopping) {
  const jobs = await boss.fetch(Q, { batchSize: 1 });
  if (!jobs || jobs.length === 0) { await sleep(10); continue; }
  const job = jobs[0];
  await boss.complete(Q, job.id, { task: job.data.kind, wf: job.data.i, t_end: now() });
}
await boss.stop({ graceful: false, wait: true });
process.exit(0);
