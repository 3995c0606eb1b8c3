using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SseFunctions.Streaming.ServiceBus;
using static SseFunctions.Tests.ServiceBus.LocalBusTestContext;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>Our client and the official <c>@azure/service-bus</c> SDK (npm, run by node) exchange messages through
/// LocalServiceBus. The SDK comes from SseFunctions.LocalServiceBus/conformance/node_modules (./test.sh runs npm ci);
/// when it is missing these tests fail with the command to run.</summary>
public class ServiceBusInteropTests
{
    [Fact]
    public async Task Messages_sent_by_the_official_npm_sdk_are_received_by_our_client()
    {
        await using var t = await StartAsync();

        var output = await RunNodeAsync(t, "send", Topic, "s-from-npm", "3");

        output.GetProperty("sent").GetInt32().Should().Be(4);
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-from-npm");
        var messages = await ReceiveAsync(receiver, 4);
        messages.Should().HaveCount(4);
        for (var i = 0; i < 3; i++)
        {
            var m = messages[i];
            m.SessionId.Should().Be("s-from-npm");
            m.MessageId.Should().Be($"npm-{i}");
            m.ContentType.Should().Be("application/json");
            m.Subject.Should().Be("token");
            m.CorrelationId.Should().Be($"corr-{i}");
            m.DeliveryCount.Should().Be(1);
            JsonDocument.Parse(m.Body.ToString()).RootElement.GetProperty("token").GetString().Should().Be($"tok-{i}");
            m.ApplicationProperties["source"].Should().Be("npm");
            Convert.ToInt64(m.ApplicationProperties["index"], System.Globalization.CultureInfo.InvariantCulture).Should().Be(i);
            m.ApplicationProperties["flag"].Should().Be(true);
            await receiver.CompleteMessageAsync(m);
        }

        messages[3].MessageId.Should().Be("npm-value");
        messages[3].Body.ToString().Should().Be("value-body", "an AmqpValue string body is accepted");
        await receiver.CompleteMessageAsync(messages[3]);
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "all completed");
    }

    [Fact]
    public async Task Messages_sent_by_our_client_are_received_by_the_official_npm_sdk()
    {
        await using var t = await StartAsync();
        await using (var sender = t.Client.CreateSender(Topic))
        {
            var messages = Enumerable.Range(0, 3).Select(i =>
            {
                var m = Token("s-to-npm", "tok-" + i);
                m.MessageId = "dotnet-" + i;
                m.Subject = "token";
                m.CorrelationId = "corr-" + i;
                m.ApplicationProperties["index"] = i;
                m.ApplicationProperties["source"] = "dotnet";
                return m;
            }).ToList();
            await sender.SendMessagesAsync(messages);
        }

        var output = await RunNodeAsync(t, "receive", Topic, Subscription, "s-to-npm", "3");

        var received = output.GetProperty("received").EnumerateArray().ToList();
        received.Should().HaveCount(3);
        for (var i = 0; i < 3; i++)
        {
            var m = received[i];
            m.GetProperty("bodyType").GetString().Should().Be("data");
            var body = Encoding.UTF8.GetString(Convert.FromBase64String(m.GetProperty("body").GetString()!));
            JsonDocument.Parse(body).RootElement.GetProperty("token").GetString().Should().Be("tok-" + i);
            m.GetProperty("sessionId").GetString().Should().Be("s-to-npm");
            m.GetProperty("messageId").GetString().Should().Be("dotnet-" + i);
            m.GetProperty("contentType").GetString().Should().Be("application/json");
            m.GetProperty("subject").GetString().Should().Be("token");
            m.GetProperty("correlationId").GetString().Should().Be("corr-" + i);
            m.GetProperty("deliveryCount").GetInt32().Should().Be(0, "the JS SDK reports the AMQP header's delivery-count");
            m.GetProperty("applicationProperties").GetProperty("index").GetInt32().Should().Be(i);
            m.GetProperty("applicationProperties").GetProperty("source").GetString().Should().Be("dotnet");
        }

        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "the SDK completed them all");
    }

    private static async Task<JsonElement> RunNodeAsync(LocalBusTestContext t, params string[] args)
    {
        var root = FindRepositoryRoot();
        var moduleDir = Path.Combine(root, "SseFunctions.LocalServiceBus", "conformance");
        File.Exists(Path.Combine(moduleDir, "node_modules", "@azure", "service-bus", "package.json")).Should().BeTrue(
            $"the official SDK must be installed for the interop tests: run `npm ci --prefix SseFunctions.LocalServiceBus/conformance` (./test.sh does) — {moduleDir}/node_modules/@azure/service-bus is missing");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, "SseFunctions.Tests", "ServiceBus", "interop", "interop.js"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SB_CONNECTION_STRING"] = t.Bus.ConnectionString;
        start.Environment["SB_MODULE_DIR"] = moduleDir;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node interop.js {string.Join(' ', args)} did not finish in 40 s: {await stderr}");
        }

        var error = await stderr;
        process.ExitCode.Should().Be(0, $"node interop.js {string.Join(' ', args)} failed: {error}");
        var line = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SseFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SseFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
