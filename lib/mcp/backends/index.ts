/**
 * The backend `/mcp` serves, chosen once per process from configuration. A new backend is one
 * file in this folder plus one line here.
 */
import type { Config } from '../../config';
import { getServices } from '../../services';
import type { McpBackend } from '../backend';
import { createToolsBackend } from './inProcess';
import { createUpstreamBackend } from './upstream';

export function createBackend(config: Config): McpBackend {
  return config.upstream ? createUpstreamBackend(config.upstream, config) : createToolsBackend(undefined, config);
}

let backend: Promise<McpBackend> | null = null;

/** The process's backend, built on first use. */
export function getBackend(): Promise<McpBackend> {
  backend ??= getServices().then((services) => createBackend(services.config));
  return backend;
}
