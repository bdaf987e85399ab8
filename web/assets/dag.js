// The DAG of an Agenda, as the executor builds it (src/core/dag): an edge a → b when b's payload
// references a's output (`@<a.out...>`, the grammar of src/core/params) or b lists a in
// `dependsOn`. Drawn as an SVG: layers by longest path from the roots, left to right.

// Names of the operations `value` references (any depth of strings in arrays and objects).
export function referencedOperations(value, names, out = new Set()) {
  if (typeof value === 'string') {
    let at = value.indexOf('@<');
    while (at >= 0) {
      const close = value.indexOf('>', at);
      if (close < 0) break;
      const inner = value.slice(at + 2, close);
      const dot = inner.indexOf('.');
      if (dot > 0) {
        const name = inner.slice(0, dot);
        const rest = inner.slice(dot + 1);
        if (names.has(name) && (rest === 'out' || rest.startsWith('out:'))) out.add(name);
      }
      at = value.indexOf('@<', close);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) referencedOperations(item, names, out);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) referencedOperations(item, names, out);
  }
  return out;
}

// [{from, to}] of the operations' edges.
export function edgesOf(operations) {
  const names = new Set(operations.map((op) => op.name));
  const edges = [];
  for (const op of operations) {
    const from = referencedOperations(op.payload, names);
    let deps = op.params?.dependsOn ?? [];  // a list, or a string split on ','
    if (typeof deps === 'string') deps = deps.split(',');
    for (const dep of deps) if (names.has(String(dep).trim())) from.add(String(dep).trim());
    from.delete(op.name);
    for (const name of from) edges.push({ from: name, to: op.name });
  }
  return edges;
}

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// An <svg> of the operations, each node coloured by stateOf(name) (a CSS class suffix) and
// calling onSelect(name) when clicked.
export function drawDag(operations, stateOf, onSelect) {
  const edges = edgesOf(operations);
  const layer = new Map(operations.map((op) => [op.name, 0]));
  for (let pass = 0; pass < operations.length; pass++) {  // longest path; cycles stop growing
    let changed = false;
    for (const { from, to } of edges) {
      if (layer.get(to) < layer.get(from) + 1 && layer.get(from) + 1 < operations.length) {
        layer.set(to, layer.get(from) + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = [];
  for (const op of operations) {
    const column = layer.get(op.name);
    (columns[column] ??= []).push(op.name);
  }
  const width = 160, height = 44, gapX = 60, gapY = 22, pad = 10;
  const position = new Map();
  columns.forEach((names, column) => {
    names.forEach((name, row) => {
      position.set(name, { x: pad + column * (width + gapX), y: pad + row * (height + gapY) });
    });
  });
  const rows = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const svg = el('svg', {
    class: 'dag',
    width: pad * 2 + columns.length * (width + gapX) - gapX,
    height: pad * 2 + rows * (height + gapY) - gapY,
    role: 'img',
    'aria-label': 'operation graph',
  });
  for (const { from, to } of edges) {
    const a = position.get(from), b = position.get(to);
    const x1 = a.x + width, y1 = a.y + height / 2, x2 = b.x, y2 = b.y + height / 2;
    const mid = (x1 + x2) / 2;
    svg.append(el('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }));
  }
  for (const op of operations) {
    const { x, y } = position.get(op.name);
    const state = stateOf(op.name);
    const group = el('g', {
      class: `node state-${state}`,
      'data-operation': op.name,
      'data-state': state,
      tabindex: '0',
    });
    group.append(el('rect', { x, y, width, height, rx: 6 }));
    group.append(el('text', { x: x + 10, y: y + 18, class: 'name' }, op.name));
    group.append(el('text', { x: x + 10, y: y + 34, class: 'type' }, `${op.type ?? ''} · ${state}`));
    group.addEventListener('click', () => onSelect(op.name));
    svg.append(group);
  }
  return svg;
}
