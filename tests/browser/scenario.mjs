// The web UI's scenario in Debian's chromium (run by run.sh against a real `pop dev`): sign in,
// submit an Agenda with a 3-operation DAG and watch it go green through the event stream, open a
// log, rerun a failed operation, see a running Agenda and the pullers' last poll on the Resource
// Pools page, cancel the Agenda, and a second tenant's token that sees none of it (list and deep
// link). A screenshot of each page goes to POP_SCREENSHOTS.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.POP_URL;
const adminToken = process.env.POP_TOKEN;
const shots = process.env.POP_SCREENSHOTS;
const started = Date.now();

function step(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
}

// The API from the test itself (set-up and checks the UI does not show).
async function call(method, route, body, token = adminToken) {
  const response = await fetch(`${url}/pop${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${route}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function until(what, check, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const context = await chromium.launchPersistentContext(
  mkdtempSync(path.join(process.env.POP_PROFILE_DIR, 'profile-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
const failures = [];
context.on('weberror', (error) => failures.push(`page error: ${error.error().message}`));
const page = await context.newPage();
page.on('console', (message) => {
  // Refused API calls (the wrong token on purpose) are logged by the browser itself.
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
    failures.push(`console: ${message.text()}`);
  }
});
page.setDefaultTimeout(15000);
const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

async function submit(agenda) {
  await page.goto(`${url}/ui/agendas`);
  await page.locator('details.submit summary').click();
  await page.locator('#submit-json').fill(JSON.stringify(agenda));
  await page.locator('#submit-agenda').click();
  await page.waitForURL(/\/ui\/agendas\/[^/]+$/);
  await page.locator('#dag svg').waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

try {
  // Sign in (a deep link first: it asks for the token and comes back).
  step('sign in');
  await page.goto(`${url}/ui/agendas`);
  await page.locator('#token').waitFor();
  await shot('01-sign-in');
  await page.locator('#token').fill('pop_not-a-token');
  await page.locator('#sign-in').click();
  await page.getByText('That token is not valid.').waitFor();
  await page.locator('#token').fill(adminToken);
  await page.locator('#sign-in').click();
  await page.getByRole('heading', { name: 'Agendas' }).waitFor();
  await page.locator('#live.stream-live').waitFor();
  assert.equal(await page.evaluate(() => location.search + document.cookie), '');

  // A 3-operation DAG: b after a (dependsOn), c after a (a reference to a's output).
  step('submit a DAG and watch it go green');
  const dagId = await submit({
    customerId: 'dev',
    linkId: 'browser-dag',
    operations: [
      { name: 'a', type: 'sample', payload: {
        actions: [{ action: 'log', paramsMap: { logMessage: 'hello from a', sleepMilliseconds: 1500 } }],
        resultPayload: { x: 1 } } },
      { name: 'b', type: 'sample', params: { dependsOn: ['a'] }, payload: { resultPayload: { done: true } } },
      { name: 'c', type: 'sample', payload: { resultPayload: { fromA: '@<a.out::/x>' } } },
    ],
  });
  assert.equal(await page.locator('#dag g.node').count(), 3);
  assert.equal(await page.locator('#dag path.edge').count(), 2);
  const firstStates = await page.locator('#dag g.node').evaluateAll(
    (nodes) => nodes.map((n) => n.getAttribute('data-state')));
  step(`first states ${firstStates.join(',')}`);
  assert.ok(firstStates.some((s) => s !== 'succeeded'), 'the DAG was already green when drawn');
  // The page refreshes only on stream events (it does not poll): green here came live.
  await page.locator('#dag g.node[data-state="succeeded"]').nth(2).waitFor();
  await page.locator('#agenda-state[data-state="succeeded"]').waitFor();
  await shot('02-agenda-dag');

  step('open a log');
  await page.locator('tr[data-operation="a"] button.show-log').click();
  await page.locator('#log[data-operation="a"]').getByText('hello from a').waitFor();
  await shot('03-operation-log');

  step('rerun a failed operation');
  await submit({ customerId: 'dev', operations: [
    { name: 'ok', type: 'sample', payload: {} },
    { name: 'bad', type: 'sample', params: { dependsOn: ['ok'] }, payload: { actions: [{ action: 'nope' }] } },
  ] });
  await page.locator('tr[data-operation="bad"][data-state="failed"]').waitFor();
  const failedUrl = page.url();
  const failedId = decodeURIComponent(new URL(failedUrl).pathname.split('/').pop());
  const [failedAgenda] = (await call('GET', `/agenda/${failedId}`)).all;
  const opId = `${failedAgenda.progressId}-bad`;
  const before = (await call('GET', `/progress/operation/${opId}`)).all[0];
  const okId = `${failedAgenda.progressId}-ok`;
  const okBefore = (await call('GET', `/progress/operation/${okId}`)).all[0];
  await page.locator('tr[data-operation="bad"] button.rerun-op').click();
  await page.getByText('Rerun of bad requested.').waitFor();
  await until('the failed operation to run again', async () => {
    const now = (await call('GET', `/progress/operation/${opId}`)).all[0];
    return now.startedTime > before.startedTime && now.processingState === 'COMPLETE';
  });
  await page.locator('tr[data-operation="bad"][data-state="failed"]').waitFor();
  // operationsToReset=bad: the operation that succeeded did not run again.
  assert.equal((await call('GET', `/progress/operation/${okId}`)).all[0].startedTime, okBefore.startedTime);
  await shot('04-failed-and-rerun');

  step('cancel a running agenda');
  const longId = await submit({ customerId: 'dev', operations: [
    { name: 'long', type: 'sample', payload: {
      actions: [{ action: 'log', paramsMap: { sleepMilliseconds: 60000 } }] } },
  ] });
  await page.locator('#agenda-state[data-state="running"]').waitFor();
  const longUrl = page.url();

  step('the Resource Pools page: the running agenda and the pullers\' last poll');
  await page.locator('nav a', { hasText: 'Resource Pools' }).click();
  await page.locator(`#pool-status tr[data-agenda="${longId}"][data-state="RUNNING"]`).waitFor();
  const lastPoll = (await page.locator('#pool-status td.last-poll').first().textContent()) ?? '';
  assert.match(lastPoll, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/, `last poll '${lastPoll}'`);
  await shot('05a-pools-running');
  await page.locator(`#pool-status tr[data-agenda="${longId}"] a`).click();
  await page.waitForURL(longUrl);
  await page.locator('#agenda-state[data-state="running"]').waitFor();
  await page.locator('#pause').click();
  await page.locator('#action-status').getByText('Paused.').waitFor();
  await page.locator('#why').getByText('paused', { exact: true }).waitFor();
  await page.locator('#resume').click();
  await page.locator('#action-status').getByText('Resumed.').waitFor();
  await page.locator('#cancel').click();
  await page.locator('#agenda-state[data-state="cancelled"]').waitFor();
  await shot('05-cancelled');

  step('the list, its counts and the other pages');
  await page.locator('nav a', { hasText: 'Agendas' }).click();
  await page.locator(`tr[data-agenda="${dagId}"][data-state="succeeded"]`).waitFor();
  await page.locator(`tr[data-agenda="${longId}"][data-state="cancelled"]`).waitFor();
  assert.equal(await page.locator('[data-count="cancelled"]').textContent(), 'cancelled 1');
  await shot('06-agendas');
  for (const [link, heading, name] of [
    ['Insights', 'Insights', '07-insights'], ['Resource Pools', 'Resource Pools', '08-pools'],
    ['Templates', 'Templates', '09-templates'], ['Customers', 'Customers', '10-customers'],
    ['Tokens', 'Tokens', '11-tokens'], ['JSON editor', 'JSON editor', '12-editor']]) {
    await page.locator('nav a', { hasText: link }).click();
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    if (link === 'Insights') {
      // The dev insight's queue depth, read from /metrics: a number.
      await until('the queue depth of insight dev', async () =>
        /^\d+$/.test((await page.locator('tr[data-id="dev"] td').nth(3).textContent()) ?? ''));
    }
    await shot(name);
  }
  await page.locator('#editor-route').selectOption('agenda');
  await page.locator('#editor-id').fill(dagId);
  await page.locator('#editor-get').click();
  await until('the editor to show the agenda', async () =>
    (await page.locator('#editor-text').inputValue()).includes(dagId));

  step('a second tenant sees none of it');
  await call('POST', '/customer', { id: 'globex', customerId: 'globex', title: 'Globex' });
  const globex = (await call('POST', '/token', { accounts: ['globex'], title: 'globex' })).token;
  const other = await context.newPage();  // sessionStorage is per tab: signed out here
  await other.goto(`${url}/ui/agendas/${encodeURIComponent(dagId)}`);
  await other.locator('#token').fill(globex);
  await other.locator('#sign-in').click();
  await other.locator('#agenda-missing').waitFor();
  await other.screenshot({ path: path.join(shots, '13-other-tenant-deep-link.png'), fullPage: true });
  await other.locator('nav a', { hasText: 'Agendas' }).click();
  await other.locator('#no-agendas').waitFor();
  await other.locator('#live.stream-live').waitFor();
  await other.screenshot({ path: path.join(shots, '14-other-tenant-list.png'), fullPage: true });

  assert.deepEqual(failures, []);
  step('passed');
} catch (error) {
  await shot('failure').catch(() => {});
  console.error(error);
  if (failures.length) console.error(failures.join('\n'));
  process.exitCode = 1;
} finally {
  await context.close();
}
