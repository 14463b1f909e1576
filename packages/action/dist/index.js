// The W7S deploy action, bundled from packages/action/src by scripts/bundle.ts. Do not edit.

// src/action/runAction.ts
import { spawnSync } from "node:child_process";
import { existsSync as existsSync3, readFileSync as readFileSync3, writeFileSync } from "node:fs";
import { join as join4, resolve } from "node:path";

// src/actionsRuntime.ts
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { EOL } from "node:os";
var getInput = (env, name) => {
  const runnerName = `INPUT_${name.replaceAll(" ", "_").toUpperCase()}`;
  const value = env[runnerName] ?? env[runnerName.replaceAll("-", "_")] ?? "";
  return value.trim();
};
var booleanInput = (value, fallback) => {
  const normalized = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(normalized)) return true;
  if (["0", "false", "no", "off"].includes(normalized)) return false;
  return fallback;
};
var makeRunnerFiles = (env) => ({
  setOutput: (name, value) => {
    const file = env.GITHUB_OUTPUT;
    if (file === void 0 || file === "") return;
    const delimiter = `ghadelimiter_${randomUUID()}`;
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, "utf8");
  },
  appendSummary: (markdown) => {
    const file = env.GITHUB_STEP_SUMMARY;
    if (file === void 0 || file === "") return;
    appendFileSync(file, markdown.endsWith("\n") ? markdown : `${markdown}
`, "utf8");
  }
});

// src/deploy.ts
import { copyFileSync, existsSync as existsSync2 } from "node:fs";
import { join as join3 } from "node:path";

// src/endpoints.ts
var DEFAULT_DEPLOY_URL = "https://w7s.cloud/api/v1/deploy";
var deployUrlWithEnvironment = (deployUrl, environment) => {
  const value = (environment ?? "").trim();
  if (value === "") return deployUrl;
  return `${deployUrl}${deployUrl.includes("?") ? "&" : "?"}environment=${encodeURIComponent(value)}`;
};
var apiRootOf = (deployUrl) => {
  const url = new URL(deployUrl || DEFAULT_DEPLOY_URL);
  url.pathname = url.pathname.replace(/\/api\/v1\/deploy\/?$/, "/api/v1").replace(/\/+$/, "");
  if (!url.pathname.endsWith("/api/v1")) url.pathname = `${url.pathname}/api/v1`.replace(/\/{2,}/g, "/");
  url.search = "";
  url.hash = "";
  return url;
};
var splitRepository = (repository) => {
  const [owner, repo, ...rest] = repository.trim().split("/");
  return owner && repo && rest.length === 0 ? { owner, repo } : void 0;
};
var apiUrl = (deployUrl, section, repository, query) => {
  const url = apiRootOf(deployUrl);
  url.pathname = `${url.pathname}/${section}/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;
  for (const [name, value] of query)
    if (value !== void 0 && value !== "") url.searchParams.set(name, value);
  return url;
};
var usageUrl = (deployUrl, repository, query) => apiUrl(deployUrl, "usage", repository, [
  ["date", query.date],
  ["environment", query.environment],
  ["application", query.application]
]);
var logsUrl = (deployUrl, repository, query) => apiUrl(deployUrl, "logs", repository, [
  ["environment", query.environment],
  ["hours", query.hours],
  ["limit", query.limit],
  ["from", query.from],
  ["to", query.to],
  ["kind", query.kind],
  ["level", query.level],
  ["cursor", query.cursor],
  ["application", query.application]
]);
var clampedInteger = (raw, fallback, min, max) => {
  const value = (raw ?? "").trim();
  if (value === "") return String(fallback);
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) return value;
  return String(Math.max(min, Math.min(max, Math.floor(parsed))));
};

// src/http.ts
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

// src/responses.ts
var parseJson = (raw) => {
  try {
    const value = JSON.parse(raw);
    return typeof value === "object" && value !== null ? value : void 0;
  } catch {
    return void 0;
  }
};
var isSuccess = (answer) => answer.status >= 200 && answer.status < 300 && answer.body?.status === "success";
function asArray(value) {
  return Array.isArray(value) ? value : [];
}
var describeFailure = (answer) => {
  const body = answer.body;
  if (body === void 0) {
    const raw = answer.raw.trim();
    return raw === "" ? `HTTP ${answer.status} with an empty body.` : `HTTP ${answer.status}: ${raw.slice(0, 2e3)}`;
  }
  const message = body.error ?? body.message ?? `HTTP ${answer.status} (status ${body.status ?? "unknown"}).`;
  const lines = [message];
  for (const [key, value] of Object.entries(body.details ?? {})) {
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      lines.push(`${key}:`, ...value.map((item) => `  - ${item}`));
    } else if (Array.isArray(value) && key === "issues") {
      lines.push(
        "issues:",
        ...value.map((issue) => {
          const { path, message: text2 } = issue ?? {};
          return `  - ${path === void 0 ? "" : `${String(path)}: `}${String(text2 ?? JSON.stringify(issue))}`;
        })
      );
    } else {
      lines.push(`${key}: ${JSON.stringify(value)}`);
    }
  }
  return lines.join("\n");
};

// src/http.ts
var NetworkError = class extends Error {
  name = "NetworkError";
};
var reason = (error) => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message !== "") return cause.message;
  return error.message;
};
var requestJson = async (url, init = {}) => {
  let response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      ...init.body === void 0 ? {} : { body: init.body }
    });
  } catch (error) {
    throw new NetworkError(`Could not reach ${new URL(url).origin}: ${reason(error)}`);
  }
  const raw = await response.text();
  return { status: response.status, body: parseJson(raw), raw, headers: response.headers };
};
var CHUNK = 256 * 1024;
var uploadBytes = (url, headers, body, onProgress) => new Promise((resolve2, reject) => {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const started = Date.now();
  const request = send(
    target,
    { method: "POST", headers: { ...headers, "content-length": String(body.byteLength) } },
    (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on(
        "error",
        (error) => reject(new NetworkError(`Upload to ${target.origin} failed: ${reason(error)}`))
      );
      response.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        resolve2({ status: response.statusCode ?? 0, body: parseJson(raw), raw });
      });
    }
  );
  request.on(
    "error",
    (error) => reject(new NetworkError(`Could not upload to ${target.origin}: ${reason(error)}`))
  );
  let offset = 0;
  const writeMore = () => {
    while (offset < body.byteLength) {
      const end = Math.min(offset + CHUNK, body.byteLength);
      const accepted = request.write(body.subarray(offset, end));
      offset = end;
      onProgress?.({ sentBytes: offset, totalBytes: body.byteLength, elapsedMs: Date.now() - started });
      if (!accepted) {
        request.once("drain", writeMore);
        return;
      }
    }
    request.end();
  };
  writeMore();
});

// src/runtimeValues.ts
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

// ../core/src/deploy/actionArchive.ts
var ACTION_EXCLUDE_PATTERNS = [
  ".git/*",
  "node_modules/*",
  "*/node_modules/*",
  "*/*/node_modules/*",
  ".wrangler/*",
  "*/.wrangler/*",
  "*/*/.wrangler/*",
  "dist/.vite/*"
];
var toRegExp = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replaceAll("*", ".*")}$`, "s");
var EXCLUDES = ACTION_EXCLUDE_PATTERNS.map(toRegExp);
var isExcludedByAction = (path) => EXCLUDES.some((pattern) => pattern.test(path));

// ../env-naming/src/environment.ts
var PRODUCTION = "production";
var MAX_ENVIRONMENT_LENGTH = 63;
var normalizeEnvironmentSlug = (value) => value.trim().toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "").slice(0, MAX_ENVIRONMENT_LENGTH).replace(/-+$/, "");
var branchToEnvironment = (branch) => {
  const environment = normalizeEnvironmentSlug(branch);
  return environment === "" || environment === "main" || environment === "master" ? PRODUCTION : environment;
};

