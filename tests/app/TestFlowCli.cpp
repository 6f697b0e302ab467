// `portcullis-cli flow` end to end against a scripted provider in this process: a run with --no-browser (the test
// plays the browser with the printed URL), its JSON steps, the saved profile and tokens, the follow-ups, the
// transcript, a malicious provider, and usage errors.

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QTest>

#include "FakeClock.h"
#include "ScriptedProvider.h"
#include "TempDir.h"
#include "common/Clock.h"
#include "crypto/Key.h"
#include "jose/Jwk.h"

using namespace portcullis;
using portcullis::test::ScriptedProvider;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

} // namespace

class TestFlowCli : public QObject
{
    Q_OBJECT

    test::TempDir m_dir;
    SystemClock m_clock;

    QStringList global() const
    {
        return {QStringLiteral("--workspace"), m_dir.filePath(QStringLiteral("ws")), QStringLiteral("--secrets"),
                u"file:" % m_dir.filePath(QStringLiteral("secrets"))};
    }

    // Runs the CLI without blocking this thread's event loop (the provider answers from it). When `provider` is
    // given, the authorization URL the CLI prints is followed as a browser would.
    Run run(const QStringList &arguments, ScriptedProvider *provider = nullptr)
    {
        QProcess process;
        process.start(QStringLiteral(PORTCULLIS_BIN_DIR "/portcullis-cli"), global() + arguments);
        Run result;
        bool browsed = false;
        const bool finished = QTest::qWaitFor(
            [&] {
                result.err += process.readAllStandardError();
                if (provider && !browsed) {
                    static const QRegularExpression url(
                        QStringLiteral("(http://127\\.0\\.0\\.1:\\d+/authorize\\?\\S+)"));
                    const auto match = url.match(QString::fromUtf8(result.err));
                    if (match.hasMatch()) {
                        browsed = true;
                        provider->browse(QUrl(match.captured(1), QUrl::StrictMode));
                    }
                }
                return process.state() == QProcess::NotRunning;
            },
            60000);
        if (!finished) {
            process.kill();
            process.waitForFinished();
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        result.out = process.readAllStandardOutput();
        result.err += process.readAllStandardError();
        return result;
    }

    static QByteArray why(const Run &run)
    {
        return "exit " + QByteArray::number(run.exitCode) + "\n" + run.out + run.err;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void aFlowRunsAndItsTokensServeTheFollowUps()
    {
        ScriptedProvider provider(m_clock, QStringLiteral("desktop"));
        QVERIFY(provider.start());
        const QString transcript = m_dir.filePath(QStringLiteral("transcript.json"));
        const Run flow
            = run({QStringLiteral("flow"), QStringLiteral("run"), QStringLiteral("--issuer"), provider.issuer(),
                   QStringLiteral("--client-id"), QStringLiteral("desktop"), QStringLiteral("--scope"),
                   QStringLiteral("openid"), QStringLiteral("--scope"), QStringLiteral("offline_access"),
                   QStringLiteral("--no-browser"), QStringLiteral("--profile"), QStringLiteral("lab"),
                   QStringLiteral("--transcript"), transcript, QStringLiteral("--json")},
                  &provider);
        QVERIFY2(flow.exitCode == 0, why(flow).constData());
        const QList<QByteArray> lines = flow.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 9); // eight steps and the result
        QStringList steps;
        for (qsizetype i = 0; i < 8; ++i)
            steps.append(QJsonDocument::fromJson(lines[i]).object().value(QStringLiteral("step")).toString());
        QCOMPARE(steps.join(u' '),
                 QStringLiteral("discover prepare listen open_browser callback check_callback redeem "
                                "check_tokens"));
        const QJsonObject result = QJsonDocument::fromJson(lines.last()).object();
        QCOMPARE(result.value(QStringLiteral("result")).toString(), QStringLiteral("ok"));
        QCOMPARE(result.value(QStringLiteral("id_token_claims")).toObject().value(QStringLiteral("sub")).toString(),
                 QStringLiteral("alice"));
        QVERIFY(!flow.out.contains(provider.issuedAccessToken()));

        QFile file(transcript);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("\"redeem\""));
        QVERIFY(!text.contains(provider.issuedAccessToken()));

        const Run list = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("list")});
        QVERIFY2(list.exitCode == 0 && list.out.contains("lab") && list.out.contains("last run ok"),
                 why(list).constData());

        // The saved tokens, printed only on explicit request, for scripts and curl.
        const Run access = run(
            {QStringLiteral("flow"), QStringLiteral("token"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(access.exitCode == 0 && access.out.trimmed() == provider.issuedAccessToken(), why(access).constData());
        const Run id
            = run({QStringLiteral("flow"), QStringLiteral("token"), QStringLiteral("--kind"), QStringLiteral("id")});
        QVERIFY2(id.exitCode == 0 && id.out.startsWith("eyJ"), why(id).constData());
        const Run badKind = run(
            {QStringLiteral("flow"), QStringLiteral("token"), QStringLiteral("--kind"), QStringLiteral("secret")});
        QVERIFY2(badKind.exitCode == 2, why(badKind).constData());

        // Userinfo about someone else than the saved ID token's subject must not be used.
        provider.misbehave.userinfoSub = QStringLiteral("mallory");
        const Run otherSubject = run(
            {QStringLiteral("flow"), QStringLiteral("userinfo"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(otherSubject.exitCode == 1 && otherSubject.out.contains("5.3.2"), why(otherSubject).constData());
        provider.misbehave.userinfoSub.clear();
        const Run userinfo = run(
            {QStringLiteral("flow"), QStringLiteral("userinfo"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(userinfo.exitCode == 0 && userinfo.out.contains("sub alice"), why(userinfo).constData());
        const QByteArray firstAccess = provider.issuedAccessToken();
        const Run refresh = run({QStringLiteral("flow"), QStringLiteral("refresh")}); // the only profile
        QVERIFY2(refresh.exitCode == 0, why(refresh).constData());
        QVERIFY(provider.issuedAccessToken() != firstAccess);
        const Run introspect = run(
            {QStringLiteral("flow"), QStringLiteral("introspect"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(introspect.exitCode == 0 && introspect.out.contains("is active"), why(introspect).constData());
        const Run revoke = run(
            {QStringLiteral("flow"), QStringLiteral("revoke"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(revoke.exitCode == 0 && provider.revoked(), why(revoke).constData());
        const Run after = run(
            {QStringLiteral("flow"), QStringLiteral("userinfo"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(after.exitCode == 1 && after.out.contains("refused the access token"), why(after).constData());

        const Run show = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("show"),
                              QStringLiteral("lab"), QStringLiteral("--json")});
        QVERIFY2(show.exitCode == 0, why(show).constData());
        const QJsonObject shown = QJsonDocument::fromJson(show.out).object();
        QCOMPARE(shown.value(QStringLiteral("issuer")).toString(), provider.issuer());
        QCOMPARE(shown.value(QStringLiteral("client_secret")).toString(), QStringLiteral("none"));
        QVERIFY(!show.out.contains(provider.issuedAccessToken()));

        const Run removed = run(
            {QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("remove"), QStringLiteral("lab")});
        QVERIFY2(removed.exitCode == 0, why(removed).constData());
        const Run gone = run(
            {QStringLiteral("flow"), QStringLiteral("userinfo"), QStringLiteral("--profile"), QStringLiteral("lab")});
        QVERIFY2(gone.exitCode == 2 && gone.err.contains("no flow profile named"), why(gone).constData());
        QFile secrets(m_dir.filePath(QStringLiteral("secrets")));
        QVERIFY(secrets.open(QIODevice::ReadOnly));
        QVERIFY(!secrets.readAll().contains("flow.lab."));
    }

    void aMaliciousProviderFailsTheRunWithTheReason()
    {
        ScriptedProvider provider(m_clock, QStringLiteral("desktop"));
        provider.misbehave.callbackIss = QStringLiteral("https://evil.example");
        QVERIFY(provider.start());
        const QString secretFile = m_dir.filePath(QStringLiteral("client-secret"));
        QVERIFY(m_dir.write(QStringLiteral("client-secret"), "s3cret-for-the-flow-test\n"));
        provider.clientSecret = "s3cret-for-the-flow-test";
        const Run flow
            = run({QStringLiteral("flow"), QStringLiteral("run"), QStringLiteral("--issuer"), provider.issuer(),
                   QStringLiteral("--client-id"), QStringLiteral("desktop"), QStringLiteral("--client-secret-file"),
                   secretFile, QStringLiteral("--no-browser"), QStringLiteral("--profile"), QStringLiteral("evil")},
                  &provider);
        QVERIFY2(flow.exitCode == 1, why(flow).constData());
        QVERIFY2(flow.out.contains("mix-up attack"), why(flow).constData());
        QVERIFY(flow.out.contains("Check the callback: FAILED"));
        QCOMPARE(provider.tokenRequests(), 0);
        QVERIFY(!flow.out.contains("s3cret-for-the-flow-test") && !flow.err.contains("s3cret-for-the-flow-test"));
        // Without --profile, a failed run saves nothing.
        const Run unnamed
            = run({QStringLiteral("flow"), QStringLiteral("run"), QStringLiteral("--issuer"), provider.issuer(),
                   QStringLiteral("--client-id"), QStringLiteral("desktop"), QStringLiteral("--no-browser")},
                  &provider);
        QVERIFY2(unnamed.exitCode == 1, why(unnamed).constData());
        const Run list = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("list")});
        QVERIFY2(list.exitCode == 0 && list.out.contains("evil") && !list.out.contains("desktop@"),
                 why(list).constData());
        const Run show
            = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("show"), QStringLiteral("evil")});
        QVERIFY2(show.exitCode == 0 && show.out.contains("saved in the secret store")
                     && show.out.contains("flow.issuer_mismatch"),
                 why(show).constData());
    }

    void anAssertionKeyFileAuthenticatesWithPrivateKeyJwt()
    {
        const crypto::Key key = crypto::Key::generateFor(crypto::Algorithm::ES256).value();
        QVERIFY(m_dir.write(QStringLiteral("client-key.pem"), key.toPem(true).value()));
        ScriptedProvider provider(m_clock, QStringLiteral("desktop"));
        provider.clientAssertionKey = jose::Jwk::fromKey(key.publicKey());
        QVERIFY(provider.start());
        const Run flow = run({QStringLiteral("flow"), QStringLiteral("run"), QStringLiteral("--issuer"),
                              provider.issuer(), QStringLiteral("--client-id"), QStringLiteral("desktop"),
                              QStringLiteral("--assertion-key"), m_dir.filePath(QStringLiteral("client-key.pem")),
                              QStringLiteral("--no-browser"), QStringLiteral("--profile"), QStringLiteral("jwt")},
                             &provider);
        QVERIFY2(flow.exitCode == 0, why(flow).constData());
        QCOMPARE(provider.lastTokenForm().queryItemValue(QStringLiteral("client_assertion_type"), QUrl::FullyDecoded),
                 QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        // The saved profile keeps the key in the secret store, so a follow-up authenticates the same way.
        const Run introspect = run(
            {QStringLiteral("flow"), QStringLiteral("introspect"), QStringLiteral("--profile"), QStringLiteral("jwt")});
        QVERIFY2(introspect.exitCode == 0 && introspect.out.contains("is active"), why(introspect).constData());
        const Run show
            = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("show"), QStringLiteral("jwt")});
        QVERIFY2(show.out.contains("private_key_jwt") && !show.out.contains("PRIVATE"), why(show).constData());
    }

    // A store that cannot list its profiles is a failure (exit 1) with the store's reason, not a usage error.
    void anUnreadableProfileStoreExitsOne()
    {
        const Run created = run({QStringLiteral("flow"), QStringLiteral("profiles"), QStringLiteral("list")});
        QVERIFY2(created.exitCode == 0, why(created).constData()); // the workspace exists
        const auto rename = [this](const QString &from, const QString &to) {
            const QString connection = QStringLiteral("damage");
            bool done = false;
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
                db.setDatabaseName(m_dir.filePath(QStringLiteral("ws/portcullis.db")));
                done = db.open() && QSqlQuery(db).exec(u"ALTER TABLE " % from % u" RENAME TO " % to);
            }
            QSqlDatabase::removeDatabase(connection);
            return done;
        };
        QVERIFY(rename(QStringLiteral("flow_profiles"), QStringLiteral("flow_profiles_away")));
        const Run token = run({QStringLiteral("flow"), QStringLiteral("token")});
        QVERIFY(rename(QStringLiteral("flow_profiles_away"), QStringLiteral("flow_profiles")));
        QVERIFY2(token.exitCode == 1 && token.err.contains("flow_profiles"), why(token).constData());
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("message");
        const QString id = QStringLiteral("--client-id");
        QTest::newRow("no provider") << QStringList {QStringLiteral("run"), id, QStringLiteral("x")}
                                     << QByteArray("give --issuer URL");
        QTest::newRow("plain http elsewhere")
            << QStringList {QStringLiteral("run"), QStringLiteral("--issuer"), QStringLiteral("http://example.com"), id,
                            QStringLiteral("x")}
            << QByteArray("http");
        QTest::newRow("no client id") << QStringList {QStringLiteral("run"), QStringLiteral("--issuer"),
                                                      QStringLiteral("https://example.com")}
                                      << QByteArray("--client-id");
        QTest::newRow("bad timeout") << QStringList {QStringLiteral("run"),
                                                     QStringLiteral("--issuer"),
                                                     QStringLiteral("https://example.com"),
                                                     id,
                                                     QStringLiteral("x"),
                                                     QStringLiteral("--timeout"),
                                                     QStringLiteral("0")}
                                     << QByteArray("--timeout");
        QTest::newRow("unknown auth method") << QStringList {QStringLiteral("run"),
                                                             QStringLiteral("--issuer"),
                                                             QStringLiteral("https://example.com"),
                                                             id,
                                                             QStringLiteral("x"),
                                                             QStringLiteral("--auth-method"),
                                                             QStringLiteral("magic")}
                                             << QByteArray("client_secret_basic");
        QTest::newRow("both browsers") << QStringList {QStringLiteral("run"),
                                                       QStringLiteral("--issuer"),
                                                       QStringLiteral("https://example.com"),
                                                       id,
                                                       QStringLiteral("x"),
                                                       QStringLiteral("--no-browser"),
                                                       QStringLiteral("--browser-command"),
                                                       QStringLiteral("true")}
                                       << QByteArray("exclude");
        QTest::newRow("unknown subcommand") << QStringList {QStringLiteral("dance")} << QByteArray("unknown flow");
    }

    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, message);
        const Run result = run(QStringList {QStringLiteral("flow")} + arguments);
        QVERIFY2(result.exitCode == 2 && result.err.contains(message), why(result).constData());
    }
};

QTEST_GUILESS_MAIN(TestFlowCli)
#include "TestFlowCli.moc"
