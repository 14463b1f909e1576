export { type DnsQuery, type DnsStandIn, startDnsStandIn } from "./dns.js";
export {
  type ReadApiRequest,
  type ReadApiStandIn,
  startReadApiStandIn,
  type UsageFixture,
} from "./readApi.js";
export {
  startTelegramStandIn,
  type TelegramCall,
  type TelegramMessage,
  type TelegramStandIn,
  type TelegramStandInOptions,
} from "./telegram.js";
