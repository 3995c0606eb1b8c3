using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SseFunctions.LocalFunctionsHost.Hosting;
using SseFunctions.LocalServiceBus;
using SseFunctions.Tests.EndToEnd;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Functions;

/// <summary>The local Functions host running the real worker with the app's build output.</summary>
public class LocalFunctionsHostTests
{
    [Fact]
    public async Task A_stream_longer_than_the_function_timeout_stops_the_start_naming_the_setting()
    {
        var options = new LocalFunctionsHostOptions
        {
            ScriptRoot = FunctionsTestHost.ScriptRoot,
            Port = 0,
            AppSettings = new Dictionary<string, string>
            {
                ["SERVICEBUS_CONNECTION_STRING"] = "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=do-not-print-me;UseDevelopmentEmulator=true",
                ["SSE_MAX_STREAM_SECONDS"] = "3600",
            },
        };

        var start = () => LocalFunctionsHostApp.StartAsync(options, NullLoggerFactory.Instance);

        var failure = (await start.Should().ThrowAsync<HostStartException>()).Which;
        failure.Message.Should().Contain("exited with code 1")
            .And.Contain("error: SSE_MAX_STREAM_SECONDS (3600 s) must be below host.json's functionTimeout (00:30:00)")
            .And.NotContain("do-not-print-me");
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams_at_once_with_a_retryable_error_frame_and_frees_their_sessions()
    {
        await using var server = await StreamingServer.StartAsync(host: TestHostKind.Functions);
        var functions = (FunctionsTestHost)server.Host;
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "before the stop");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"before the stop\"}");
        await server.Publisher.SendTokensAsync(session, "next-answer", "held");
        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) == 1);

        // WorkerTerminate stops the worker's host: ApplicationStopping ends the stream before the grace period does.
        var stopping = functions.App.StopAsync();

        var frame = JsonDocument.Parse((await stream.ReadDataAsync()).Data!).RootElement;
        frame.GetProperty("retry").GetBoolean().Should().BeTrue();
        await stopping;
        (await functions.App.WorkerExited).Should().Be(0, "the worker stops itself on WorkerTerminate");
        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
        (await server.ReceiveTokensLeftAsync(session, 1)).Should().Equal(["held"], "what no stream was sent stays in the subscription");
    }

    [Fact]
    public async Task The_command_line_serves_the_app_until_SIGTERM()
    {
        await using var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        var hostDll = Path.Combine(AppContext.BaseDirectory, "SseFunctions.LocalFunctionsHost.dll");
        var start = new ProcessStartInfo("dotnet", [hostDll, "--script-root", FunctionsTestHost.ScriptRoot, "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["SERVICEBUS_CONNECTION_STRING"] = broker.ConnectionString },
        };
        using var process = Process.Start(start)!;
        try
        {
            await ServeUntilSigtermAsync(process);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task ServeUntilSigtermAsync(Process process)
    {
        var stderr = process.StandardError.ReadToEndAsync();
        string? address = null;
        while (address is null && await process.StandardOutput.ReadLineAsync() is { } line)
        {
            address = line.StartsWith("SSE Functions under the local Functions host: ", StringComparison.Ordinal) ? line.Split(' ')[7] : null;
        }

        address.Should().NotBeNull(await Task.WhenAny(stderr, Task.Delay(100)) == stderr ? await stderr : "the host printed no address");
        var stdout = process.StandardOutput.ReadToEndAsync();
        using (var http = new HttpClient { BaseAddress = new Uri(address!) })
        {
            (await http.GetStringAsync("/health")).Should().Be("""{"status":"healthy","service":"sse-service"}""");
            (await http.GetAsync("/api/stream/only-one-id")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await http.GetAsync("/not-a-function")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(0, await stderr);
        (await stdout).Should().Contain("Stopping: WorkerTerminate sent");
    }

    [Fact]
    public void The_command_line_refuses_a_missing_script_root_with_the_reason()
    {
        LocalFunctionsHost.Hosting.CommandLine.Parse(["--port", "7071"]).Error.Should().Be("--script-root is required.");
        LocalFunctionsHost.Hosting.CommandLine.Parse(["--script-root", "/no/such/dir"]).Error.Should().Contain("is not a directory");
        LocalFunctionsHost.Hosting.CommandLine.Parse(["--script-root", FunctionsTestHost.ScriptRoot, "--port", "http"]).Error.Should().Contain("--port");
        LocalFunctionsHost.Hosting.CommandLine.Parse(["--script-root", FunctionsTestHost.ScriptRoot, "--port", "0"]).Options!.Port.Should().Be(0);
    }
}
