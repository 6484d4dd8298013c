import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    redisRestUrl: string;
    redisRestToken: string;
  }
}