// ../../node_modules/.pnpm/fflate@0.8.3/node_modules/fflate/esm/index.mjs
import { createRequire } from "module";
var require2 = createRequire("/");
var _a;
var Worker;
var isMarkedAsUntransferable;
try {
  _a = require2("worker_threads"), Worker = _a.Worker, isMarkedAsUntransferable = _a.isMarkedAsUntransferable;
} catch (e) {
}
var u8 = Uint8Array;
var u16 = Uint16Array;
var i32 = Int32Array;
var fleb = new u8([
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
  /* unused */
  0,
  0,
  /* impossible */
  0
]);
var fdeb = new u8([
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
  /* unused */
  0,
  0
]);
var clim = new u8([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);
var freb = function(eb, start) {
  var b = new u16(31);
  for (var i2 = 0; i2 < 31; ++i2) {
    b[i2] = start += 1 << eb[i2 - 1];
  }
  var r = new i32(b[30]);
  for (var i2 = 1; i2 < 30; ++i2) {
    for (var j = b[i2]; j < b[i2 + 1]; ++j) {
      r[j] = j - b[i2] << 5 | i2;
    }
  }
  return { b, r };
};
var _a = freb(fleb, 2);
var fl = _a.b;
var revfl = _a.r;
fl[28] = 258, revfl[258] = 28;
var _b = freb(fdeb, 0);
var fd = _b.b;
var revfd = _b.r;
var rev = new u16(32768);
for (i = 0; i < 32768; ++i) {
  x = (i & 43690) >> 1 | (i & 21845) << 1;
  x = (x & 52428) >> 2 | (x & 13107) << 2;
  x = (x & 61680) >> 4 | (x & 3855) << 4;
  rev[i] = ((x & 65280) >> 8 | (x & 255) << 8) >> 1;
}
var x;
var i;
var hMap = (function(cd, mb, r) {
  var s = cd.length;
  var i2 = 0;
  var l = new u16(mb);
  for (; i2 < s; ++i2) {
    if (cd[i2])
      ++l[cd[i2] - 1];
  }
  var le = new u16(mb);
  for (i2 = 1; i2 < mb; ++i2) {
    le[i2] = le[i2 - 1] + l[i2 - 1] << 1;
  }
  var co;
  if (r) {
    co = new u16(1 << mb);
    var rvb = 15 - mb;
    for (i2 = 0; i2 < s; ++i2) {
      if (cd[i2]) {
        var sv = i2 << 4 | cd[i2];
        var r_1 = mb - cd[i2];
        var v = le[cd[i2] - 1]++ << r_1;
        for (var m = v | (1 << r_1) - 1; v <= m; ++v) {
          co[rev[v] >> rvb] = sv;
        }
      }
    }
  } else {
    co = new u16(s);
    for (i2 = 0; i2 < s; ++i2) {
      if (cd[i2]) {
        co[i2] = rev[le[cd[i2] - 1]++] >> 15 - cd[i2];
      }
    }
  }
  return co;
});
var flt = new u8(288);
for (i = 0; i < 144; ++i)
  flt[i] = 8;
var i;
for (i = 144; i < 256; ++i)
  flt[i] = 9;
var i;
for (i = 256; i < 280; ++i)
  flt[i] = 7;
var i;
for (i = 280; i < 288; ++i)
  flt[i] = 8;
var i;
var fdt = new u8(32);
for (i = 0; i < 32; ++i)
  fdt[i] = 5;
var i;
var flm = /* @__PURE__ */ hMap(flt, 9, 0);
var fdm = /* @__PURE__ */ hMap(fdt, 5, 0);
var shft = function(p) {
  return (p + 7) / 8 | 0;
};
var slc = function(v, s, e) {
  if (s == null || s < 0)
    s = 0;
  if (e == null || e > v.length)
    e = v.length;
  return new u8(v.subarray(s, e));
};
var ec = [
  "unexpected EOF",
  "invalid block type",
  "invalid length/literal",
  "invalid distance",
  "stream finished",
  "no stream handler",
  ,
  // determined by compression function
  "no callback",
  "invalid UTF-8 data",
  "extra field too long",
  "date not in range 1980-2099",
  "filename too long",
  "stream finishing",
  "invalid zip data"
  // determined by unknown compression method
];
var err = function(ind, msg, nt) {
  var e = new Error(msg || ec[ind]);
  e.code = ind;
  if (Error.captureStackTrace)
    Error.captureStackTrace(e, err);
  if (!nt)
    throw e;
  return e;
};
var wbits = function(d, p, v) {
  v <<= p & 7;
  var o = p / 8 | 0;
  d[o] |= v;
  d[o + 1] |= v >> 8;
};
var wbits16 = function(d, p, v) {
  v <<= p & 7;
  var o = p / 8 | 0;
  d[o] |= v;
  d[o + 1] |= v >> 8;
  d[o + 2] |= v >> 16;
};
var hTree = function(d, mb) {
  var t = [];
  for (var i2 = 0; i2 < d.length; ++i2) {
    if (d[i2])
      t.push({ s: i2, f: d[i2] });
  }
  var s = t.length;
  var t2 = t.slice();
  if (!s)
    return { t: et, l: 0 };
  if (s == 1) {
    var v = new u8(t[0].s + 1);
    v[t[0].s] = 1;
    return { t: v, l: 1 };
  }
  t.sort(function(a, b) {
    return a.f - b.f;
  });
  t.push({ s: -1, f: 25001 });
  var l = t[0], r = t[1], i0 = 0, i1 = 1, i22 = 2;
  t[0] = { s: -1, f: l.f + r.f, l, r };
  while (i1 != s - 1) {
    l = t[t[i0].f < t[i22].f ? i0++ : i22++];
    r = t[i0 != i1 && t[i0].f < t[i22].f ? i0++ : i22++];
    t[i1++] = { s: -1, f: l.f + r.f, l, r };
  }
  var maxSym = t2[0].s;
  for (var i2 = 1; i2 < s; ++i2) {
    if (t2[i2].s > maxSym)
      maxSym = t2[i2].s;
  }
  var tr = new u16(maxSym + 1);
  var mbt = ln(t[i1 - 1], tr, 0);
  if (mbt > mb) {
    var i2 = 0, dt = 0;
    var lft = mbt - mb, cst = 1 << lft;
    t2.sort(function(a, b) {
      return tr[b.s] - tr[a.s] || a.f - b.f;
    });
    for (; i2 < s; ++i2) {
      var i2_1 = t2[i2].s;
      if (tr[i2_1] > mb) {
        dt += cst - (1 << mbt - tr[i2_1]);
        tr[i2_1] = mb;
      } else
        break;
    }
    dt >>= lft;
    while (dt > 0) {
      var i2_2 = t2[i2].s;
      if (tr[i2_2] < mb)
        dt -= 1 << mb - tr[i2_2]++ - 1;
      else
        ++i2;
    }
    for (; i2 >= 0 && dt; --i2) {
      var i2_3 = t2[i2].s;
      if (tr[i2_3] == mb) {
        --tr[i2_3];
        ++dt;
      }
    }
    mbt = mb;
  }
  return { t: new u8(tr), l: mbt };
};
var ln = function(n, l, d) {
  return n.s == -1 ? Math.max(ln(n.l, l, d + 1), ln(n.r, l, d + 1)) : l[n.s] = d;
};
var lc = function(c) {
  var s = c.length;
  while (s && !c[--s])
    ;
  var cl = new u16(++s);
  var cli = 0, cln = c[0], cls = 1;
  var w = function(v) {
    cl[cli++] = v;
  };
  for (var i2 = 1; i2 <= s; ++i2) {
    if (c[i2] == cln && i2 != s)
      ++cls;
    else {
      if (!cln && cls > 2) {
        for (; cls > 138; cls -= 138)
          w(32754);
        if (cls > 2) {
          w(cls > 10 ? cls - 11 << 5 | 28690 : cls - 3 << 5 | 12305);
          cls = 0;
        }
      } else if (cls > 3) {
        w(cln), --cls;
        for (; cls > 6; cls -= 6)
          w(8304);
        if (cls > 2)
          w(cls - 3 << 5 | 8208), cls = 0;
      }
      while (cls--)
        w(cln);
      cls = 1;
      cln = c[i2];
    }
  }
  return { c: cl.subarray(0, cli), n: s };
};
var clen = function(cf, cl) {
  var l = 0;
  for (var i2 = 0; i2 < cl.length; ++i2)
    l += cf[i2] * cl[i2];
  return l;
};
var wfblk = function(out, pos, dat) {
  var s = dat.length;
  var o = shft(pos + 2);
  out[o] = s & 255;
  out[o + 1] = s >> 8;
  out[o + 2] = out[o] ^ 255;
  out[o + 3] = out[o + 1] ^ 255;
  for (var i2 = 0; i2 < s; ++i2)
    out[o + i2 + 4] = dat[i2];
  return (o + 4 + s) * 8;
};
var wblk = function(dat, out, final, syms, lf, df, eb, li, bs, bl, p) {
  wbits(out, p++, final);
  ++lf[256];
  var _a2 = hTree(lf, 15), dlt = _a2.t, mlb = _a2.l;
  var _b2 = hTree(df, 15), ddt = _b2.t, mdb = _b2.l;
  var _c = lc(dlt), lclt = _c.c, nlc = _c.n;
  var _d = lc(ddt), lcdt = _d.c, ndc = _d.n;
  var lcfreq = new u16(19);
  for (var i2 = 0; i2 < lclt.length; ++i2)
    ++lcfreq[lclt[i2] & 31];
  for (var i2 = 0; i2 < lcdt.length; ++i2)
    ++lcfreq[lcdt[i2] & 31];
  var _e = hTree(lcfreq, 7), lct = _e.t, mlcb = _e.l;
  var nlcc = 19;
  for (; nlcc > 4 && !lct[clim[nlcc - 1]]; --nlcc)
    ;
  var flen = bl + 5 << 3;
  var ftlen = clen(lf, flt) + clen(df, fdt) + eb;
  var dtlen = clen(lf, dlt) + clen(df, ddt) + eb + 14 + 3 * nlcc + clen(lcfreq, lct) + 2 * lcfreq[16] + 3 * lcfreq[17] + 7 * lcfreq[18];
  if (bs >= 0 && flen <= ftlen && flen <= dtlen)
    return wfblk(out, p, dat.subarray(bs, bs + bl));
  var lm, ll, dm, dl;
  wbits(out, p, 1 + (dtlen < ftlen)), p += 2;
  if (dtlen < ftlen) {
    lm = hMap(dlt, mlb, 0), ll = dlt, dm = hMap(ddt, mdb, 0), dl = ddt;
    var llm = hMap(lct, mlcb, 0);
    wbits(out, p, nlc - 257);
    wbits(out, p + 5, ndc - 1);
    wbits(out, p + 10, nlcc - 4);
    p += 14;
    for (var i2 = 0; i2 < nlcc; ++i2)
      wbits(out, p + 3 * i2, lct[clim[i2]]);
    p += 3 * nlcc;
    var lcts = [lclt, lcdt];
    for (var it = 0; it < 2; ++it) {
      var clct = lcts[it];
      for (var i2 = 0; i2 < clct.length; ++i2) {
        var len = clct[i2] & 31;
        wbits(out, p, llm[len]), p += lct[len];
        if (len > 15)
          wbits(out, p, clct[i2] >> 5 & 127), p += clct[i2] >> 12;
      }
    }
  } else {
    lm = flm, ll = flt, dm = fdm, dl = fdt;
  }
  for (var i2 = 0; i2 < li; ++i2) {
    var sym = syms[i2];
    if (sym > 255) {
      var len = sym >> 18 & 31;
      wbits16(out, p, lm[len + 257]), p += ll[len + 257];
      if (len > 7)
        wbits(out, p, sym >> 23 & 31), p += fleb[len];
      var dst = sym & 31;
      wbits16(out, p, dm[dst]), p += dl[dst];
      if (dst > 3)
        wbits16(out, p, sym >> 5 & 8191), p += fdeb[dst];
    } else {
      wbits16(out, p, lm[sym]), p += ll[sym];
    }
  }
  wbits16(out, p, lm[256]);
  return p + ll[256];
};
var deo = /* @__PURE__ */ new i32([65540, 131080, 131088, 131104, 262176, 1048704, 1048832, 2114560, 2117632]);
var et = /* @__PURE__ */ new u8(0);
var dflt = function(dat, lvl, plvl, pre, post, st) {
  var s = st.z || dat.length;
  var o = new u8(pre + s + 5 * (1 + Math.ceil(s / 7e3)) + post);
  var w = o.subarray(pre, o.length - post);
  var lst = st.l;
  var pos = (st.r || 0) & 7;
  if (lvl) {
    if (pos)
      w[0] = st.r >> 3;
    var opt = deo[lvl - 1];
    var n = opt >> 13, c = opt & 8191;
    var msk_1 = (1 << plvl) - 1;
    var prev = st.p || new u16(32768), head = st.h || new u16(msk_1 + 1);
    var bs1_1 = Math.ceil(plvl / 3), bs2_1 = 2 * bs1_1;
    var hsh = function(i3) {
      return (dat[i3] ^ dat[i3 + 1] << bs1_1 ^ dat[i3 + 2] << bs2_1) & msk_1;
    };
    var syms = new i32(25e3);
    var lf = new u16(288), df = new u16(32);
    var lc_1 = 0, eb = 0, i2 = st.i || 0, li = 0, wi = st.w || 0, bs = 0;
    for (; i2 + 2 < s; ++i2) {
      var hv = hsh(i2);
      var imod = i2 & 32767, pimod = head[hv];
      prev[imod] = pimod;
      head[hv] = imod;
      if (wi <= i2) {
        var rem = s - i2;
        if ((lc_1 > 7e3 || li > 24576) && (rem > 423 || !lst)) {
          pos = wblk(dat, w, 0, syms, lf, df, eb, li, bs, i2 - bs, pos);
          li = lc_1 = eb = 0, bs = i2;
          for (var j = 0; j < 286; ++j)
            lf[j] = 0;
          for (var j = 0; j < 30; ++j)
            df[j] = 0;
        }
        var l = 2, d = 0, ch_1 = c, dif = imod - pimod & 32767;
        if (rem > 2 && hv == hsh(i2 - dif)) {
          var maxn = Math.min(n, rem) - 1;
          var maxd = Math.min(32767, i2);
          var ml = Math.min(258, rem);
          while (dif <= maxd && --ch_1 && imod != pimod) {
            if (dat[i2 + l] == dat[i2 + l - dif]) {
              var nl = 0;
              for (; nl < ml && dat[i2 + nl] == dat[i2 + nl - dif]; ++nl)
                ;
              if (nl > l) {
                l = nl, d = dif;
                if (nl > maxn)
                  break;
                var mmd = Math.min(dif, nl - 2);
                var md = 0;
                for (var j = 0; j < mmd; ++j) {
                  var ti = i2 - dif + j & 32767;
                  var pti = prev[ti];
                  var cd = ti - pti & 32767;
                  if (cd > md)
                    md = cd, pimod = ti;
                }
              }
            }
            imod = pimod, pimod = prev[imod];
            dif += imod - pimod & 32767;
          }
        }
        if (d) {
          syms[li++] = 268435456 | revfl[l] << 18 | revfd[d];
          var lin = revfl[l] & 31, din = revfd[d] & 31;
          eb += fleb[lin] + fdeb[din];
          ++lf[257 + lin];
          ++df[din];
          wi = i2 + l;
          ++lc_1;
        } else {
          syms[li++] = dat[i2];
          ++lf[dat[i2]];
        }
      }
    }
    for (i2 = Math.max(i2, wi); i2 < s; ++i2) {
      syms[li++] = dat[i2];
      ++lf[dat[i2]];
    }
    pos = wblk(dat, w, lst, syms, lf, df, eb, li, bs, i2 - bs, pos);
    if (!lst) {
      st.r = pos & 7 | w[pos / 8 | 0] << 3;
      pos -= 7;
      st.h = head, st.p = prev, st.i = i2, st.w = wi;
    }
  } else {
    for (var i2 = st.w || 0; i2 < s + lst; i2 += 65535) {
      var e = i2 + 65535;
      if (e >= s) {
        w[pos / 8 | 0] = lst;
        e = s;
      }
      pos = wfblk(w, pos + 1, dat.subarray(i2, e));
    }
    st.i = s;
  }
  return slc(o, 0, pre + shft(pos) + post);
};
var crct = /* @__PURE__ */ (function() {
  var t = new Int32Array(256);
  for (var i2 = 0; i2 < 256; ++i2) {
    var c = i2, k = 9;
    while (--k)
      c = (c & 1 && -306674912) ^ c >>> 1;
    t[i2] = c;
  }
  return t;
})();
var crc = function() {
  var c = -1;
  return {
    p: function(d) {
      var cr = c;
      for (var i2 = 0; i2 < d.length; ++i2)
        cr = crct[cr & 255 ^ d[i2]] ^ cr >>> 8;
      c = cr;
    },
    d: function() {
      return ~c;
    }
  };
};
var dopt = function(dat, opt, pre, post, st) {
  if (!st) {
    st = { l: 1 };
    if (opt.dictionary) {
      var dict = opt.dictionary.subarray(-32768);
      var newDat = new u8(dict.length + dat.length);
      newDat.set(dict);
      newDat.set(dat, dict.length);
      dat = newDat;
      st.w = dict.length;
    }
  }
  return dflt(dat, opt.level == null ? 6 : opt.level, opt.mem == null ? st.l ? Math.ceil(Math.max(8, Math.min(13, Math.log(dat.length))) * 1.5) : 20 : 12 + opt.mem, pre, post, st);
};
var mrg = function(a, b) {
  var o = {};
  for (var k in a)
    o[k] = a[k];
  for (var k in b)
    o[k] = b[k];
  return o;
};
var wbytes = function(d, b, v) {
  for (; v; ++b)
    d[b] = v, v >>>= 8;
};
function deflateSync(data, opts) {
  return dopt(data, opts || {}, 0, 0);
}
var fltn = function(d, p, t, o) {
  for (var k in d) {
    var val = d[k], n = p + k, op = o;
    if (Array.isArray(val))
      op = mrg(o, val[1]), val = val[0];
    if (ArrayBuffer.isView(val))
      t[n] = [val, op];
    else {
      t[n += "/"] = [new u8(0), op];
      fltn(val, n, t, o);
    }
  }
};
var te = typeof TextEncoder != "undefined" && /* @__PURE__ */ new TextEncoder();
var td = typeof TextDecoder != "undefined" && /* @__PURE__ */ new TextDecoder();
var tds = 0;
try {
  td.decode(et, { stream: true });
  tds = 1;
} catch (e) {
}
function strToU8(str, latin1) {
  if (latin1) {
    var ar_1 = new u8(str.length);
    for (var i2 = 0; i2 < str.length; ++i2)
      ar_1[i2] = str.charCodeAt(i2);
    return ar_1;
  }
  if (te)
    return te.encode(str);
  var l = str.length;
  var ar = new u8(str.length + (str.length >> 1));
  var ai = 0;
  var w = function(v) {
    ar[ai++] = v;
  };
  for (var i2 = 0; i2 < l; ++i2) {
    if (ai + 5 > ar.length) {
      var n = new u8(ai + 8 + (l - i2 << 1));
      n.set(ar);
      ar = n;
    }
    var c = str.charCodeAt(i2);
    if (c < 128 || latin1)
      w(c);
    else if (c < 2048)
      w(192 | c >> 6), w(128 | c & 63);
    else if (c > 55295 && c < 57344)
      c = 65536 + (c & 1023 << 10) | str.charCodeAt(++i2) & 1023, w(240 | c >> 18), w(128 | c >> 12 & 63), w(128 | c >> 6 & 63), w(128 | c & 63);
    else
      w(224 | c >> 12), w(128 | c >> 6 & 63), w(128 | c & 63);
  }
  return slc(ar, 0, ai);
}
var exfl = function(ex) {
  var le = 0;
  if (ex) {
    for (var k in ex) {
      var l = ex[k].length;
      if (l > 65535)
        err(9);
      le += l + 4;
    }
  }
  return le;
};
var wzh = function(d, b, f, fn, u, c, ce, co) {
  var fl2 = fn.length, ex = f.extra, col = co && co.length;
  var exl = exfl(ex);
  wbytes(d, b, ce != null ? 33639248 : 67324752), b += 4;
  if (ce != null)
    d[b++] = 20, d[b++] = f.os;
  d[b] = 20, b += 2;
  d[b++] = f.flag << 1 | (c < 0 && 8), d[b++] = u && 8;
  d[b++] = f.compression & 255, d[b++] = f.compression >> 8;
  var dt = new Date(f.mtime == null ? Date.now() : f.mtime), y = dt.getFullYear() - 1980;
  if (y < 0 || y > 119)
    err(10);
  wbytes(d, b, y << 25 | dt.getMonth() + 1 << 21 | dt.getDate() << 16 | dt.getHours() << 11 | dt.getMinutes() << 5 | dt.getSeconds() >> 1), b += 4;
  if (c != -1) {
    wbytes(d, b, f.crc);
    wbytes(d, b + 4, c < 0 ? -c - 2 : c);
    wbytes(d, b + 8, f.size);
  }
  wbytes(d, b + 12, fl2);
  wbytes(d, b + 14, exl), b += 16;
  if (ce != null) {
    wbytes(d, b, col);
    wbytes(d, b + 6, f.attrs);
    wbytes(d, b + 10, ce), b += 14;
  }
  d.set(fn, b);
  b += fl2;
  if (exl) {
    for (var k in ex) {
      var exf = ex[k], l = exf.length;
      wbytes(d, b, +k);
      wbytes(d, b + 2, l);
      d.set(exf, b + 4), b += 4 + l;
    }
  }
  if (col)
    d.set(co, b), b += col;
  return b;
};
var wzf = function(o, b, c, d, e) {
  wbytes(o, b, 101010256);
  wbytes(o, b + 8, c);
  wbytes(o, b + 10, c);
  wbytes(o, b + 12, d);
  wbytes(o, b + 16, e);
};
function zipSync(data, opts) {
  if (!opts)
    opts = {};
  var r = {};
  var files = [];
  fltn(data, "", r, opts);
  var o = 0;
  var tot = 0;
  for (var fn in r) {
    var _a2 = r[fn], file = _a2[0], p = _a2[1];
    var compression = p.level == 0 ? 0 : 8;
    var f = strToU8(fn), s = f.length;
    var com = p.comment, m = com && strToU8(com), ms = m && m.length;
    var exl = exfl(p.extra);
    if (s > 65535)
      err(11);
    var d = compression ? deflateSync(file, p) : file, l = d.length;
    var c = crc();
    c.p(file);
    files.push(mrg(p, {
      size: file.length,
      crc: c.d(),
      c: d,
      f,
      m,
      u: s != fn.length || m && com.length != ms,
      o,
      compression
    }));
    o += 30 + s + exl + l;
    tot += 76 + 2 * (s + exl) + (ms || 0) + l;
  }
  var out = new u8(tot + 22), oe = o, cdl = tot - o;
  for (var i2 = 0; i2 < files.length; ++i2) {
    var f = files[i2];
    wzh(out, f.o, f, f.f, f.u, f.c.length);
    var badd = 30 + f.f.length + exfl(f.extra);
    out.set(f.c, f.o + badd);
    wzh(out, o, f, f.f, f.u, f.c.length, f.o, f.m), o += 16 + badd + (f.m ? f.m.length : 0);
  }
  wzf(out, o, files.length, cdl, oe);
  return out;
}

// ../core/src/deploy/runtimeValues.ts
var RUNTIME_VALUE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
var SEXTETS = new Map(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"].map((character, index) => [character, index]).concat([
    ["-", 62],
    ["_", 63],
    ["+", 62],
    ["/", 63]
  ])
);

