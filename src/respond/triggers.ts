import { levelRank } from '../detect/sigma/model.js';
import { evaluateCondition } from './conditions.js';
import { globMatch } from './glob.js';
import type { Playbook, Trigger } from './model.js';
import type { Subject } from './subject.js';

function triggerMatches(t: Trigger, s: Subject): boolean {
  switch (t.kind) {
    case 'incident':
      return (
        s.kind === 'incident' &&
        s.change === t.change &&
        (t.minSeverity === null || levelRank(s.severity) >= levelRank(t.minSeverity))
      );
    case 'alert':
      return (
        s.alert !== null &&
        (t.rule === null || t.rule === s.alert.rule || globMatch(t.rule, s.alert.title)) &&
        (t.level === null || levelRank(s.alert.level) >= levelRank(t.level))
      );
    case 'entity':
      return (s.entities.get(t.type) ?? []).some((v) => globMatch(t.value, v));
  }
}

/** Whether a playbook responds to this subject: enabled, one trigger fires, and every condition holds. */
export function playbookMatches(p: Playbook, s: Subject): boolean {
  return (
    p.enabled &&
    p.triggers.some((t) => triggerMatches(t, s)) &&
    p.conditions.every((c) => evaluateCondition(c, s))
  );
}
