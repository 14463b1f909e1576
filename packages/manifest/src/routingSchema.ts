/** The `routing` section of w7s.json: default domain, custom-domain branch mode and authority (C, H). */
import { Schema, SchemaGetter } from "effect";
import { ArrayOf, aliasOf, OwnerAndRepository } from "./fields.js";
import { normalizePathPrefix } from "./paths.js";

export const CUSTOM_DOMAIN_BRANCH_MODES = ["prefixed", "direct"] as const;

export const CustomDomainAuthorityRuleSchema = Schema.Struct({
  pathPrefix: Schema.String,
  repository: Schema.String,
});
/** One repository allowed to claim a path prefix of the authority's domains. */
export interface CustomDomainAuthorityRule
  extends Schema.Schema.Type<typeof CustomDomainAuthorityRuleSchema> {}

export const CustomDomainAuthoritySchema = Schema.Struct({
  domains: Schema.Array(Schema.String),
  allow: Schema.Array(CustomDomainAuthorityRuleSchema),
});
/** Domains this app controls, and which other repositories may serve path prefixes of them. */
export interface CustomDomainAuthority extends Schema.Schema.Type<typeof CustomDomainAuthoritySchema> {}

export const RoutingSchema = Schema.Struct({
  defaultDomain: Schema.Boolean,
  customDomainBranchMode: Schema.Literals(CUSTOM_DOMAIN_BRANCH_MODES),
  customDomainAuthority: Schema.optionalKey(CustomDomainAuthoritySchema),
});
/** How the app is reached: on the default W7S host (unless `defaultDomain` is false) and on custom domains. */
export interface Routing extends Schema.Schema.Type<typeof RoutingSchema> {}

const DefaultDomain = Schema.Boolean.annotate({
  message: "must be a boolean.",
  description:
    "Serve the app on its default W7S host (default true); false serves it on custom domains only.",
});

const BranchMode = Schema.Literals(CUSTOM_DOMAIN_BRANCH_MODES).annotate({
  message: "must be prefixed or direct.",
  description:
    "prefixed (default): branches other than main get `<branch>--` in front of each CNAME host; direct: hosts are used as written ({branch} is replaced).",
});

/** Empty, `/` or `*` in a domain is refused; so is a domain that is blank once trimmed and stripped of its dot. */
const Hostname = Schema.String.annotate({
  message: "must be a string.",
  description: "A domain name this app is the authority for.",
}).check(Schema.isPattern(/^(?!\s*\.?\s*$)[^/*]*$/u, { message: "must be a hostname." }));

const PathPrefix = Schema.String.annotate({
  message: "must be a string.",
  description: "URL path prefix the repository may serve ('/' or empty for the whole domain).",
}).check(
  Schema.makeFilter((prefix: string) =>
    normalizePathPrefix(prefix) === undefined ? "must be a valid URL path prefix." : undefined,
  ),
);

const AuthorityRule = Schema.Struct({
  pathPrefix: Schema.optionalKey(PathPrefix),
  path_prefix: PathPrefix.pipe(aliasOf("pathPrefix")),
  repository: OwnerAndRepository,
})
  .annotate({ message: "must be an object.", description: "A repository allowed to serve a path prefix." })
  .pipe(
    Schema.decodeTo(CustomDomainAuthorityRuleSchema, {
      decode: SchemaGetter.transform((rule) => ({
        pathPrefix: normalizePathPrefix(rule.pathPrefix ?? rule.path_prefix ?? "") ?? "/",
        repository: rule.repository,
      })),
      encode: SchemaGetter.transform((rule: CustomDomainAuthorityRule) => rule),
    }),
  );

const Authority = Schema.Struct({
  domains: Schema.optionalKey(ArrayOf(Hostname, "Domains, lowercased, without a trailing dot.")),
  allow: Schema.optionalKey(ArrayOf(AuthorityRule, "Repositories allowed to serve path prefixes.")),
})
  .annotate({
    message: "must be an object.",
    description: "Domains this app owns, and which repositories may serve parts of them.",
  })
  .pipe(
    Schema.decodeTo(CustomDomainAuthoritySchema, {
      decode: SchemaGetter.transform((authority) => ({
        domains: (authority.domains ?? []).map((domain) => domain.trim().toLowerCase().replace(/\.$/u, "")),
        allow: authority.allow ?? [],
      })),
      encode: SchemaGetter.transform((authority: CustomDomainAuthority) => authority),
    }),
  );

/** The `routing` object as written (either spelling of each key), decoded with its defaults. */
export const RoutingField = Schema.Struct({
  defaultDomain: Schema.optionalKey(DefaultDomain),
  default_domain: DefaultDomain.pipe(aliasOf("defaultDomain")),
  customDomainBranchMode: Schema.optionalKey(BranchMode),
  custom_domain_branch_mode: BranchMode.pipe(aliasOf("customDomainBranchMode")),
  customDomainAuthority: Schema.optionalKey(Authority),
  custom_domain_authority: Authority.pipe(aliasOf("customDomainAuthority")),
})
  .annotate({ message: "must be an object.", title: "Routing", description: "How the app is reached." })
  .pipe(
    Schema.decodeTo(RoutingSchema, {
      decode: SchemaGetter.transform((routing) => {
        const authority = routing.customDomainAuthority ?? routing.custom_domain_authority;
        const normalized: Routing = {
          defaultDomain: routing.defaultDomain ?? routing.default_domain ?? true,
          customDomainBranchMode:
            routing.customDomainBranchMode ?? routing.custom_domain_branch_mode ?? "prefixed",
        };
        return authority === undefined ? normalized : { ...normalized, customDomainAuthority: authority };
      }),
      encode: SchemaGetter.transform((routing: Routing) => routing),
    }),
  );