// src/runtimeValues.ts
var RuntimeValuesError = class extends Error {
  name = "RuntimeValuesError";
};
var runtimeValuesErrorMessages = {
  invalidManifest: (message) => `Invalid w7s.json: ${message}`,
  invalidName: (name) => `Invalid environment variable name: ${name}`
};
var stringsOf = (value) => Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
var readDeclaredNames = (directory) => {
  const path = join(directory, "w7s.json");
  if (!existsSync(path)) return { vars: [], secrets: [] };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RuntimeValuesError(
      runtimeValuesErrorMessages.invalidManifest(error instanceof Error ? error.message : String(error))
    );
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return { vars: [], secrets: [] };
  const record = manifest;
  return { vars: stringsOf(record.vars), secrets: stringsOf(record.secrets) };
};
var splitNames = (input) => (input ?? "").split(",").map((name) => name.trim()).filter((name) => name !== "");
var collectValues = (names, environment) => {
  const values = {};
  for (const name of new Set(names)) {
    if (!RUNTIME_VALUE_NAME_PATTERN.test(name))
      throw new RuntimeValuesError(runtimeValuesErrorMessages.invalidName(name));
    const value = environment[name];
    if (value !== void 0) Object.defineProperty(values, name, { value, enumerable: true });
  }
  return values;
};
var encodeRuntimeValues = (values) => Object.keys(values).length === 0 ? void 0 : Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
var runtimeValueHeaders = (input) => {
  const declared = readDeclaredNames(input.directory);
  const varNames = [...declared.vars, ...splitNames(input.vars)];
  const secretNames = [...declared.secrets, ...splitNames(input.secrets)];
  const vars = encodeRuntimeValues(collectValues(varNames, input.environment));
  const secrets = encodeRuntimeValues(collectValues(secretNames, input.environment));
  return {
    ...vars === void 0 ? {} : { "x-w7s-vars": vars },
    ...secrets === void 0 ? {} : { "x-w7s-secrets": secrets },
    names: { vars: [...new Set(varNames)], secrets: [...new Set(secretNames)] }
  };
};

