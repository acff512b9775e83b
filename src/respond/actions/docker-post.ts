import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DockerApiError, type DockerEndpoint } from '../../containers/docker-api.js';

/**
 * The Docker Engine API calls that change a container. src/containers/docker-api.ts reads (GET);
 * this adds the POSTs response needs, over the same endpoint (unix socket or TCP).
 */
export interface DockerPostAnswer {
  readonly status: number;
  readonly body: string;
}

const MAX_ANSWER = 256 * 1024;

export function dockerPost(
  endpoint: DockerEndpoint,
  path: string,
  body: unknown,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<DockerPostAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = endpoint.tls ? httpsRequest : httpRequest;
    const req = send(
      {
        method: 'POST',
        path,
        headers: {
          Host: endpoint.socketPath ? 'docker' : `${endpoint.host}:${endpoint.port}`,
          Accept: 'application/json',
          ...(payload === undefined
            ? { 'Content-Length': '0' }
            : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }),
        },
        ...(endpoint.socketPath
          ? { socketPath: endpoint.socketPath }
          : { host: endpoint.host, port: endpoint.port }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) =>
          reject(new DockerApiError(`reading the answer of POST ${path}: ${e.message}`)),
        );
      },
    );
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(new DockerApiError(`no answer from ${endpoint.text} within ${options.timeoutMs} ms`)),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof DockerApiError) return reject(e);
      if (e.name === 'AbortError') return reject(e);
      reject(new DockerApiError(`cannot reach the Docker API at ${endpoint.text}: ${e.code ?? e.message}`));
    });
    req.end(payload);
  });
}

/** The daemon's own message from an error answer (Docker and Podman send {"message": ...}). */
export function daemonMessage(answer: DockerPostAnswer): string {
  try {
    const m = (JSON.parse(answer.body) as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON
  }
  return answer.body.trim().slice(0, 200) || `status ${answer.status}`;
}
