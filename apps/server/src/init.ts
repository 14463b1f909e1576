/**
 * `w7s-server init`: the config file to write and the instructions that deploy a repository to this server
 * with the official action (`w7s-io/w7s-cloud@v1`, input `deploy-url`, J.1) or with curl (J.3).
 */
import type { ServerSettings, SettingSource } from "./config.js";

/** Settings written even when they are the defaults, so the file shows where the server listens. */
const ALWAYS_WRITTEN: readonly (keyof ServerSettings)[] = ["port", "host", "baseDomain", "dataDir"];

/** The config file's contents: the listening settings plus every value given by flag, environment or file. */
export const initConfig = (
  settings: ServerSettings,
  sources: Readonly<Record<keyof ServerSettings, SettingSource>>,
): Record<string, unknown> => {
  const file: Record<string, unknown> = {};
  for (const key of Object.keys(settings) as (keyof ServerSettings)[]) {
    if (settings[key] === undefined) continue;
    if (ALWAYS_WRITTEN.includes(key) || sources[key] !== "default") file[key] = settings[key];
  }
  return file;
};

/** Where GitHub Actions reach this server when no public URL is given. */
export const defaultPublicUrl = (settings: ServerSettings): string => {
  const host =
    settings.host === "0.0.0.0" || settings.host === "::" ? "<this machine's address>" : settings.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${settings.port}`;
};

/** The text `init` prints after writing the config file. */
export const initInstructions = (input: {
  readonly settings: ServerSettings;
  readonly configPath: string;
  readonly publicUrl: string;
  /** How to start the server so that it reads this file. */
  readonly serveCommand: string;
}): string => {
  const deployUrl = `${input.publicUrl.replace(/\/+$/, "")}/api/v1/deploy`;
  const operatorToken = input.settings.deployToken !== undefined;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, printed as is
  const tokenLine = operatorToken ? "\n          token: ${{ secrets.W7S_DEPLOY_TOKEN }}" : "";
  const bearer = operatorToken ? "$W7S_DEPLOY_TOKEN" : "$GITHUB_TOKEN";
  const who = operatorToken
    ? "the operator deploy token from the config file (store it as the repository secret W7S_DEPLOY_TOKEN)"
    : `the workflow's GitHub token, which this server checks against ${input.settings.githubApiUrl} (write access or an installation of the repository is required)`;
  const domain = input.settings.baseDomain;
  const dns = domain.endsWith(".localhost")
    ? "*.localhost names resolve to this machine"
    : `point the DNS names *.${domain} at this server`;
  const reachable = /^http:\/\/(127\.|localhost|\[::1\])/.test(input.publicUrl)
    ? "\nGitHub-hosted runners cannot reach this machine's loopback address: run init with --public-url <the URL\nthey reach this server at> (a reverse proxy or tunnel), or deploy with curl from this machine.\n"
    : "";
  return `Wrote ${input.configPath}. Start the server with: ${input.serveCommand}

Deploy a repository to this server from GitHub Actions: add this step after actions/checkout in a
workflow with \`permissions: { contents: read, id-token: write }\`. It deploys with ${who}.

      - uses: w7s-io/w7s-cloud@v1
        with:
          deploy-url: ${deployUrl}${tokenLine}

The same request with zip and curl (spec J.3), for other CI systems or a shell:

      zip -qr app.zip . -x '.git/*' 'node_modules/*' '*/node_modules/*' '*/*/node_modules/*' \\
        '.wrangler/*' '*/.wrangler/*' '*/*/.wrangler/*' 'dist/.vite/*'
      curl -sS -X POST ${deployUrl} --data-binary @app.zip \\
        -H "authorization: Bearer ${bearer}" -H 'content-type: application/zip' \\
        -H "x-github-repository: $GITHUB_REPOSITORY" -H "x-github-sha: $GITHUB_SHA" \\
        -H "x-github-branch: $GITHUB_REF_NAME"

Apps then answer on <owner>.${domain} at /<repo>/ for the production branch, and on
<branch>--<owner>.${domain} for other branches (${dns}).
${reachable}`;
};
