import { getConfig } from '@/lib/config';
import { discoveryResponse, protectedResourceMetadata } from '@/lib/oauth/metadata';
import { discoveryOptions } from '@/lib/http/cors';

export const dynamic = 'force-dynamic';

export function GET(): Response {
  return discoveryResponse(protectedResourceMetadata(getConfig()));
}

export const OPTIONS = discoveryOptions;
