using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Management;

/// <summary>The <c>&lt;entity&gt;/$management</c> node: session lock renewal, session state, peek.</summary>
public sealed class ManagementRequestHandler(ILogger logger)
{
    public const string RenewSessionLock = "com.microsoft:renew-session-lock";
    public const string GetSessionState = "com.microsoft:get-session-state";
    public const string SetSessionState = "com.microsoft:set-session-state";
    public const string PeekMessage = "com.microsoft:peek-message";
    public const string RenewLock = "com.microsoft:renew-lock";

    public void Handle(ConnectionContext connection, Link requestLink, string node, MessageEntity entity, Message request)
    {
        var operation = RequestReplies.ApplicationProperty(request, "operation");
        ManagementResponse response;
        try
        {
            var body = request.Body as Map;
            response = operation switch
            {
                RenewSessionLock => Renew(entity, body),
                GetSessionState => GetState(entity, body),
                SetSessionState => SetState(entity, body),
                PeekMessage => Peek(entity, body),
                RenewLock => RenewMessageLocks(entity, body),
                _ => ManagementResponse.Error(501, ErrorConditions.NotImplemented, $"The operation '{operation}' is not implemented by LocalServiceBus."),
            };
        }
        catch (Exception exception) when (exception is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            response = ManagementResponse.Error(400, ErrorConditions.ArgumentError, $"Bad request for '{operation}': {exception.Message}");
        }

        logger.LogDebug("{Operation} on {Entity}: {Status}", operation, entity.Path, response.StatusCode);
        RequestReplies.Send(connection, requestLink, node, request, response.ToMessage(), logger);
    }

    static ManagementResponse Renew(MessageEntity entity, Map? body)
    {
        var sessionId = RequiredSessionId(body);
        var (status, lockedUntil) = entity.RenewSessionLock(sessionId);
        if (status != SessionOperationStatus.Ok)
        {
            return LockLost(sessionId);
        }

        return ManagementResponse.Ok(new Map { ["expiration"] = lockedUntil });
    }

    static ManagementResponse RenewMessageLocks(MessageEntity entity, Map? body)
    {
        var tokens = body?["lock-tokens"] switch
        {
            Guid[] array => array,
            Guid single => [single],
            object[] items => items.Select(item => item is Guid guid ? guid : throw new ArgumentException("lock-tokens must be uuids.")).ToArray(),
            _ => throw new ArgumentException("lock-tokens (an array of uuids) is required."),
        };
        var expirations = entity.RenewMessageLocks(tokens);
        if (expirations is null)
        {
            return ManagementResponse.Error(410, ErrorConditions.MessageLockLost, "The lock of a message is lost, expired or held by a session.");
        }

        return ManagementResponse.Ok(new Map { ["expirations"] = expirations });
    }

    static ManagementResponse GetState(MessageEntity entity, Map? body)
    {
        var sessionId = RequiredSessionId(body);
        var (status, state) = entity.GetSessionState(sessionId);
        if (status != SessionOperationStatus.Ok)
        {
            return LockLost(sessionId);
        }

        return ManagementResponse.Ok(new Map { ["session-state"] = state });
    }

    static ManagementResponse SetState(MessageEntity entity, Map? body)
    {
        var sessionId = RequiredSessionId(body);
        var state = body!["session-state"] switch
        {
            null => null,
            byte[] bytes => bytes,
            _ => throw new ArgumentException("session-state must be binary or null."),
        };
        if (entity.SetSessionState(sessionId, state) != SessionOperationStatus.Ok)
        {
            return LockLost(sessionId);
        }

        return ManagementResponse.Ok(new Map());
    }

    static ManagementResponse Peek(MessageEntity entity, Map? body)
    {
        if (body is null)
        {
            throw new ArgumentException("The request body must be a map.");
        }

        var from = Convert.ToInt64(body["from-sequence-number"] ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        var count = Convert.ToInt32(body["message-count"] ?? 1, System.Globalization.CultureInfo.InvariantCulture);
        var sessionId = body["session-id"] as string;
        var messages = entity.Peek(from, Math.Clamp(count, 1, 1000), sessionId);
        if (messages.Count == 0)
        {
            return new ManagementResponse(204, "No messages", null, null);
        }

        var list = new List();
        foreach (var message in messages)
        {
            var encoded = message.Encode();
            var bytes = new byte[encoded.Length];
            Buffer.BlockCopy(encoded.Buffer, encoded.Offset, bytes, 0, encoded.Length);
            list.Add(new Map { ["message"] = bytes });
        }

        return ManagementResponse.Ok(new Map { ["messages"] = list });
    }

    static string RequiredSessionId(Map? body) =>
        body?["session-id"] as string ?? throw new ArgumentException("session-id is required.");

    static ManagementResponse LockLost(string sessionId) =>
        ManagementResponse.Error(410, ErrorConditions.SessionLockLost, $"The lock on session '{sessionId}' is lost or was never held; accept the session again.");
}
