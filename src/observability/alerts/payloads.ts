import type { Alert } from './engine.js';

/** The generic webhook body: the alert as is, versioned. */
export function webhookPayload(alert: Alert): unknown {
  return { version: 1, source: 'breakwater', alert };
}

/** A Slack-compatible incoming-webhook body (also accepted by Mattermost, Rocket.Chat). */
export function slackPayload(alert: Alert): unknown {
  const tag = alert.state === 'firing' ? `[FIRING:${alert.severity}]` : '[RESOLVED]';
  return {
    text: `${tag} ${alert.summary}`,
    attachments: [
      {
        color: alert.state === 'resolved' ? 'good' : alert.severity === 'critical' ? 'danger' : 'warning',
        fields: [
          { title: 'rule', value: alert.rule, short: true },
          { title: 'subject', value: alert.subject, short: true },
          { title: 'value', value: String(alert.value), short: true },
          { title: 'threshold', value: String(alert.threshold), short: true },
        ],
        ts: Math.floor(alert.at / 1000),
      },
    ],
  };
}

/** A PagerDuty Events API v2 event: trigger or resolve, keyed by the alert id so PagerDuty de-duplicates too. */
export function pagerDutyPayload(alert: Alert, routingKey: string): unknown {
  const base = { routing_key: routingKey, dedup_key: `breakwater:${alert.id}` };
  if (alert.state === 'resolved') return { ...base, event_action: 'resolve' };
  return {
    ...base,
    event_action: 'trigger',
    payload: {
      summary: alert.summary,
      source: 'breakwater',
      severity: alert.severity,
      component: alert.subject,
      class: alert.rule,
      timestamp: new Date(alert.at).toISOString(),
      custom_details: { value: alert.value, threshold: alert.threshold },
    },
  };
}
