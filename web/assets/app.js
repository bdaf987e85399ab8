// The pop web UI: a sign-in and one page per view, each drawn from the JSON API with the signed-in
// token and kept current by one event stream. It holds no authority of its own: every button is
// an API call that the server allows or refuses. Pages and limits: docs/ui.md.
import { api, insightGauges, list, openStream, setToken, token, ApiError } from './api.js';
import { drawDag } from './dag.js';

const main = document.getElementById('main');
const top = document.getElementById('top');

// --- small DOM helpers -------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'value') node.value = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function time(ms) {
  return ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

function stateOf(progress) {
  if (!progress?.processingState) return 'waiting';
  if (progress.processingState === 'WAITING') return 'waiting';
  if (progress.processingState === 'EXECUTING') return 'running';
  const message = progress.processingStateMessage ?? '';
  if (message === 'succeeded') return 'succeeded';
  if (message === 'cancelled') return 'cancelled';
  return 'failed';
}

function badge(state) {
  return h('span', { class: `badge state-${state}` }, state);
}

function notice(text, kind = 'error') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// Runs `action`, showing its error (or `done`) in `where`.
async function attempt(where, action, done) {
  where.replaceChildren();
  try {
    await action();
    if (done) where.append(notice(done, 'ok'));
  } catch (error) {
    where.append(notice(error.message));
  }
}

function ago(seconds) {
  if (seconds == null) return '';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s ago`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m ago`;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// --- navigation and the page's stream ----------------------------------------------------------

const pages = [
  ['agendas', 'Agendas'],
  ['insights', 'Insights'],
  ['pools', 'Resource Pools'],
  ['templates', 'Templates'],
  ['customers', 'Customers'],
  ['tokens', 'Tokens'],
  ['editor', 'JSON editor'],
];

let closeStream = null;
let listeners = [];
let streamState = 'offline';

function onChange(listener) {
  listeners.push(listener);
}

// A list page drops the row of a `kind` object the moment its `deleted` event arrives (deleted
// through any page or client); rows carry the object's id in `attribute`.
function dropDeleted(kind, attribute = 'data-id') {
  onChange(({ event, data }) => {
    if (event !== 'deleted' || data?.kind !== kind) return;
    for (const row of main.querySelectorAll(`tr[${attribute}]`)) {
      if (row.getAttribute(attribute) === data.id) row.remove();
    }
  });
}

function startStream() {
  closeStream?.();
  closeStream = openStream(
    (event) => {
      for (const listener of listeners) listener(event);
    },
    (state) => {
      streamState = state;
      const mark = document.getElementById('live');
      if (mark) {
        mark.textContent = state;
        mark.className = `live stream-${state}`;
      }
    },
  );
}

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function link(path, text, attrs = {}) {
  return h('a', {
    href: path,
    ...attrs,
    onclick: (event) => {
      if (event.ctrlKey || event.metaKey || event.button !== 0) return;
      event.preventDefault();
      navigate(path);
    },
  }, text);
}

function header(current) {
  top.replaceChildren(
    h('nav', {},
      h('strong', { class: 'brand' }, 'pop'),
      pages.map(([id, title]) =>
        link(`/ui/${id}`, title, { class: id === current ? 'current' : undefined })),
      h('span', { class: 'spacer' }),
      h('span', { id: 'live', class: `live stream-${streamState}`, title: 'event stream' }, streamState),
      h('button', {
        type: 'button',
        id: 'sign-out',
        onclick: () => {
          setToken(null);
          closeStream?.();
          closeStream = null;
          navigate('/ui/signin');
        },
      }, 'Sign out')));
}

async function render() {
  listeners = [];
  const parts = location.pathname.replace(/^\/ui\/?/, '').split('/').filter(Boolean);
  if (!token()) {
    top.replaceChildren();
    return signIn(parts.length && parts[0] !== 'signin' ? location.pathname : '/ui/agendas');
  }
  const page = parts[0] && parts[0] !== 'signin' ? parts[0] : 'agendas';
  if (!closeStream) startStream();
  header(page);
  main.replaceChildren();
  document.title = `pop · ${page}`;
  const views = {
    agendas: () => (parts[1] ? agendaPage(decodeURIComponent(parts[1])) : agendasPage()),
    insights: insightsPage,
    pools: poolsPage,
    templates: templatesPage,
    customers: customersPage,
    tokens: tokensPage,
    editor: editorPage,
  };
  try {
    await (views[page] ?? (() => main.append(notice(`No page ${page}`))))();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setToken(null);
      closeStream?.();
      closeStream = null;
      return navigate('/ui/signin', true);
    }
    main.append(notice(error.message));
  }
}

