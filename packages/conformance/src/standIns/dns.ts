/**
 * A local DNS server for custom-domain allow lists (H.3): answers TXT queries over UDP in the real wire
 * format (RFC 1035), from records a test sets, so a server under test resolves `_w7s.<zone>` through its
 * ordinary resolver pointed at this address. Names without records answer NXDOMAIN.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import type { AddressInfo } from "node:net";
import * as dnsPacket from "dns-packet";

/** One query received. */
export interface DnsQuery {
  readonly name: string;
  readonly type: string;
}

export interface DnsStandIn {
  /** `127.0.0.1:<port>`, the form `dns.setServers` takes. */
  readonly address: string;
  /** Every query received, oldest first. */
  readonly queries: DnsQuery[];
  /**
   * Publishes TXT records at `name`: one entry per record, each a string or its character strings (a
   * value longer than 255 bytes is split into several strings, as DNS requires).
   */
  setTxt(name: string, records: ReadonlyArray<string | readonly string[]>): void;
  /** Removes every record at `name`. */
  clear(name: string): void;
  /** The next `count` queries answer SERVFAIL. */
  failNext(count?: number): void;
  /** The next `count` queries get no answer at all (the resolver times out). */
  dropNext(count?: number): void;
  close(): Promise<void>;
}

const NXDOMAIN = 3;
const SERVFAIL = 2;

const normalize = (name: string): string => name.toLowerCase().replace(/\.$/, "");

/** DNS character strings of at most 255 bytes each. */
const characterStrings = (record: string | readonly string[]): Buffer[] => {
  if (typeof record !== "string") return record.map((chunk) => Buffer.from(chunk));
  const bytes = Buffer.from(record);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 255)
    chunks.push(bytes.subarray(offset, offset + 255));
  return chunks.length === 0 ? [Buffer.alloc(0)] : chunks;
};

/** Starts the server on a free UDP port of 127.0.0.1. */
export const startDnsStandIn = async (): Promise<DnsStandIn> => {
  const records = new Map<string, ReadonlyArray<string | readonly string[]>>();
  const queries: DnsQuery[] = [];
  let failing = 0;
  let dropping = 0;
  const socket = createSocket("udp4");

  const reply = (message: Buffer, peer: RemoteInfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (question === undefined) return;
    queries.push({ name: normalize(question.name), type: question.type });
    if (dropping > 0) {
      dropping -= 1;
      return;
    }
    const base = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE;
    const found = records.get(normalize(question.name));
    let flags = base;
    let answers: dnsPacket.Answer[] = [];
    if (failing > 0) {
      failing -= 1;
      flags = base | SERVFAIL;
    } else if (found === undefined) {
      flags = base | NXDOMAIN;
    } else if (question.type === "TXT") {
      answers = found.map((record) => ({
        type: "TXT",
        class: "IN",
        name: question.name,
        ttl: 1,
        data: characterStrings(record),
      }));
    }
    const response = dnsPacket.encode({
      type: "response",
      id: query.id ?? 0,
      flags: flags | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED),
      questions: [question],
      answers,
    });
    socket.send(response, peer.port, peer.address);
  };
  socket.on("message", reply);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    queries,
    setTxt: (name, values) => void records.set(normalize(name), values),
    clear: (name) => void records.delete(normalize(name)),
    failNext: (count = 1) => {
      failing += count;
    },
    dropNext: (count = 1) => {
      dropping += count;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
};
