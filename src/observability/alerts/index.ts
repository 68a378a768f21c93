export { createAlertEngine, type Alert, type AlertEngine, type AlertEngineOptions, type AlertSink } from './engine.js';
export { createHttpSink, type HttpSinkOptions } from './delivery.js';
export { pagerDutyPayload, slackPayload, webhookPayload } from './payloads.js';
export { RULES, type Gauges } from './rules.js';
export { createSinks } from './sinks.js';
