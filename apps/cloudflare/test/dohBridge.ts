/**
 * A DNS-over-HTTPS JSON endpoint for tests that answers from given DNS servers (the conformance suite's DNS
 * stand-in speaks UDP, which a Worker cannot), so the Worker's DomainVerifier is exercised unchanged.
 */
import { Resolver } from "node:dns/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export const startDohBridge = async (
  servers: ReadonlyArray<string>,
): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([...servers]);
  const server = createServer(async (request, response) => {
    const name = new URL(request.url ?? "/", "http://doh").searchParams.get("name") ?? "";
    let answers: string[][] = [];
    let status = 0;
    try {
      answers = await resolver.resolveTxt(name);
    } catch (error) {
      status =
        (error as { code?: string }).code === "ENOTFOUND" || (error as { code?: string }).code === "ENODATA"
          ? 3
          : 2;
    }
    response.writeHead(200, { "content-type": "application/dns-json" });
    response.end(
      JSON.stringify({
        Status: status,
        Answer: answers.map((chunks) => ({
          name,
          type: 16,
          data: chunks.map((chunk) => JSON.stringify(chunk)).join(" "),
        })),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
