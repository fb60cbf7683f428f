import { createHash } from 'node:crypto';
import { KubeClient, type KubeTarget, loadKubeConfig } from '../kube/index.ts';
import type { Logger } from '../log/index.ts';

/** The API group lifeboat's HTTP API is authorised as: RBAC rules name it like any other group. */
export const API_AUTH_GROUP = 'lifeboat.io';

/**
 * What a request asks to do: on an API resource (a SubjectAccessReview's resourceAttributes, e.g.
 * `list backups`), or on a non-resource URL such as /metrics (nonResourceAttributes, e.g. `get
 * /metrics`, what Prometheus's usual ClusterRole grants).
 */
export type ApiAttributes =
  | { verb: string; resource: string; subresource?: string; name?: string | undefined }
  | { verb: string; path: string };

export type AuthDecision =
  { allowed: true; user: string } | { allowed: false; status: 401 | 403 | 503; message: string };

export interface KubeReviewOptions {
  kube: KubeTarget;
  logger: Logger;
  /** Namespace of the SubjectAccessReview (a RoleBinding there grants access); default: cluster-wide. */
  namespace?: string | undefined;
  /** TokenReview audiences (default: the API server's). */
  audiences?: readonly string[] | undefined;
  /** How long a review's answer is reused for the same token and request (default 10 s). */
  cacheMs?: number;
  now?: () => number;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/**
 * `lifeboat server --auth kubernetes`: the bearer token is checked with a TokenReview
 * (authentication.k8s.io/v1) and the user it names is authorised with a SubjectAccessReview
 * (authorization.k8s.io/v1) for `verb` on `resource`(`/name`) of the group lifeboat.io — e.g.
 * GET /api/v1/backups is `list backups.lifeboat.io`, POST /api/v1/restores `create
 * restores.lifeboat.io`; GET /metrics (unless it is public) is the non-resource `get /metrics`. The
 * attributes come from the route the request matched (never from its raw URL). Both reviews are made with the server's own credentials (it needs
 * tokenreviews and subjectaccessreviews create: the system:auth-delegator ClusterRole).
 * Answers are cached briefly, keyed by a hash of the token.
 */
export class KubeReviewer {
  readonly #client: KubeClient;
  readonly #o: KubeReviewOptions;
  readonly #cache = new Map<string, { until: number; decision: AuthDecision }>();

  constructor(options: KubeReviewOptions) {
    this.#o = options;
    this.#client = new KubeClient(loadKubeConfig(options.kube), { maxSockets: 4 });
  }

  /** `attrs` undefined: authenticate only (a request that matched no route, answered 404). */
  async review(token: string, attrs: ApiAttributes | undefined): Promise<AuthDecision> {
    const now = (this.#o.now ?? Date.now)();
    const key = createHash('sha256')
      .update(JSON.stringify([token, attrs ?? null]))
      .digest('hex');
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.until > now) return hit.decision;
    const decision = await this.#review(token, attrs);
    if (decision.allowed || decision.status !== 503) {
      if (this.#cache.size >= 1000) this.#cache.clear();
      this.#cache.set(key, { until: now + (this.#o.cacheMs ?? 10_000), decision });
    }
    return decision;
  }

  close(): void {
    this.#client.close();
  }

  async #review(token: string, attrs: ApiAttributes | undefined): Promise<AuthDecision> {
    const user = await this.#authenticate(token);
    if (user === 'unreachable')
      return { allowed: false, status: 503, message: 'cannot check the token with the Kubernetes API' };
    if (user === undefined)
      return { allowed: false, status: 401, message: 'the bearer token is not valid in this cluster' };
    if (attrs === undefined) return { allowed: true, user: user.username };
    return this.#authorize(user, attrs);
  }

  async #authenticate(token: string): Promise<ReviewedUser | 'unreachable' | undefined> {
    const spec: { token: string; audiences?: string[] } = { token };
    if (this.#o.audiences !== undefined && this.#o.audiences.length > 0)
      spec.audiences = [...this.#o.audiences];
    let status: TokenReviewStatus;
    try {
      status =
        (
          await this.#client.json<{ status?: TokenReviewStatus }>({
            method: 'POST',
            path: '/apis/authentication.k8s.io/v1/tokenreviews',
            body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec },
            retries: 2,
          })
        ).status ?? {};
    } catch (err) {
      this.#o.logger.error({ err }, `TokenReview failed: ${String(err)}`);
      return 'unreachable';
    }
    const user = status.user;
    if (status.authenticated !== true || user?.username === undefined) return undefined;
    return { ...user, username: user.username };
  }

  async #authorize(user: ReviewedUser, attrs: ApiAttributes): Promise<AuthDecision> {
    let allowed: boolean;
    let reason: string | undefined;
    try {
      const sar = await this.#client.json<{ status?: { allowed?: boolean; reason?: string } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            uid: user.uid,
            groups: user.groups ?? [],
            extra: user.extra,
            ...this.#attributes(attrs),
          },
        },
        retries: 2,
      });
      allowed = sar.status?.allowed === true;
      reason = sar.status?.reason;
    } catch (err) {
      this.#o.logger.error({ err }, `SubjectAccessReview failed: ${String(err)}`);
      return { allowed: false, status: 503, message: 'cannot check access with the Kubernetes API' };
    }
    if (!allowed)
      return {
        allowed: false,
        status: 403,
        message: `${user.username} may not ${describeAttributes(attrs)}${reason ? ` (${reason})` : ''}`,
      };
    return { allowed: true, user: user.username };
  }

  /** The SubjectAccessReview's resourceAttributes (group lifeboat.io) or nonResourceAttributes. */
  #attributes(
    attrs: ApiAttributes,
  ):
    | { resourceAttributes: Record<string, string> }
    | { nonResourceAttributes: { path: string; verb: string } } {
    if ('path' in attrs) return { nonResourceAttributes: { path: attrs.path, verb: attrs.verb } };
    const resourceAttributes: {
      group: string;
      resource: string;
      subresource?: string;
      verb: string;
      name?: string;
      namespace?: string;
    } = {
      group: API_AUTH_GROUP,
      resource: attrs.resource,
      verb: attrs.verb,
    };
    if (attrs.subresource !== undefined) resourceAttributes.subresource = attrs.subresource;
    if (attrs.name !== undefined) resourceAttributes.name = attrs.name;
    if (this.#o.namespace !== undefined && this.#o.namespace !== '')
      resourceAttributes.namespace = this.#o.namespace;
    return { resourceAttributes };
  }
}

type ReviewedUser = NonNullable<TokenReviewStatus['user']> & { username: string };

/** `list backups.lifeboat.io`, `get backups.lifeboat.io nightly-1`, `get /metrics`. */
export function describeAttributes(attrs: ApiAttributes): string {
  if ('path' in attrs) return `${attrs.verb} ${attrs.path}`;
  const sub = attrs.subresource === undefined ? '' : `/${attrs.subresource}`;
  return `${attrs.verb} ${attrs.resource}${sub}.${API_AUTH_GROUP}${attrs.name === undefined ? '' : ` ${attrs.name}`}`;
}
