import { getConfig } from '@/lib/config';
import { authorizationServerMetadata, discoveryResponse } from '@/lib/oauth/metadata';
import { discoveryOptions } from '@/lib/http/cors';

export const dynamic = 'force-dynamic';

export function GET(): Response {
  return discoveryResponse(authorizationServerMetadata(getConfig()));
}

export const OPTIONS = discoveryOptions;
