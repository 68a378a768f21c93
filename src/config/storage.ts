import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BreakwaterConfig } from './types.js';

/**
 * The path of one embedded store's file (e.g. `keys.db`) under `storage.dir`; a relative dir is taken from
 * the config file's folder (the working directory for inline configs), so every command finds the same file.
 */
export function storagePath(config: BreakwaterConfig, configFile: string, file: string): string {
  const dir = config.storage.dir;
  const base = configFile.startsWith('<') ? process.cwd() : dirname(resolve(configFile));
  return join(isAbsolute(dir) ? dir : resolve(base, dir), file);
}
