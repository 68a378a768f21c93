/** Events of the replica policy: choices, failovers, hedges and passive-health changes. */
export type ReplicaEvents = {
  /** Another replica is tried after a safe-to-retry upstream failure. */
  failover: { readonly route: string; readonly requestId?: string; readonly from: number; readonly to: number };
  /** A hedged attempt started (`hedge` counts from 1). */
  hedge: { readonly route: string; readonly requestId?: string; readonly replica: number; readonly hedge: number };
  /** A failover or hedge was refused because the upstream's retry budget was spent. */
  'budget-exhausted': { readonly route: string; readonly activeRetries: number; readonly activeRequests: number };
  /** Every healthy candidate was ejected, so ejected replicas were used anyway (Envoy panic mode). */
  panic: { readonly route: string; readonly candidates: readonly number[] };
  /** Outlier ejection: `times` is the ejection multiplier k, `forMs` the ejection time. */
  ejected: { readonly replica: number; readonly forMs: number; readonly times: number };
  returned: { readonly replica: number };
};
