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
  const nodes = new Map<string, cytoscape.ElementDefinition>();
  const edges = new Map<string, cytoscape.ElementDefinition>();
  const edge = (source: string, target: string) => {
    if (source !== target)
      edges.set(`${source}->${target}`, { data: { id: `${source}->${target}`, source, target } });
  };
  const entity = (key: string, label?: string) => {
    const type = key.slice(0, key.indexOf(':'));
    const value = key.slice(type.length + 1);
    if (!nodes.has(`e:${key}`))
      nodes.set(`e:${key}`, {
        data: {
          id: `e:${key}`,
          label: label ?? entityLabel(type, value),
          kind: 'entity',
          type,
          value,
          color: TYPE_COLOR[type] ?? '#ddd',
        },
      });
    return `e:${key}`;
  };
  for (const a of inc.alerts) {
    const alert = `a:${a.id}`;
    nodes.set(alert, {
      data: {
        id: alert,
        label: a.title.length > 28 ? `${a.title.slice(0, 26)}…` : a.title,
        kind: 'alert',
        color: LEVEL_COLOR[a.level] ?? '#ccc',
      },
    });
    // The tree reads top-down: host, the processes from the oldest ancestor down, the alert, and
    // under it what it touched that other alerts touched too.
    const host = a.host === '' ? null : entity(`host:${a.host.toLowerCase()}`);
    let below = alert;
    for (const p of a.tree ?? []) {
      const node = entity(`process:${p.id}`, processLabel(p.id, p.image));
      edge(node, below);
      below = node;
    }
    if (host !== null) edge(host, below);
    for (const k of a.entities) {
      if (!shown.has(k) || k.startsWith('host:')) continue;
      // The tree draws this alert's processes already (by GUID; host|pid would repeat them).
      if (k.startsWith('process:') && (a.tree?.length ?? 0) > 0) continue;
      edge(alert, entity(k));
    }
  }
  const elements = [...nodes.values(), ...edges.values()];
  const roots = [...nodes.keys()].filter((id) => id.startsWith('e:host:'));
  const cy = cytoscape({
    container,
    elements,
    // Left to right: each level is a column, and labels beside their nodes do not collide.
    layout:
      roots.length > 0
        ? {
            name: 'breadthfirst',
            directed: true,
            roots,
            spacingFactor: 1,
            animate: false,
            transform: (_node: cytoscape.NodeSingular, p: cytoscape.Position) => ({
              x: p.y * 2.2,
              y: p.x * 0.6,
            }),
          }
        : { name: 'cose', animate: false, randomize: false },
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
          'text-valign': 'center',
          'text-halign': 'right',
          'text-margin-x': 4,
        },
      },
      { selector: 'node[kind = "alert"]', style: { shape: 'round-rectangle', width: 18, height: 18 } },
      { selector: 'node[kind = "entity"]', style: { shape: 'ellipse', width: 12, height: 12 } },
      {
        selector: 'edge',
        style: {
          width: 1,
          'line-color': '#4c566a',
          'curve-style': 'straight',
          'target-arrow-shape': 'triangle',
          'target-arrow-color': '#4c566a',
          'arrow-scale': 0.6,
        },
      },
    ],
    wheelSensitivity: 0.3,
  });
  cy.fit(undefined, 16);
  cy.on('tap', 'node[kind = "entity"]', (e) => {
    const d = e.target.data() as { type: string; value: string };
    onEntity(d.type, d.value);
  });
  const entities = [...nodes.keys()].filter((id) => id.startsWith('e:')).map((id) => id.slice(2));
  container.dataset.alertNodes = String(inc.alerts.length);
  container.dataset.entityNodes = String(entities.length);
  container.dataset.processNodes = String(entities.filter((k) => k.startsWith('process:')).length);
  return { alerts: inc.alerts.length, entities };
}

function entityLabel(type: string, value: string): string {
  if (type === 'file') return value.split(/[\\/]/).at(-1)!;
  // Process ids say nothing at a glance: unlabelled unless the tree names the program.
  if (type === 'process') return '';
  return value.length > 32 ? `${value.slice(0, 29)}…` : value;
}

/** A process by its program's name, else by its pid (host|pid), else unlabelled (a GUID). */
function processLabel(id: string, image: string): string {
  if (image !== '') return image.split(/[\\/]/).at(-1)!;
  const pid = /\|(\d+)$/.exec(id);
  return pid === null ? '' : `pid ${pid[1]}`;
}
