import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The demo's HTTP service, as the source of a standalone ES module: it is written to the demo's
 * temporary folder and run with `node`, first by the demo and then by the `restart-service`
 * runbook's script (which restarts whatever `<service>.json` records), so it cannot live in a
 * TypeScript file. Plain `node:http`, no framework.
 *
 * It logs every request as one JSON line on standard output (timestamp, level, method, path, status,
 * latency, message). `/api/*` routes borrow one of 8 connections from a simulated database pool;
 * `/static/*` does not. `POST /admin/fault` switches on the bug: connections are no longer returned
 * to the pool, so within a few requests the pool is exhausted and every `/api/*` request answers
 * 503 after waiting 50 ms for a connection. Only a restart clears it.
 */
export const SERVICE_PROGRAM = String.raw`
import { createServer } from 'node:http';

const service = process.env.SERVICE_NAME || 'checkout';
const port = Number(process.env.PORT);
const POOL_SIZE = 8;
const POOL_WAIT_MS = 50;
const ROUTES = { '/api/cart': 8, '/api/checkout': 20, '/api/orders': 14 };
let inUse = 0;
let leaking = false;

function log(level, fields) {
  const line = { timestamp: new Date().toISOString(), level, service, pid: process.pid, ...fields };
  process.stdout.write(JSON.stringify(line) + '\n');
}

function acquire(done) {
  if (inUse < POOL_SIZE) {
    inUse++;
    return done(true);
  }
  setTimeout(() => {
    if (inUse < POOL_SIZE) {
      inUse++;
      return done(true);
    }
    done(false);
  }, POOL_WAIT_MS);
}

const server = createServer((req, res) => {
  const started = performance.now();
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const reply = (status, level, message) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
    const latencyMs = Math.round(performance.now() - started);
    log(level, { method, path, status, latencyMs, message });
  };
  req.resume();
  if (path === '/admin/fault' && method === 'POST') {
    leaking = true;
    return reply(202, 'warn', 'admin: fault injected, database connections are no longer returned to the pool');
  }
  if (path === '/health') return reply(200, 'info', 'healthy');
  if (path.startsWith('/static/')) return reply(200, 'info', method + ' ' + path + ' 200');
  const dbMs = ROUTES[path];
  if (dbMs === undefined) return reply(404, 'warn', method + ' ' + path + ' 404 not found');
  acquire((ok) => {
    if (!ok) {
      return reply(503, 'error', 'connection pool exhausted: ' + inUse + '/' + POOL_SIZE +
        ' connections in use, none free after ' + POOL_WAIT_MS + ' ms (' + method + ' ' + path + ')');
    }
    setTimeout(() => {
      if (!leaking) inUse--;
      reply(200, 'info', method + ' ' + path + ' 200');
    }, dbMs + Math.floor(Math.random() * 6));
  });
});

server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1', () => log('info', { message: service + ' listening on 127.0.0.1:' + port }));
const stop = (signal) => {
  log('info', { message: service + ' stopping on ' + signal });
  server.close();
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 20).unref();
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
`;

/** What `restart-local-service.mjs` reads from `$AIOPS_SERVICE_DIR/<service>.json`. */
export interface ServiceRecord {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The demo service's process, started the way the restart script starts it again. */
export interface DemoService {
  readonly name: string;
  readonly port: number;
  /** The file the service (and every restart of it) appends its log lines to. */
  readonly logFile: string;
  readonly child: ChildProcess;
  /** The service's current pid, read from its record (the restart script writes the new one there). */
  currentPid(): number | undefined;
  /** Kills the current and the first process (SIGKILL after `graceMs`); never throws. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process exit): SIGKILL to every pid the service had. */
  killNow(): void;
}

/** Internal (tests use it too): whether `pid` runs; a zombie (exited, not yet reaped) does not. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A restarted service is not our child: once it exits it stays a zombie until init reaps it,
  // which signal 0 cannot tell from a live process. Linux says so in /proc.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

/**
 * Writes the service program into `dir`, starts it on `port` with its output appended to
 * `<dir>/<name>.log`, records `<dir>/<name>.json` for the restart script, and resolves once it
 * answers `/health`.
 */
export async function startDemoService(dir: string, name: string, port: number): Promise<DemoService> {
  const program = join(dir, `${name}-service.mjs`);
  const logFile = join(dir, `${name}.log`);
  const recordFile = join(dir, `${name}.json`);
  await writeFile(program, SERVICE_PROGRAM);
  const env = { PORT: String(port), SERVICE_NAME: name };
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // Detached, as the restart script starts it: the service outlives neither the demo's cleanup
    // nor a Ctrl-C (both kill it by pid), but a terminal's signals do not reach it first.
    child = spawn(process.execPath, [program], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.unref();
  const record: ServiceRecord = { pid: child.pid!, argv: ['node', program], cwd: dir, env };
  await writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  const pids = new Set<number>([child.pid!]);
  const currentPid = (): number | undefined => {
    try {
      const pid = Number((JSON.parse(readFileSync(recordFile, 'utf8')) as ServiceRecord).pid);
      if (Number.isInteger(pid) && pid > 1) {
        pids.add(pid);
        return pid;
      }
    } catch {
      // Being rewritten by the restart script (it renames a temporary file into place).
    }
    return undefined;
  };
  const service: DemoService = {
    name,
    port,
    logFile,
    child,
    currentPid,
    async stop(graceMs = 2_000) {
      currentPid();
      const live = [...pids].filter(alive);
      for (const pid of live) signal(pid, 'SIGTERM');
      const until = Date.now() + graceMs;
      while (live.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      for (const pid of live.filter(alive)) signal(pid, 'SIGKILL');
    },
    killNow() {
      currentPid();
      for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
    },
  };
  await waitHealthy(port, child, 10_000).catch(async (err) => {
    await service.stop(0);
    throw err;
  });
  return service;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

async function waitHealthy(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the demo service exited at start (code ${child.exitCode})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`the demo service did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
