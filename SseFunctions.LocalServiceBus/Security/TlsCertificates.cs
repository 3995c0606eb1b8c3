using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SseFunctions.LocalServiceBus.Security;

/// <summary>The AMQPS server certificate and the PEM file a client trusts it by (null for a PFX the user keeps).</summary>
public sealed record TlsCertificate(X509Certificate2 Certificate, string? TrustFilePath, bool Generated);

/// <summary>
/// The certificate for AMQPS, as Azurite takes one: a PEM certificate with its PEM key (or a PEM holding both), or a PFX with
/// its password; or, when none is given, a self-signed development certificate for localhost and 127.0.0.1, made on first
/// use and kept for the next start.
/// </summary>
public static class TlsCertificates
{
    public const string DevelopmentCertificateFile = "localservicebus-dev-cert.pem";
    public const string DevelopmentKeyFile = "localservicebus-dev-key.pem";
    static readonly TimeSpan DevelopmentValidity = TimeSpan.FromDays(365);
    static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    /// <summary>The default folder for the development certificate: LocalServiceBus under the user's local application data.</summary>
    public static string DefaultDevelopmentDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "LocalServiceBus");

    /// <exception cref="InvalidDataException">The files cannot be read as a certificate with a private key; the message names them.</exception>
    public static TlsCertificate Load(string certificatePath, string? keyPath, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = IsPkcs12(certificatePath)
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password)
                : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidDataException(
                $"Cannot load the TLS certificate '{certificatePath}'{(keyPath is null ? "" : $" with the key '{keyPath}'")}: {exception.Message}", exception);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidDataException($"The TLS certificate '{certificatePath}' has no private key: pass its key with --cert-key (PEM) or use a PFX.");
        }

        return new TlsCertificate(certificate, IsPkcs12(certificatePath) ? null : Path.GetFullPath(certificatePath), Generated: false);
    }

    static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    /// <summary>The development certificate in <paramref name="directory"/>: reused while valid, made (again) otherwise.</summary>
    public static TlsCertificate LoadOrCreateDevelopment(string directory, TimeProvider time)
    {
        var certificatePath = Path.GetFullPath(Path.Combine(directory, DevelopmentCertificateFile));
        var keyPath = Path.Combine(directory, DevelopmentKeyFile);
        var now = time.GetUtcNow();
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var existing = Load(certificatePath, keyPath, password: null).Certificate;
            if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime + RenewBefore)
            {
                return new TlsCertificate(existing, certificatePath, Generated: false);
            }

            existing.Dispose();
        }

        Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost, O=LocalServiceBus development certificate", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (!string.Equals(Environment.MachineName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName(Environment.MachineName.ToLowerInvariant());
        }

        request.CertificateExtensions.Add(names.Build());
        // Its own trust anchor: clients trust this one file (uamqp's connection_verify, an OS trust store).
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var created = request.CreateSelfSigned(now.AddDays(-1), now + DevelopmentValidity);

        WriteSecretFile(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, created.ExportCertificatePem());
        return new TlsCertificate(Load(certificatePath, keyPath, password: null).Certificate, certificatePath, Generated: true);
    }

    static void WriteSecretFile(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(contents);
    }
}
