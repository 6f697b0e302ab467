#pragma once

#include <chrono>
#include <memory>

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QUrl>

#include "common/Result.h"

namespace portcullis::test {

// A real OpenID provider for one test: the npm package oidc-provider 8.8.1 (certified), run by Node from
// tests/interop/oidc/provider.mjs on a free loopback port and stopped when this object goes away (it also stops by
// itself when the test process dies, as its standard input closes). See provider.mjs for what it offers:
//  - clients `native-public` (none), `native-basic` (client_secret_basic), `native-post` (client_secret_post) and,
//    with a JWK Set, `native-jwt` (private_key_jwt); all native, redirect URI http://127.0.0.1/callback on any
//    port, grant types authorization_code and refresh_token, PKCE S256 required;
//  - user `alice` (email alice@example.test), whose login and consent pages headless Chromium completes by itself
//    (tests/support/HeadlessBrowser);
//  - discovery, userinfo, introspection, revocation, refresh tokens, `iss` in the authorization response.
// The npm packages are installed once per build tree from the committed lockfile (`npm ci`, network needed the
// first time) into <build>/tests/npm/oidc.
class OidcProvider
{
public:
    struct Options
    {
        // alice's password. Empty: a random one (read it back with userPassword()).
        QByteArray userPassword;
        // What the login page types. Empty: the right password. Set it to a wrong one to see the login refused
        // (401 page, no callback, "login refused" in stderrText()).
        QByteArray loginPassword;
        // The secret of native-basic and native-post. Empty: a random one (clientSecret()).
        QByteArray clientSecret;
        // A public JWK Set (JSON text) for the client native-jwt; empty: no such client.
        QByteArray clientJwks;
        std::chrono::milliseconds startTimeout {20'000};
        std::chrono::milliseconds installTimeout {240'000};
    };

    // Empty when node and npm are on PATH; otherwise why the provider cannot run, for QSKIP (see Interop.h).
    [[nodiscard]] static QString missingTools();

    // Installs the packages when needed, starts the provider and waits for it to listen. Fails with a readable
    // message (never a secret) when a tool is missing, npm ci fails, or the provider does not start in time.
    [[nodiscard]] static Result<std::unique_ptr<OidcProvider>> start(Options options);
    [[nodiscard]] static Result<std::unique_ptr<OidcProvider>> start() { return start(Options()); }
    ~OidcProvider();
    OidcProvider(const OidcProvider &) = delete;
    OidcProvider &operator=(const OidcProvider &) = delete;

    // http://127.0.0.1:<port>, the issuer and the base of every endpoint (discovery at
    // <issuer>/.well-known/openid-configuration).
    [[nodiscard]] QUrl issuer() const { return m_issuer; }
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] QByteArray userPassword() const { return m_options.userPassword; }
    [[nodiscard]] QByteArray clientSecret() const { return m_options.clientSecret; }
    // What the provider wrote on its standard error so far (the last 64 KiB): warnings, "login accepted for alice",
    // "login refused …", "consent granted …". For diagnostics and for tests that check a refusal.
    [[nodiscard]] QString stderrText();
    // SIGTERM, then SIGKILL after 5 s; returns once the process is gone. The destructor calls it.
    void stop();

private:
    explicit OidcProvider(Options options);
    [[nodiscard]] Result<void> launch(const QString &directory);
    void collectStderr();

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    QUrl m_issuer;
    QByteArray m_stderr;
};

} // namespace portcullis::test
