using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary><see cref="ServiceBusSessionProcessor"/>: next-available sessions, one at a time per session, idle sessions let go.</summary>
public sealed class SessionProcessorTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task A_session_processor_over_several_sessions_handles_each_session_in_order_and_completes_everything()
    {
        const int Sessions = 6;
        const int PerSession = 10;
        var sessionIds = Enumerable.Range(0, Sessions).Select(_ => NewSessionId()).ToArray();
        var received = new ConcurrentDictionary<string, ConcurrentQueue<string>>();
        var errors = new ConcurrentQueue<Exception>();
        var concurrentPerSession = new ConcurrentDictionary<string, int>();
        var overlapped = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = 0;
        await using var processor = broker.Client.CreateSessionProcessor(NextSessionTopic, NextSessionSubscription, new ServiceBusSessionProcessorOptions
        {
            MaxConcurrentSessions = 3,
            AutoCompleteMessages = false,
            SessionIdleTimeout = TimeSpan.FromSeconds(1),
        });
        processor.ProcessMessageAsync += async args =>
        {
            if (concurrentPerSession.AddOrUpdate(args.SessionId, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlapped);
            }

            received.GetOrAdd(args.SessionId, _ => new()).Enqueue(args.Message.Body.ToString());
            await args.CompleteMessageAsync(args.Message);
            concurrentPerSession.AddOrUpdate(args.SessionId, 0, (_, n) => n - 1);
            if (Interlocked.Increment(ref total) == Sessions * PerSession)
            {
                allDone.TrySetResult();
            }
        };
        processor.ProcessErrorAsync += args =>
        {
            // An idle session that times out is the processor's normal way to move on.
            if (args.Exception is not ServiceBusException { Reason: ServiceBusFailureReason.ServiceTimeout })
            {
                errors.Enqueue(args.Exception);
            }

            return Task.CompletedTask;
        };

        await broker.SendAsync(NextSessionTopic, [.. sessionIds.SelectMany(id => Enumerable.Range(0, PerSession).Select(n => SessionMessage(id, $"{id}/{n}")))]);
        await processor.StartProcessingAsync();
        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await processor.StopProcessingAsync();
        await processor.DisposeAsync();

        errors.Should().BeEmpty();
        overlapped.Should().Be(0, "one session is handled by one receiver, one message at a time");
        foreach (var sessionId in sessionIds)
        {
            received[sessionId].Should().Equal(Enumerable.Range(0, PerSession).Select(n => $"{sessionId}/{n}"), "each session in order");
        }

        var subscription = Path(NextSessionTopic, NextSessionSubscription);
        await Eventually.TrueAsync(() => broker.Host.ActiveMessageCount(subscription) + broker.Host.LockedMessageCount(subscription) == 0, "everything was completed");
        // Stopping keeps the session receivers; disposing closes them, and returns a moment before they are closed.
        await Eventually.TrueAsync(() => sessionIds.All(id => !broker.Host.IsSessionLocked(subscription, id)), "disposing the processor releases its sessions");
    }

    [Fact]
    public async Task A_processor_for_one_session_streams_its_tokens_in_order_as_they_are_sent_batches_included()
    {
        var sessionId = NewSessionId();
        var tokens = new ConcurrentQueue<string>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = broker.Client.CreateSessionProcessor(Topic, Subscription, new ServiceBusSessionProcessorOptions
        {
            SessionIds = { sessionId },
            AutoCompleteMessages = false,
            MaxConcurrentSessions = 1,
        });
        processor.ProcessMessageAsync += async args =>
        {
            await args.CompleteMessageAsync(args.Message);
            var body = args.Message.Body.ToString();
            if (body == "__END__")
            {
                ended.TrySetResult();
            }
            else
            {
                tokens.Enqueue(body);
            }
        };
        processor.ProcessErrorAsync += args =>
        {
            ended.TrySetException(args.Exception);
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync();

        var words = Enumerable.Range(0, 50).Select(i => $"t{i}").ToList();
        await using (var sender = broker.Client.CreateSender(Topic))
        {
            foreach (var token in words.Take(20))
            {
                await sender.SendMessageAsync(SessionMessage(sessionId, token));
            }

            using var batch = await sender.CreateMessageBatchAsync();
            foreach (var token in words.Skip(20))
            {
                batch.TryAddMessage(SessionMessage(sessionId, token)).Should().BeTrue();
            }

            await sender.SendMessagesAsync(batch);
            await sender.SendMessageAsync(SessionMessage(sessionId, "__END__"));
        }

        await ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await processor.StopProcessingAsync();
        await processor.DisposeAsync();

        tokens.Should().Equal(words);
        await using var check = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);
        (await check.PeekMessagesAsync(100)).Should().BeEmpty("every token was completed");
    }
}
