// pg-boss W1 client, after the shared peers' harness (pgboss/client.mjs): node client.mjs setup,
// or node client.mjs W1 N. Prints READY after a warm-up, waits for a line on stdin, submits N
// no-op jobs with boss.send() from BENCH_SUBMITTERS (default 1) concurrent loops, each awaiting
// its sends one at a time, then polls the job table every 20 ms until all are completed; prints
// one JSON line {t0, tLastSub, tDone, n, submitters, timedOut} (seconds, wall clock).
import PgBoss from 'pg-boss';
import readline from 'node:readline';
const [W, Nstr] = process.argv.slice(2);
const N = +Nstr;
const K = +(process.env.BENCH_SUBMITTERS || 1);
const TIMEOUT_MS = +(process.env.BENCH_TIMEOUT_S || 240) * 1000;
const now = () => (performance.timeOrigin + performance.now()) / 1000;
const sleep = ms => new Promise(r => setTimeout(r, ms));
const Q = 'wf';
if (W === 'setup') {
  const boss = new PgBoss({ connectionString: process.env.BENCH_PG_URL, supervise: false, schedule: false });
  await boss.start();
  await boss.createQueue(Q);
  await boss.stop({ graceful: false, wait: true });
  console.log('SETUP OK');
  process.exit(0);
}
if (W !== 'W1') throw new Error('only W1');
const boss = new PgBoss({ connectionString: process.env.BENCH_PG_URL, supervise: false, schedule: false,
                          migrate: false, max: K + 2 });
await boss.start();
const db = boss.getDb();
const countDone = async () => +(await db.executeSql(
  "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed' AND (data->>'i')::int >= 0", [Q])).rows[0].n;
for (let k = 1; k <= 4; k++) await boss.send(Q, { kind: 'T', i: -k });
while (+(await db.executeSql("SELECT count(*) AS n FROM pgboss.job WHERE state = 'completed'")).rows[0].n < 4) await sleep(20);
await sleep(500);
console.log('READY');
const rl = readline.createInterface({ input: process.stdin });
await new Promise(r => rl.once('line', r));
const t0 = now();
let next = 0;
await Promise.all(Array.from({ length: K }, async () => {
  for (let i = next++; i < N; i = next++) await boss.send(Q, { kind: 'T', i });
}));
const tLastSub = now();
let tDone = null;
while (now() - t0 < TIMEOUT_MS / 1000) {
  if (await countDone() >= N) { tDone = now(); break; }
  await sleep(20);
}
console.log(JSON.stringify({ t0, tLastSub, tDone, n: N, submitters: K, timedOut: tDone === null }));
await boss.stop({ graceful: false, wait: true });
process.exit(0);
