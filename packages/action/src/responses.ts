/**
 * The W7S API's JSON answers as the action reads them: the `{status, data}` / `{status, error, details}`
 * envelope (spec 0), the deploy response (B.13), usage (F.10) and logs (G.1). Every field is optional:
 * the action renders whatever a server sends and never trusts a shape.
 */

export interface DeploymentWarning {
  readonly code?: string;
  readonly target?: string;
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface CustomDomainNotice {
  readonly hostname?: string;
  readonly txtName?: string;
  readonly txtValue?: string;
  readonly reason?: string;
  readonly currentRepository?: string;
}

export interface DeploymentInfo {
  readonly repository?: string;
  readonly environment?: string;
  readonly branch?: string;
  readonly commitSha?: string;
  readonly deployedAt?: string;
  readonly application?: string;
  readonly bindings?: {
    readonly kv?: readonly unknown[];
    readonly r2?: readonly unknown[];
    readonly d1?: readonly unknown[];
    readonly vars?: readonly string[];
    readonly secrets?: readonly string[];
  };
  readonly targets?: {
    readonly worker?: { readonly entrypoint?: string; readonly scriptName?: string };
    readonly static?: { readonly fileCount?: number; readonly totalSize?: number };
  };
}

export interface DeployData {
  readonly deployment?: DeploymentInfo;
  readonly url?: string;
  readonly deploymentWarnings?: readonly DeploymentWarning[];
  readonly customDomains?: readonly string[];
  readonly customDomainWarnings?: readonly CustomDomainNotice[];
  readonly blockedCustomDomains?: readonly CustomDomainNotice[];
}

/** The envelope: `status` is `success` or `error`; `error` and `details` explain a failure. */
export interface Envelope<Data> {
  readonly status?: string;
  readonly data?: Data;
  readonly error?: string;
  readonly message?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface UsageWarning {
  readonly metric?: string;
  readonly status?: string;
  readonly used?: number;
  readonly limit?: number;
  readonly remaining?: number;
  readonly message?: string;
}

export interface AppLimitState {
  readonly status?: string;
  readonly reason?: string;
  readonly resumeAfter?: string;
}

export interface UsageData {
  readonly usage?: {
    readonly date?: string;
    readonly environment?: string;
    readonly repository?: string;
    readonly metrics?: Readonly<Record<string, { readonly units?: number; readonly count?: number }>>;
    readonly cloudflareSyncedAt?: string;
    readonly cloudflareHours?: readonly string[];
  };
  readonly limits?: {
    readonly metrics?: Readonly<
      Record<string, { readonly used?: number; readonly limit?: number; readonly status?: string }>
    >;
  };
  readonly warnings?: readonly UsageWarning[];
  readonly appLimitState?: AppLimitState;
}

export interface LogRecordView {
  readonly id?: string;
  readonly kind?: string;
  readonly level?: string;
  readonly timestamp?: string;
  readonly message?: unknown;
  readonly text?: string;
  readonly exception?: { readonly name?: string; readonly message?: string; readonly stack?: string };
  readonly request?: { readonly method?: string; readonly path?: string; readonly status?: number };
}

export interface LogsData {
  readonly logs?: {
    readonly repository?: string;
    readonly environment?: string;
    readonly from?: string;
    readonly to?: string;
    readonly limit?: number;
    readonly cursor?: string | null;
    readonly records?: readonly LogRecordView[];
  };
}

/** An HTTP answer: its status, the parsed JSON (or `undefined`) and the raw text. */
export interface ApiAnswer<Body> {
  readonly status: number;
  readonly body: Body | undefined;
  readonly raw: string;
  /** Response headers, when the caller needs them (GitHub's `Link`). */
  readonly headers?: Headers;
}

export const parseJson = <Body>(raw: string): Body | undefined => {
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === "object" && value !== null ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
};

/** Success in the action's sense: a 2xx answer whose body says `status: "success"` (J.3 step 9). */
export const isSuccess = (answer: ApiAnswer<Envelope<unknown>>): boolean =>
  answer.status >= 200 && answer.status < 300 && answer.body?.status === "success";

/** The array, or `[]` for anything that is not one (a server may send any shape). */
export function asArray<Item>(value: readonly Item[] | undefined | null): readonly Item[];
export function asArray<Item>(value: unknown): readonly Item[];
export function asArray<Item>(value: unknown): readonly Item[] {
  return Array.isArray(value) ? (value as Item[]) : [];
}

/**
 * A failed answer in one line: the server's `error` and, on following lines, what its `details` say
 * (`limits` one per line, other keys as JSON); the raw text when the body was not JSON.
 */
export const describeFailure = (answer: ApiAnswer<Envelope<unknown>>): string => {
  const body = answer.body;
  if (body === undefined) {
    const raw = answer.raw.trim();
    return raw === ""
      ? `HTTP ${answer.status} with an empty body.`
      : `HTTP ${answer.status}: ${raw.slice(0, 2000)}`;
  }
  const message = body.error ?? body.message ?? `HTTP ${answer.status} (status ${body.status ?? "unknown"}).`;
  const lines = [message];
  for (const [key, value] of Object.entries(body.details ?? {})) {
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      lines.push(`${key}:`, ...value.map((item) => `  - ${item}`));
    } else if (Array.isArray(value) && key === "issues") {
      lines.push(
        "issues:",
        ...value.map((issue) => {
          const { path, message: text } = (issue ?? {}) as { path?: unknown; message?: unknown };
          return `  - ${path === undefined ? "" : `${String(path)}: `}${String(text ?? JSON.stringify(issue))}`;
        }),
      );
    } else {
      lines.push(`${key}: ${JSON.stringify(value)}`);
    }
  }
  return lines.join("\n");
};
