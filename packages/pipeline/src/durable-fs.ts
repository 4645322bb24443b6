import { type FileHandle, open } from 'node:fs/promises';

// Small durable-write helpers shared by the file store's log, snapshot and lock.

/** Writes every byte, however many calls it takes. */
export async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** Makes creations, renames and removals in the directory durable. */
export async function syncDir(dir: string): Promise<void> {
  // Makes creations, renames and removals in the directory durable. Not possible on Windows.
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether `err` is a Node system error with this code. */
export function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}
