import { describe, expect, it } from "vitest";
import { NOT_CONNECTED_JSON_CONTENT_TYPE, notConnectedResponse, notConnectedTexts } from "./notConnected.js";

const request = {
  method: "GET",
  host: "static.example.com",
  path: "/assets/missing.js?v=2",
  navigation: false,
};

describe("D.7 deployment_not_connected", () => {
  it("answers programs with the exact JSON, content type exactly application/json", () => {
    expect(notConnectedResponse(request)).toStrictEqual({
      status: 404,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
        "x-robots-tag": "noindex, nofollow, noarchive",
      },
      body: '{"status":"error","code":"deployment_not_connected","error":"Deployment not connected.","message":"This W7S route is reachable, but there is no deployment attached to it yet.","host":"static.example.com","path":"/assets/missing.js?v=2"}',
    });
    expect(NOT_CONNECTED_JSON_CONTENT_TYPE).toBe("application/json");
  });

  it("answers browser navigations with a page", () => {
    const response = notConnectedResponse({ ...request, navigation: true, path: "/<script>" });
    expect(response.status).toBe(404);
    expect(response.headers).toStrictEqual({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-robots-tag": "noindex, nofollow, noarchive",
    });
    expect(response.body).toContain("<title>Deployment not connected | W7S</title>");
    expect(response.body).toContain("404 deployment_not_connected");
    expect(response.body).toContain(notConnectedTexts.message);
    expect(response.body).toContain("static.example.com/&lt;script&gt;");
    expect(response.body).not.toContain("<script>");
  });

  it.each([false, true])(
    "HEAD has the same status and headers and no body (navigation: %s)",
    (navigation) => {
      const head = notConnectedResponse({ ...request, method: "HEAD", navigation });
      const get = notConnectedResponse({ ...request, navigation });
      expect(head).toStrictEqual({ ...get, body: null });
    },
  );

  it("quotes the exact texts", () => {
    expect(notConnectedTexts).toStrictEqual({
      code: "deployment_not_connected",
      error: "Deployment not connected.",
      message: "This W7S route is reachable, but there is no deployment attached to it yet.",
      title: "Deployment not connected | W7S",
    });
  });
});
