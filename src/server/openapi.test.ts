import { describe, expect, it } from 'vitest';
import { apiRouter } from './app.js';
import { openApiDocument } from './openapi.js';

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };

  it('describes every route the server answers', () => {
    // Parameters may be named differently in the document: only where they sit counts.
    const shape = (path: string) => path.replace(/:\w+|\{\w+\}/g, '{}');
    const described = new Map<string, Record<string, unknown>>();
    for (const [path, ops] of Object.entries(doc.paths)) described.set(shape(path), ops);
    const missing = apiRouter()
      .list()
      .filter(({ method, path }) => described.get(shape(path))?.[method.toLowerCase()] === undefined)
      .map(({ method, path }) => `${method} ${path}`);
    expect(missing).toEqual([]);
  });

  it('names each path parameter as the path does', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(ops) as { parameters?: { name: string; in: string }[] }[]) {
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        if (declared.length > 0) expect({ path, declared }).toEqual({ path, declared: inPath });
      }
    }
  });
});
