#!/usr/bin/env node
// Closed-loop load generator for one bench cell: N virtual clients, each its own legacy MCP session,
// calling tools/call echo back to back over a keep-alive undici Pool; warm-up, then a measured window.
// Usage: node dist/bench/load/main.js '<LoadCellConfig JSON>'   → prints "RESULT <LoadCellResult JSON>".
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Histogram } from '../lib/histogram.js';
import { McpSession } from '../lib/mcp-http.js';
import { cpuMs, descendants, rssMb, totalCpuMs } from '../lib/procfs.js';
import { RESULT_PREFIX, type LoadCellConfig, type LoadCellResult } from './protocol.js';

const MAX_CONSECUTIVE_ERRORS = 50;

function fail(message: string): never {
  process.stderr.write(`loadgen: ${message}\n`);
  process.exit(1);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A deterministic ASCII payload of exactly `bytes` bytes, varied so nothing downstream can shortcut it. */
function payload(bytes: number, client: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.';
  let s = `c${client}:`;
  let x = 2463534242 + client;
  while (s.length < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s.slice(0, bytes);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) fail('missing config argument');
  const cfg = JSON.parse(raw) as LoadCellConfig;
  const deadline = cfg.warmupMs + cfg.durationMs + 2 * cfg.setupTimeoutMs + 15_000;
  setTimeout(() => fail(`cell exceeded its ${deadline} ms deadline`), deadline).unref();

  const url = new URL(cfg.url);
  const pool = new Pool(url.origin, {
    connections: cfg.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const path = url.pathname + url.search;
  const sessions = Array.from({ length: cfg.concurrency }, () => new McpSession(pool, path));
  await withTimeout(Promise.all(sessions.map((s, i) => s.open(`bench-load-${i}`))), cfg.setupTimeoutMs, 'opening sessions').catch(
    (e: unknown) => fail(`could not open ${cfg.concurrency} sessions on ${cfg.url}: ${(e as Error).message}`),
  );

  const hist = new Histogram();
  let measuring = false;
  let stopping = false;
  let calls = 0;
  let errors = 0;
  let firstError: string | null = null;

  const client = async (i: number): Promise<void> => {
    // The alphabet has no quote or backslash, so the text is one valid string literal.
    const base = cfg.sqlPayload ? `SELECT '${payload(Math.max(1, cfg.payloadBytes - 10), i)}'` : payload(cfg.payloadBytes, i);
    const s = sessions[i]!;
    let consecutive = 0;
    while (!stopping) {
      const t0 = performance.now();
      try {
        const out = await s.echo(base);
        if (out !== base) throw new Error(`echo returned ${out.length} bytes that differ from the ${base.length} sent`);
        consecutive = 0;
        if (measuring) {
          hist.recordMs(performance.now() - t0);
          calls++;
        }
      } catch (e) {
        if (measuring) errors++;
        firstError ??= (e as Error).message;
        if (++consecutive >= MAX_CONSECUTIVE_ERRORS) {
          throw new Error(`client ${i}: ${consecutive} consecutive errors, last: ${(e as Error).message}`, { cause: e });
        }
      }
    }
  };

  const running = Promise.all(sessions.map((_, i) => client(i)));
  running.catch(() => {
    stopping = true;
  });
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  await Promise.race([sleep(cfg.warmupMs), running]);

  const upstreamPids = (): number[] =>
    cfg.upstreamPid !== undefined ? [cfg.upstreamPid] : cfg.upstreamParentPid !== undefined ? descendants(cfg.upstreamParentPid) : [];
  const upPids = upstreamPids();
  const gw0 = cfg.gatewayPid !== undefined ? cpuMs(cfg.gatewayPid) : undefined;
  const up0 = totalCpuMs(upPids);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await Promise.race([sleep(cfg.durationMs), running]);
  measuring = false;
  const windowMs = performance.now() - t0;
  const self1 = process.cpuUsage(self0);
  const gw1 = cfg.gatewayPid !== undefined ? cpuMs(cfg.gatewayPid) : undefined;
  const up1 = totalCpuMs(upPids);
  const gwRss = cfg.gatewayPid !== undefined ? rssMb(cfg.gatewayPid) : undefined;
  stopping = true;

  try {
    await withTimeout(running, 30_000, 'finishing in-flight calls');
  } catch (e) {
    fail((e as Error).message);
  }
  await withTimeout(Promise.all(sessions.map((s) => s.close())), cfg.setupTimeoutMs, 'closing sessions').catch(() => undefined);
  await pool.destroy();

  const result: LoadCellResult = {
    calls,
    errors,
    firstError,
    windowMs,
    callsPerSec: (calls * 1000) / windowMs,
    p50Ms: hist.percentileMs(50),
    p95Ms: hist.percentileMs(95),
    p99Ms: hist.percentileMs(99),
    meanMs: hist.meanMs(),
    maxMs: hist.maxMs(),
    gatewayCpuMs: gw0 !== undefined && gw1 !== undefined ? gw1 - gw0 : null,
    gatewayRssMb: gwRss ?? null,
    upstreamCpuMs: upPids.length > 0 ? up1 - up0 : null,
    loadgenCpuPct: ((self1.user + self1.system) / 1000 / windowMs) * 100,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