// src/zipDirectory.ts
import { readdirSync, readFileSync as readFileSync2, realpathSync, statSync } from "node:fs";
import { join as join2 } from "node:path";
var isExcludedFromDeploy = isExcludedByAction;
var deployFiles = (directory, skip) => {
  const found = [];
  const visiting = /* @__PURE__ */ new Set();
  const walk = (absolute, prefix) => {
    const real = realpathSync(absolute);
    if (visiting.has(real)) return;
    visiting.add(real);
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const child = join2(absolute, entry.name);
      const kind = entry.isSymbolicLink() ? statSync(child, { throwIfNoEntry: false }) : entry;
      if (kind === void 0) continue;
      if (kind.isDirectory()) {
        const path = `${prefix}${entry.name}/`;
        if (isExcludedFromDeploy(path) || skip?.(path)) continue;
        found.push(path);
        walk(child, path);
      } else if (kind.isFile()) {
        const path = `${prefix}${entry.name}`;
        if (!isExcludedFromDeploy(path) && !skip?.(path)) found.push(path);
      }
    }
    visiting.delete(real);
  };
  walk(directory, "");
  return found.sort();
};
var packageDirectory = (directory, onProgress) => {
  const started = Date.now();
  const paths = deployFiles(directory);
  const files = paths.filter((path) => !path.endsWith("/"));
  const entries = {};
  let bytes = 0;
  let read = 0;
  for (const path of paths) {
    if (path.endsWith("/")) {
      entries[path] = new Uint8Array(0);
      continue;
    }
    const content = new Uint8Array(readFileSync2(join2(directory, path)));
    entries[path] = content;
    bytes += content.byteLength;
    read += 1;
    onProgress?.({ files: read, totalFiles: files.length, bytes, elapsedMs: Date.now() - started });
  }
  return { zip: zipSync(entries, { level: 6 }), files, uncompressedBytes: bytes };
};

// src/deploy.ts
var deployHeaders = (options, values) => ({
  authorization: `Bearer ${options.token}`,
  "x-github-repository": options.repository,
  "x-github-branch": options.branch,
  "x-github-sha": options.sha,
  "content-type": "application/zip",
  ...values["x-w7s-vars"] === void 0 ? {} : { "x-w7s-vars": values["x-w7s-vars"] },
  ...values["x-w7s-secrets"] === void 0 ? {} : { "x-w7s-secrets": values["x-w7s-secrets"] },
  ...options.telegram === void 0 || options.telegram.chatId === "" ? {} : {
    "x-w7s-telegram-chat-id": options.telegram.chatId,
    ...options.telegram.events === "" ? {} : { "x-w7s-telegram-events": options.telegram.events }
  }
});
var CNAME_COPIED_MESSAGE = "Copied repo-root CNAME into the deploy directory.";
var copyWorkspaceCname = (directory, workspace) => {
  if (workspace === void 0 || workspace === "") return false;
  const target = join3(directory, "CNAME");
  const source = join3(workspace, "CNAME");
  if (existsSync2(target) || !existsSync2(source)) return false;
  copyFileSync(source, target);
  return true;
};
var deployDirectory = async (directory, options, progress = {}) => {
  const values = runtimeValueHeaders({
    directory,
    vars: options.vars,
    secrets: options.secrets,
    environment: options.environmentVariables
  });
  const packaged = packageDirectory(directory, progress.packaging);
  const requestUrl = deployUrlWithEnvironment(options.deployUrl, options.environment);
  const started = Date.now();
  const answer = await uploadBytes(
    requestUrl,
    deployHeaders(options, values),
    packaged.zip,
    progress.upload
  );
  return { answer, packaged, requestUrl, uploadMs: Date.now() - started };
};

// src/format.ts
var formatBytes = (bytes) => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
};
var formatSeconds = (milliseconds) => `${(milliseconds / 1e3).toFixed(1)} s`;
var code = (value) => `\`${value === void 0 || value === null ? "n/a" : String(value)}\``;
var text = (value) => value === void 0 || value === null ? "n/a" : String(value);
var cell = (value) => (value === void 0 || value === null ? "" : String(value)).replaceAll("\\", "\\\\").replaceAll("|", "\\|").replace(/\r?\n/g, "<br>");
var truncate = (value, length) => {
  const normalized = value.replace(/\s+/g, " ").trim();
  return normalized.length > length ? `${normalized.slice(0, length - 14)}...[truncated]` : normalized;
};
var throttled = (report, done, intervalMs = 500) => {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (done(progress) || now - last >= intervalMs) {
      last = now;
      report(progress);
    }
  };
};

// src/workflowCommands.ts
var escapeData = (value) => value.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
var escapeProperty = (value) => escapeData(value).replaceAll(":", "%3A").replaceAll(",", "%2C");
var warningCommand = (message, title) => `::warning${title === void 0 ? "" : ` title=${escapeProperty(title)}`}::${escapeData(message)}`;
var errorCommand = (message, title) => `::error${title === void 0 ? "" : ` title=${escapeProperty(title)}`}::${escapeData(message)}`;
var maskCommand = (value) => `::add-mask::${escapeData(value)}`;

