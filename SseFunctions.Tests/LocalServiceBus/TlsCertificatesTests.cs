using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.Tests.LocalServiceBus;

public sealed class TlsCertificatesTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("lsb-certs-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void The_development_certificate_is_made_for_localhost_on_first_use_and_reused_after()
    {
        using var first = TlsCertificates.LoadOrCreateDevelopment(directory, TimeProvider.System).Certificate;
        var again = TlsCertificates.LoadOrCreateDevelopment(directory, TimeProvider.System);

        again.Generated.Should().BeFalse("a valid certificate is kept");
        again.Certificate.Thumbprint.Should().Be(first.Thumbprint);
        again.TrustFilePath.Should().Be(Path.Combine(directory, TlsCertificates.DevelopmentCertificateFile));
        again.Certificate.HasPrivateKey.Should().BeTrue();
        again.Certificate.MatchesHostname("localhost").Should().BeTrue();
        again.Certificate.MatchesHostname("127.0.0.1").Should().BeTrue();
        File.ReadAllText(again.TrustFilePath!).Should().StartWith("-----BEGIN CERTIFICATE-----").And.NotContain("PRIVATE KEY");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(directory, TlsCertificates.DevelopmentKeyFile)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        again.Certificate.Dispose();
    }

    [Fact]
    public void A_development_certificate_about_to_expire_is_made_again()
    {
        var now = DateTimeOffset.UtcNow;
        using var old = TlsCertificates.LoadOrCreateDevelopment(directory, new FixedTime(now.AddDays(-362))).Certificate;

        var renewed = TlsCertificates.LoadOrCreateDevelopment(directory, new FixedTime(now));

        renewed.Generated.Should().BeTrue();
        renewed.Certificate.NotAfter.Should().BeAfter(now.AddDays(300).UtcDateTime);
        renewed.Certificate.Dispose();
    }

    [Fact]
    public void A_PEM_certificate_with_its_key_and_a_PFX_with_its_password_are_loaded()
    {
        using var key = RSA.Create(2048);
        using var made = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var pem = Path.Combine(directory, "cert.pem");
        var pemKey = Path.Combine(directory, "key.pem");
        var pfx = Path.Combine(directory, "cert.pfx");
        File.WriteAllText(pem, made.ExportCertificatePem());
        File.WriteAllText(pemKey, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(pfx, made.Export(X509ContentType.Pfx, "secret"));

        using var fromPem = TlsCertificates.Load(pem, pemKey, password: null).Certificate;
        using var fromPfx = TlsCertificates.Load(pfx, keyPath: null, "secret").Certificate;

        fromPem.Thumbprint.Should().Be(made.Thumbprint);
        fromPem.HasPrivateKey.Should().BeTrue();
        fromPfx.Thumbprint.Should().Be(made.Thumbprint);
        TlsCertificates.Load(pfx, null, "secret").TrustFilePath.Should().BeNull("a PFX holds the key: clients need their own copy of the certificate");
        var withoutKey = () => TlsCertificates.Load(pem, keyPath: null, password: null);
        withoutKey.Should().Throw<InvalidDataException>().WithMessage("*cert.pem*");
        var wrongPassword = () => TlsCertificates.Load(pfx, keyPath: null, "wrong");
        wrongPassword.Should().Throw<InvalidDataException>().WithMessage("*cert.pfx*");
    }

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
