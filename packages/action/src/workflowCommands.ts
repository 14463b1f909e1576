/** GitHub Actions workflow commands (`::warning ...::`, `::error::`, groups), escaped as the runner expects. */

const escapeData = (value: string): string =>
  value.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");

const escapeProperty = (value: string): string =>
  escapeData(value).replaceAll(":", "%3A").replaceAll(",", "%2C");

/** `::warning title=<title>::<message>`. */
export const warningCommand = (message: string, title?: string): string =>
  `::warning${title === undefined ? "" : ` title=${escapeProperty(title)}`}::${escapeData(message)}`;

/** `::error title=<title>::<message>`. */
export const errorCommand = (message: string, title?: string): string =>
  `::error${title === undefined ? "" : ` title=${escapeProperty(title)}`}::${escapeData(message)}`;

/** `::add-mask::<value>`: the runner hides the value in later log lines. */
export const maskCommand = (value: string): string => `::add-mask::${escapeData(value)}`;
