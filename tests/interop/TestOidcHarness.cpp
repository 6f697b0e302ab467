// The harness of the authorization-code flow tests, proven end to end: a certified OpenID provider (npm
// oidc-provider, tests/support/OidcProvider) on loopback, headless Chromium as the system browser
// (tests/support/HeadlessBrowser) completing its login and consent pages, and the loopback listener of core/oauth
// receiving the code, which a plain token request then redeems. The authorization request is built by hand here, so
// that the flow session's own tests can rely on this harness.

#include <functional>
#include <optional>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include "HeadlessBrowser.h"
#include "Interop.h"
#include "OidcProvider.h"
#include "ResultText.h"
#include "crypto/Random.h"
#include "jose/Jwk.h"
#include "jose/Signer.h"
#include "oauth/LoopbackListener.h"
#include "oauth/Pkce.h"

using namespace portcullis;
using namespace portcullis::oauth;
using portcullis::test::HeadlessBrowser;
using portcullis::test::OidcProvider;

namespace {

constexpr int BROWSER_TIMEOUT_MS = 60000;

struct HttpReply
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

HttpReply send(QNetworkAccessManager &network, QNetworkRequest request, const QUrlQuery *form = nullptr)
{
    request.setTransferTimeout(15000);
    QNetworkReply *reply = nullptr;
    if (form) {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
        reply = network.post(request, form->toString(QUrl::FullyEncoded).toUtf8());
    } else {
        reply = network.get(request);
    }
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(20000);
    HttpReply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    reply->deleteLater();
    return result;
}

QJsonObject jwtClaims(const QString &jwt)
{
    const QStringList parts = jwt.split(u'.');
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(), QByteArray::Base64UrlEncoding)).object();
}

QByteArray basicAuthorization(const QByteArray &clientId, const QByteArray &secret)
{
    // RFC 6749 section 2.3.1: each part form-encoded before the base64 (these values need no escaping).
    return "Basic " + QByteArray(clientId + ':' + secret).toBase64();
}

// One authorization request through the browser, up to the callback.
struct Authorization
{
    QList<QUrlQuery> callbacks;
    QStringList rejections;
    QByteArray state;
    QByteArray nonce;
    Pkce pkce;
    QUrl redirectUri;
};

} // namespace

