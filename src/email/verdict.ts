import type { Finding } from './findings.js';

export type Verdict = 'clean' | 'suspicious' | 'malicious';

/**
 * How findings become a verdict:
 * - Findings scoring under CONTEXT_BELOW are context (an invoice, a new sender, a shortener):
 *   alone, however many, they leave a message clean, and its score is the largest of them.
 * - Once a finding reaches CONTEXT_BELOW, all findings combine as independent evidence:
 *   score = 100 × (1 − Π (1 − sᵢ/100)), so two 50s make 75 and nothing passes 100.
 * - suspicious from SUSPICIOUS_AT; malicious from MALICIOUS_AT, and only when at least one
 *   finding is strong on its own (STRONG_AT): weak signals pile up to suspicious, not further.
 */
export const CONTEXT_BELOW = 20;
export const SUSPICIOUS_AT = 30;
export const MALICIOUS_AT = 70;
export const STRONG_AT = 50;

export function combine(findings: readonly Finding[]): { verdict: Verdict; score: number } {
  if (findings.length === 0) return { verdict: 'clean', score: 0 };
  const top = Math.max(...findings.map((f) => f.score));
  if (top < CONTEXT_BELOW) return { verdict: 'clean', score: top };
  let clean = 1;
  for (const f of findings) clean *= 1 - f.score / 100;
  let score = Math.round(100 * (1 - clean));
  // Without a strong finding the score stays below malicious, so score and verdict always agree.
  if (top < STRONG_AT) score = Math.min(score, MALICIOUS_AT - 1);
  const verdict: Verdict =
    score >= MALICIOUS_AT ? 'malicious' : score >= SUSPICIOUS_AT ? 'suspicious' : 'clean';
  return { verdict, score };
}

/** Strongest first; ties keep the order the analyzers ran in. */
export function rank(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => [f, i] as const)
    .sort((a, b) => b[0].score - a[0].score || a[1] - b[1])
    .map(([f]) => f);
}
