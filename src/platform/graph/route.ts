import type { GraphNodeKind } from '../../store/schema.js';
import type { Caller, Permission } from '../auth/tokens.js';

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

export interface UploadedFile {
  readonly fieldName: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

/** Everything a Graph edge handler gets: the resolved node, the caller and the merged params. */
export interface GraphCall {
  readonly method: GraphMethod;
  readonly version: string;
  readonly nodeId: string;
  readonly kind: GraphNodeKind;
  readonly edge: string | null;
  readonly params: Record<string, unknown>;
  readonly files: readonly UploadedFile[];
  readonly caller: Caller;
  /** The absolute URL of the request, for `paging.next` / `previous` links. */
  readonly url: string;
}

/** JSON-serialisable response body of a Graph edge. */
export type GraphResponse = Record<string, unknown>;

export interface GraphRoute {
  readonly kind: GraphNodeKind;
  readonly method: GraphMethod;
  /** null addresses the node itself (`/{id}`). */
  readonly edge: string | null;
  readonly permission: Permission;
  handle(call: GraphCall): Promise<GraphResponse>;
}

export const route = (
  kind: GraphNodeKind,
  method: GraphMethod,
  edge: string | null,
  permission: Permission,
  handle: (call: GraphCall) => Promise<GraphResponse>,
): GraphRoute => ({ kind, method, edge, permission, handle });
