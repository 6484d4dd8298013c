import { getConfig } from '@/lib/config';
import { authorizationServerMetadata, discoveryResponse } from '@/lib/oauth/metadata';
import { discoveryOptions } from '@/lib/http/cors';
import { observe } from '@/lib/observability/context';

export const dynamic = 'force-dynamic';

export const GET = observe(() => discoveryResponse(authorizationServerMetadata(getConfig())));

export const OPTIONS = observe(discoveryOptions);
