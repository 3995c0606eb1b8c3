import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServiceBusClient } from "@azure/service-bus";
import { startBroker, expectCode, withKey, newSessionId, TOPIC, SUBSCRIPTION, SHORT_LOCK_TOPIC, SHORT_LOCK_SUBSCRIPTION } from "./broker.mjs";

const noRetry = { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } };

describe("errors the SDK maps to codes", () => {
  let broker;
  let client;

  before(async () => {
    broker = await startBroker();
    client = new ServiceBusClient(broker.connectionString, noRetry);
  });

  after(async () => {
    await client?.close();
    await broker?.stop();
  });

  it("a wrong SAS key is refused with UnauthorizedAccess, for senders and receivers", async () => {
    const wrong = new ServiceBusClient(withKey(broker.connectionString, "bm90IHRoZSBrZXk="), noRetry);
    try {
      const sender = wrong.createSender(TOPIC);
      await expectCode(sender.sendMessages({ body: "x", sessionId: newSessionId() }), "UnauthorizedAccess");
      await expectCode(wrong.acceptSession(TOPIC, SUBSCRIPTION, newSessionId()), "UnauthorizedAccess");
    } finally {
      await wrong.close();
    }
  });

  it("an unknown topic or subscription is MessagingEntityNotFound", async () => {
    const sender = client.createSender("no-such-topic");
    await expectCode(sender.sendMessages({ body: "x" }), "MessagingEntityNotFound");
    const receiver = client.createReceiver(TOPIC, "no-such-subscription");
    await expectCode(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }), "MessagingEntityNotFound");
    await expectCode(client.acceptNextSession("no-such-topic", SUBSCRIPTION), "MessagingEntityNotFound");
  });

  it("a message over the maximum size is refused with MessageSizeExceeded", async () => {
    const sender = client.createSender(TOPIC);
    await expectCode(sender.sendMessages({ body: "x".repeat(300 * 1024), sessionId: newSessionId() }), "MessageSizeExceeded");
    await sender.sendMessages({ body: "still works", sessionId: newSessionId() });
    await sender.close();
  });

  it("a session lock that expires is reported as SessionLockLost", async () => {
    const sessionId = newSessionId();
    const sender = client.createSender(SHORT_LOCK_TOPIC);
    await sender.sendMessages({ body: "slow", sessionId });
    await sender.close();

    const receiver = await client.acceptSession(SHORT_LOCK_TOPIC, SHORT_LOCK_SUBSCRIPTION, sessionId, { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(message.body, "slow");
    await new Promise((r) => setTimeout(r, 3000));
    await expectCode(receiver.completeMessage(message), "SessionLockLost");
    await expectCode(receiver.renewSessionLock(), "SessionLockLost");
    await receiver.close();

    const again = await client.acceptSession(SHORT_LOCK_TOPIC, SHORT_LOCK_SUBSCRIPTION, sessionId);
    const [redelivered] = await again.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(redelivered.body, "slow", "the message is available again after the lock expired");
    await again.completeMessage(redelivered);
    await again.close();
  });
});
