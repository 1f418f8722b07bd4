/**
 * A small HTTP load generator that runs in its own process, so that building requests and
 * timing responses uses the second core instead of the event loop of the Parley under test.
 * Requests go over real HTTP on loopback with keep-alive sockets and a fixed number in flight.
 */
import http from 'node:http';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD_FLAG = '--parley-load-client';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** JSON text, already serialized so the client spends no time on it. */
  body?: string;
}

export type LoadJob =
  | {
      kind: 'fixed';
      baseUrl: string;
      auth: string;
      concurrency: number;
      /** Stop early after this long, even if requests remain. */
      maxMs: number;
      expectStatus: number;
      requests: LoadRequest[];
    }
  | {
      /** Follows `links.next` from `path` one page at a time, collecting every after_cursor. */
      kind: 'walk';
      baseUrl: string;
      auth: string;
      maxMs: number;
      path: string;
    };

export interface LoadResult {
  /** Client-side latency of each completed request, in milliseconds, in completion order. */
  latencies: number[];
  elapsedMs: number;
  completed: number;
  errors: number;
  firstError: string | null;
  /** `walk` only: the after_cursor of every page read. */
  cursors: string[];
}

/** Runs a job in a fresh client process and resolves with its measurements. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: LoadResult | null = null;
    child.once('message', (r) => {
      result = r as LoadResult;
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`load client exited with ${code} before reporting`));
    });
    child.send(job);
  });
}

function send(
  agent: http.Agent,
  base: URL,
  auth: string,
  req: LoadRequest,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      authorization: auth,
      accept: 'application/json',
    };
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(req.body);
    }
    const r = http.request(
      { agent, host: base.hostname, port: base.port, method: req.method, path: req.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

async function runFixed(job: Extract<LoadJob, { kind: 'fixed' }>): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const base = new URL(job.baseUrl);
  const out: LoadResult = {
    latencies: [],
    elapsedMs: 0,
    completed: 0,
    errors: 0,
    firstError: null,
    cursors: [],
  };
  const started = performance.now();
  const deadline = started + job.maxMs;
  let next = 0;
  async function lane() {
    while (next < job.requests.length && performance.now() < deadline) {
      const req = job.requests[next++];
      const t0 = performance.now();
      try {
        const res = await send(agent, base, job.auth, req);
        out.latencies.push(performance.now() - t0);
        out.completed++;
        if (res.status !== job.expectStatus) {
          out.errors++;
          out.firstError ??= `${req.method} ${req.path} → ${res.status} ${res.text.slice(0, 300)}`;
        }
      } catch (err) {
        out.errors++;
        out.firstError ??= `${req.method} ${req.path} → ${String(err)}`;
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  out.elapsedMs = performance.now() - started;
  agent.destroy();
  return out;
}

async function runWalk(job: Extract<LoadJob, { kind: 'walk' }>): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(job.baseUrl);
  const out: LoadResult = {
    latencies: [],
    elapsedMs: 0,
    completed: 0,
    errors: 0,
    firstError: null,
    cursors: [],
  };
  const started = performance.now();
  let path: string | null = job.path;
  while (path && performance.now() < started + job.maxMs) {
    const t0 = performance.now();
    const res = await send(agent, base, job.auth, { method: 'GET', path });
    out.latencies.push(performance.now() - t0);
    out.completed++;
    if (res.status !== 200) {
      out.errors++;
      out.firstError = `GET ${path} → ${res.status} ${res.text.slice(0, 300)}`;
      break;
    }
    const page = JSON.parse(res.text) as {
      meta: { has_more: boolean; after_cursor: string | null };
      links: { next: string | null };
    };
    if (page.meta.after_cursor) out.cursors.push(page.meta.after_cursor);
    // links.next carries the public URL; only its path and query go to this server.
    path =
      page.meta.has_more && page.links.next
        ? new URL(page.links.next).pathname + new URL(page.links.next).search
        : null;
  }
  out.elapsedMs = performance.now() - started;
  agent.destroy();
  return out;
}

if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.once('message', (job: LoadJob) => {
    void (job.kind === 'fixed' ? runFixed(job) : runWalk(job)).then((result) =>
      process.send!(result),
    );
  });
}
