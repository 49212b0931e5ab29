/**
 * Audit trail outside the registry: one JSON object per action (promote, rollback,
 * prune), appended as one line to a local file (`--audit-log`) and/or POSTed to a
 * webhook (`--notify-url`, Slack-compatible `text`). One file per concern under audit/:
 * the event model (event.ts), the JSONL writer (log.ts), the notification line (text.ts)
 * and the webhook client (notify.ts).
 */
export * from './audit/event.js';
export * from './audit/log.js';
export * from './audit/notify.js';
export * from './audit/text.js';
