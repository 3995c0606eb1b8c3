import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServiceBusClient } from "@azure/service-bus";
import { startBroker, newSessionId, TOPIC, SUBSCRIPTION } from "./broker.mjs";

describe("streaming a session like the SSE service does", () => {
  let broker;
  let client;

  before(async () => {
    broker = await startBroker();
    client = new ServiceBusClient(broker.connectionString);
  });

  after(async () => {
    await client?.close();
    await broker?.stop();
  });

  it("subscribe() delivers a session's tokens in order as they are sent, batches included", async () => {
    const sessionId = newSessionId();
    const receiver = await client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
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

    const sender = client.createSender(TOPIC);
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

    const check = await client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.equal((await check.peekMessages(100)).length, 0, "every token was completed");
    await check.close();
  });
});
