// The flow session and `portcullis-cli flow` against a certified OpenID provider (npm oidc-provider, started on
// loopback by tests/support/OidcProvider) with headless Chromium as the system browser completing its real login
// and consent pages: the full flow for every client authentication method, then userinfo, introspection, refresh
// and revocation, and a refresh after revocation refused.

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include "CliRun.h"
#include "HeadlessBrowser.h"
#include "Interop.h"
#include "OidcProvider.h"
#include "ResultText.h"
#include "TempDir.h"
#include "common/Clock.h"
#include "jose/Jwk.h"
#include "net/HttpClient.h"
#include "oauth/FlowError.h"
#include "oauth/FlowSession.h"

using namespace portcullis;
using namespace portcullis::oauth;
using portcullis::test::HeadlessBrowser;
using portcullis::test::OidcProvider;

namespace {

QByteArray describe(const QList<StepRecord> &records)
{
    QByteArray text;
    for (const StepRecord &record : records) {
        text += (stepName(record.step) + QStringLiteral(": ") + statusName(record.status) + QStringLiteral(": ")
                 + record.summary + QLatin1Char('\n'))
                    .toUtf8();
        for (const QString &note : record.notes)
            text += "    " + note.toUtf8() + '\n';
    }
    return text;
}

} // namespace

class TestFlowInterop : public QObject
{
    Q_OBJECT

    std::unique_ptr<OidcProvider> m_provider;
    std::optional<jose::Jwk> m_clientKey;
    SystemClock m_clock;
    test::TempDir m_dir;

