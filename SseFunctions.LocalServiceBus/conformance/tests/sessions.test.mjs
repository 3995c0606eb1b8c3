import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceBusClient } from "@azure/service-bus";
import { useBrokerAndClient, expectCode, newSessionId, TOPIC, SUBSCRIPTION } from "./broker.mjs";

describe("session receivers on a topic subscription", () => {
  const fixture = useBrokerAndClient();

  it("sends with a session id, accepts that session, receives in order and completes", async () => {
    const sessionId = newSessionId();
    const sender = fixture.client.createSender(TOPIC);
    await sender.sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: { n }, sessionId })));
    await sender.sendMessages({ body: { n: 6 }, sessionId, applicationProperties: { kind: "last" } });
    await sender.close();

    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.equal(receiver.sessionId, sessionId);
    assert.ok(receiver.sessionLockedUntilUtc > new Date(), "the session lock is in the future");

    const received = [];
    while (received.length < 6) {
      const batch = await receiver.receiveMessages(6 - received.length, { maxWaitTimeInMs: 2000 });
      assert.ok(batch.length > 0, "messages keep arriving");
      received.push(...batch);
    }

    assert.deepEqual(received.map((m) => m.body.n), [1, 2, 3, 4, 5, 6]);
    assert.ok(received.every((m) => m.sessionId === sessionId));
    const sequenceNumbers = received.map((m) => Number(m.sequenceNumber));
    assert.deepEqual([...sequenceNumbers].sort((a, b) => a - b), sequenceNumbers, "sequence numbers increase");
    assert.ok(received.every((m) => m.enqueuedTimeUtc instanceof Date));
    assert.equal(received[5].applicationProperties.kind, "last");
    assert.equal(new Set(received.map((m) => m.lockToken)).size, 6, "each message has its own lock token");
    for (const message of received) {
      await receiver.completeMessage(message);
    }

    const peeked = await receiver.peekMessages(10);
    assert.equal(peeked.length, 0, "completed messages are gone");
    await receiver.close();
  });

  it("abandon redelivers the message with the delivery count increased", async () => {
    const sessionId = newSessionId();
    const sender = fixture.client.createSender(TOPIC);
    await sender.sendMessages({ body: "retry me", sessionId });
    await sender.close();

    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(first.body, "retry me");
    await receiver.abandonMessage(first, { attempt: "one" });

    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(second.body, "retry me");
    assert.equal(second.applicationProperties.attempt, "one", "properties to modify are applied");
    assert.equal(second.sequenceNumber.toString(), first.sequenceNumber.toString());
    assert.equal(second.deliveryCount, first.deliveryCount + 1);
    assert.notEqual(second.lockToken, first.lockToken);
    await receiver.completeMessage(second);
    await receiver.close();
  });

  it("deadLetter moves the message to the subscription's dead-letter queue with the reason", async () => {
    const sessionId = newSessionId();
    const sender = fixture.client.createSender(TOPIC);
    await sender.sendMessages({ body: "poison", sessionId, messageId: `poison-${sessionId}` });
    await sender.close();

    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await receiver.deadLetterMessage(message, { deadLetterReason: "MalformedToken", deadLetterErrorDescription: "not JSON" });
    await receiver.close();

    const deadLetters = fixture.client.createReceiver(TOPIC, SUBSCRIPTION, { subQueueType: "deadLetter" });
    const found = [];
    for (let attempt = 0; attempt < 5 && !found.some((m) => m.messageId === `poison-${sessionId}`); attempt++) {
      found.push(...(await deadLetters.receiveMessages(10, { maxWaitTimeInMs: 1000 })));
    }
    const deadLettered = found.find((m) => m.messageId === `poison-${sessionId}`);
    assert.ok(deadLettered, "the message is in the dead-letter queue");
    assert.equal(deadLettered.body, "poison");
    assert.equal(deadLettered.deadLetterReason, "MalformedToken");
    assert.equal(deadLettered.deadLetterErrorDescription, "not JSON");
    for (const m of found) await deadLetters.completeMessage(m);
    await deadLetters.close();
  });

  it("a second acceptSession on a locked session fails with SessionCannotBeLocked", async () => {
    const sessionId = newSessionId();
    const first = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    const other = new ServiceBusClient(fixture.broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    try {
      await expectCode(other.acceptSession(TOPIC, SUBSCRIPTION, sessionId), "SessionCannotBeLocked");
    } finally {
      await other.close();
    }

    await first.close();
    const again = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.equal(again.sessionId, sessionId, "closing the first receiver releases the lock");
    await again.close();
  });

  it("renewSessionLock moves lockedUntil forward", async () => {
    const sessionId = newSessionId();
    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId, { maxAutoLockRenewalDurationInMs: 0 });
    const before = receiver.sessionLockedUntilUtc;
    await new Promise((r) => setTimeout(r, 1100));
    const renewed = await receiver.renewSessionLock();
    assert.ok(renewed instanceof Date);
    assert.ok(renewed.getTime() > before.getTime(), `${renewed.toISOString()} is after ${before.toISOString()}`);
    assert.equal(receiver.sessionLockedUntilUtc.getTime(), renewed.getTime());
    await receiver.close();
  });

  it("setSessionState and getSessionState round-trip", async () => {
    const sessionId = newSessionId();
    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.ok((await receiver.getSessionState()) == null, "a new session has no state");
    await receiver.setSessionState(JSON.stringify({ lastSequenceNumber: 42 }));
    const state = await receiver.getSessionState();
    assert.deepEqual(JSON.parse(Buffer.from(state).toString("utf8")), { lastSequenceNumber: 42 });
    await receiver.close();

    const again = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    assert.ok(await again.getSessionState(), "the state outlives the receiver");
    await again.setSessionState(null);
    await again.close();
  });

  it("peekMessages returns a session's messages without locking or removing them", async () => {
    const sessionId = newSessionId();
    const sender = fixture.client.createSender(TOPIC);
    await sender.sendMessages(["p1", "p2", "p3"].map((body) => ({ body, sessionId })));
    await sender.close();

    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId);
    const firstPage = await receiver.peekMessages(2);
    assert.deepEqual(firstPage.map((m) => m.body), ["p1", "p2"]);
    const secondPage = await receiver.peekMessages(2);
    assert.deepEqual(secondPage.map((m) => m.body), ["p3"], "peek continues after the last peeked message");

    const received = await receiver.receiveMessages(3, { maxWaitTimeInMs: 3000 });
    assert.deepEqual(received.map((m) => m.body), ["p1", "p2", "p3"], "peeked messages are still there");
    for (const m of received) await receiver.completeMessage(m);
    await receiver.close();
  });

  it("receiveAndDelete removes messages as they are received", async () => {
    const sessionId = newSessionId();
    const sender = fixture.client.createSender(TOPIC);
    await sender.sendMessages(["d1", "d2"].map((body) => ({ body, sessionId })));
    await sender.close();

    const receiver = await fixture.client.acceptSession(TOPIC, SUBSCRIPTION, sessionId, { receiveMode: "receiveAndDelete" });
    const received = [];
    while (received.length < 2) {
      received.push(...(await receiver.receiveMessages(2 - received.length, { maxWaitTimeInMs: 2000 })));
    }
    assert.deepEqual(received.map((m) => m.body), ["d1", "d2"]);
    assert.equal((await receiver.peekMessages(10)).length, 0);
    await receiver.close();
  });
});
