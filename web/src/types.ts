/** The API's incident shapes, as the UI reads them. */
export interface IncidentState {
  status: 'new' | 'investigating' | 'closed';
  assignee: string;
  verdict: string;
  updatedBy: string;
  updated: number | null;
}

export interface IncidentSummary {
  id: string;
  title: string;
  severity: string;
  risk: number;
  first: number;
  last: number;
  alertCount: number;
  hosts: string[];
  users: string[];
  tactics: string[];
  state: IncidentState;
}

export interface IncidentAlert {
  id: string;
  time: number;
  ruleId: string;
  title: string;
  level: string;
  host: string;
  entities: string[];
  /** Its process, then the ones above it (nearest first). */
  tree?: { id: string; image: string }[];
}

export interface Link {
  from: string;
  to: string;
  score: number;
  reason: string;
  evidence: { kind: string; entity: { type: string; value: string }; weight: number }[];
}

export interface IncidentDetail extends Omit<IncidentSummary, 'risk'> {
  risk: { score: number; severity: string; factors: Record<string, number> };
  rules: { id: string; title: string; level: string; count: number }[];
  alerts: IncidentAlert[];
  entities: { type: string; value: string; alerts: number }[];
  links: Link[];
  notes: { id: string; time: number; author: string; text: string }[];
}
