import { Result } from "effect";
import { describe, expect, it } from "vitest";
import type { EventSubscriptionMapping } from "../ports/records/DeploymentIndexes.js";
import { parseEventBody, reachableSubscriptions, subscriptionMappings } from "./events.js";

const subscription = (
  orgSlug: string,
  repoSlug: string,
  allow: string[] = [],
  environment = "production",
): EventSubscriptionMapping => ({
  version: 1,
  subject: "orders.created",
  queue: "inbox",
  queueName: `w7s-${environment}-${orgSlug}-${repoSlug}-queue-inbox`,
  allow,
  orgSlug,
  repoSlug,
  environment,
  repository: `${orgSlug}/${repoSlug}`,
  deployedAt: "2026-12-01T00:00:00.000Z",
});

describe("parseEventBody", () => {
  it("normalizes the subject and makes absent data null", () => {
    expect(parseEventBody('{"subject":" Orders.Created "}')).toStrictEqual(
      Result.succeed({ subject: "orders.created", data: null }),
    );
    expect(parseEventBody('{"subject":"a","data":{"x":[1]}}')).toStrictEqual(
      Result.succeed({ subject: "a", data: { x: [1] } }),
    );
  });

  it.each(["", "{", "null", "[]", '"a"', '{"subject":1}', '{"data":1}', '{"subject":"a.*"}'])(
    "refuses %j",
    (text) => {
      expect(Result.isFailure(parseEventBody(text))).toBe(true);
    },
  );
});

describe("reachableSubscriptions", () => {
  const publisher = { owner: "acme", repo: "orders", environment: "production" };

  it("keeps the publisher's own owner and the owners whose allow list names it, in order", () => {
    const all = [
      subscription("acme", "billing"),
      subscription("partner", "crm", ["ACME"]),
      subscription("shop", "erp", ["acme/orders"]),
      subscription("other", "app", ["acme/billing"]),
      subscription("stranger", "spy"),
    ];
    expect(reachableSubscriptions(all, publisher).map((found) => found.repository)).toStrictEqual([
      "acme/billing",
      "partner/crm",
      "shop/erp",
    ]);
  });

  it("never crosses environments, whatever the allow list says", () => {
    const branch = [
      subscription("acme", "billing", [], "feature"),
      subscription("p", "x", ["acme"], "feature"),
    ];
    expect(reachableSubscriptions(branch, publisher)).toStrictEqual([]);
  });
});

describe("subscriptionMappings", () => {
  it("gives each subscription of a record the subscriber's identity and allow list", () => {
    const record = {
      orgSlug: "acme",
      repoSlug: "billing",
      environment: "production",
      repository: "Acme/Billing",
      deployedAt: "2026-12-01T00:00:00.000Z",
      events: {
        allow: ["partner"],
        subscribe: [{ subject: "orders.created", queue: "inbox", queueName: "w7s-q" }],
      },
    };
    expect(subscriptionMappings(record)).toStrictEqual([
      {
        version: 1,
        subject: "orders.created",
        queue: "inbox",
        queueName: "w7s-q",
        allow: ["partner"],
        orgSlug: "acme",
        repoSlug: "billing",
        environment: "production",
        repository: "Acme/Billing",
        deployedAt: "2026-12-01T00:00:00.000Z",
      },
    ]);
    const { events: _declared, ...withoutEvents } = record;
    expect(subscriptionMappings(withoutEvents)).toStrictEqual([]);
  });
});
