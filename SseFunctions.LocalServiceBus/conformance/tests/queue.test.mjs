import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { useBrokerAndClient, QUEUE } from "./broker.mjs";

describe("queues and topics without sessions", () => {
  const fixture = useBrokerAndClient();

  it("sends, peeks, receives and completes", async () => {
    const sender = fixture.client.createSender(QUEUE);
    await sender.sendMessages([{ body: "q1", messageId: "m1" }, { body: "q2", messageId: "m2" }]);
    await sender.close();

    const receiver = fixture.client.createReceiver(QUEUE);
    const peeked = await receiver.peekMessages(5);
    assert.deepEqual(peeked.map((m) => m.body), ["q1", "q2"]);

    const received = [];
    while (received.length < 2) {
      received.push(...(await receiver.receiveMessages(2 - received.length, { maxWaitTimeInMs: 2000 })));
    }
    assert.deepEqual(received.map((m) => m.messageId), ["m1", "m2"]);
    assert.ok(received.every((m) => m.lockedUntilUtc > new Date()), "peek-lock messages carry their lock expiry");
    for (const m of received) await receiver.completeMessage(m);
    assert.equal((await receiver.peekMessages(5)).length, 0);
    await receiver.close();
  });

  it("a topic fans each message out to every subscription", async () => {
    const sender = fixture.client.createSender("fan-out");
    await sender.sendMessages({ body: "to all", messageId: "fan-1" });
    await sender.close();

    for (const subscription of ["audit", "billing"]) {
      const receiver = fixture.client.createReceiver("fan-out", subscription, { receiveMode: "receiveAndDelete" });
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      assert.equal(message?.messageId, "fan-1", `${subscription} got its copy`);
      await receiver.close();
    }
  });

  it("renewMessageLock extends a peek-lock", async () => {
    const sender = fixture.client.createSender(QUEUE);
    await sender.sendMessages({ body: "long job" });
    await sender.close();

    const receiver = fixture.client.createReceiver(QUEUE, { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    const before = message.lockedUntilUtc;
    await new Promise((r) => setTimeout(r, 1100));
    const renewed = await receiver.renewMessageLock(message);
    assert.ok(renewed.getTime() > before.getTime(), `${renewed.toISOString()} is after ${before.toISOString()}`);
    await receiver.completeMessage(message);
    await receiver.close();
  });

  it("moves a message abandoned MaxDeliveryCount times to the dead-letter queue", async () => {
    const sender = fixture.client.createSender(QUEUE);
    await sender.sendMessages({ body: "never works", messageId: "poison" });
    await sender.close();

    const receiver = fixture.client.createReceiver(QUEUE);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      assert.equal(message?.messageId, "poison", `delivery ${attempt}`);
      await receiver.abandonMessage(message);
    }
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).length, 0);
    await receiver.close();

    const deadLetters = fixture.client.createReceiver(QUEUE, { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" });
    const [deadLettered] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(deadLettered.messageId, "poison");
    assert.equal(deadLettered.deadLetterReason, "MaxDeliveryCountExceeded");
    await deadLetters.close();
  });
});
