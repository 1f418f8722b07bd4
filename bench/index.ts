/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each entry is imported lazily so a
 * benchmark's dependencies load only when it runs; adding a benchmark is one line here.
 */
type Benchmark = { describe: string; run: () => Promise<{ main(argv: string[]): Promise<void> }> };

const benchmarks: Record<string, Benchmark> = {
  api: {
    describe: 'ticket create/show/list over HTTP on SQLite and PostgreSQL',
    run: () => import('./api.ts'),
  },
  auth: {
    describe: 'a normal request alone and with 100 concurrent bad password sign-ins running',
    run: () => import('./auth.ts'),
  },
  search: {
    describe: 'search: first page and count of typical queries over HTTP, index rebuild time',
    run: () => import('./search.ts'),
  },
  slack: {
    describe: 'Slack events: durable acks, end-to-end ingest, reply delivery (separate process)',
    run: () => import('./slack.ts'),
  },
  web: {
    describe: "agent workspace in Chromium: a view's first page and a ticket page, click and load",
    run: () => import('./web.ts'),
  },
  views: {
    describe: 'default views: count and execute first page over HTTP, beside a raw count(*)',
    run: () => import('./views.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(10)} ${b.describe}`);
  return `usage: npm run bench -- <name> [options]\n\navailable benchmarks:\n${lines.join('\n')}`;
}

const [name, ...argv] = process.argv.slice(2);
const bench = name ? benchmarks[name] : undefined;
if (!bench) {
  console.error(name ? `unknown benchmark "${name}"\n` : '');
  console.error(usage());
  process.exit(1);
}
await (await bench.run()).main(argv);
