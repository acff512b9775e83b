/** A value or an error, yielded by every reader so that one bad item never ends a stream. */
export type Result<T, E = VigilErrorLike> = { ok: true; value: T } | { ok: false; error: E };

export interface VigilErrorLike {
  readonly message: string;
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
