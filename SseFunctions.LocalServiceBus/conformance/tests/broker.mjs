// Starts the LocalServiceBus Release build on a free port for one test file and stops it afterwards.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { before, after } from "node:test";
import { ServiceBusClient } from "@azure/service-bus";

const here = dirname(fileURLToPath(import.meta.url));
const conformanceDir = resolve(here, "..");
const defaultDll = resolve(conformanceDir, "..", "bin", "Release", "net10.0", "SseFunctions.LocalServiceBus.dll");

export const TOPIC = "token-streams";
export const SUBSCRIPTION = "sse-service-token-streams";
export const SHORT_LOCK_TOPIC = "short-lock";
export const SHORT_LOCK_SUBSCRIPTION = "short-lock-sessions";
export const NEXT_SESSION_TOPIC = "next-session";
export const NEXT_SESSION_SUBSCRIPTION = "next-session-sessions";
export const QUEUE = "plain-queue";

export const newSessionId = () => `session-${randomUUID()}`;

/** Starts the broker; resolves with { connectionString, stop }. */
export async function startBroker() {
  const dll = process.env.LOCALSERVICEBUS_DLL ?? defaultDll;
  if (!existsSync(dll)) {
    throw new Error(`LocalServiceBus is not built: ${dll} is missing (run: dotnet build SseFunctions.Tests -c Release)`);
  }

  const child = spawn("dotnet", [dll, "--port", "0", "--config", join(conformanceDir, "Config.json"), "--log-level", process.env.LOCALSERVICEBUS_LOG_LEVEL ?? "Warning"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  let output = "";
  const connectionString = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`LocalServiceBus did not print a connection string within 30 s:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const line = output.split(/\r?\n/).find((l) => l.startsWith("Endpoint=sb://"));
      if (line) {
        clearTimeout(timer);
        resolvePromise(line.trim());
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => {
      output += chunk.toString();
      if (process.env.LOCALSERVICEBUS_LOG_LEVEL) process.stderr.write(chunk);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`LocalServiceBus exited with code ${code}:\n${output}`));
    });
  });
  child.stdout.on("data", (chunk) => { if (process.env.LOCALSERVICEBUS_LOG_LEVEL) process.stdout.write(chunk); });

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  return { connectionString, stop };
}

/** The same connection string with another key (for the authorization tests). */
export function withKey(connectionString, key) {
  return connectionString.replace(/SharedAccessKey=[^;]*/, `SharedAccessKey=${key}`);
}

export async function expectCode(promise, code) {
  try {
    await promise;
  } catch (error) {
    if (error?.code !== code) {
      throw new Error(`expected an error with code ${code}, got code ${error?.code}: ${error?.message}`);
    }
    return error;
  }
  throw new Error(`expected an error with code ${code}, but the operation succeeded`);
}

/** A broker and an SDK client for the tests of one `describe`: started before them, stopped after them. */
export function useBrokerAndClient() {
  const fixture = { broker: undefined, client: undefined };
  before(async () => {
    fixture.broker = await startBroker();
    fixture.client = new ServiceBusClient(fixture.broker.connectionString);
  });
  after(async () => {
    await fixture.client?.close();
    await fixture.broker?.stop();
  });
  return fixture;
}
