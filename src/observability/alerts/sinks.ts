import type { AlertsConfig } from '../../config/alerts-schema.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { createHttpSink } from './delivery.js';
import type { Alert, AlertSink } from './engine.js';
import { pagerDutyPayload, slackPayload, webhookPayload } from './payloads.js';

/** Builds the configured sinks; delivery failures are logged with the sink's type, never its URL. */
export function createSinks(config: AlertsConfig, clock: Clock, log: Logger): AlertSink[] {
  return config.sinks.map((sink, i): AlertSink => {
    if (sink.type === 'log')
      return (alert: Alert) => (alert.state === 'firing' ? log.warn({ alert }, 'alert firing') : log.info({ alert }, 'alert resolved'));
    const body =
      sink.type === 'pagerduty'
        ? (a: Alert) => pagerDutyPayload(a, sink.routingKey)
        : sink.type === 'slack'
          ? slackPayload
          : webhookPayload;
    return createHttpSink({
      name: `${sink.type}[${i}]`,
      url: sink.url,
      headers: sink.headers,
      timeoutMs: sink.timeoutMs,
      retry: sink.retry,
      body,
      clock,
      onFailure: (alert, error) =>
        log.error({ sink: `alerts.sinks[${i}] (${sink.type})`, alert: alert.id, error }, 'alert delivery failed'),
    });
  });
}
