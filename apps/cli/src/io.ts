/** What a command reads and where it prints; `cli.ts` passes the real process, tests their own. */
export interface CommandIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** `gh auth token`, replaceable in tests. */
  readonly ghToken?: () => string | undefined;
  /** Resolves when the user asks to stop (Ctrl+C); long-running commands end then. */
  readonly stopped?: Promise<void>;
}
