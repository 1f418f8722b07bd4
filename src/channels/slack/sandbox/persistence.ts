/**
 * The sandbox's optional state file: JSON written atomically (temp file + rename), debounced,
 * with file bytes in a sibling folder so large uploads are written once, not on every change.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { mkdirPrivate, writePrivateFile } from '../../../private-files.ts';
import type { Logger } from './events.ts';
import type { SandboxState, Workspace } from './workspace.ts';

const DEBOUNCE_MS = 100;

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writePrivateFile(tmp, data);
  await rename(tmp, file);
}

export class StatePersistence {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly savedBlobs = new Set<string>();
  private readonly blobDir: string;

  constructor(
    private readonly file: string,
    private readonly ws: Workspace,
    private readonly logger: Logger,
  ) {
    this.blobDir = `${file}.files`;
  }

  /** Loads the state file if there is one (synchronously: this runs once, at startup). */
  load(): SandboxState | null {
    if (!existsSync(this.file)) return null;
    const state = JSON.parse(readFileSync(this.file, 'utf8')) as SandboxState;
    if (state.version !== 1) throw new Error(`unsupported sandbox state version in ${this.file}`);
    if (existsSync(this.blobDir)) {
      for (const name of readdirSync(this.blobDir)) {
        if (!/^F[A-Z0-9]+$/.test(name)) continue;
        this.ws.blobs.set(name, readFileSync(path.join(this.blobDir, name)));
        this.savedBlobs.add(name);
      }
    }
    return state;
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.write());
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    try {
      await mkdirPrivate(path.dirname(this.file));
      for (const [id, bytes] of this.ws.blobs) {
        if (this.savedBlobs.has(id)) continue;
        await mkdirPrivate(this.blobDir);
        await writeAtomic(path.join(this.blobDir, id), bytes);
        this.savedBlobs.add(id);
      }
      await writeAtomic(this.file, JSON.stringify(this.ws.state));
    } catch (err) {
      this.logger.error({ err, file: this.file }, 'could not save the Slack sandbox state');
    }
  }

  /** Writes whatever is pending, now (at shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.writing = this.writing.then(() => this.write());
    }
    await this.writing;
  }

  /** For `reset`: the old blobs no longer belong to anything. */
  forgetBlobs(): void {
    this.savedBlobs.clear();
  }
}