// src/deploySummary.ts
var DEPLOY_WARNING_TITLE = "W7S deploy warning";
var warningText = (warning) => warning.message ?? warning.code ?? "W7S reported a deploy warning.";
var prettyRaw = (answer) => answer.body === void 0 ? answer.raw : JSON.stringify(answer.body, null, 2);
var txtLine = (notice, repository, markdown) => {
  const hostname = notice.hostname ?? "custom domain";
  const name = notice.txtName ?? "_w7s.<domain>";
  const value = notice.txtValue ?? repository ?? "owner/repo";
  return markdown ? `${code(hostname)}: add TXT ${code(name)} with value ${code(value)}` : `${hostname}: add TXT ${name}=${value}`;
};
var deployWarningCount = (data) => asArray(data?.deploymentWarnings).length + asArray(data?.customDomainWarnings).length + asArray(data?.blockedCustomDomains).length;
var deployLogLines = (answer) => {
  const payload = answer.body;
  const data = payload?.data;
  const deployment = data?.deployment;
  const bindings = deployment?.bindings ?? {};
  const lines = [`W7S deploy: ${text(payload?.status ?? "invalid response")} (HTTP ${answer.status})`];
  if (deployment !== void 0) {
    lines.push(`Repository: ${text(deployment.repository)}`);
    lines.push(`Environment: ${text(deployment.environment)}`);
    lines.push(`Worker entrypoint: ${text(deployment.targets?.worker?.entrypoint)}`);
    lines.push(`Static files: ${text(deployment.targets?.static?.fileCount ?? 0)}`);
    const summary = [
      [asArray(bindings.kv).length, "KV"],
      [asArray(bindings.r2).length, "R2"],
      [asArray(bindings.d1).length, "D1"],
      [asArray(bindings.vars).length, "vars"],
      [asArray(bindings.secrets).length, "secrets"]
    ].filter(([count]) => count > 0).map(([count, label]) => `${count} ${label}`);
    if (summary.length > 0) lines.push(`Bindings: ${summary.join(", ")}`);
  }
  if (data?.url !== void 0) lines.push(`URL: ${data.url}`);
  const warnings = asArray(data?.deploymentWarnings);
  if (warnings.length > 0) {
    lines.push("", "Deploy warnings:");
    for (const warning of warnings) lines.push(`- ${warningText(warning)}`);
  }
  const domains = asArray(data?.customDomains);
  if (domains.length > 0) lines.push(`Custom domains: ${domains.join(", ")}`);
  const domainWarnings = asArray(data?.customDomainWarnings);
  if (domainWarnings.length > 0) {
    lines.push("", "CNAME TXT Security Warning:");
    for (const notice of domainWarnings) lines.push(`- ${txtLine(notice, deployment?.repository, false)}`);
  }
  const blocked = asArray(data?.blockedCustomDomains);
  if (blocked.length > 0) {
    lines.push("", "Blocked custom domains:");
    for (const notice of blocked) {
      lines.push(
        `- ${txtLine({ ...notice, hostname: `${notice.hostname ?? "custom domain"} (${notice.reason ?? "blocked"})` }, deployment?.repository, false)}`
      );
      if (notice.currentRepository !== void 0)
        lines.push(`  Current repository: ${notice.currentRepository}`);
    }
  }
  if (!isSuccess(answer)) {
    lines.push(`Error: ${describeFailure(answer)}`);
    lines.push("", "Raw W7S response:", prettyRaw(answer));
  }
  return lines;
};
var deployWarningCommands = (answer) => asArray(answer.body?.data?.deploymentWarnings).map(
  (warning) => warningCommand(warningText(warning), DEPLOY_WARNING_TITLE)
);
var deploySummaryMarkdown = (answer) => {
  const payload = answer.body;
  const success = isSuccess(answer);
  const lines = ["### W7S Deploy", "", `- HTTP status: ${code(answer.status)}`];
  if (payload === void 0) {
    lines.push("- Response: invalid JSON");
  } else {
    const data = payload.data;
    const deployment = data?.deployment;
    lines.push(`- W7S status: ${code(payload.status ?? "unknown")}`);
    if (deployment !== void 0) {
      const bindings = deployment.bindings ?? {};
      lines.push(`- Repository: ${code(deployment.repository)}`);
      lines.push(`- Environment: ${code(deployment.environment)}`);
      lines.push(`- Worker entrypoint: ${code(deployment.targets?.worker?.entrypoint)}`);
      lines.push(`- Static files: ${code(deployment.targets?.static?.fileCount ?? 0)}`);
      const vars = asArray(bindings.vars);
      const secrets = asArray(bindings.secrets);
      if (asArray(bindings.kv).length + asArray(bindings.r2).length + asArray(bindings.d1).length > 0 || vars.length + secrets.length > 0) {
        lines.push(`- KV bindings: ${code(asArray(bindings.kv).length)}`);
        lines.push(`- R2 bindings: ${code(asArray(bindings.r2).length)}`);
        lines.push(`- D1 bindings: ${code(asArray(bindings.d1).length)}`);
        if (vars.length > 0) lines.push(`- Runtime vars: ${vars.map(code).join(", ")}`);
        if (secrets.length > 0) lines.push(`- Runtime secrets: ${code(secrets.length)}`);
      }
    }
    if (data?.url !== void 0) lines.push(`- URL: ${data.url}`);
    const domains = asArray(data?.customDomains);
    if (domains.length > 0) lines.push(`- Custom domains: ${domains.map(code).join(", ")}`);
    const warnings = asArray(data?.deploymentWarnings);
    if (warnings.length > 0) {
      lines.push("", "#### ⚠️ Deploy Warnings", "");
      for (const warning of warnings) lines.push(`- ${warningText(warning)}`);
    }
    const domainWarnings = asArray(data?.customDomainWarnings);
    if (domainWarnings.length > 0) {
      lines.push("", "#### ⚠️ CNAME TXT Security Warning", "");
      lines.push(
        "These custom domains were attached, but their ownership is not locked yet. Add the TXT record so that no other repository can claim the hostname later.",
        ""
      );
      for (const notice of domainWarnings) lines.push(`- ${txtLine(notice, deployment?.repository, true)}`);
    }
    const blocked = asArray(data?.blockedCustomDomains);
    if (blocked.length > 0) {
      lines.push("", "#### ⚠️ Blocked Custom Domains", "");
      lines.push(
        "The app deployed, but these hostnames were not attached. Add the TXT record or remove the other claim, then deploy again.",
        ""
      );
      for (const notice of blocked) {
        lines.push(
          `- ${code(notice.hostname ?? "custom domain")} (${code(notice.reason ?? "blocked")}): add TXT ${code(notice.txtName ?? "_w7s.<domain>")} with value ${code(notice.txtValue ?? deployment?.repository ?? "owner/repo")}`
        );
        if (notice.currentRepository !== void 0)
          lines.push(`  Current repository: ${code(notice.currentRepository)}`);
      }
    }
    if (!success) {
      const [message = "", ...details] = describeFailure(answer).split("\n");
      lines.push(`- Error: ${code(message)}`);
      for (const detail of details) lines.push(`  ${detail}`);
    }
  }
  if (!success) {
    lines.push(
      "",
      "<details><summary>Raw response</summary>",
      "",
      "```json",
      prettyRaw(answer),
      "```",
      "</details>"
    );
  }
  return `${lines.join("\n")}
`;
};

// src/environment.ts
var resolveCheckEnvironment = (input) => {
  if (input.deployed !== void 0 && input.deployed.trim() !== "") return input.deployed.trim();
  const explicit = (input.explicit ?? "").trim();
  if (explicit !== "") return normalizeEnvironmentSlug(explicit) || PRODUCTION;
  return branchToEnvironment(input.branch ?? "");
};
var utcDate = (iso, now = /* @__PURE__ */ new Date()) => {
  const date = iso === void 0 ? now : new Date(iso);
  return (Number.isNaN(date.getTime()) ? now : date).toISOString().slice(0, 10);
};

// src/githubIssues.ts
var nextPageUrl = (link) => {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match !== null && match[2].split(/\s+/).includes("next")) return match[1];
  }
  return void 0;
};
var MAX_PAGES = 50;
var makeGitHubClient = (options) => {
  const base = (options.apiUrl || "https://api.github.com").replace(/\/+$/, "");
  const headers = {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${options.token}`,
    "content-type": "application/json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "w7s-cloud-action"
  };
  const repoPath = (repository) => `${base}/repos/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;
  return {
    /**
     * Every issue of the repository (`state=all`, 100 per page), following `rel="next"` until the first
     * issue `stop` accepts. Pull requests are skipped. Fails with the answer of a page that was not 2xx.
     */
    findIssue: async (repository, stop) => {
      let url = `${repoPath(repository)}/issues?state=all&per_page=100&page=1`;
      for (let page = 0; url !== void 0 && page < MAX_PAGES; page += 1) {
        const answer = await requestJson(url, { headers });
        if (answer.status < 200 || answer.status >= 300) return { failed: answer };
        const found = asArray(answer.body).find(
          (issue) => issue.pull_request === void 0 && stop(issue)
        );
        if (found !== void 0) return { found };
        url = nextPageUrl(answer.headers?.get("link"));
      }
      return {};
    },
    createIssue: (repository, issue) => requestJson(`${repoPath(repository)}/issues`, {
      method: "POST",
      headers,
      body: JSON.stringify(issue)
    }),
    updateIssue: (repository, number, patch) => requestJson(`${repoPath(repository)}/issues/${number}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify(patch)
    })
  };
};

// src/logs.ts
var logsMessages = {
  repositoryForm: "W7S logs check requires a GitHub repository in owner/repo form.",
  requestFailed: (detail) => `W7S logs request failed: ${detail}`,
  missingToken: "W7S logs check requires a GitHub token."
};
var LogsError = class extends Error {
  name = "LogsError";
};
var fetchLogs = async (deployUrl, repositoryName, query, token) => {
  const repository = splitRepository(repositoryName);
  if (repository === void 0) throw new LogsError(logsMessages.repositoryForm);
  const url = logsUrl(deployUrl, repository, query);
  const answer = await requestJson(url, {
    headers: {
      accept: "application/json",
      authorization: `Bearer ${token}`,
      "user-agent": "w7s-cloud-action"
    }
  });
  if (answer.status < 200 || answer.status >= 300 || answer.body?.status === "error") {
    const detail = answer.body?.error ?? (answer.raw.trim() || `HTTP ${answer.status}`);
    throw new LogsError(logsMessages.requestFailed(detail));
  }
  return { url, answer };
};
var recordMessage = (record) => {
  if (typeof record.text === "string" && record.text !== "") return record.text;
  if (Array.isArray(record.message))
    return record.message.map((part) => typeof part === "string" ? part : JSON.stringify(part)).join(" ");
  if (record.exception?.message !== void 0)
    return `${record.exception.name ?? "Error"}: ${record.exception.message}`;
  return "";
};
var recordRequest = (record) => {
  const request = record.request ?? {};
  const status = request.status === void 0 ? "" : ` ${request.status}`;
  return truncate(`${request.method ?? ""} ${request.path ?? ""}${status}`.trim(), 80);
};
var logRecordLine = (record) => {
  const level = record.level ? `/${record.level}` : "";
  const request = recordRequest(record);
  return `[${record.timestamp ?? "n/a"}] ${record.kind ?? "log"}${level}${request ? ` ${request}` : ""} ${truncate(recordMessage(record), 500)}`;
};
var logsLogLines = (logs, fallback, url) => {
  const records = asArray(logs?.records);
  return [
    `W7S logs: ${records.length} record(s) for ${logs?.repository ?? fallback.repository} (${logs?.environment ?? fallback.environment})`,
    `W7S logs API: ${url.toString()}`,
    ...records.map(logRecordLine)
  ];
};
var logsSummaryMarkdown = (logs, fallback, url) => {
  const records = asArray(logs?.records);
  const lines = [
    "",
    "### W7S Logs",
    "",
    `- Repository: ${code(logs?.repository ?? fallback.repository)}`,
    `- Environment: ${code(logs?.environment ?? fallback.environment)}`,
    `- Window: ${code(logs?.from)} to ${code(logs?.to)}`,
    `- Records: ${code(records.length)}`,
    `- API: ${code(url.toString())}`
  ];
  if (records.length === 0) {
    lines.push("", "No log records matched the query.");
  } else {
    lines.push("", "| Time | Kind | Level | Request | Message |", "| --- | --- | --- | --- | --- |");
    for (const record of records.slice(0, 50))
      lines.push(
        `| ${cell(record.timestamp)} | ${cell(record.kind)} | ${cell(record.level)} | ${cell(recordRequest(record))} | ${cell(truncate(recordMessage(record), 220))} |`
      );
    const stacks = records.filter((record) => typeof record.exception?.stack === "string");
    if (stacks.length > 0) {
      lines.push("", "<details>", "<summary>Exception stacks</summary>", "");
      for (const record of stacks.slice(0, 10))
        lines.push(
          `#### ${cell(record.timestamp)} ${cell(record.text ?? "Exception")}`,
          "",
          "```text",
          text(record.exception?.stack).slice(0, 4e3),
          "```",
          ""
        );
      lines.push("</details>");
    }
  }
  if (logs?.cursor) lines.push("", `More records are available with cursor ${code(logs.cursor)}.`);
  return `${lines.join("\n")}
`;
};

