/** Which analyzer said it. */
export type AnalyzerName =
  | 'lookalike'
  | 'headers'
  | 'authentication'
  | 'history'
  | 'content'
  | 'iban'
  | 'attachments'
  | 'urls'
  | 'limits';

export type EvidenceValue = string | number | boolean | readonly string[];

/** One reason to distrust a message: scored, explained, and with what it was judged on. */
export interface Finding {
  readonly analyzer: AnalyzerName;
  /** Stable identifier of the check, e.g. "lookalike.sender" or "attachments.double-extension". */
  readonly code: string;
  /** 0-100: how much this alone says the message is hostile. */
  readonly score: number;
  /** One sentence for a reader. */
  readonly reason: string;
  readonly evidence: Readonly<Record<string, EvidenceValue>>;
}

export function finding(
  analyzer: AnalyzerName,
  code: string,
  score: number,
  reason: string,
  evidence: Record<string, EvidenceValue> = {},
): Finding {
  return {
    analyzer,
    code: `${analyzer}.${code}`,
    score: Math.max(0, Math.min(100, Math.round(score))),
    reason,
    evidence,
  };
}

/** Text for evidence: bounded, one line. */
export function clip(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
