using System.Globalization;
using System.Text;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// A parsed Service Bus connection string:
/// <c>Endpoint=sb://&lt;namespace&gt;/;SharedAccessKeyName=...;SharedAccessKey=...</c>, or
/// <c>Endpoint=...;SharedAccessSignature=SharedAccessSignature sr=...</c>, with optional
/// <c>EntityPath</c> and <c>UseDevelopmentEmulator=true</c> (plain AMQP, port from the endpoint, default 5672).
/// Parse errors name the problem and never echo a key or a signature; <see cref="ToString"/> hides them too.
/// </summary>
public sealed class ServiceBusConnectionString
{
    private ServiceBusConnectionString(Uri endpoint, string host, int port, bool useTls, string? keyName, string? key, string? signature, string? entityPath, bool emulator)
    {
        Endpoint = endpoint;
        Host = host;
        Port = port;
        UseTls = useTls;
        SharedAccessKeyName = keyName;
        SharedAccessKey = key;
        SharedAccessSignature = signature;
        EntityPath = entityPath;
        UseDevelopmentEmulator = emulator;
    }

    public Uri Endpoint { get; }

    /// <summary>The namespace host, e.g. <c>contoso.servicebus.windows.net</c> or <c>localhost</c>.</summary>
    public string Host { get; }

    /// <summary>The AMQP port: 5671 (TLS) for real namespaces; the endpoint's port (default 5672) for the emulator.</summary>
    public int Port { get; }

    public bool UseTls { get; }

    public string? SharedAccessKeyName { get; }

    public string? SharedAccessKey { get; }

    public string? SharedAccessSignature { get; }

    public string? EntityPath { get; }

    public bool UseDevelopmentEmulator { get; }

    public static ServiceBusConnectionString Parse(string connectionString)
    {
        if (TryParse(connectionString, out var result, out var error))
        {
            return result;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? connectionString, out ServiceBusConnectionString result, out string error)
    {
        result = null!;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The Service Bus connection string is empty.";
            return false;
        }

        string? endpoint = null, keyName = null, key = null, signature = null, entityPath = null, emulator = null;
        var segments = connectionString.Split(';');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i].Trim();
            if (segment.Length == 0)
            {
                continue;
            }

            var eq = segment.IndexOf('=');
            if (eq <= 0)
            {
                // Never echo the segment: it may be (part of) a key.
                error = string.Create(CultureInfo.InvariantCulture, $"The Service Bus connection string is malformed: segment {i + 1} is not of the form Name=Value.");
                return false;
            }

            var name = segment[..eq].Trim();
            var value = segment[(eq + 1)..].Trim();
            ref string? slot = ref endpoint;
            switch (name.ToUpperInvariant())
            {
                case "ENDPOINT": slot = ref endpoint; break;
                case "SHAREDACCESSKEYNAME": slot = ref keyName; break;
                case "SHAREDACCESSKEY": slot = ref key; break;
                case "SHAREDACCESSSIGNATURE": slot = ref signature; break;
                case "ENTITYPATH": slot = ref entityPath; break;
                case "USEDEVELOPMENTEMULATOR": slot = ref emulator; break;
                default: continue; // unknown properties are ignored, as the official SDK does
            }

            if (slot is not null)
            {
                error = $"The Service Bus connection string has '{name}' more than once.";
                return false;
            }

            slot = value;
        }

        if (string.IsNullOrEmpty(endpoint))
        {
            error = "The Service Bus connection string has no Endpoint (expected Endpoint=sb://<namespace>.servicebus.windows.net/).";
            return false;
        }

        var useEmulator = false;
        if (emulator is not null && !bool.TryParse(emulator, out useEmulator))
        {
            error = "The Service Bus connection string has an invalid UseDevelopmentEmulator value (expected true or false).";
            return false;
        }

        var endpointText = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "sb://" + endpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpointUri) || string.IsNullOrEmpty(endpointUri.Host))
        {
            error = "The Service Bus connection string's Endpoint is not a valid URI (expected sb://<namespace>.servicebus.windows.net/).";
            return false;
        }

        if (!string.IsNullOrEmpty(signature))
        {
            if (!string.IsNullOrEmpty(key))
            {
                error = "The Service Bus connection string has both SharedAccessKey and SharedAccessSignature; use one.";
                return false;
            }

            if (!signature.StartsWith("SharedAccessSignature ", StringComparison.Ordinal))
            {
                error = "The Service Bus connection string's SharedAccessSignature does not start with 'SharedAccessSignature '.";
                return false;
            }
        }
        else if (string.IsNullOrEmpty(keyName) || string.IsNullOrEmpty(key))
        {
            error = string.IsNullOrEmpty(keyName) && string.IsNullOrEmpty(key)
                ? "The Service Bus connection string has no credentials: it needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature."
                : string.IsNullOrEmpty(keyName)
                    ? "The Service Bus connection string has a SharedAccessKey but no SharedAccessKeyName."
                    : "The Service Bus connection string has a SharedAccessKeyName but no SharedAccessKey.";
            return false;
        }

        var port = useEmulator
            ? (endpointUri.IsDefaultPort || endpointUri.Port <= 0 ? Amqp.AmqpConstants.AmqpPort : endpointUri.Port)
            : Amqp.AmqpConstants.AmqpsPort;
        result = new ServiceBusConnectionString(
            endpointUri,
            endpointUri.Host,
            port,
            useTls: !useEmulator,
            string.IsNullOrEmpty(keyName) ? null : keyName,
            string.IsNullOrEmpty(key) ? null : key,
            string.IsNullOrEmpty(signature) ? null : signature,
            string.IsNullOrEmpty(entityPath) ? null : entityPath,
            useEmulator);
        error = string.Empty;
        return true;
    }

    /// <summary>The connection string without secrets: key and signature are replaced by <c>***</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Endpoint=sb://").Append(Host);
        if (UseDevelopmentEmulator)
        {
            text.Append(':').Append(Port.ToString(CultureInfo.InvariantCulture));
        }

        text.Append("/;");
        if (SharedAccessKeyName is not null)
        {
            text.Append("SharedAccessKeyName=").Append(SharedAccessKeyName).Append(';');
        }

        if (SharedAccessKey is not null)
        {
            text.Append("SharedAccessKey=***;");
        }

        if (SharedAccessSignature is not null)
        {
            text.Append("SharedAccessSignature=***;");
        }

        if (EntityPath is not null)
        {
            text.Append("EntityPath=").Append(EntityPath).Append(';');
        }

        if (UseDevelopmentEmulator)
        {
            text.Append("UseDevelopmentEmulator=true;");
        }

        return text.ToString();
    }
}
