import { z } from 'zod';
import { describeValue } from './describe-value.js';

// Shared building blocks for the config schema. Messages here are the ones users read, so each says
// what was expected in words rather than as a regex.

/** Upstream names: safe in tool prefixes, metric labels and log fields. */
export const UPSTREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest timer Node accepts (setTimeout overflows above 2^31-1 ms). */
const MAX_MS = 2_147_483_647;

// `${env:PORT}` always yields a string; accept numeric and boolean strings so interpolated values work.
const toNumber = (v: unknown): unknown => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
const toBoolean = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);

/** An integer within [min, max]; numeric strings are accepted. */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess(toNumber, z.int().min(min).max(max));

/** A real number within [min, max]; numeric strings are accepted. */
export const num = (min: number, max: number) => z.preprocess(toNumber, z.number().min(min).max(max));

/** A duration in milliseconds (integer, 0 … 2^31-1). */
export const ms = () => int(0, MAX_MS);

/** A duration in milliseconds that must be at least 1. */
export const positiveMs = () => int(1, MAX_MS);

/** true / false; the strings "true" and "false" are accepted. */
export const bool = () => z.preprocess(toBoolean, z.boolean());

/** A non-empty string. */
export const text = () => z.string().min(1);

// Env values and headers are strings on the wire, but YAML users write `PORT: 3000` unquoted.
const scalar = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (issue) => `expected a string, got ${describeValue(issue.input)}`,
  })
  .transform(String);

/** An argv entry: strings, with bare numbers and booleans turned into strings. */
export const arg = () => scalar;

/** Environment variables for a child process. */
export const envMap = () =>
  z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' }),
    scalar,
  );

/** HTTP headers sent to an upstream. */
export const headerMap = () =>
  z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }), scalar);

/** An absolute http(s) URL. */
export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' });

/** A tool-name pattern: `*` matches any run of characters, `?` exactly one. */
export const glob = () => z.string().min(1, { error: 'expected a non-empty tool name or glob' }).max(256);
