import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { useBrokerAndClient, newSessionId, TOPIC, SUBSCRIPTION } from "./broker.mjs";

describe("streaming a session like the SSE service does", () => {
  const fixture = useBrokerAndClient();

  it("subscribe() delivers a session's tokens in order as they are sent, batches included", async () => {
    const sessionId = newSessionId();
    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    const tokens = [];
    const finished = new Promise((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            await receiver.completeMessage(message);
            if (message.body.end_of_stream) resolve();
            else tokens.push(message.body.token);
          },
          processError: async ({ error }) => reject(error),
        },
        { autoCompleteMessages: false },
      );
    });

    const sender = fixture.client.createSender(TOPIC);
    const words = Array.from({ length: 50 }, (_, i) => `t${i}`);
    for (const token of words.slice(0, 20)) {
      await sender.sendMessages({ body: { sessionId, chatMessageId: "c1", token }, sessionId });
    }
    const batch = await sender.createMessageBatch();
    for (const token of words.slice(20)) {
      assert.ok(batch.tryAddMessage({ body: { sessionId, chatMessageId: "c1", token }, sessionId }));
    }
    await sender.sendMessages(batch);
    await sender.sendMessages({ body: { sessionId, chatMessageId: "c1", end_of_stream: true }, sessionId });
    await sender.close();

    await finished;
    assert.deepEqual(tokens, words);
    await receiver.close();

    const check = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.equal((await check.peekMessages(100)).length, 0, "every token was completed");
    await check.close();
  });
});
