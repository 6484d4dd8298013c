/** The part of autocannon's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  type Histogram = { average: number; mean: number; p50: number; p90: number; p99: number; max: number; total: number };
  export type AutocannonOptions = {
    url: string;
    connections?: number;
    duration?: number;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    /** Per-request shapes; `setupRequest` may rewrite each request before it is sent. */
    requests?: Array<{ setupRequest?: (request: { body?: string }) => { body?: string } }>;
  };
  export type AutocannonResult = {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    /** Milliseconds, recorded at 1 ms resolution. */
    latency: Histogram;
    requests: Histogram & { sent: number };
  };
  export default function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
}
