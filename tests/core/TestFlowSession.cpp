// The flow session against a scripted provider, honest and malicious: the whole authorization-code + PKCE flow
// with its follow-ups, and every refusal the issue lists, each with its explanation and without redeeming the
// code where it must not be.

#include <functional>

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include "FakeClock.h"
#include "ScriptedProvider.h"
#include "net/HttpClient.h"
#include "oauth/FlowError.h"
#include "oauth/FlowSession.h"

using namespace portcullis;
using namespace portcullis::oauth;
using portcullis::test::ScriptedProvider;

namespace {

const QString CLIENT_ID = QStringLiteral("desktop");

struct Fixture
{
    test::FakeClock clock;
    ScriptedProvider provider {clock, CLIENT_ID};
    net::HttpClient http;
    std::unique_ptr<FlowSession> session;
    QList<StepRecord> finished;

    // Starts the provider and a session for the honest default profile, changed by `adjust` when given.
    bool start(const std::function<void(ProviderProfile &)> &adjust = {}, ClientCredentials credentials = {},
               std::chrono::milliseconds timeout = std::chrono::milliseconds(20000))
    {
        if (!provider.start())
            return false;
        ProviderProfile profile;
        profile.clientId = CLIENT_ID;
        profile.issuer = provider.issuer();
        profile.scopes = {QStringLiteral("openid"), QStringLiteral("offline_access")};
        if (adjust)
            adjust(profile);
        FlowSession::Options options;
        options.flowTimeout = timeout;
        session = std::make_unique<FlowSession>(profile, std::move(credentials), http, clock, options);
        QObject::connect(session.get(), &FlowSession::stepFinished, session.get(),
                         [this](const StepRecord &record) { finished.append(record); });
        QObject::connect(session.get(), &FlowSession::browserRequested, session.get(),
                         [this](const QUrl &url) { provider.browse(url); });
        return true;
    }

    // Runs the main sequence; true when it ended (either way) within the time.
    bool runToEnd()
    {
        QSignalSpy done(session.get(), &FlowSession::finished);
        session->runToEnd();
        return done.wait(30000);
    }

    bool run(FlowStep step)
    {
        const qsizetype before = finished.size();
        if (!session->runStep(step))
            return false;
        return QTest::qWaitFor([&] { return finished.size() > before; }, 20000);
    }

    [[nodiscard]] const StepRecord &last() const { return finished.last(); }
    [[nodiscard]] QString transcript() const
    {
        return QString::fromUtf8(QJsonDocument(session->transcript()).toJson());
    }
};

QJsonObject claim(const char *name, const QJsonValue &value)
{
    return QJsonObject {{QLatin1String(name), value}};
}

QByteArray describe(const StepRecord &record)
{
    return (stepName(record.step) + QStringLiteral(": ") + statusName(record.status) + QStringLiteral(": ")
            + record.summary)
        .toUtf8();
}

} // namespace

class TestFlowSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theWholeFlowAndItsFollowUps()
    {
        Fixture f;
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QVERIFY2(f.session->succeeded(), describe(f.last()).constData());
        QStringList names;
        for (const StepRecord &record : std::as_const(f.finished)) {
            names.append(stepName(record.step));
            QVERIFY2(record.status != StepStatus::Failed, describe(record).constData());
        }
        QCOMPARE(names.join(u' '),
                 QStringLiteral("discover prepare listen open_browser callback check_callback redeem "
                                "check_tokens"));
        QVERIFY(f.provider.verifierMatched());
        QCOMPARE(f.provider.lastTokenForm().queryItemValue(QStringLiteral("client_id")), CLIENT_ID);
        QCOMPARE(f.provider.browserStatus(), 200);
        QVERIFY(f.session->authorizationUrl().query().contains(QStringLiteral("code_challenge_method=S256")));
        QCOMPARE(QJsonDocument::fromJson(f.session->idTokenClaims()).object().value(QStringLiteral("sub")).toString(),
                 QStringLiteral("alice"));
        QCOMPARE(f.last().checks.size() >= 8, true);

        QVERIFY(f.run(FlowStep::UserInfo));
        QVERIFY2(f.last().status == StepStatus::Passed, describe(f.last()).constData());
        QVERIFY(f.run(FlowStep::Introspect));
        QVERIFY2(f.last().summary.contains(QStringLiteral("is active")), describe(f.last()).constData());
        const QByteArray firstAccess = f.session->tokens().accessToken;
        QVERIFY(f.run(FlowStep::Refresh));
        QVERIFY2(f.last().status == StepStatus::Passed, describe(f.last()).constData());
        QVERIFY(f.session->tokens().accessToken != firstAccess);
        QVERIFY(f.last().notes.join(u' ').contains(QStringLiteral("rotated")));
        QVERIFY(f.run(FlowStep::Revoke));
        QVERIFY2(f.last().status == StepStatus::Passed, describe(f.last()).constData());
        QVERIFY(f.provider.revoked());
        QVERIFY(f.run(FlowStep::Introspect));
        QCOMPARE(f.last().status, StepStatus::Warning);

        // The transcript holds every leg, masked.
        const QString transcript = f.transcript();
        QVERIFY(transcript.contains(QStringLiteral("\"redeem\"")));
        QVERIFY(!transcript.contains(QString::fromLatin1(f.session->tokens().accessToken)));
        QVERIFY(!transcript.contains(QString::fromLatin1(f.session->tokens().refreshToken)));
        QVERIFY(!transcript.contains(QString::fromLatin1(
            f.provider.lastTokenForm().queryItemValue(QStringLiteral("refresh_token")).toLatin1())));
        QVERIFY(transcript.contains(QStringLiteral("chars hidden")));
    }

    void aCallbackWithTheWrongStateIsTurnedAwayAndTheFlowTimesOut()
    {
        Fixture f;
        f.provider.misbehave.callbackState = QStringLiteral("forged");
        QVERIFY(f.start({}, {}, std::chrono::milliseconds(1500)));
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::Callback);
        QVERIFY(f.last().error && f.last().error->is(FlowError::TimedOut));
        QVERIFY2(f.last().notes.join(u' ').contains(QStringLiteral("Turned away")), describe(f.last()).constData());
        QCOMPARE(f.provider.browserStatus(), 400);
        QCOMPARE(f.provider.tokenRequests(), 0);
    }

    void anotherIssuerInTheCallbackIsAMixUp()
    {
        Fixture f;
        f.provider.misbehave.callbackIss = QStringLiteral("https://evil.example");
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::CheckCallback);
        QVERIFY(f.last().error && f.last().error->is(FlowError::IssuerMismatch));
        QVERIFY(f.last().error->detail().contains(QStringLiteral("mix-up")));
        QCOMPARE(f.provider.tokenRequests(), 0);
    }

    void aMissingIssIsRefusedWhenThe_providerPromisesIt()
    {
        Fixture f;
        f.provider.misbehave.omitIss = true;
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::CheckCallback);
        QVERIFY(f.last().error && f.last().error->is(FlowError::InvalidCallback));
        QCOMPARE(f.provider.tokenRequests(), 0);
    }

    void aMissingIssIsAcceptedFromAProviderWithoutRfc9207()
    {
        Fixture f;
        f.provider.misbehave.omitIss = true;
        f.provider.issParameterSupported = false;
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QVERIFY2(f.session->succeeded(), describe(f.last()).constData());
    }

    void anErrorResponseIsExplainedAfterTheStateMatches()
    {
        Fixture f;
        f.provider.misbehave.callbackError = QStringLiteral("access_denied");
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::CheckCallback);
        QVERIFY(f.last().error && f.last().error->is(FlowError::AuthorizationDenied));
        QVERIFY(f.last().error->detail().contains(QStringLiteral("declined")));
        QCOMPARE(f.provider.tokenRequests(), 0);
    }

    void discoveryRefusesMetadataForAnotherIssuer()
    {
        Fixture f;
        f.provider.misbehave.metadataIssuer = QStringLiteral("https://evil.example");
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::Discover);
        QVERIFY(f.last().error && f.last().error->is(FlowError::IssuerMismatch));
        QCOMPARE(f.provider.server().count(QStringLiteral("/authorize")), 0);
    }

    void badIdTokensAreRefusedWithTheirCause_data()
    {
        QTest::addColumn<QJsonObject>("claims");
        QTest::addColumn<QStringList>("removed");
        QTest::addColumn<bool>("otherKey");
        QTest::addColumn<bool>("unsignedToken");
        QTest::addColumn<QString>("failedCheck");
        QTest::addColumn<int>("code");
        const int rejected = static_cast<int>(FlowError::IdTokenRejected);
        QTest::newRow("wrong nonce") << claim("nonce", QStringLiteral("replayed")) << QStringList() << false << false
                                     << QStringLiteral("nonce") << rejected;
        QTest::newRow("missing nonce") << QJsonObject() << QStringList {QStringLiteral("nonce")} << false << false
                                       << QStringLiteral("nonce") << rejected;
        QTest::newRow("wrong aud") << claim("aud", QStringLiteral("someone-else")) << QStringList() << false << false
                                   << QStringLiteral("aud") << rejected;
        QTest::newRow("wrong iss") << claim("iss", QStringLiteral("https://evil.example")) << QStringList() << false
                                   << false << QStringLiteral("iss") << static_cast<int>(FlowError::IssuerMismatch);
        QTest::newRow("bad signature") << QJsonObject() << QStringList() << true << false << QStringLiteral("signature")
                                       << rejected;
        QTest::newRow("alg none") << QJsonObject() << QStringList() << false << true << QStringLiteral("signature")
                                  << rejected;
        QTest::newRow("expired") << claim("exp", 1767225600 - 3600) << QStringList() << false << false
                                 << QStringLiteral("exp") << rejected;
        QTest::newRow("wrong at_hash") << claim("at_hash", QStringLiteral("AAAAAAAAAAAAAAAAAAAAAA")) << QStringList()
                                       << false << false << QStringLiteral("at_hash") << rejected;
    }

    void badIdTokensAreRefusedWithTheirCause()
    {
        QFETCH(QJsonObject, claims);
        QFETCH(QStringList, removed);
        QFETCH(bool, otherKey);
        QFETCH(bool, unsignedToken);
        QFETCH(QString, failedCheck);
        QFETCH(int, code);
        Fixture f;
        f.provider.misbehave.idTokenClaims = claims;
        f.provider.misbehave.removeClaims = removed;
        f.provider.misbehave.signWithOtherKey = otherKey;
        f.provider.misbehave.unsigned_ = unsignedToken;
        QVERIFY(f.start());
        QVERIFY(f.runToEnd());
        QVERIFY(!f.session->succeeded());
        QCOMPARE(f.last().step, FlowStep::CheckTokens);
        QVERIFY(f.last().error);
        QCOMPARE(f.last().error->code(), code);
        bool found = false;
        for (const TokenCheck &check : f.last().checks) {
            if (check.name == failedCheck) {
                QVERIFY2(!check.passed, qPrintable(check.explanation));
                found = true;
            }
        }
        QVERIFY2(found, qPrintable(f.last().error->detail()));
        QCOMPARE(f.provider.tokenRequests(), 1); // redeemed once, then refused; never again
    }

    void invalidClientNamesTheAuthMethod()
    {
        Fixture f;
        f.provider.clientSecret = "the-registered-secret";
        ClientCredentials credentials;
        credentials.clientSecret = crypto::SecretBytes(QByteArrayView("a-wrong-secret"));
        QVERIFY(f.start([](ProviderProfile &profile) { profile.authMethod = ClientAuthMethod::ClientSecretBasic; },
                        std::move(credentials)));
        QVERIFY(f.runToEnd());
        QCOMPARE(f.last().step, FlowStep::Redeem);
        QVERIFY(f.last().error && f.last().error->is(FlowError::TokenRequestFailed));
        QVERIFY2(f.last().error->detail().contains(QStringLiteral("client_secret_basic")),
                 qPrintable(f.last().error->detail()));
        QVERIFY(!f.last().error->detail().contains(QStringLiteral("a-wrong-secret")));
        QVERIFY(f.provider.server().requests().last().header("Authorization").startsWith("Basic "));
        QVERIFY(!f.transcript().contains(QStringLiteral("a-wrong-secret")));
    }

    void privateKeyJwtAuthenticatesWithASignedAssertion()
    {
        Fixture f;
        const jose::Jwk key = jose::Jwk::fromKey(crypto::Key::generateFor(crypto::Algorithm::ES256).value(),
                                                 QStringLiteral("client-key"), crypto::Algorithm::ES256);
        f.provider.clientAssertionKey = jose::Jwk::parse(key.toJson(false)).value();
        ClientCredentials credentials;
        credentials.assertionKey = key;
        QVERIFY(f.start([](ProviderProfile &profile) { profile.authMethod = ClientAuthMethod::PrivateKeyJwt; },
                        std::move(credentials)));
        QVERIFY(f.runToEnd());
        QVERIFY2(f.session->succeeded(), describe(f.last()).constData());
        QCOMPARE(f.provider.lastTokenForm().queryItemValue(QStringLiteral("client_assertion_type"), QUrl::FullyDecoded),
                 QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
    }

    void stepsRefuseToRunOutOfOrder()
    {
        Fixture f;
        QVERIFY(f.start());
        QVERIFY(f.run(FlowStep::Redeem));
        QVERIFY(f.last().error && f.last().error->is(FlowError::StepOutOfOrder));
        QVERIFY(f.run(FlowStep::Discover));
        QVERIFY(f.run(FlowStep::OpenBrowser));
        QVERIFY(f.last().error && f.last().error->is(FlowError::StepOutOfOrder));
        QVERIFY(f.last().error->detail().contains(QStringLiteral("Arm the loopback listener")));
        QCOMPARE(f.provider.tokenRequests(), 0);
    }

    void cancelEndsTheWaitAndClosesTheListener()
    {
        Fixture f;
        QVERIFY(f.start());
        for (FlowStep step : {FlowStep::Discover, FlowStep::Prepare, FlowStep::Listen})
            QVERIFY(f.run(step));
        const QUrl redirect = f.session->redirectUri();
        QVERIFY(f.session->runStep(FlowStep::Callback));
        QTRY_VERIFY(f.session->isBusy() && !f.finished.isEmpty() && f.finished.last().step == FlowStep::Listen);
        QTest::qWait(50);
        f.session->cancel();
        QTRY_COMPARE(f.finished.last().step, FlowStep::Callback);
        QVERIFY(f.last().error && f.last().error->is(FlowError::Cancelled));
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, static_cast<quint16>(redirect.port()));
        QVERIFY(!probe.waitForConnected(1000));
    }

    void manualEndpointsWorkWithoutDiscovery()
    {
        Fixture f;
        f.provider.issParameterSupported = false;
        QVERIFY(f.start([&f](ProviderProfile &profile) {
            profile.scopes = {QStringLiteral("api")};
            profile.issuer.clear();
            profile.authorizationEndpoint = QUrl(f.provider.issuer() + QStringLiteral("/authorize"));
            profile.tokenEndpoint = QUrl(f.provider.issuer() + QStringLiteral("/token"));
        }));
        QVERIFY(f.runToEnd());
        QVERIFY2(f.session->succeeded(), describe(f.last()).constData());
        QCOMPARE(f.provider.server().count(QStringLiteral("/.well-known/openid-configuration")), 0);
    }
};

QTEST_GUILESS_MAIN(TestFlowSession)
#include "TestFlowSession.moc"
