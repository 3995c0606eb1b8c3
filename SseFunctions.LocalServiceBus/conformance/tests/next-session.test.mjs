import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServiceBusClient } from "@azure/service-bus";
import { startBroker, expectCode, newSessionId, NEXT_SESSION_TOPIC as TOPIC, NEXT_SESSION_SUBSCRIPTION as SUBSCRIPTION } from "./broker.mjs";

describe("acceptNextSession", () => {
  let broker;
  let client;

  before(async () => {
    broker = await startBroker();
    client = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } });
  });

  after(async () => {
    await client?.close();
    await broker?.stop();
  });

  it("with no session that has messages, fails with ServiceTimeout before the client's own timeout", async () => {
    const started = Date.now();
    await expectCode(client.acceptNextSession(TOPIC, SUBSCRIPTION), "ServiceTimeout");
    assert.ok(Date.now() - started < 5000, "answered within the link timeout");
  });

  it("picks an unlocked session that has messages, and skips locked ones", async () => {
    const first = newSessionId();
    const second = newSessionId();
    const sender = client.createSender(TOPIC);
    await sender.sendMessages({ body: "for the first", sessionId: first });
    await sender.sendMessages({ body: "for the second", sessionId: second });
    await sender.close();

    const a = await client.acceptNextSession(TOPIC, SUBSCRIPTION);
    assert.equal(a.sessionId, first, "the oldest ready session first");
    const b = await client.acceptNextSession(TOPIC, SUBSCRIPTION);
    assert.equal(b.sessionId, second, "a locked session is skipped");

    const [message] = await b.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(message.body, "for the second");
    await b.completeMessage(message);
    const [other] = await a.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await a.completeMessage(other);
    await a.close();
    await b.close();
  });

  it("a waiting acceptNextSession gets a session as soon as a message arrives", async () => {
    const patient = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } });
    try {
      const sessionId = newSessionId();
      const accepting = patient.acceptNextSession(TOPIC, SUBSCRIPTION);
      await new Promise((r) => setTimeout(r, 500));
      const sender = client.createSender(TOPIC);
      await sender.sendMessages({ body: "late", sessionId });
      await sender.close();

      const receiver = await accepting;
      assert.equal(receiver.sessionId, sessionId);
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      assert.equal(message.body, "late");
      await receiver.completeMessage(message);
      await receiver.close();
    } finally {
      await patient.close();
    }
  });
});