// --- sign in -----------------------------------------------------------------------------------

function signIn(next) {
  document.title = 'pop · sign in';
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off',
                             placeholder: 'pop_…', required: true });
  const status = h('div');
  const form = h('form', { class: 'signin', onsubmit: async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    try {
      await api('GET', '/token');  // any route that answers every valid token
      navigate(next, true);
    } catch (error) {
      setToken(null);
      status.replaceChildren(notice(error.status === 401 ? 'That token is not valid.' : error.message));
    }
  } },
  h('h1', {}, 'Sign in to pop'),
  h('p', { class: 'muted' }, 'Paste an API token. `pop dev` saved its admin token in the data ',
    'directory (admin-token). The token stays in this tab only (sessionStorage).'),
  h('label', { for: 'token' }, 'Token'), input,
  h('button', { type: 'submit', id: 'sign-in' }, 'Sign in'), status);
  main.replaceChildren(form);
  input.focus();
}

// --- agendas -----------------------------------------------------------------------------------

const STATES = ['waiting', 'running', 'succeeded', 'failed', 'cancelled'];

async function agendasPage() {
  const params = new URLSearchParams(location.search);
  const field = (name, label, attrs = {}) =>
    h('label', {}, label, h('input', { name, value: params.get(name) ?? '', ...attrs }));
  const stateSelect = h('select', { name: 'state' }, h('option', { value: '' }, 'any state'),
    STATES.map((s) => h('option', { value: s, selected: params.get('state') === s }, s)));
  const filters = h('form', { class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) if (value) query.set(key, value);
    navigate(`/ui/agendas${query.size ? `?${query}` : ''}`);
  } },
  field('customer', 'customer'), h('label', {}, 'state', stateSelect), field('linkId', 'link id'),
  field('since', 'since', { type: 'datetime-local' }), h('button', { type: 'submit' }, 'Filter'));
  const counts = h('div', { class: 'counts', id: 'counts' });
  const table = h('div', { id: 'agenda-list' });
  const submitStatus = h('div');
  const sample = {
    customerId: 'dev',
    operations: [{ name: 'a', type: 'sample', payload: { resultPayload: { x: 1 } } }],
  };
  const editor = h('textarea', { id: 'submit-json', rows: 8, spellcheck: 'false' },
    JSON.stringify(sample, null, 2));
  const submit = h('details', { class: 'submit' }, h('summary', {}, 'Submit an Agenda'), editor,
    h('button', { type: 'button', id: 'submit-agenda', onclick: () => attempt(submitStatus, async () => {
      const answer = await api('POST', '/agenda', editor.value);
      const agenda = answer.all?.[0];
      if (agenda?.id) navigate(`/ui/agendas/${encodeURIComponent(agenda.id)}`);
    }) }, 'Submit'), submitStatus);
  main.append(h('h1', {}, 'Agendas'), filters, counts, submit, table);

  async function refresh() {
    let query = '?byorder=newest&bylimit=100';
    if (params.get('customer')) query += `&bycustomerId=${encodeURIComponent(params.get('customer'))}`;
    if (params.get('linkId')) query += `&bylinkId=${encodeURIComponent(params.get('linkId'))}`;
    if (params.get('since')) query += `&bysince=${new Date(params.get('since')).getTime()}`;
    const [agendas, progress] = await Promise.all([
      list(`/agenda${query}`),
      list(`/progress/agenda${query}&byfields=id,agendaId,processingState,processingStateMessage,percentComplete,startedTime,completedTime`),
    ]);
    const byAgenda = new Map(progress.map((p) => [p.agendaId, p]));
    const tally = Object.fromEntries(STATES.map((s) => [s, 0]));
    const rows = [];
    for (const agenda of agendas) {
      const p = byAgenda.get(agenda.id);
      const state = stateOf(p);
      tally[state]++;
      if (params.get('state') && params.get('state') !== state) continue;
      rows.push(h('tr', { 'data-agenda': agenda.id, 'data-state': state },
        h('td', {}, link(`/ui/agendas/${encodeURIComponent(agenda.id)}`, agenda.id)),
        h('td', {}, agenda.customerId ?? ''), h('td', {}, agenda.linkId ?? ''),
        h('td', {}, badge(state)), h('td', {}, p?.percentComplete != null ? `${Math.round(p.percentComplete)}%` : ''),
        h('td', {}, (agenda.operations ?? []).length), h('td', {}, time(agenda.addedTime))));
    }
    counts.replaceChildren(...STATES.map((s) =>
      h('span', { class: `count state-${s}`, 'data-count': s }, `${s} ${tally[s]}`)));
    table.replaceChildren(rows.length
      ? h('table', {}, h('thead', {}, h('tr', {}, ['id', 'customer', 'link id', 'state', 'percent', 'operations', 'added'].map((c) => h('th', {}, c)))), h('tbody', {}, rows))
      : h('p', { class: 'muted', id: 'no-agendas' }, 'No agendas to show.'));
  }
  await refresh();
  dropDeleted('Agenda', 'data-agenda');
  const later = debounce(() => refresh().catch(() => {}), 300);
  onChange(({ data }) => {
    if (data?.kind === 'Agenda' || data?.kind === 'AgendaProgress') later();
  });
}

