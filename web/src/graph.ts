import cytoscape from 'cytoscape';
import type { IncidentDetail } from './types.js';

const LEVEL_COLOR: Record<string, string> = {
  critical: '#ff5c7a',
  high: '#ff9f43',
  medium: '#ffd166',
  low: '#7bd389',
  informational: '#8aa4c8',
};
const TYPE_COLOR: Record<string, string> = {
  host: '#4ea8de',
  user: '#c77dff',
  process: '#80ed99',
  file: '#ffd6a5',
  hash: '#ffadad',
  ip: '#9bf6ff',
  domain: '#a0c4ff',
};

/**
 * The incident as a graph: its alerts, and the entities that tie them (those two or more alerts
 * share, and every host). Returns the nodes drawn, which the page also lists for keyboard users.
 */
export function drawGraph(
  container: HTMLElement,
  inc: IncidentDetail,
  onEntity: (type: string, value: string) => void,
): { alerts: number; entities: string[] } {
  const uses = new Map<string, number>();
  for (const a of inc.alerts) for (const k of a.entities) uses.set(k, (uses.get(k) ?? 0) + 1);
  const shown = new Set([...uses].filter(([k, n]) => n >= 2 || k.startsWith('host:')).map(([k]) => k));
  const elements: cytoscape.ElementDefinition[] = [];
  for (const a of inc.alerts)
    elements.push({
      data: {
        id: `a:${a.id}`,
        label: a.title.length > 28 ? `${a.title.slice(0, 26)}…` : a.title,
        kind: 'alert',
        color: LEVEL_COLOR[a.level] ?? '#ccc',
      },
    });
  for (const key of shown) {
    const type = key.slice(0, key.indexOf(':'));
    const value = key.slice(type.length + 1);
    const short =
      type === 'file' ? value.split(/[\\/]/).at(-1)! : value.length > 32 ? `${value.slice(0, 29)}…` : value;
    // Process ids say nothing at a glance: their nodes stay unlabelled (the entity list names them).
    const label = type === 'process' ? '' : short;
    elements.push({
      data: { id: `e:${key}`, label, kind: 'entity', type, value, color: TYPE_COLOR[type] ?? '#ddd' },
    });
  }
  for (const a of inc.alerts)
    for (const k of a.entities)
      if (shown.has(k))
        elements.push({ data: { id: `${a.id}->${k}`, source: `a:${a.id}`, target: `e:${k}` } });
  const cy = cytoscape({
    container,
    elements,
    layout: {
      name: 'cose',
      animate: false,
      randomize: false,
      nodeRepulsion: () => 9000,
      idealEdgeLength: () => 70,
    },
    style: [
      {
        selector: 'node',
        style: {
          label: 'data(label)',
          color: '#d8dee9',
          'font-size': 9,
          'text-wrap': 'ellipsis',
          'text-max-width': '140px',
          'background-color': 'data(color)',
          'text-valign': 'bottom',
          'text-margin-y': 3,
        },
      },
      { selector: 'node[kind = "alert"]', style: { shape: 'round-rectangle', width: 18, height: 18 } },
      { selector: 'node[kind = "entity"]', style: { shape: 'ellipse', width: 12, height: 12 } },
      { selector: 'edge', style: { width: 1, 'line-color': '#4c566a', 'curve-style': 'haystack' } },
    ],
    wheelSensitivity: 0.3,
  });
  cy.fit(undefined, 16);
  cy.on('tap', 'node[kind = "entity"]', (e) => {
    const d = e.target.data() as { type: string; value: string };
    onEntity(d.type, d.value);
  });
  container.dataset.alertNodes = String(inc.alerts.length);
  container.dataset.entityNodes = String(shown.size);
  return { alerts: inc.alerts.length, entities: [...shown] };
}
