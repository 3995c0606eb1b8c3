// Interop between our .NET client and the official @azure/service-bus SDK, through LocalServiceBus.
// Run by ServiceBusInteropTests:  node interop.js send <topic> <sessionId> <count>
//                                 node interop.js receive <topic> <subscription> <sessionId> <count>
// Environment: SB_CONNECTION_STRING (the broker's), SB_MODULE_DIR (the folder whose node_modules has
// @azure/service-bus: SseFunctions.LocalServiceBus/conformance, installed by ./test.sh with npm ci).
// Prints one JSON line on stdout. Exit code 3: the SDK is not installed.
"use strict";
const path = require("path");
const { createRequire } = require("module");

const moduleDir = process.env.SB_MODULE_DIR || path.resolve(__dirname, "../../../SseFunctions.LocalServiceBus/conformance");
let sb;
try {
  sb = createRequire(path.join(moduleDir, "interop-resolve.js"))("@azure/service-bus");
} catch (e) {
  console.error(`@azure/service-bus is not installed under ${moduleDir}/node_modules ` +
    `(run: npm ci --prefix SseFunctions.LocalServiceBus/conformance): ${e.message}`);
  process.exit(3);
}

const connectionString = process.env.SB_CONNECTION_STRING;
if (!connectionString) {
  console.error("SB_CONNECTION_STRING is not set");
  process.exit(2);
}

function rawBody(message) {
  const raw = message._rawAmqpMessage;
  let body = raw.body;
  // rhea keeps a Data section as { typecode: 0x75, content: <Buffer> }
  if (body && typeof body === "object" && "typecode" in body && "content" in body) body = body.content;
  let bytes = null;
  if (Buffer.isBuffer(body)) bytes = body;
  else if (body instanceof Uint8Array) bytes = Buffer.from(body);
  else if (typeof body === "string") bytes = Buffer.from(body, "utf8");
  return { bodyType: raw.bodyType, body: bytes ? bytes.toString("base64") : null, decodedBody: bytes ? undefined : message.body };
}

async function send(topic, sessionId, count) {
  const client = new sb.ServiceBusClient(connectionString);
  try {
    const sender = client.createSender(topic);
    const messages = [];
    for (let i = 0; i < count; i++) {
      messages.push({
        body: Buffer.from(JSON.stringify({ sessionId, chatMessageId: "npm", token: `tok-${i}` }), "utf8"),
        sessionId,
        messageId: `npm-${i}`,
        contentType: "application/json",
        subject: "token",
        correlationId: `corr-${i}`,
        applicationProperties: { index: i, source: "npm", flag: true },
      });
    }
    await sender.sendMessages(messages);
    // an AmqpValue (string) body as well: our client must accept it
    await sender.sendMessages({ body: "value-body", bodyType: "value", properties: { groupId: sessionId, messageId: "npm-value" } });
    await sender.close();
    console.log(JSON.stringify({ sent: count + 1 }));
  } finally {
    await client.close();
  }
}

async function receive(topic, subscription, sessionId, count) {
  const client = new sb.ServiceBusClient(connectionString);
  try {
    const receiver = await client.acceptSession(topic, subscription, sessionId);
    const received = [];
    const deadline = Date.now() + 20000;
    while (received.length < count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs: 2000 });
      for (const m of batch) {
        received.push({
          ...rawBody(m),
          sessionId: m.sessionId,
          messageId: m.messageId,
          contentType: m.contentType,
          subject: m.subject,
          correlationId: m.correlationId,
          deliveryCount: m.deliveryCount,
          sequenceNumber: m.sequenceNumber ? m.sequenceNumber.toString() : null,
          applicationProperties: m.applicationProperties,
        });
        await receiver.completeMessage(m);
      }
    }
    await receiver.close();
    console.log(JSON.stringify({ received }));
  } finally {
    await client.close();
  }
}

(async () => {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === "send") await send(args[0], args[1], Number(args[2]));
  else if (mode === "receive") await receive(args[0], args[1], args[2], Number(args[3]));
  else throw new Error(`unknown mode ${mode}`);
})().catch((e) => {
  console.error(`interop failed: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
