// The UI's only way to the server: the JSON API (docs/api.md) with the signed-in token in the
// Authorization header, and the one event stream per page (GET <base>/events, read with fetch so
// the token travels as a header, never in a URL).
const TOKEN_KEY = 'pop.token';

export const basePath =
  document.querySelector('meta[name="pop-base-path"]')?.getAttribute('content') ?? '/pop';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Calls `method path` under the base path; resolves to the parsed JSON (or text for text/plain).
export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token() ?? ''}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(basePath + path, init);
  const type = response.headers.get('Content-Type') ?? '';
  const payload = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const message =
      payload?.errorResponse?.description ?? payload?.errorResponse?.title ??
      (typeof payload === 'string' && payload ? payload : response.statusText);
    throw new ApiError(response.status, message);
  }
  return payload;
}

// The objects of a data route query: GET <path> and its `all`.
export async function list(path) {
  const answer = await api('GET', path);
  return answer.all ?? [];
}

// One event stream for the page: calls onEvent({event, data}) for each event, reconnects after
// `retry` ms when the stream ends or fails, and reports 'live' / 'offline' through onState.
// Returns a function that closes it for good.
export function openStream(onEvent, onState) {
  let controller = null;
  let closed = false;
  let retry = 3000;
  async function run() {
    while (!closed) {
      controller = new AbortController();
      try {
        const response = await fetch(basePath + '/events', {
          headers: { Authorization: `Bearer ${token() ?? ''}`, Accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (!response.ok) throw new Error(`stream answered ${response.status}`);
        onState('live');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = { event: 'message', data: '' };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;  // keep-alive comment
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') event.event = text;
              else if (field === 'data') event.data += text;
              else if (field === 'retry') retry = Number(text) || retry;
            }
            if (event.data) {
              try {
                onEvent({ event: event.event, data: JSON.parse(event.data) });
              } catch (error) {
                console.warn('bad event', error);
              }
            }
          }
        }
      } catch (error) {
        if (closed) return;
      }
      if (closed) return;
      onState('offline');
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }
  run();
  return () => {
    closed = true;
    controller?.abort();
  };
}

// The insight gauges of GET /metrics (outside the base path; open, or any valid token), as
// {insightId: {queueDepth, oldestWaitSeconds, paused, pausedAgendas}}; {} when not served.
export async function insightGauges() {
  const response = await fetch('/metrics', { headers: { Authorization: `Bearer ${token() ?? ''}` } });
  if (!response.ok) return {};
  const names = {
    pop_insight_queue_depth: 'queueDepth',
    pop_insight_oldest_wait_seconds: 'oldestWaitSeconds',
    pop_insight_paused: 'paused',
    pop_insight_paused_agendas: 'pausedAgendas',
  };
  const gauges = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^(pop_insight_[a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !names[match[1]]) continue;
    const insight = /insight="((?:[^"\\]|\\.)*)"/.exec(match[2]);
    if (!insight) continue;
    (gauges[insight[1]] ??= {})[names[match[1]]] = Number(match[3]);
  }
  return gauges;
}
