// The guard under test with its defaults (dialect postgresql, built-in allowlist, no table rules).
import { createSqlGuard as create, preloadSqlParsers } from '../../src/policies/guards/index.js';

/** A PostgreSQL sql guard with default settings. */
export const createSqlGuard = () =>
  create({ dialect: 'postgresql', maxLength: 100_000, allowFunctions: [], denyFunctions: [], tables: { deny: [] } });

/** Loads the WebAssembly parser before timing anything. */
export const loadPostgresParserForTests = preloadSqlParsers;
