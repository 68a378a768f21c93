import { readFileSync, unwatchFile, watchFile } from 'node:fs';

/** The PEM files of the listener's certificate and key. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Reads the certificate and key. Throws with the file named when one cannot be read. */
export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`server.tls.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  };
  return { cert: read(files.certFile, 'certFile'), key: read(files.keyFile, 'keyFile') };
}

/**
 * Watches both files (polling: renames by cert tooling defeat fs.watch) and calls `reload` with the new
 * pair once both read cleanly; a half-written pair is tried again at the next change. Returns the stopper.
 */
export function watchTls(
  files: TlsFiles,
  intervalMs: number,
  reload: (pair: { cert: Buffer; key: Buffer }) => void,
  onError: (err: Error) => void,
): () => void {
  const changed = () => {
    try {
      reload(readTls(files));
    } catch (err) {
      onError(err as Error);
    }
  };
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval: intervalMs, persistent: false }, changed);
  return () => {
    unwatchFile(files.certFile, changed);
    unwatchFile(files.keyFile, changed);
  };
}