    // Runs `step` and waits for its record.
    static bool run(FlowSession &session, QList<StepRecord> &records, FlowStep step)
    {
        const qsizetype before = records.size();
        return session.runStep(step) && QTest::qWaitFor([&] { return records.size() > before; }, 30000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        PORTCULLIS_REQUIRE_TOOLS(OidcProvider::missingTools());
        PORTCULLIS_REQUIRE_TOOLS(HeadlessBrowser::missingTools());
        QVERIFY(m_dir.isValid());
        m_clientKey = jose::Jwk::fromKey(crypto::Key::generateFor(crypto::Algorithm::ES256).value(),
                                         QStringLiteral("portcullis-client"), crypto::Algorithm::ES256);
        OidcProvider::Options options;
        options.clientJwks = "{\"keys\":[" + m_clientKey->toJson(false) + "]}";
        auto provider = OidcProvider::start(options);
        QVERIFY2(provider, test::why(provider).constData());
        m_provider = std::move(*provider);
    }

    void theWholeFlowForEachAuthMethod_data()
    {
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<int>("method");
        QTest::newRow("public client") << QStringLiteral("native-public") << static_cast<int>(ClientAuthMethod::None);
        QTest::newRow("client_secret_basic")
            << QStringLiteral("native-basic") << static_cast<int>(ClientAuthMethod::ClientSecretBasic);
        QTest::newRow("client_secret_post")
            << QStringLiteral("native-post") << static_cast<int>(ClientAuthMethod::ClientSecretPost);
        QTest::newRow("private_key_jwt") << QStringLiteral("native-jwt")
                                         << static_cast<int>(ClientAuthMethod::PrivateKeyJwt);
    }

    void theWholeFlowForEachAuthMethod()
    {
        QFETCH(QString, clientId);
        QFETCH(int, method);
        ProviderProfile profile;
        profile.issuer = m_provider->issuer().toString();
        profile.clientId = clientId;
        profile.authMethod = static_cast<ClientAuthMethod>(method);
        profile.scopes = {QStringLiteral("openid"), QStringLiteral("email"), QStringLiteral("offline_access")};
        profile.extraParameters = {{QStringLiteral("prompt"), QStringLiteral("consent")}};
        ClientCredentials credentials;
        if (profile.authMethod == ClientAuthMethod::ClientSecretBasic
            || profile.authMethod == ClientAuthMethod::ClientSecretPost)
            credentials.clientSecret = crypto::SecretBytes(m_provider->clientSecret());
        if (profile.authMethod == ClientAuthMethod::PrivateKeyJwt)
            credentials.assertionKey = m_clientKey;

        net::HttpClient http;
        HeadlessBrowser browser;
        FlowSession session(profile, std::move(credentials), http, m_clock, FlowSession::Options());
        QList<StepRecord> records;
        connect(&session, &FlowSession::stepFinished, this, [&](const StepRecord &record) { records.append(record); });
        connect(&session, &FlowSession::browserRequested, this, [&](const QUrl &url) {
            auto opened = browser.open(url);
            QVERIFY2(opened, test::why(opened).constData());
        });
        QSignalSpy finished(&session, &FlowSession::finished);
        session.runToEnd();
        const bool ended = finished.wait(90000);
        if (!ended || !session.succeeded()) // QTest cuts long messages: the whole story goes to the log
            qWarning().noquote() << describe(records) << QJsonDocument(session.transcript(true)).toJson()
                                 << m_provider->stderrText();
        QVERIFY2(ended, "the flow did not end in 90 s");
        QVERIFY2(
            session.succeeded(),
            QByteArray(describe(records) + browser.log().toUtf8() + m_provider->stderrText().toUtf8()).constData());
        const QJsonObject claims = QJsonDocument::fromJson(session.idTokenClaims()).object();
        QCOMPARE(claims.value(QStringLiteral("sub")).toString(), QStringLiteral("alice"));
        QCOMPARE(claims.value(QStringLiteral("aud")).toString(), clientId);
        for (const StepRecord &record : std::as_const(records))
            QVERIFY2(record.status == StepStatus::Passed, describe({record}).constData());
        bool issChecked = false;
        for (const TokenCheck &check : records[5].checks)
            issChecked = issChecked || (check.name == u"iss" && check.explanation.contains(QStringLiteral("RFC 9207")));
        QVERIFY2(issChecked, describe(records).constData());

        QVERIFY(run(session, records, FlowStep::UserInfo));
        QVERIFY2(records.last().status == StepStatus::Passed
                     && records.last().summary.contains(QStringLiteral("alice")),
                 describe({records.last()}).constData());
        QVERIFY(run(session, records, FlowStep::Introspect));
        QVERIFY2(records.last().summary.contains(QStringLiteral("is active")), describe({records.last()}).constData());
        const QByteArray firstRefresh = session.tokens().refreshToken;
        QVERIFY(run(session, records, FlowStep::Refresh));
        QVERIFY2(records.last().status == StepStatus::Passed, describe({records.last()}).constData());
        // oidc-provider rotates the refresh tokens of public clients only; the step says which happened.
        const bool rotated = session.tokens().refreshToken != firstRefresh;
        QCOMPARE(rotated, profile.authMethod == ClientAuthMethod::None);
        QVERIFY(records.last().notes.join(u' ').contains(rotated ? QStringLiteral("was rotated")
                                                                 : QStringLiteral("was not rotated")));
        QVERIFY(run(session, records, FlowStep::Revoke));
        QVERIFY2(records.last().status == StepStatus::Passed, describe({records.last()}).constData());
        QVERIFY(run(session, records, FlowStep::Refresh));
        QCOMPARE(records.last().status, StepStatus::Failed);
        QVERIFY2(records.last().error->is(FlowError::TokenRequestFailed)
                     && records.last().error->detail().contains(QStringLiteral("invalid_grant")),
                 describe({records.last()}).constData());

        const QByteArray transcript = QJsonDocument(session.transcript()).toJson();
        QVERIFY(!transcript.contains(session.tokens().accessToken));
        QVERIFY(!transcript.contains(firstRefresh));
        if (!m_provider->clientSecret().isEmpty())
            QVERIFY(!transcript.contains(m_provider->clientSecret()));
    }

    void theCliRunsAFlowAndItsFollowUps()
    {
        QVERIFY(m_dir.write(QStringLiteral("secret"), m_provider->clientSecret()));
        const QStringList global {QStringLiteral("--workspace"), m_dir.filePath(QStringLiteral("ws")),
                                  QStringLiteral("--secrets"),
                                  QStringLiteral("file:") + m_dir.filePath(QStringLiteral("secrets"))};
        const test::CliRun flow = test::runCli(
            global
            + QStringList {QStringLiteral("flow"), QStringLiteral("run"), QStringLiteral("--issuer"),
                           m_provider->issuer().toString(), QStringLiteral("--client-id"),
                           QStringLiteral("native-basic"), QStringLiteral("--client-secret-file"),
                           m_dir.filePath(QStringLiteral("secret")), QStringLiteral("--scope"),
                           QStringLiteral("openid"), QStringLiteral("--scope"), QStringLiteral("offline_access"),
                           QStringLiteral("--param"), QStringLiteral("prompt=consent"),
                           QStringLiteral("--browser-command"), HeadlessBrowser::scriptPath(),
                           QStringLiteral("--profile"), QStringLiteral("provider")});
        QVERIFY2(flow.exitCode == 0, QByteArray(flow.out + flow.err + m_provider->stderrText().toUtf8()).constData());
        QVERIFY(flow.out.contains("The flow succeeded."));
        QVERIFY(flow.out.contains("\"sub\": \"alice\""));
        QVERIFY(!flow.out.contains(m_provider->clientSecret()));
        for (const char *step : {"userinfo", "introspect", "refresh", "revoke"}) {
            const test::CliRun result
                = test::runCli(global
                               + QStringList {QStringLiteral("flow"), QLatin1String(step), QStringLiteral("--profile"),
                                              QStringLiteral("provider")});
            QVERIFY2(result.exitCode == 0, QByteArray(QByteArray(step) + '\n' + result.out + result.err).constData());
        }
        const test::CliRun refused
            = test::runCli(global
                           + QStringList {QStringLiteral("flow"), QStringLiteral("refresh"),
                                          QStringLiteral("--profile"), QStringLiteral("provider")});
        QVERIFY2(refused.exitCode == 1 && refused.out.contains("invalid_grant"),
                 QByteArray(refused.out + refused.err).constData());
    }
};

QTEST_GUILESS_MAIN(TestFlowInterop)
#include "TestFlowInterop.moc"