class TestOidcHarness : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<OidcProvider> m_provider;
    QJsonObject m_discovery;
    QNetworkAccessManager m_network;
    std::optional<jose::Jwk> m_clientKey; // native-jwt's key
    std::optional<jose::Jwk> m_otherKey; // a key the provider does not know

    // How `clientId` authenticates at the token endpoint, with its credential or with a wrong one.
    std::function<void(QNetworkRequest &, QUrlQuery &)> authentication(const QByteArray &clientId, bool right)
    {
        const QByteArray secret = m_provider->clientSecret() + (right ? "" : "x");
        if (clientId == "native-basic")
            return [clientId, secret](QNetworkRequest &request, QUrlQuery &) {
                request.setRawHeader("Authorization", basicAuthorization(clientId, secret));
            };
        if (clientId == "native-post")
            return [clientId, secret](QNetworkRequest &, QUrlQuery &form) {
                form.addQueryItem(QStringLiteral("client_id"), QString::fromLatin1(clientId));
                form.addQueryItem(QStringLiteral("client_secret"), QString::fromLatin1(secret));
            };
        // private_key_jwt (RFC 7523 section 2.2): the provider accepts its token endpoint as the audience.
        const qint64 now = QDateTime::currentSecsSinceEpoch(); // the provider's clock is the real one
        const QJsonObject claims {
            {QStringLiteral("iss"), QString::fromLatin1(clientId)},
            {QStringLiteral("sub"), QString::fromLatin1(clientId)},
            {QStringLiteral("aud"), m_discovery.value(QLatin1String("token_endpoint")).toString()},
            {QStringLiteral("jti"), QString::fromLatin1(randomFlowToken().value_or(QByteArray()))},
            {QStringLiteral("iat"), now},
            {QStringLiteral("exp"), now + 60},
        };
        const auto assertion = jose::Signer::sign(right ? *m_clientKey : *m_otherKey, crypto::Algorithm::ES256,
                                                  QJsonDocument(claims).toJson(QJsonDocument::Compact));
        const QString value = assertion ? QString::fromLatin1(*assertion) : QString();
        return [clientId, value](QNetworkRequest &, QUrlQuery &form) {
            form.addQueryItem(QStringLiteral("client_id"), QString::fromLatin1(clientId));
            form.addQueryItem(QStringLiteral("client_assertion_type"),
                              QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
            form.addQueryItem(QStringLiteral("client_assertion"), value);
        };
    }

    QJsonObject discover(OidcProvider &provider)
    {
        QUrl url = provider.issuer();
        url.setPath(QStringLiteral("/.well-known/openid-configuration"));
        const HttpReply reply = send(m_network, QNetworkRequest(url));
        return reply.status == 200 ? reply.json() : QJsonObject();
    }

    QString diagnostics(OidcProvider &provider, const HeadlessBrowser &browser)
    {
        return QStringLiteral("\n--- provider stderr:\n") + provider.stderrText().right(3000)
            + QStringLiteral("\n--- chromium log:\n") + browser.log().right(2000);
    }

    // Arms a listener, opens the authorization URL for `clientId` in the browser and waits until the browser has
    // finished (with the callback received, unless the login was refused).
    void authorize(OidcProvider &provider, const QByteArray &clientId, Authorization *out, bool expectCallback = true)
    {
        auto pkce = Pkce::generate();
        auto state = randomFlowToken();
        auto nonce = randomFlowToken();
        QVERIFY(pkce && state && nonce);
        out->pkce = *pkce;
        out->state = *state;
        out->nonce = *nonce;
        LoopbackListener::Options options;
        options.flowTimeout = std::chrono::milliseconds(BROWSER_TIMEOUT_MS + 30000);
        auto listener = LoopbackListener::arm(out->state, options);
        QVERIFY2(listener, test::why(listener));
        out->redirectUri = (*listener)->redirectUri();
        connect(listener->get(), &LoopbackListener::callbackReceived, this,
                [out](const LoopbackListener::Callback &callback) { out->callbacks << callback.query; });
        connect(listener->get(), &LoopbackListener::rejected, this,
                [out](const QString &why) { out->rejections << why; });

        const QJsonObject discovery = discover(provider);
        QVERIFY2(!discovery.isEmpty(), "no discovery document");
        QUrl url(discovery.value(QLatin1String("authorization_endpoint")).toString());
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("response_type"), QStringLiteral("code"));
        query.addQueryItem(QStringLiteral("client_id"), QString::fromLatin1(clientId));
        query.addQueryItem(QStringLiteral("redirect_uri"), out->redirectUri.toString(QUrl::FullyEncoded));
        query.addQueryItem(QStringLiteral("scope"), QStringLiteral("openid email offline_access"));
        query.addQueryItem(QStringLiteral("code_challenge"), QString::fromLatin1(out->pkce.challenge));
        query.addQueryItem(QStringLiteral("code_challenge_method"), QString::fromLatin1(Pkce::METHOD));
        query.addQueryItem(QStringLiteral("state"), QString::fromLatin1(out->state));
        query.addQueryItem(QStringLiteral("nonce"), QString::fromLatin1(out->nonce));
        query.addQueryItem(QStringLiteral("prompt"), QStringLiteral("consent"));
        url.setQuery(query);

        HeadlessBrowser browser;
        auto opened = browser.open(url);
        QVERIFY2(opened, test::why(opened));
        QTRY_VERIFY2_WITH_TIMEOUT(
            !out->callbacks.isEmpty() || !browser.isRunning(),
            qPrintable(QStringLiteral("the browser did not finish within 60 s") + diagnostics(provider, browser)),
            BROWSER_TIMEOUT_MS);
        // The listener answers the browser only after it took the callback, so the browser cannot finish first.
        QVERIFY(browser.waitForFinished(BROWSER_TIMEOUT_MS));
        QVERIFY2(browser.exitCode() == 0,
                 qPrintable(QStringLiteral("the browser exited with ") + QString::number(browser.exitCode())
                            + diagnostics(provider, browser)));
        QVERIFY2(out->rejections.isEmpty(), qPrintable(out->rejections.join(u'\n')));
        QVERIFY2(out->callbacks.isEmpty() != expectCallback,
                 qPrintable(QStringLiteral("callbacks: ") + QString::number(out->callbacks.size())
                            + diagnostics(provider, browser)));
    }

    // Redeems the code of `authorization` and checks the tokens; `authorize` sets the client authentication.
    QJsonObject redeem(const Authorization &authorization, const QByteArray &clientId,
                       const std::function<void(QNetworkRequest &, QUrlQuery &)> &authenticate, int *status = nullptr)
    {
        const QUrlQuery &callback = authorization.callbacks.constFirst();
        QUrlQuery form;
        form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("authorization_code"));
        form.addQueryItem(QStringLiteral("code"), callback.queryItemValue(QStringLiteral("code")));
        form.addQueryItem(QStringLiteral("redirect_uri"), authorization.redirectUri.toString(QUrl::FullyEncoded));
        form.addQueryItem(QStringLiteral("code_verifier"), QString::fromLatin1(authorization.pkce.verifier));
        QNetworkRequest request(QUrl(m_discovery.value(QLatin1String("token_endpoint")).toString()));
        authenticate(request, form);
        const HttpReply reply = send(m_network, request, &form);
        if (status)
            *status = reply.status;
        if (reply.status != 200)
            qInfo().noquote() << "token endpoint answered" << reply.status << reply.body;
        const QJsonObject tokens = reply.status == 200 ? reply.json() : QJsonObject();
        if (!tokens.isEmpty()) {
            const QJsonObject claims = jwtClaims(tokens.value(QLatin1String("id_token")).toString());
            if (claims.value(QLatin1String("aud")).toString().toLatin1() != clientId
                || claims.value(QLatin1String("nonce")).toString().toLatin1() != authorization.nonce
                || claims.value(QLatin1String("iss")).toString() != m_provider->issuer().toString()
                || claims.value(QLatin1String("sub")).toString() != QLatin1String("alice")) {
                qWarning() << "unexpected id_token claims" << claims;
                return {};
            }
        }
        return tokens;
    }

    void checkCallback(const Authorization &authorization, const QUrl &issuer)
    {
        QCOMPARE(authorization.callbacks.size(), 1);
        const QUrlQuery &callback = authorization.callbacks.constFirst();
        QVERIFY2(callback.hasQueryItem(QStringLiteral("code")), qPrintable(callback.toString()));
        QCOMPARE(callback.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), issuer.toString());
        QCOMPARE(callback.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded).toLatin1(), authorization.state);
        QVERIFY(!callback.hasQueryItem(QStringLiteral("error")));
    }