// src/oidc.ts
var oidcMessages = {
  unavailable: "oidc: true needs a GitHub Actions OIDC token, but ACTIONS_ID_TOKEN_REQUEST_URL is not set. Add `permissions: id-token: write` to the job.",
  failed: (status, detail) => `Could not get a GitHub Actions OIDC token (HTTP ${status})${detail ? `: ${detail}` : "."}`,
  noValue: "The GitHub Actions OIDC token response had no token."
};
var OidcError = class extends Error {
  name = "OidcError";
};
var defaultOidcAudience = (deployUrl) => new URL(deployUrl).hostname;
var requestOidcToken = async (input) => {
  if (!input.requestUrl || !input.requestToken) throw new OidcError(oidcMessages.unavailable);
  const url = new URL(input.requestUrl);
  url.searchParams.set("audience", input.audience);
  const answer = await requestJson(url, {
    headers: { accept: "application/json; api-version=2.0", authorization: `Bearer ${input.requestToken}` }
  });
  if (answer.status < 200 || answer.status >= 300)
    throw new OidcError(oidcMessages.failed(answer.status, answer.body?.message ?? answer.raw.slice(0, 200)));
  const token = answer.body?.value;
  if (typeof token !== "string" || token === "") throw new OidcError(oidcMessages.noValue);
  return token;
};

