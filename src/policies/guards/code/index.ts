export { createCodeGuard, type CodeGuardConfig, type CodeLanguage } from './code-guard.js';
export { analyzeJavaScript, JS_MODULES } from './js-analyzer.js';
export { analyzePython, PY_MODULES } from './python-analyzer.js';
export { analyzeShell } from './shell-analyzer.js';
export { checkPlainArgument } from './argument-check.js';
export type { CodeFinding, CodeRules } from './finding.js';