// --- one agenda --------------------------------------------------------------------------------

async function agendaPage(id) {
  const title = h('h1', {}, 'Agenda ', h('code', {}, id));
  main.append(h('p', {}, link('/ui/agendas', '← Agendas')), title);
  let agenda;
  try {
    agenda = (await list(`/agenda/${encodeURIComponent(id)}`))[0];
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  if (!agenda) {
    main.append(notice(`Agenda ${id} was not found (or this token may not see it).`));
    main.lastChild.id = 'agenda-missing';
    return;
  }
  const summary = h('div', { class: 'summary', id: 'agenda-summary' });
  const actions = h('div', { class: 'actions' });
  const actionStatus = h('div', { id: 'action-status' });
  const dag = h('div', { class: 'dag-box', id: 'dag' });
  const ops = h('div', { id: 'operations' });
  const logBox = h('div', { class: 'log-box', id: 'log-box' });
  const why = h('div', { class: 'why', id: 'why' });
  main.append(summary, actions, actionStatus, dag, ops, why, logBox);
  let selected = null;
  let progress = null;
  const rerunMode = h('select', { id: 'rerun-mode' },
    h('option', { value: 'resetAll' }, 'reset all operations'),
    h('option', { value: 'continue' }, 'continue (failed and unfinished operations)'),
    h('option', { value: 'skipExecution' }, 'reset without running'));
  const service = (verb, body, done) => attempt(actionStatus, async () => {
    await api('POST', `/agenda/service/${verb}`, body);
    await refresh();
  }, done);
  actions.append(
    h('button', { type: 'button', id: 'rerun', onclick: () =>
      service('rerun', { agendaId: id, params: [rerunMode.value] }, 'Rerun requested.') }, 'Rerun'),
    rerunMode,
    h('button', { type: 'button', id: 'cancel', onclick: () =>
      service('cancel', { agendaId: id }, 'Cancel requested.') }, 'Cancel'),
    h('button', { type: 'button', id: 'pause', onclick: () =>
      service('pause', { agendaId: id }, 'Paused.') }, 'Pause'),
    h('button', { type: 'button', id: 'resume', onclick: () =>
      service('resume', { agendaId: id }, 'Resumed.') }, 'Resume'));

  const opProgress = (name) => progress?.operationProgress?.find((o) => o.operation === name);

  async function showLog(name) {
    selected = name;
    const op = opProgress(name);
    const opId = op?.id ?? `${agenda.progressId}-${name}`;
    let text;
    try {
      text = await api('GET', `/progress/operation/${encodeURIComponent(opId)}/log`);
    } catch (error) {
      text = `(${error.message})`;
    }
    logBox.replaceChildren(h('h2', {}, 'Log of ', h('code', {}, name)),
      h('pre', { class: 'log', id: 'log', 'data-operation': name }, typeof text === 'string' ? text : JSON.stringify(text, null, 2)));
  }

  async function refresh() {
    [agenda] = await list(`/agenda/${encodeURIComponent(id)}`);
    if (!agenda) return;
    progress = agenda.progressId
      ? (await list(`/progress/agenda/${encodeURIComponent(agenda.progressId)}`))[0] : null;
    const state = stateOf(progress);
    summary.replaceChildren(h('dl', {},
      h('dt', {}, 'state'), h('dd', { id: 'agenda-state', 'data-state': state }, badge(state),
        ' ', progress?.processingStateMessage ?? ''),
      h('dt', {}, 'percent'), h('dd', {}, `${Math.round(progress?.percentComplete ?? 0)}%`),
      h('dt', {}, 'customer'), h('dd', {}, agenda.customerId ?? ''),
      h('dt', {}, 'link id'), h('dd', {}, agenda.linkId ?? ''),
      h('dt', {}, 'insight'), h('dd', {}, agenda.agendaInsight?.insightId ?? ''),
      h('dt', {}, 'added'), h('dd', {}, time(agenda.addedTime)),
      h('dt', {}, 'started'), h('dd', {}, time(progress?.startedTime)),
      h('dt', {}, 'completed'), h('dd', {}, time(progress?.completedTime))));
    const operations = agenda.operations ?? [];
    dag.replaceChildren(drawDag(operations, (name) => stateOf(opProgress(name)), (name) => showLog(name)));
    ops.replaceChildren(h('table', {}, h('thead', {}, h('tr', {},
      ['operation', 'type', 'state', 'percent', 'started', 'completed', 'output', 'diagnostics', ''].map((c) => h('th', {}, c)))),
    h('tbody', {}, operations.map((op) => {
      const p = opProgress(op.name);
      const s = stateOf(p);
      return h('tr', { 'data-operation': op.name, 'data-state': s },
        h('td', {}, op.name), h('td', {}, op.type ?? ''), h('td', {}, badge(s)),
        h('td', {}, p?.percentComplete != null ? `${Math.round(p.percentComplete)}%` : ''),
        h('td', {}, time(p?.startedTime)), h('td', {}, time(p?.completedTime)),
        h('td', {}, h('code', { class: 'output' }, p?.resultPayload ?? '')),
        h('td', {}, (p?.diagnosticEvents ?? []).map((d) => h('div', { class: 'diag' }, [d.statusCode, d.message ?? d.description].filter(Boolean).join(': ')))),
        h('td', {},
          h('button', { type: 'button', class: 'show-log', onclick: () => showLog(op.name) }, 'Log'),
          s === 'failed' ? h('button', { type: 'button', class: 'rerun-op', onclick: () =>
            service('rerun', { agendaId: id, params: [`operationsToReset=${op.name}`] }, `Rerun of ${op.name} requested.`) }, 'Rerun') : null));
    }))));
    try {
      const w = await api('GET', `/agenda/${encodeURIComponent(id)}/why`);
      why.replaceChildren(h('h2', {}, 'Why'), h('p', {}, badge((w.state ?? '').toLowerCase()), ' ', w.reason ?? ''));
    } catch (error) {
      why.replaceChildren();
    }
    if (selected) await showLog(selected);
  }
  await refresh();
  const later = debounce(() => refresh().catch(() => {}), 200);
  onChange(({ event, data }) => {
    if (event === 'resync') return later();
    if (event === 'deleted' && data?.kind === 'Agenda' && data.id === id) {
      summary.replaceChildren(notice(`Agenda ${id} was deleted.`));
      summary.firstChild.id = 'agenda-deleted';
      return;
    }
    if ((data?.kind === 'Agenda' && data.id === id) ||
        (data?.kind === 'AgendaProgress' && data.agendaId === id)) later();
  });
}

// --- insights, pools, templates, customers -----------------------------------------------------

function objectTable(objects, columns, extra) {
  if (!objects.length) return h('p', { class: 'muted' }, 'None visible to this token.');
  return h('table', {}, h('thead', {}, h('tr', {}, columns.map(([c]) => h('th', {}, c)), extra ? h('th') : null)),
    h('tbody', {}, objects.map((o) => h('tr', { 'data-id': o.id }, columns.map(([, f]) => h('td', {}, f(o))),
      extra ? h('td', {}, extra(o)) : null))));
}

async function insightsPage() {
  const status = h('div');
  const table = h('div', { id: 'insight-list' });
  const whyOut = h('div', { id: 'why-answer' });
  const whyInput = h('input', { id: 'why-id', placeholder: 'agenda id' });
  main.append(h('h1', {}, 'Insights'), status, table,
    h('p', { class: 'muted' }, 'Queue depth, oldest wait and paused come from /metrics.'),
    h('h2', {}, 'Why is an Agenda not running?'),
    h('form', { class: 'filters', onsubmit: (event) => {
      event.preventDefault();
      attempt(whyOut, async () => {
        const w = await api('GET', `/agenda/${encodeURIComponent(whyInput.value.trim())}/why`);
        whyOut.append(h('dl', {}, Object.entries(w).filter(([k]) => !['cid', 'error'].includes(k))
          .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))])));
      });
    } }, whyInput, h('button', { type: 'submit' }, 'Why')), whyOut);
  const service = (verb, id) => attempt(status, async () => {
    await api('POST', `/insight/service/${verb}`, { insightId: id });
    await refresh();
  }, `Insight ${id} ${verb}d.`);
  async function refresh() {
    const [insights, gauges] = await Promise.all([list('/insight?bylimit=1000'), insightGauges().catch(() => ({}))]);
    const gauge = (o, name) => gauges[o.id]?.[name] ?? '';
    table.replaceChildren(objectTable(insights, [
      ['id', (o) => o.id], ['title', (o) => o.title ?? ''], ['algorithm', (o) => o.schedulingAlgorithm ?? ''],
      ['queue depth', (o) => gauge(o, 'queueDepth')],
      ['oldest wait (s)', (o) => { const w = gauge(o, 'oldestWaitSeconds'); return w === '' ? '' : w.toFixed(1); }],
      ['paused', (o) => (gauge(o, 'paused') === 1 ? badge('paused') : '')],
      ['paused agendas', (o) => gauge(o, 'pausedAgendas')],
      ['resource pool', (o) => o.resourcePoolId ?? ''], ['customer', (o) => o.customerId ?? ''],
      ['global', (o) => (o.isGlobal ? 'yes' : '')]],
    (o) => [
      h('button', { type: 'button', onclick: () => service('pause', o.id) }, 'Pause'),
      h('button', { type: 'button', onclick: () => service('resume', o.id) }, 'Resume')]));
  }
  await refresh();
  dropDeleted('Insight');
  const later = debounce(() => refresh().catch(() => {}), 500);
  onChange(({ event, data }) => {
    if (event === 'change' && (data?.kind === 'Insight' || data?.kind === 'Agenda')) later();
  });
}

