using System.Diagnostics;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using SseFunctions.LocalServiceBus;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>The host stops (SIGTERM of a DevServer process, as a container or App Service stops it): every open stream
/// ends at once with an error frame the client can retry on, every session is free, nothing unsent is consumed.</summary>
public sealed class ShutdownTests
{
    private static readonly string Big = new('x', 200_000);

    [Fact]
    public async Task SIGTERM_ends_every_open_stream_at_once_with_a_retryable_error_frame_and_leaves_what_was_unsent()
    {
        await using var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        await using var client = new ServiceBusClient(broker.ConnectionString);
        await using var publisher = new TokenPublisher(client.CreateSender(StreamingServer.Topic));
        using var process = StartDevServer(broker);
        try
        {
            var address = await ReadAddressAsync(process);
            using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };

            // A stream that reads, with the next answer's tokens held for a stream of their own that has not come yet.
            var (reading, message) = StreamingTests.NewIds();
            await using var stream = await SseConnection.OpenAsync(http, $"/api/stream/{reading}/{message}");
            await publisher.SendTokensAsync(reading, message, "sent");
            (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"sent\"}");
            await publisher.SendTokensAsync(reading, "next-answer", "held 1", "held 2");
            await Eventually.TrueAsync(() => broker.LockedMessageCount(StreamingServer.Subscription) == 2);

            // A stream whose client does not read, its writes backed up (the write deadline, 15 s, is far off).
            var (stalled, stalledMessage) = StreamingTests.NewIds();
            await using var stalledClient = await RawStreamClient.ConnectAsync(address, $"/api/stream/{stalled}/{stalledMessage}");
            for (var i = 0; i < 100; i++)
            {
                await publisher.SendTokensAsync(stalled, stalledMessage, $"{i:D3}:{Big}");
            }

            await Eventually.TrueAsync(() => broker.LockedMessageCount(StreamingServer.Subscription) > 2, "the stalled stream holds tokens it cannot send");
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();

            var last = await stream.ReadDataAsync(TimeSpan.FromSeconds(10));
            var frame = JsonDocument.Parse(last.Data!).RootElement;
            frame.GetProperty("error").GetString().Should().NotBeNullOrEmpty();
            frame.GetProperty("retry").GetBoolean().Should().BeTrue("the client may reconnect (elsewhere) and go on with Last-Event-ID");
            (await stream.ReadAsync()).Should().BeNull("the response ends after the frame");
            using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                // Without this, the host drains for its shutdown timeout (30 s) with the sessions locked.
                await process.WaitForExitAsync(exit.Token);
            }

            process.ExitCode.Should().Be(0);
            broker.IsSessionLocked(StreamingServer.Subscription, reading).Should().BeFalse();
            broker.IsSessionLocked(StreamingServer.Subscription, stalled).Should().BeFalse();
            (await StreamingServer.ReceiveTokensLeftAsync(client, reading, 2)).Should().Equal(["held 1", "held 2"], "held messages are not dropped at shutdown");
            broker.ActiveMessageCount(StreamingServer.Subscription).Should().BeGreaterThan(0, "what the stalled stream had not sent stays in the subscription");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartDevServer(LocalServiceBusHost broker)
    {
        var devServer = Path.Combine(AppContext.BaseDirectory, "SseFunctions.DevServer.dll");
        var start = new ProcessStartInfo("dotnet", [devServer, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["SERVICEBUS_CONNECTION_STRING"] = broker.ConnectionString,
                ["LOG_LEVEL"] = "WARNING",
            },
        };
        return Process.Start(start)!;
    }

    /// <summary>The address the DevServer prints once it listens; its other output is read and discarded.</summary>
    private static async Task<Uri> ReadAddressAsync(Process process)
    {
        const string prefix = "SSE Functions DevServer: open ";
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith(prefix, StringComparison.Ordinal) == true)
            {
                address.TrySetResult(new Uri(line.Data[prefix.Length..].Split(' ')[0]));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return await address.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
