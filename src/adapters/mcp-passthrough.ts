/**
 * What `heso mcp` relays untouched between the client and the downstream server: resources
 * (list, templates, read, subscribe), prompts, completions, logging, and the matching
 * notifications. Only what the downstream server declared is offered. None of it is gated:
 * HESO gates actions (`tools/call`); reading a resource or a prompt template is not one.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  CompleteResultSchema,
  EmptyResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type ServerCapabilities,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

export function relayPassThrough(client: Client, server: Server, caps: ServerCapabilities): void {
  const relay = <R>(method: { method: string; params?: unknown }, schema: R, signal: AbortSignal) =>
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's request() is generic over zod schema types it does not export
    client.request(method as any, schema as any, { signal });
  if (caps.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, (r, x) => relay(r, ListResourcesResultSchema, x.signal));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (r, x) =>
      relay(r, ListResourceTemplatesResultSchema, x.signal),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (r, x) => relay(r, ReadResourceResultSchema, x.signal));
    if (caps.resources.subscribe) {
      server.setRequestHandler(SubscribeRequestSchema, (r, x) => relay(r, EmptyResultSchema, x.signal));
      server.setRequestHandler(UnsubscribeRequestSchema, (r, x) => relay(r, EmptyResultSchema, x.signal));
    }
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => server.sendResourceListChanged());
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => server.sendResourceUpdated(n.params));
  }
  if (caps.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, (r, x) => relay(r, ListPromptsResultSchema, x.signal));
    server.setRequestHandler(GetPromptRequestSchema, (r, x) => relay(r, GetPromptResultSchema, x.signal));
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => server.sendPromptListChanged());
  }
  if (caps.completions)
    server.setRequestHandler(CompleteRequestSchema, (r, x) => relay(r, CompleteResultSchema, x.signal));
  if (caps.logging) {
    server.setRequestHandler(SetLevelRequestSchema, (r, x) => relay(r, EmptyResultSchema, x.signal));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => server.sendLoggingMessage(n.params));
  }
}