// Each pool, then per pool (GET /resourcepool/{id}/status) when its pullers last polled each of
// its Insights and the Agendas they hold now, kept current by the page's stream.
async function poolsPage() {
  const pools = await list('/resourcepool?bylimit=1000');
  const details = h('div', { id: 'pool-status' });
  main.append(h('h1', {}, 'Resource Pools'), objectTable(pools, [
    ['id', (o) => o.id], ['title', (o) => o.title ?? ''], ['customer', (o) => o.customerId ?? ''],
    ['insights', (o) => (o.insightIds ?? []).join(', ')], ['handler types', (o) => (o.handlerTypes ?? []).join(', ')]]),
  details);
  async function poolSection(pool) {
    let status;
    try {
      status = await api('GET', `/resourcepool/${encodeURIComponent(pool.id)}/status`);
    } catch (error) {
      return h('section', { class: 'pool', 'data-pool': pool.id }, h('h2', {}, pool.id), notice(error.message));
    }
    const polls = (status.insights ?? []).length
      ? h('table', { class: 'pollers' }, h('thead', {}, h('tr', {}, ['insight', 'last poll', 'since'].map((c) => h('th', {}, c)))),
        h('tbody', {}, status.insights.map((i) => h('tr', { 'data-insight': i.insightId },
          h('td', {}, i.insightId), h('td', { class: 'last-poll' }, i.lastPollTime ? time(i.lastPollTime) : 'never polled'),
          h('td', {}, ago(i.secondsSincePoll))))))
      : h('p', { class: 'muted' }, 'No insights visible to this token.');
    const running = (status.runningAgendas ?? []).length
      ? h('table', { class: 'running' }, h('thead', {}, h('tr', {}, ['agenda', 'insight', 'customer', 'state', 'progress', 'percent', 'puller', 'claimed'].map((c) => h('th', {}, c)))),
        h('tbody', {}, status.runningAgendas.map((a) => h('tr', { 'data-agenda': a.agendaId, 'data-state': a.state },
          h('td', {}, link(`/ui/agendas/${encodeURIComponent(a.agendaId)}`, a.agendaId)),
          h('td', {}, a.insightId), h('td', {}, a.customerId ?? ''), h('td', {}, badge(a.state.toLowerCase())),
          h('td', {}, a.processingState ?? ''),
          h('td', {}, a.percentComplete != null ? `${Math.round(a.percentComplete)}%` : ''),
          h('td', {}, a.claimedBy ?? ''), h('td', {}, time(a.claimedTime))))))
      : h('p', { class: 'muted no-running' }, 'No Agendas running.');
    return h('section', { class: 'pool', 'data-pool': pool.id }, h('h2', {}, 'Pool ', h('code', {}, pool.id)),
      h('h3', {}, 'Pullers'), polls, h('h3', {}, 'Running Agendas'), running);
  }
  async function refresh() {
    details.replaceChildren(...await Promise.all(pools.map(poolSection)));
  }
  await refresh();
  dropDeleted('ResourcePool');
  dropDeleted('Agenda', 'data-agenda');
  const later = debounce(() => refresh().catch(() => {}), 500);
  onChange(({ event, data }) => {
    if (event === 'resync' || (event === 'change' && (data?.kind === 'Agenda' || data?.kind === 'AgendaProgress'))) later();
  });
}

