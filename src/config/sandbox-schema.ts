import { z } from 'zod';
import { bool, int, text } from './primitives.js';

// Stdio sandbox (issue 10 item 8; docs/adr/0014-stdio-sandbox.md): the child runs under bubblewrap with a
// read-only root, writable only the listed paths, no network unless allowed, its own PID namespace, and
// resource limits set with prlimit. Opt-in per upstream (`sandbox: {}` turns it on with these defaults).
const limits = z.strictObject({
  // RLIMIT_AS: address space in bytes (Node reserves a lot of virtual memory: leave ≥ 2 GiB for Node servers).
  memoryBytes: int(16 * 1024 * 1024).optional(),
  // RLIMIT_CPU: CPU seconds before SIGXCPU/SIGKILL (a restart with backoff follows).
  cpuSeconds: int(1).optional(),
  // RLIMIT_NOFILE: open file descriptors.
  openFiles: int(16, 1_048_576).optional(),
  // RLIMIT_NPROC: processes of the child's user (not enforced for root: the PID namespace still isolates).
  processes: int(1, 1_000_000).optional(),
});

/** One stdio upstream's sandbox. */
export const sandboxSchema = z.strictObject({
  enabled: bool().default(true),
  // Paths bound read-write (must exist); everything else is read-only.
  writable: z.array(text()).default([]),
  // Paths hidden behind an empty tmpfs (e.g. a home folder holding keys); /tmp is always a private tmpfs.
  hide: z.array(text()).default([]),
  network: bool().default(false),
  limits: limits.prefault({}),
});
