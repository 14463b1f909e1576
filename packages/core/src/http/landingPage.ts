/** The small landing page of a self-hosted platform host (DECISIONS 13): health data and where to start. */
import type { PlatformConfig } from "../platformConfig.js";
import { healthBody } from "./health.js";

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** HTML for `GET /` on the platform host and for owner-host paths nothing answers. */
export const landingPage = (config: PlatformConfig): string => {
  const health = escapeHtml(JSON.stringify(healthBody(config), null, 2));
  const domain = escapeHtml(config.baseDomain);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>W7S</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem">
<h1>W7S</h1>
<p>This server deploys GitHub repositories with <code>POST /api/v1/deploy</code> and serves them at
<code>&lt;owner&gt;.${domain}/&lt;repo&gt;/</code> (production) and
<code>&lt;branch&gt;--&lt;owner&gt;.${domain}/&lt;repo&gt;/</code> (other branches).</p>
<h2>Health</h2>
<pre>${health}</pre>
<p>Documentation: <a href="https://github.com/w7s-io">W7S on GitHub</a>.</p>
</body>
</html>
`;
};