// ../telegram/src/botApi.ts
var DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org";
var scrub = (text2, token) => token === "" ? text2 : text2.split(token).join("<bot token>");
var reasonOf = (error) => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error && cause.message !== "" ? `${error.message}: ${cause.message}` : error.message;
};
var callBotApi = async (target, method, body, signal) => {
  const base = (target.apiUrl || DEFAULT_TELEGRAM_API_URL).replace(/\/+$/, "");
  const timeoutMs = target.timeoutMs ?? 1e4;
  const doFetch = target.fetch ?? fetch;
  const deadline = AbortSignal.timeout(timeoutMs);
  let response;
  let text2;
  try {
    response = await doFetch(`${base}/bot${target.botToken}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: signal === void 0 ? deadline : AbortSignal.any([signal, deadline])
    });
    text2 = await response.text();
  } catch (error) {
    if (deadline.aborted)
      return { ok: false, kind: "timeout", description: `Telegram did not answer within ${timeoutMs} ms.` };
    return {
      ok: false,
      kind: "unreachable",
      description: scrub(`Could not reach ${new URL(base).origin}: ${reasonOf(error)}`, target.botToken)
    };
  }
  let parsed;
  try {
    parsed = JSON.parse(text2);
  } catch {
    parsed = void 0;
  }
  if (response.ok && parsed?.ok === true) return { ok: true, result: parsed.result };
  const retryAfter = parsed?.parameters?.retry_after;
  return {
    ok: false,
    kind: "refused",
    status: response.status,
    description: scrub(parsed?.description ?? `HTTP ${response.status}`, target.botToken),
    ...typeof retryAfter === "number" ? { retryAfterSeconds: retryAfter } : {}
  };
};
var isNotModified = (answer) => !answer.ok && answer.kind === "refused" && answer.description.toLowerCase().includes("message is not modified");
var sendTelegramMessage = async (target, request, signal) => {
  const method = request.messageId === void 0 ? "sendMessage" : "editMessageText";
  const body = (parseMode) => ({
    chat_id: request.chatId,
    text: request.text,
    disable_web_page_preview: true,
    ...parseMode === void 0 ? {} : { parse_mode: parseMode },
    ...request.threadId === void 0 || request.threadId === "" ? {} : { message_thread_id: request.threadId },
    ...request.messageId === void 0 ? {} : { message_id: request.messageId }
  });
  let answer = await callBotApi(target, method, body(request.parseMode), signal);
  if (!answer.ok && answer.kind === "refused" && answer.status === 400 && request.parseMode !== void 0 && !isNotModified(answer))
    answer = await callBotApi(target, method, body(void 0), signal);
  if (answer.ok) {
    const id = answer.result?.message_id;
    return { ok: true, result: { messageId: id === void 0 ? request.messageId : String(id) } };
  }
  if (isNotModified(answer)) return { ok: true, result: { messageId: request.messageId } };
  return answer;
};

// src/telegram.ts
var TELEGRAM_STAGE_LABELS = {
  start: "Deployment started",
  package: "Packaging repository",
  upload: "Uploading archive",
  success: "Deployment completed",
  warning: "Deployment completed with warnings",
  error: "Deployment failed"
};
var telegramStatusText = (input) => {
  const deployment = input.response?.data?.deployment;
  const data = input.response?.data;
  const warnings = asArray(data?.deploymentWarnings).length + asArray(data?.customDomainWarnings).length + asArray(data?.blockedCustomDomains).length;
  const value = (candidate, fallback) => candidate !== void 0 && candidate.trim() !== "" ? candidate.trim() : fallback;
  const lines = [
    `W7S ${TELEGRAM_STAGE_LABELS[input.stage] ?? value(input.stage, "Deployment update")}`,
    "",
    `Repository: ${value(deployment?.repository ?? input.context.repository, "n/a")}`,
    `Environment: ${value(deployment?.environment ?? input.context.environment, "production")}`,
    `Branch: ${value(deployment?.branch ?? input.context.branch, "n/a")}`,
    `Commit: ${value(deployment?.commitSha ?? input.context.commitSha, "n/a").slice(0, 12)}`
  ];
  if (input.context.workflow) lines.push(`Workflow: ${input.context.workflow}`);
  if (data?.url) lines.push(`URL: ${data.url}`);
  if (input.httpStatus) lines.push(`HTTP: ${input.httpStatus}`);
  if (warnings > 0) lines.push(`Warnings: ${warnings}`);
  const error = input.response?.error ?? input.response?.message;
  if (error) lines.push(`Error: ${String(error).slice(0, 300)}`);
  if (input.context.runUrl) lines.push("", input.context.runUrl);
  return lines.join("\n").slice(0, 4096);
};
var sendTelegramStatus = async (target, text2, messageId) => {
  const answer = await sendTelegramMessage(
    { apiUrl: target.apiUrl || DEFAULT_TELEGRAM_API_URL, botToken: target.botToken },
    { chatId: target.chatId, text: text2, threadId: target.threadId, messageId }
  );
  if (answer.ok) return answer.result.messageId;
  if (answer.kind === "refused") throw new Error(answer.description);
  throw new NetworkError(answer.description);
};

// src/usage.ts
var usageTarget = (deploy, context) => {
  const deployment = deploy?.deployment;
  const branch = deployment?.branch ?? context.branch;
  return {
    repository: deployment?.repository ?? context.repository,
    branch,
    environment: resolveCheckEnvironment({
      deployed: deployment?.environment,
      explicit: context.environment,
      branch
    }),
    commitSha: deployment?.commitSha ?? context.commitSha,
    deployedAt: deployment?.deployedAt ?? (context.now ?? /* @__PURE__ */ new Date()).toISOString(),
    deploymentUrl: deploy?.url
  };
};
var fetchUsage = (deployUrl, target, token) => {
  const repository = splitRepository(target.repository);
  if (repository === void 0)
    throw new Error("W7S usage check requires a GitHub repository in owner/repo form.");
  const url = usageUrl(deployUrl, repository, {
    date: utcDate(target.deployedAt),
    environment: target.environment
  });
  return requestJson(url, { headers: { authorization: `Bearer ${token}` } });
};
var hasUsageWarnings = (usage) => asArray(usage?.warnings).length > 0 || usage?.appLimitState !== void 0;
var usageIssueTitle = (environment, date) => `W7S usage warning for ${environment} on ${date}`;
var usageIssueMarker = (environment, date) => `<!-- w7s-usage-warnings:${environment}:${date} -->`;
var legacyMarker = (environment) => `<!-- w7s-usage-warnings:${environment} -->`;
var legacyTitle = (environment) => `W7S usage warning for ${environment}`;
var usageIssueBody = (input) => {
  const { target, usage, date, run } = input;
  const server = run.serverUrl.replace(/\/+$/, "");
  const warnings = asArray(usage.warnings);
  const state = usage.appLimitState;
  const lines = [
    usageIssueMarker(target.environment, date),
    "",
    input.checkOnly ? "A W7S usage check found this repository near or over its daily limits." : "W7S reported that this repository is near or over its daily limits after a deploy.",
    "",
    `- Repository: ${code(target.repository)}`,
    `- Environment: ${code(target.environment)}`,
    `- Date: ${code(date)}`,
    `- Last checked: ${code(input.checkedAt.toISOString())}`,
    `- Branch: ${code(target.branch || void 0)}`,
    `- Commit: ${target.commitSha ? `[${target.commitSha.slice(0, 12)}](${server}/${target.repository}/commit/${target.commitSha})` : code(void 0)}`,
    input.checkOnly ? "- Check: usage only" : `- Deployment: ${target.deploymentUrl ? `[${target.deploymentUrl}](${target.deploymentUrl})` : code(void 0)}`
  ];
  if (run.runId !== void 0 && run.runId !== "") {
    const attempt = run.runAttempt ? ` (attempt ${run.runAttempt})` : "";
    lines.push(
      `- Workflow run: [${text(run.workflow || "workflow")}](${server}/${target.repository}/actions/runs/${run.runId})${attempt}`
    );
  }
  if (usage.usage?.cloudflareSyncedAt !== void 0)
    lines.push(`- Cloudflare usage synced at: ${code(usage.usage.cloudflareSyncedAt)}`);
  if (Array.isArray(usage.usage?.cloudflareHours))
    lines.push(`- Cloudflare hourly records: ${code(usage.usage.cloudflareHours.length)}`);
  if (state !== void 0) {
    lines.push(`- App status: ${code(state.status)}`);
    if (state.reason !== void 0) lines.push(`- Reason: ${state.reason}`);
    if (state.resumeAfter !== void 0) lines.push(`- Resume after: ${code(state.resumeAfter)}`);
  }
  lines.push("");
  if (warnings.length > 0) {
    lines.push("| Metric | Status | Used | Limit | Remaining |", "| --- | --- | ---: | ---: | ---: |");
    for (const warning of warnings)
      lines.push(
        `| ${cell(warning.metric)} | ${cell(warning.status)} | ${cell(warning.used)} | ${cell(warning.limit)} | ${cell(warning.remaining)} |`
      );
  } else {
    lines.push("No metric warnings were returned by the usage check; see the app status above.");
  }
  lines.push(
    "",
    "W7S returns HTTP `429` when a request would exceed an enforced daily limit.",
    "The W7S deploy action updates this issue while the warnings continue for this environment and day."
  );
  return lines.join("\n");
};
var failure = (what, answer) => `GitHub ${what} failed (HTTP ${answer.status}${answer.raw ? `: ${answer.raw.slice(0, 180)}` : ""}).`;
var upsertUsageIssue = async (input) => {
  const repository = splitRepository(input.target.repository);
  if (repository === void 0) return { skipped: "repository is not in owner/repo form." };
  const now = input.now ?? /* @__PURE__ */ new Date();
  const date = input.usage.usage?.date ?? utcDate(input.target.deployedAt, now);
  const environment = input.target.environment;
  const title = usageIssueTitle(environment, date);
  const marker = usageIssueMarker(environment, date);
  const legacyAllowed = date === utcDate(input.target.deployedAt, now);
  const matches = (issue) => {
    const body2 = issue.body ?? "";
    if (body2.includes(marker) || issue.title === title) return true;
    return legacyAllowed && body2.includes(legacyMarker(environment)) && issue.title === legacyTitle(environment);
  };
  const body = usageIssueBody({ ...input, date, checkedAt: now });
  try {
    const lookup = await input.github.findIssue(repository, matches);
    if (lookup.failed !== void 0) return { skipped: failure("issues lookup", lookup.failed) };
    const existing = lookup.found;
    if (existing === void 0) {
      const created = await input.github.createIssue(repository, { title, body });
      if (created.status < 200 || created.status >= 300) return { skipped: failure("issue create", created) };
      return { action: "opened", number: created.body?.number ?? 0, url: created.body?.html_url ?? "" };
    }
    const reopen = existing.state === "closed";
    const updated = await input.github.updateIssue(repository, existing.number, {
      title,
      body,
      ...reopen ? { state: "open" } : {}
    });
    if (updated.status < 200 || updated.status >= 300) return { skipped: failure("issue update", updated) };
    return {
      action: reopen ? "reopened" : "updated",
      number: existing.number,
      url: updated.body?.html_url ?? existing.html_url ?? ""
    };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
};
var usageLogLines = (usage) => {
  const lines = ["W7S usage warnings:"];
  for (const warning of asArray(usage.warnings))
    lines.push(
      `- ${text(warning.metric)} ${text(warning.status)}: ${text(warning.used)}/${text(warning.limit)} daily units`
    );
  if (usage.appLimitState !== void 0)
    lines.push(`- app ${text(usage.appLimitState.status)}: ${text(usage.appLimitState.reason)}`);
  return lines;
};
var ISSUE_LABELS = {
  opened: "Opened issue",
  updated: "Updated issue",
  reopened: "Reopened issue"
};
var usageSummaryMarkdown = (usage, issue, checkOnly) => {
  const state = usage.appLimitState;
  const lines = [
    "",
    "#### ⚠️ W7S Usage Warnings",
    "",
    checkOnly ? "This usage check found the repo near or over one or more daily limits." : "This deployment succeeded, but the repo is near or over one or more daily limits.",
    ""
  ];
  if (usage.usage?.cloudflareSyncedAt !== void 0)
    lines.push(`- Cloudflare usage synced at: ${code(usage.usage.cloudflareSyncedAt)}`);
  if (asArray(usage.usage?.cloudflareHours).length > 0)
    lines.push(`- Cloudflare hourly records: ${code(asArray(usage.usage?.cloudflareHours).length)}`);
  if (state !== void 0) {
    lines.push(`- App status: ${code(state.status)}`);
    if (state.reason !== void 0) lines.push(`- Reason: ${state.reason}`);
    if (state.resumeAfter !== void 0) lines.push(`- Resume after: ${code(state.resumeAfter)}`);
  }
  if (usage.usage?.cloudflareSyncedAt !== void 0 || state !== void 0) lines.push("");
  for (const warning of asArray(usage.warnings))
    lines.push(
      `- ${code(warning.metric ?? "unknown")} ${code(warning.status ?? "warning")}: ${code(warning.used)} used of ${code(warning.limit)} daily units, ${code(warning.remaining)} remaining.`
    );
  lines.push("", "W7S returns HTTP `429` when a request would exceed an enforced daily limit.", "");
  lines.push(
    "action" in issue ? `${ISSUE_LABELS[issue.action]}: [#${issue.number}](${issue.url})` : `Issue notification skipped: ${issue.skipped}`
  );
  return `${lines.join("\n")}
`;
};
var usageLookupFailed = (answer) => isSuccess(answer) ? void 0 : `W7S usage warnings: skipped usage lookup (HTTP ${answer.status}).`;

// src/action/runAction.ts
var actionMessages = {
  deployNeedsToken: "W7S deploy requires a GitHub token.",
  usageNeedsToken: "W7S usage check requires a GitHub token.",
  usageNone: "W7S usage warnings: none.",
  usageSkipped: (reason2) => `W7S usage warnings: skipped (${reason2}).`,
  telegramSkipped: "telegram-chat-id was provided, but telegram-bot-token is empty.",
  commandFailed: (name, status) => `The ${name} command failed${status === null ? "" : ` with exit code ${status}`}.`
};
var readInputs = (env) => {
  const input = (name) => getInput(env, name);
  return {
    deployUrl: input("deploy-url") || DEFAULT_DEPLOY_URL,
    token: input("token"),
    githubToken: input("github-token") || (env.GITHUB_TOKEN ?? "").trim(),
    oidc: booleanInput(input("oidc"), false),
    oidcAudience: input("oidc-audience"),
    environment: input("environment"),
    installCommand: input("install-command"),
    buildCommand: input("build-command"),
    vars: input("vars"),
    secrets: input("secrets"),
    workingDirectory: input("working-directory") || ".",
    usageWarningsIssue: booleanInput(input("usage-warnings-issue"), true),
    usageCheckOnly: booleanInput(input("usage-check-only"), false),
    logsCheckOnly: booleanInput(input("logs-check-only"), false),
    logsHours: input("logs-hours"),
    logsLimit: input("logs-limit"),
    logsKind: input("logs-kind"),
    logsLevel: input("logs-level"),
    telegramChatId: input("telegram-chat-id") || input("telegram-user-id"),
    telegramEvents: input("telegram-events") || "deploy_success,deploy_warning,deploy_error,app_suspended,payment_request",
    telegramBotToken: input("telegram-bot-token"),
    telegramThreadId: input("telegram-thread-id"),
    telegramMessageId: input("telegram-message-id"),
    telegramNotifyOnly: booleanInput(input("telegram-notify-only"), false),
    telegramStatusStage: input("telegram-status-stage") || "start",
    telegramApiUrl: input("telegram-api-url") || DEFAULT_TELEGRAM_API_URL
  };
};
var StepFailed = class extends Error {
};
var messageOf = (error) => error instanceof Error ? error.message : String(error);
var isKnown = (error) => error instanceof StepFailed || error instanceof RuntimeValuesError || error instanceof NetworkError || error instanceof OidcError || error instanceof LogsError;
var runAction = async (io) => {
  const { env } = io;
  const now = io.now ?? (() => /* @__PURE__ */ new Date());
  const inputs = readInputs(env);
  const files = makeRunnerFiles(env);
  const context = {
    repository: env.GITHUB_REPOSITORY ?? "",
    branch: env.GITHUB_REF_NAME ?? "",
    sha: env.GITHUB_SHA ?? "",
    workspace: env.GITHUB_WORKSPACE,
    temp: env.RUNNER_TEMP || void 0,
    run: {
      serverUrl: env.GITHUB_SERVER_URL || "https://github.com",
      runId: env.GITHUB_RUN_ID,
      runAttempt: env.GITHUB_RUN_ATTEMPT,
      workflow: env.GITHUB_WORKFLOW
    }
  };
  const workingDirectory = resolve(io.cwd, inputs.workingDirectory);
  const runUrl = context.repository && context.run.runId ? `${context.run.serverUrl.replace(/\/+$/, "")}/${context.repository}/actions/runs/${context.run.runId}` : void 0;
  const telegramContext = {
    repository: context.repository,
    environment: resolveCheckEnvironment({ explicit: inputs.environment, branch: context.branch }),
    branch: context.branch,
    commitSha: context.sha,
    workflow: context.run.workflow,
    runUrl
  };
  const messageIdFile = context.temp === void 0 ? void 0 : join4(context.temp, "w7s-telegram-message-id");
  const notifyTelegram = async (stage, answer) => {
    if (inputs.telegramChatId === "") return void 0;
    if (inputs.telegramBotToken === "") {
      if (inputs.telegramMessageId !== "" || inputs.telegramNotifyOnly)
        io.out(warningCommand(actionMessages.telegramSkipped, "W7S Telegram notification skipped"));
      return void 0;
    }
    try {
      const stored = messageIdFile !== void 0 && existsSync3(messageIdFile) ? readFileSync3(messageIdFile, "utf8").trim() : "";
      const messageId = stored || inputs.telegramMessageId || void 0;
      const id = await sendTelegramStatus(
        {
          apiUrl: inputs.telegramApiUrl,
          botToken: inputs.telegramBotToken,
          chatId: inputs.telegramChatId,
          threadId: inputs.telegramThreadId
        },
        telegramStatusText({
          stage,
          context: telegramContext,
          httpStatus: answer?.status,
          response: answer?.body
        }),
        messageId
      );
      if (id !== void 0) {
        if (messageIdFile !== void 0) writeFileSync(messageIdFile, id);
        files.setOutput("telegram-message-id", id);
      }
      return id;
    } catch (error) {
      io.out(warningCommand(messageOf(error), "W7S deploy status notification failed"));
      return void 0;
    }
  };
  const w7sToken = async (missing) => {
    if (inputs.oidc) {
      const token2 = await requestOidcToken({
        requestUrl: env.ACTIONS_ID_TOKEN_REQUEST_URL,
        requestToken: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        audience: inputs.oidcAudience || defaultOidcAudience(inputs.deployUrl)
      });
      io.out(maskCommand(token2));
      return token2;
    }
    const token = inputs.token || inputs.githubToken;
    if (token === "") throw new StepFailed(missing);
    return token;
  };
  const runCommand = (name, command) => {
    if (command === "") return;
    io.out(`W7S ${name}: ${command}`);
    const result = spawnSync("bash", ["-eo", "pipefail", "-c", command], {
      cwd: workingDirectory,
      env,
      stdio: "inherit"
    });
    if (result.status !== 0) throw new StepFailed(actionMessages.commandFailed(name, result.status));
  };
  const usageCheck = async (token, deploy, checkOnly, summary) => {
    const target = usageTarget(deploy, {
      repository: context.repository,
      branch: context.branch,
      environment: inputs.environment,
      commitSha: context.sha,
      now: now()
    });
    let answer;
    try {
      answer = await fetchUsage(inputs.deployUrl, target, token);
    } catch (error) {
      io.out(actionMessages.usageSkipped(messageOf(error)));
      return;
    }
    const skipped = usageLookupFailed(answer);
    if (skipped !== void 0) {
      io.out(skipped);
      return;
    }
    const usage = answer.body?.data ?? {};
    if (!hasUsageWarnings(usage)) {
      io.out(actionMessages.usageNone);
      return;
    }
    for (const line of usageLogLines(usage)) io.out(line);
    const issue = !inputs.usageWarningsIssue ? { skipped: "`usage-warnings-issue` is disabled." } : inputs.githubToken === "" ? { skipped: "missing GitHub token or repository." } : await upsertUsageIssue({
      github: makeGitHubClient({ apiUrl: env.GITHUB_API_URL, token: inputs.githubToken }),
      target,
      usage,
      checkOnly,
      run: context.run,
      now: now()
    });
    io.out(
      "skipped" in issue ? `W7S usage warnings issue skipped: ${issue.skipped}` : `W7S usage warnings issue ${issue.action}: ${issue.url}`
    );
    summary.appendSummary(usageSummaryMarkdown(usage, issue, checkOnly));
  };
  const deployStep = async () => {
    const token = await w7sToken(actionMessages.deployNeedsToken);
    await notifyTelegram("start");
    if (copyWorkspaceCname(workingDirectory, context.workspace)) io.out(CNAME_COPIED_MESSAGE);
    io.out(`W7S deploy: packaging ${workingDirectory}`);
    const packagingStarted = Date.now();
    let packagedFiles = 0;
    let packagedBytes = 0;
    const outcome = await deployDirectory(
      workingDirectory,
      {
        deployUrl: inputs.deployUrl,
        environment: inputs.environment,
        token,
        repository: context.repository,
        branch: context.branch,
        sha: context.sha,
        vars: inputs.vars,
        secrets: inputs.secrets,
        environmentVariables: env,
        telegram: { chatId: inputs.telegramChatId, events: inputs.telegramEvents }
      },
      {
        packaging: throttled(
          (progress) => {
            packagedFiles = progress.files;
            packagedBytes = progress.bytes;
            io.out(
              `W7S deploy: packaged ${progress.files}/${progress.totalFiles} files, ${formatBytes(progress.bytes)} (${formatSeconds(progress.elapsedMs)})`
            );
          },
          (progress) => progress.files === progress.totalFiles
        ),
        upload: throttled(
          (progress) => io.out(
            `W7S deploy: uploaded ${formatBytes(progress.sentBytes)} of ${formatBytes(progress.totalBytes)} (${Math.round(progress.sentBytes / Math.max(progress.totalBytes, 1) * 100)}%, ${formatSeconds(progress.elapsedMs)})`
          ),
          (progress) => progress.sentBytes === progress.totalBytes
        )
      }
    );
    io.out(
      `W7S deploy: ${outcome.packaged.files.length || packagedFiles} files, ${formatBytes(outcome.packaged.uncompressedBytes || packagedBytes)} zipped to ${formatBytes(outcome.packaged.zip.byteLength)} in ${formatSeconds(Date.now() - packagingStarted - outcome.uploadMs)}; answered in ${formatSeconds(outcome.uploadMs)}`
    );
    const { answer } = outcome;
    if (context.temp !== void 0) writeFileSync(join4(context.temp, "w7s-deploy-response.json"), answer.raw);
    for (const line of deployLogLines(answer)) io.out(line);
    for (const command of deployWarningCommands(answer)) io.out(command);
    files.appendSummary(deploySummaryMarkdown(answer));
    const success = isSuccess(answer);
    await notifyTelegram(
      success ? deployWarningCount(answer.body?.data) > 0 ? "warning" : "success" : "error",
      answer
    );
    if (!success) {
      io.err(
        errorCommand(answer.body?.error ?? `W7S deploy failed (HTTP ${answer.status}).`, "W7S deploy failed")
      );
      return 1;
    }
    const data = answer.body?.data;
    if (data?.url !== void 0) files.setOutput("url", data.url);
    if (data?.deployment?.environment !== void 0)
      files.setOutput("environment", data.deployment.environment);
    await usageCheck(token, data, false, files);
    return 0;
  };
  const logsCheck = async () => {
    const token = await w7sToken(logsMessages.missingToken);
    const environment = resolveCheckEnvironment({ explicit: inputs.environment, branch: context.branch });
    const { url, answer } = await fetchLogs(
      inputs.deployUrl,
      context.repository,
      {
        environment,
        hours: clampedInteger(inputs.logsHours, 1, 1, 168),
        limit: clampedInteger(inputs.logsLimit, 50, 1, 500),
        kind: inputs.logsKind,
        level: inputs.logsLevel
      },
      token
    );
    const logs = answer.body?.data?.logs;
    const fallback = { repository: context.repository, environment };
    for (const line of logsLogLines(logs, fallback, url)) io.out(line);
    files.setOutput("logs-count", String(logs?.records?.length ?? 0));
    files.setOutput("logs-url", url.toString());
    files.appendSummary(logsSummaryMarkdown(logs, fallback, url));
  };
  try {
    if (inputs.telegramNotifyOnly) {
      await notifyTelegram(inputs.telegramStatusStage);
      return 0;
    }
    const checkOnly = inputs.usageCheckOnly || inputs.logsCheckOnly;
    if (!checkOnly) {
      runCommand("install", inputs.installCommand);
      runCommand("build", inputs.buildCommand);
      try {
        return await deployStep();
      } catch (error) {
        await notifyTelegram("error");
        throw error;
      }
    }
    if (inputs.usageCheckOnly) {
      const token = await w7sToken(actionMessages.usageNeedsToken);
      await usageCheck(token, void 0, true, files);
    }
    if (inputs.logsCheckOnly) await logsCheck();
    return 0;
  } catch (error) {
    const message = messageOf(error);
    io.err(isKnown(error) ? message : `W7S action failed: ${message}`);
    io.out(errorCommand(message));
    return 1;
  }
};

// src/action/main.ts
runAction({
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}
`),
  err: (line) => process.stderr.write(`${line}
`)
}).then(
  (code2) => {
    process.exitCode = code2;
  },
  (error) => {
    process.stderr.write(`W7S action failed: ${error instanceof Error ? error.message : String(error)}
`);
    process.exitCode = 1;
  }
);