private Q_SLOTS:
    void initTestCase()
    {
        PORTCULLIS_REQUIRE_TOOLS(OidcProvider::missingTools());
        PORTCULLIS_REQUIRE_TOOLS(HeadlessBrowser::missingTools());
        auto key = crypto::Key::generateFor(crypto::Algorithm::ES256);
        auto other = crypto::Key::generateFor(crypto::Algorithm::ES256);
        QVERIFY(key && other);
        m_clientKey = jose::Jwk::fromKey(*key, QStringLiteral("client-key"), crypto::Algorithm::ES256);
        m_otherKey = jose::Jwk::fromKey(*other, QStringLiteral("client-key"), crypto::Algorithm::ES256);
        OidcProvider::Options options;
        options.clientJwks = jose::JwkSet({*m_clientKey}).toJson(false);
        auto provider = OidcProvider::start(options);
        QVERIFY2(provider, test::why(provider));
        m_provider = std::move(*provider);
        QVERIFY(m_provider->isRunning());

        m_discovery = discover(*m_provider);
        QCOMPARE(m_discovery.value(QLatin1String("issuer")).toString(), m_provider->issuer().toString());
    }

    void discoveryAdvertisesWhatTheFlowTestsUse()
    {
        const QString issuer = m_provider->issuer().toString();
        for (const char *endpoint : {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
                                     "introspection_endpoint", "revocation_endpoint", "jwks_uri"})
            QVERIFY2(m_discovery.value(QLatin1String(endpoint)).toString().startsWith(issuer + u'/'), endpoint);
        QCOMPARE(m_discovery.value(QLatin1String("code_challenge_methods_supported")).toArray(),
                 QJsonArray {QStringLiteral("S256")});
        QVERIFY(m_discovery.value(QLatin1String("authorization_response_iss_parameter_supported")).toBool());
        const QJsonArray methods = m_discovery.value(QLatin1String("token_endpoint_auth_methods_supported")).toArray();
        for (const char *method : {"none", "client_secret_basic", "client_secret_post", "private_key_jwt"})
            QVERIFY2(methods.contains(QLatin1String(method)), method);
    }

    void publicClientSignsInThroughTheBrowser()
    {
        Authorization authorization;
        authorize(*m_provider, "native-public", &authorization);
        if (QTest::currentTestFailed())
            return;
        checkCallback(authorization, m_provider->issuer());
        if (QTest::currentTestFailed())
            return;
        const QJsonObject tokens = redeem(authorization, "native-public", [](QNetworkRequest &, QUrlQuery &form) {
            form.addQueryItem(QStringLiteral("client_id"), QStringLiteral("native-public"));
        });
        for (const char *name : {"access_token", "id_token", "refresh_token"})
            QVERIFY2(!tokens.value(QLatin1String(name)).toString().isEmpty(), name);
        QCOMPARE(tokens.value(QLatin1String("token_type")).toString().toLower(), QStringLiteral("bearer"));

        // The access token works at userinfo, which releases the email scope's claims.
        QNetworkRequest userinfo(QUrl(m_discovery.value(QLatin1String("userinfo_endpoint")).toString()));
        userinfo.setRawHeader("Authorization",
                              "Bearer " + tokens.value(QLatin1String("access_token")).toString().toLatin1());
        const HttpReply me = send(m_network, userinfo);
        QCOMPARE(me.status, 200);
        QCOMPARE(me.json().value(QLatin1String("sub")).toString(), QStringLiteral("alice"));
        QCOMPARE(me.json().value(QLatin1String("email")).toString(), QStringLiteral("alice@example.test"));

        // The refresh token is accepted and rotated; introspection and revocation answer for the client.
        QUrlQuery refresh;
        refresh.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("refresh_token"));
        refresh.addQueryItem(QStringLiteral("refresh_token"), tokens.value(QLatin1String("refresh_token")).toString());
        refresh.addQueryItem(QStringLiteral("client_id"), QStringLiteral("native-public"));
        const HttpReply refreshed = send(
            m_network, QNetworkRequest(QUrl(m_discovery.value(QLatin1String("token_endpoint")).toString())), &refresh);
        QCOMPARE(refreshed.status, 200);
        const QString newAccess = refreshed.json().value(QLatin1String("access_token")).toString();
        QVERIFY(!newAccess.isEmpty());

        QUrlQuery introspect;
        introspect.addQueryItem(QStringLiteral("token"), newAccess);
        introspect.addQueryItem(QStringLiteral("client_id"), QStringLiteral("native-public"));
        const QUrl introspection(m_discovery.value(QLatin1String("introspection_endpoint")).toString());
        HttpReply active = send(m_network, QNetworkRequest(introspection), &introspect);
        QCOMPARE(active.status, 200);
        QVERIFY2(active.json().value(QLatin1String("active")).toBool(), active.body.constData());

        QUrlQuery revoke = introspect;
        const HttpReply revoked
            = send(m_network, QNetworkRequest(QUrl(m_discovery.value(QLatin1String("revocation_endpoint")).toString())),
                   &revoke);
        QCOMPARE(revoked.status, 200);
        active = send(m_network, QNetworkRequest(introspection), &introspect);
        QCOMPARE(active.status, 200);
        QVERIFY2(!active.json().value(QLatin1String("active")).toBool(), active.body.constData());

        // The code is single-use.
        int status = 0;
        const QJsonObject again = redeem(
            authorization, "native-public",
            [](QNetworkRequest &, QUrlQuery &form) {
                form.addQueryItem(QStringLiteral("client_id"), QStringLiteral("native-public"));
            },
            &status);
        QVERIFY(again.isEmpty());
        QCOMPARE(status, 400); // invalid_grant
    }

    // The secret clients' credentials come from the test at run time: a CSPRNG secret (HTTP Basic or form) and a
    // public JWK Set whose private key signs the client assertion.
    void confidentialClientRedeemsTheCode_data()
    {
        QTest::addColumn<QByteArray>("clientId");
        QTest::newRow("client_secret_basic") << QByteArrayLiteral("native-basic");
        QTest::newRow("client_secret_post") << QByteArrayLiteral("native-post");
        QTest::newRow("private_key_jwt") << QByteArrayLiteral("native-jwt");
    }

    void confidentialClientRedeemsTheCode()
    {
        QFETCH(QByteArray, clientId);
        Authorization authorization;
        authorize(*m_provider, clientId, &authorization);
        if (QTest::currentTestFailed())
            return;
        checkCallback(authorization, m_provider->issuer());
        if (QTest::currentTestFailed())
            return;

        // A wrong credential is refused (and spends nothing: the code stays usable).
        int status = 0;
        const QJsonObject refused = redeem(authorization, clientId, authentication(clientId, false), &status);
        QVERIFY(refused.isEmpty());
        QCOMPARE(status, 401);
        const QJsonObject tokens = redeem(authorization, clientId, authentication(clientId, true));
        for (const char *name : {"access_token", "id_token", "refresh_token"})
            QVERIFY2(!tokens.value(QLatin1String(name)).toString().isEmpty(), name);
    }

    void wrongPasswordNeverReachesTheCallback()
    {
        OidcProvider::Options options;
        auto wrong = crypto::random::token(24);
        QVERIFY(wrong);
        options.loginPassword = *wrong;
        auto provider = OidcProvider::start(options);
        QVERIFY2(provider, test::why(provider));
        QVERIFY((*provider)->userPassword() != options.loginPassword);
        Authorization authorization;
        authorize(**provider, "native-public", &authorization, false);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(authorization.callbacks.isEmpty());
        QVERIFY2((*provider)->stderrText().contains(QLatin1String("login refused for \"alice\"")),
                 qPrintable((*provider)->stderrText()));
        QVERIFY(!(*provider)->stderrText().contains(QLatin1String("consent granted")));
    }

    void cleanupTestCase()
    {
        if (!m_provider)
            return;
        m_provider->stop();
        QVERIFY(!m_provider->isRunning());
    }
};

QTEST_GUILESS_MAIN(TestOidcHarness)
#include "TestOidcHarness.moc"
