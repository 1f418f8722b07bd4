/**
 * A small HTTP load generator that runs in its own process, so that building requests and
 * timing responses uses the second core instead of the event loop of the Parley under test.
 * Requests go over real HTTP on loopback with keep-alive sockets and a fixed number in flight.
 */
import net from 'node:net';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD_FLAG = '--parley-load-client';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** JSON text, already serialized so the client spends no time on it. */
  body?: string;
  /** This request's Authorization header, instead of the job's. */
  auth?: string;
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
  /** CPU time of the client process per completed request, to show what it took from the machine. */
  clientCpuMsPerRequest: number;
  /** How many responses came back with each status. */
  statuses: Record<number, number>;
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

interface Response {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time. It writes requests
 * built ahead of time and reads just the status line, `Content-Length` and the body, so the
 * client spends a few microseconds per request, far less than Node's `http` client (figures in
 * docs/benchmarks.md): on a machine this small the client's CPU is taken from the server under
 * test, and its event-loop delays would count as server latency.
 */
class Connection {
  private socket: net.Socket | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: {
    resolve: (r: Response) => void;
    reject: (e: Error) => void;
  } | null = null;
  private head: { status: number; length: number; headerBytes: number; close: boolean } | null =
    null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  request(bytes: Buffer): Promise<Response> {
    const socket = this.socket ?? this.connect();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(bytes);
    });
  }

  destroy(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error) => {
      // A socket closed on purpose (`connection: close`) may report after its successor opened.
      if (this.socket !== socket) return;
      this.socket = null;
      this.chunks = [];
      this.buffered = 0;
      this.head = null;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the response')));
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (!this.head) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [all];
      const end = all.indexOf(HEADER_END);
      if (end < 0) return;
      const header = all.toString('latin1', 0, end);
      const status = Number(header.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(header);
      if (!length) {
        // Every JSON answer Fastify gives has a length; chunked bodies are not expected here.
        this.socket?.destroy(new Error(`response without Content-Length: ${header}`));
        return;
      }
      const close = /\r\nconnection:\s*close/i.test(header);
      this.head = { status, length: Number(length[1]), headerBytes: end + 4, close };
    }
    const { status, length, headerBytes, close } = this.head;
    if (this.buffered < headerBytes + length) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const body = all.subarray(headerBytes, headerBytes + length);
    this.chunks = [];
    this.buffered = 0;
    this.head = null;
    const w = this.waiting;
    this.waiting = null;
    if (close) this.destroy();
    w?.resolve({ status, body });
  }
}

function requestBytes(base: URL, auth: string, req: LoadRequest): Buffer {
  const lines = [
    `${req.method} ${req.path} HTTP/1.1`,
    `host: ${base.host}`,
    `authorization: ${req.auth ?? auth}`,
    'accept: application/json',
  ];
  if (req.body !== undefined) {
    lines.push('content-type: application/json');
    lines.push(`content-length: ${Buffer.byteLength(req.body)}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`);
}

async function runFixed(job: Extract<LoadJob, { kind: 'fixed' }>): Promise<LoadResult> {
  const base = new URL(job.baseUrl);
  const requests = job.requests.map((r) => requestBytes(base, job.auth, r));
  const out: LoadResult = {
    latencies: [],
    elapsedMs: 0,
    completed: 0,
    errors: 0,
    firstError: null,
    cursors: [],
    clientCpuMsPerRequest: 0,
    statuses: {},
  };
  const connections: Connection[] = [];
  const started = performance.now();
  const deadline = started + job.maxMs;
  let next = 0;
  async function lane() {
    const conn = new Connection(base.hostname, Number(base.port));
    connections.push(conn);
    while (next < requests.length && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      // i < requests.length, and requests has one entry per job request.
      const req = job.requests[i]!;
      try {
        const res = await conn.request(requests[i]!);
        out.latencies.push(performance.now() - t0);
        out.completed++;
        out.statuses[res.status] = (out.statuses[res.status] ?? 0) + 1;
        if (res.status !== job.expectStatus) {
          out.errors++;
          out.firstError ??= `${req.method} ${req.path} → ${res.status} ${res.body.toString('utf8', 0, 300)}`;
        }
      } catch (err) {
        out.errors++;
        out.firstError ??= `${req.method} ${req.path} → ${String(err)}`;
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  out.elapsedMs = performance.now() - started;
  for (const c of connections) c.destroy();
  return out;
}

async function runWalk(job: Extract<LoadJob, { kind: 'walk' }>): Promise<LoadResult> {
  const base = new URL(job.baseUrl);
  const conn = new Connection(base.hostname, Number(base.port));
  const out: LoadResult = {
    latencies: [],
    elapsedMs: 0,
    completed: 0,
    errors: 0,
    firstError: null,
    cursors: [],
    clientCpuMsPerRequest: 0,
    statuses: {},
  };
  const started = performance.now();
  let path: string | null = job.path;
  while (path && performance.now() < started + job.maxMs) {
    const t0 = performance.now();
    const res = await conn.request(requestBytes(base, job.auth, { method: 'GET', path }));
    out.latencies.push(performance.now() - t0);
    out.completed++;
    if (res.status !== 200) {
      out.errors++;
      out.firstError = `GET ${path} → ${res.status} ${res.body.toString('utf8', 0, 300)}`;
      break;
    }
    const page = JSON.parse(res.body.toString('utf8')) as {
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
  conn.destroy();
  return out;
}

if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.once('message', (job: LoadJob) => {
    const before = process.cpuUsage();
    void (job.kind === 'fixed' ? runFixed(job) : runWalk(job)).then((result) => {
      const cpu = process.cpuUsage(before);
      result.clientCpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(1, result.completed);
      process.send!(result);
    });
  });
}
