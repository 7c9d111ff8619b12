/**
 * How webhooks are delivered (spec §7), from configuration: production keeps the defaults, tests shrink the
 * delays to seconds. Here rather than in runtime/ because app/ and activities/ are given them.
 */
export interface WebhookSettings {
  /** Delay before each attempt, from the first (0: at once); the event fails after the last. */
  retryScheduleMs: number[];
  timeoutMs: number;
  /** Continuous failure this long disables an endpoint. */
  disableAfterMs: number;
  /** How long a rotated secret keeps signing beside the new one. */
  secretOverlapMs: number;
  relayIntervalMs: number;
  /** http:// and loopback addresses allowed (development and tests only). */
  allowLocalHttp: boolean;
}
