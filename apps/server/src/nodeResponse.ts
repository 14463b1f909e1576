/** The fast path's answers written to a response of Node's `http` server. */
import type { ServerResponse } from "node:http";
import {
  type AnswerWriter,
  LATIN1_BODY_BYTES,
  outgoingHeaders,
  type PreparedAnswer,
} from "./answerWriter.js";

const writePrepared = (response: ServerResponse, answer: PreparedAnswer): void => {
  response.writeHead(answer.status, answer.headers);
  if (answer.body === null) response.end();
  else if (typeof answer.body === "string") response.end(answer.body, "latin1");
  else response.end(answer.body);
};

export const nodeAnswerWriter = (response: ServerResponse): AnswerWriter => ({
  get headersSent() {
    return response.headersSent;
  },
  prepared: (answer) => writePrepared(response, answer),
  backend: (answer, pairs, bodyless) => {
    const { headers } = outgoingHeaders(pairs, !bodyless);
    const { status, body, stream } = answer;
    if (bodyless || stream === undefined) {
      stream?.destroy();
      response.writeHead(status, headers);
      if (bodyless || body === undefined || body.length === 0) response.end();
      // As for prepared answers: a small body as a latin1 string goes out in one write with the headers.
      else if (body.length <= LATIN1_BODY_BYTES) response.end(body.toString("latin1"), "latin1");
      else response.end(body);
      return;
    }
    response.writeHead(status, headers);
    response.flushHeaders();
    stream.on("error", () => response.destroy());
    response.on("close", () => {
      if (!stream.readableEnded) stream.destroy();
    });
    stream.pipe(response);
  },
  destroy: (error) => response.destroy(error),
});