async function templatesPage() {
  const status = h('div');
  const templates = await list('/agendatemplate?bylimit=1000');
  const payload = h('textarea', { id: 'template-payload', rows: 5, spellcheck: 'false' }, '{}');
  dropDeleted('AgendaTemplate');
  main.append(h('h1', {}, 'Templates'), objectTable(templates, [
    ['id', (o) => o.id], ['title', (o) => o.title ?? ''], ['customer', (o) => o.customerId ?? '']],
  (o) => h('button', { type: 'button', onclick: () => attempt(status, async () => {
    const answer = await api('POST', '/agenda/service/run', { agendaTemplateId: o.id, payload: payload.value });
    const agenda = answer.agendas?.[0];
    if (agenda?.id) navigate(`/ui/agendas/${encodeURIComponent(agenda.id)}`);
  }) }, 'Run')), h('label', { for: 'template-payload' }, 'Payload (JSON) for Run'), payload, status);
}

async function customersPage() {
  const customers = await list('/customer?bylimit=1000');
  dropDeleted('Customer');
  main.append(h('h1', {}, 'Customers'), objectTable(customers, [
    ['id', (o) => o.id], ['title', (o) => o.title ?? ''], ['resource pool', (o) => o.resourcePoolId ?? ''],
    ['weight', (o) => o.weight ?? '']]));
}

