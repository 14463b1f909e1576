// The SPA: asks the backend for a message; any path without a file falls back to this page (D.2).
const base = new URL(".", document.baseURI);
const route = document.querySelector("#route");
if (route) route.textContent = `Route: ${location.pathname.slice(base.pathname.length - 1) || "/"}`;

const output = document.querySelector("#message");
fetch(new URL("api/message", base))
  .then((response) => response.json() as Promise<{ message: string }>)
  .then((body) => {
    if (output) output.textContent = body.message;
  })
  .catch(() => {
    if (output) output.textContent = "(backend unreachable)";
  });
