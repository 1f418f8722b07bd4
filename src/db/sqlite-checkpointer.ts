import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's WAL checkpoints off the event loop.
 *
 * A checkpoint copies the WAL's pages into the database file and syncs both files. SQLite runs
 * one inside whichever commit pushes the WAL past `wal_autocheckpoint` pages, and with
 * better-sqlite3 that commit runs on the event loop's thread: measured on the 2-core VM, one
 * ticket create in forty paid ~8.6 ms for it (two fsyncs), more than half of all commit time,
 * and every request that arrived meanwhile waited. A worker thread with its own connection
 * runs PASSIVE checkpoints instead: they never wait for or block the writer, and the fsyncs
 * happen on the worker's thread.
 *
 * The main connection keeps a larger automatic threshold as a backstop, so the WAL stays
 * bounded even if the worker cannot keep up, and goes back to SQLite's default if it dies.
 */

const INTERVAL_MS = 50;

// The worker is plain CommonJS so that it runs the same from `src/` (tsx) and `dist/`.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// NORMAL makes the checkpoint sync the WAL before copying and the database file after.
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
let timer = null;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // SQLITE_BUSY and friends: the next tick tries again; the writer's backstop bounds the WAL.
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): void;
}

/** `onFailure` runs if the worker dies: the writer should checkpoint by itself again. */
export function startCheckpointer(file: string, onFailure: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver, intervalMs: INTERVAL_MS },
    // tsx's loader is not needed in a CommonJS worker.
    execArgv: [],
  });
  let stopping = false;
  worker.on('error', () => {});
  worker.on('exit', () => {
    if (!stopping) onFailure();
  });
  worker.unref();
  return {
    stop() {
      stopping = true;
      worker.postMessage('stop');
    },
  };
}