// --- tokens ------------------------------------------------------------------------------------

async function tokensPage() {
  const status = h('div', { id: 'token-status' });
  const answer = await api('GET', '/token');
  const accounts = h('input', { id: 'token-accounts', placeholder: 'acme,globex' });
  const title = h('input', { id: 'token-title', placeholder: 'title' });
  const superUser = h('input', { type: 'checkbox', id: 'token-super' });
  main.append(h('h1', {}, 'Tokens'), status,
    objectTable(answer.all ?? [], [
      ['id', (o) => o.id], ['title', (o) => o.title ?? ''], ['accounts', (o) => (o.accounts ?? []).join(', ')],
      ['super user', (o) => (o.superUser ? 'yes' : '')], ['created', (o) => time(o.created)],
      ['last used', (o) => time(o.lastUsed)], ['revoked', (o) => (o.revoked ? time(o.revokedAt) || 'yes' : '')]],
    (o) => (o.revoked ? null : h('button', { type: 'button', onclick: () => attempt(status, async () => {
      await api('DELETE', `/token/${encodeURIComponent(o.id)}`);
      render();
    }) }, 'Revoke'))),
    h('h2', {}, 'Create a token'),
    h('form', { class: 'filters', onsubmit: (event) => {
      event.preventDefault();
      attempt(status, async () => {
        const created = await api('POST', '/token', {
          accounts: accounts.value.split(',').map((a) => a.trim()).filter(Boolean),
          title: title.value || undefined, superUser: superUser.checked });
        status.append(h('p', { class: 'notice ok' }, 'Token created; it is shown only now: ',
          h('code', { id: 'new-token' }, created.token)));
      });
    } }, h('label', {}, 'accounts', accounts), h('label', {}, 'title', title),
    h('label', {}, superUser, ' super user'), h('button', { type: 'submit' }, 'Create')));
}

