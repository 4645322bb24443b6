#!/usr/bin/env node
// Restarts a local service process, for the restart-service runbook (development and the demo).
//
// Whoever starts a service writes $AIOPS_SERVICE_DIR/<service>.json:
//   { "pid": 1234, "argv": ["node", "server.js"], "cwd": "/path/to/service", "env": { "PORT": "8080" } }
// This script stops that process (SIGTERM, then SIGKILL after --grace-seconds), starts argv again
// with no shell, output appended to <service>.log, and writes the new pid back.
import { spawn } from 'node:child_process';
import { openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { service: { type: 'string' }, 'grace-seconds': { type: 'string', default: '10' } },
  strict: true,
});
const service = values.service ?? '';
// Checked again here: the script must be safe even when run by hand.
if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(service)) fail(`invalid service name ${JSON.stringify(service)}`);
const graceMs = Number(values['grace-seconds']) * 1000;
if (!Number.isInteger(graceMs) || graceMs <= 0 || graceMs > 60_000) fail('--grace-seconds must be 1 to 60');
const dir = process.env.AIOPS_SERVICE_DIR;
if (!dir) fail('AIOPS_SERVICE_DIR is not set');

const specFile = join(dir, `${service}.json`);
let spec;
try {
  spec = JSON.parse(readFileSync(specFile, 'utf8'));
} catch (err) {
  fail(`no process record for ${service} (${specFile}): ${err.message}`);
}
if (!Array.isArray(spec.argv) || spec.argv.length === 0 || !spec.argv.every((a) => typeof a === 'string')) {
  fail(`${specFile} has no argv`);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const old = Number(spec.pid);
if (Number.isInteger(old) && old > 1 && alive(old)) {
  process.kill(old, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (alive(old) && Date.now() < until) await wait(100);
  if (alive(old)) {
    process.kill(old, 'SIGKILL');
    console.log(`${service}: pid ${old} ignored SIGTERM for ${graceMs} ms; killed`);
  }
}

const log = openSync(join(dir, `${service}.log`), 'a');
const [program, ...args] = spec.argv;
const child = spawn(program === 'node' ? process.execPath : program, args, {
  cwd: spec.cwd ?? dir,
  env: { ...process.env, ...(spec.env ?? {}) },
  detached: true,
  stdio: ['ignore', log, log],
  shell: false,
});
child.unref();
await new Promise((resolve, reject) => {
  child.once('spawn', resolve);
  child.once('error', reject);
}).catch((err) => fail(`could not start ${program}: ${err.message}`));

const tmp = `${specFile}.tmp`;
writeFileSync(tmp, `${JSON.stringify({ ...spec, pid: child.pid, restartedAt: new Date().toISOString() }, null, 2)}\n`);
renameSync(tmp, specFile);
console.log(`${service}: restarted, pid ${Number.isInteger(old) ? old : '?'} -> ${child.pid}`);

function fail(message) {
  console.error(`restart-local-service: ${message}`);
  process.exit(1);
}