// --- JSON editor -------------------------------------------------------------------------------

const ROUTES = ['agenda', 'agendatemplate', 'customer', 'insight', 'resourcepool', 'progress/agenda', 'progress/operation'];

async function editorPage() {
  const route = h('select', { id: 'editor-route' }, ROUTES.map((r) => h('option', { value: r }, r)));
  const id = h('input', { id: 'editor-id', placeholder: 'object id (empty: the collection)' });
  const text = h('textarea', { id: 'editor-text', rows: 18, spellcheck: 'false' });
  const status = h('div', { id: 'editor-status' });
  const call = (method) => attempt(status, async () => {
    const path = `/${route.value}${id.value.trim() ? `/${encodeURIComponent(id.value.trim())}` : ''}`;
    const body = method === 'POST' || method === 'PUT' ? text.value : undefined;
    const answer = await api(method, path, body);
    const objects = answer.all ?? [];
    text.value = JSON.stringify(objects.length === 1 ? objects[0] : objects, null, 2);
  }, `${method} done.`);
  main.append(h('h1', {}, 'JSON editor'),
    h('p', { class: 'muted' }, 'GET, POST, PUT or DELETE one object of a data route, as the API does.'),
    h('div', { class: 'filters' }, route, id,
      ['GET', 'POST', 'PUT', 'DELETE'].map((m) => h('button', { type: 'button', id: `editor-${m.toLowerCase()}`, onclick: () => call(m) }, m))),
    text, status);
}

window.addEventListener('popstate', render);
render();
