// `portcullis-cli jwt …` as scripts use it: exit codes, stdout/stderr, JSON output, files.

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QTest>

#include "CliRun.h"
#include "TempDir.h"

namespace {

using Run = portcullis::test::CliRun;

Run cli(const QStringList &arguments, const QByteArray &input = {})
{
    return portcullis::test::runCli(arguments, input);
}

QJsonObject json(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}

} // namespace

class TestJwtCli : public QObject
{
    Q_OBJECT

private:
    portcullis::test::TempDir m_dir;
    QString m_claims;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        m_claims = QStringLiteral(
                       "{\"iss\":\"https://issuer.test\",\"sub\":\"alice\",\"aud\":\"api\",\"iat\":%1,\"exp\":%2}")
                       .arg(now)
                       .arg(now + 600);
    }

    void keygenSignVerifyEveryAlgorithm_data()
    {
        QTest::addColumn<QString>("alg");
        QTest::addColumn<bool>("jwk");
        for (const char *alg : {"HS256", "HS384", "HS512", "RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA"}) {
            QTest::addRow("%s pem", alg) << QString::fromLatin1(alg) << false;
            QTest::addRow("%s jwk", alg) << QString::fromLatin1(alg) << true;
        }
    }
    void keygenSignVerifyEveryAlgorithm()
    {
        QFETCH(QString, alg);
        QFETCH(bool, jwk);
        const QString privatePath = m_dir.filePath(QStringLiteral("%1-%2.key").arg(alg).arg(jwk));
        QStringList keygen {QStringLiteral("jwt"),   QStringLiteral("keygen"),
                            QStringLiteral("--alg"), alg,
                            QStringLiteral("--out"), privatePath};
        if (jwk)
            keygen << QStringLiteral("--jwk");
        const Run generated = cli(keygen);
        QCOMPARE(generated.exitCode, 0);
        QVERIFY(generated.err.contains("private key written to"));
        const QFileDevice::Permissions permissions = QFile::permissions(privatePath);
        QVERIFY(permissions.testFlag(QFileDevice::ReadOwner) && permissions.testFlag(QFileDevice::WriteOwner));
        QCOMPARE(permissions
                     & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
                        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther),
                 QFileDevice::Permissions());
        const bool symmetric = alg.startsWith(QLatin1String("HS"));
        QString verifyKey = privatePath;
        if (!symmetric) {
            QVERIFY(!generated.out.contains("PRIVATE") && !generated.out.contains("\"d\""));
            verifyKey = m_dir.filePath(QStringLiteral("%1-%2.pub").arg(alg).arg(jwk));
            QVERIFY(m_dir.write(QFileInfo(verifyKey).fileName(), generated.out));
        }

        const Run signed_ = cli({QStringLiteral("jwt"), QStringLiteral("sign"), QStringLiteral("--key"), privatePath,
                                 QStringLiteral("--alg"), alg, QStringLiteral("--claims"), m_claims});
        QCOMPARE(signed_.exitCode, 0);
        const QByteArray token = signed_.out.trimmed();
        QCOMPARE(token.count('.'), 2);

        const Run verified
            = cli({QStringLiteral("jwt"), QStringLiteral("verify"), QString::fromLatin1(token), QStringLiteral("--key"),
                   verifyKey, QStringLiteral("--iss"), QStringLiteral("https://issuer.test"), QStringLiteral("--aud"),
                   QStringLiteral("api"), QStringLiteral("--json")});
        QVERIFY2(verified.exitCode == 0, verified.err.constData());
        const QJsonObject verdict = json(verified.out);
        QCOMPARE(verdict.value(QLatin1String("valid")).toBool(), true);
        QCOMPARE(verdict.value(QLatin1String("algorithm")).toString(), alg);
        QCOMPARE(verdict.value(QLatin1String("claims")).toObject().value(QLatin1String("sub")).toString(),
                 QStringLiteral("alice"));
    }

    void verifyExplainsRefusals()
    {
        const QString key = m_dir.filePath(QStringLiteral("refusals.key"));
        QCOMPARE(cli({QStringLiteral("jwt"), QStringLiteral("keygen"), QStringLiteral("--alg"), QStringLiteral("ES256"),
                      QStringLiteral("--out"), key})
                     .exitCode,
                 0);
        const QByteArray token
            = cli({QStringLiteral("jwt"), QStringLiteral("sign"), QStringLiteral("--key"), key, QStringLiteral("--alg"),
                   QStringLiteral("ES256"), QStringLiteral("--claims"), m_claims})
                  .out.trimmed();
        // Expired, as of a later --now.
        const qint64 later = QDateTime::currentSecsSinceEpoch() + 3600;
        const Run expired
            = cli({QStringLiteral("jwt"), QStringLiteral("verify"), QStringLiteral("-"), QStringLiteral("--key"), key,
                   QStringLiteral("--now"), QString::number(later), QStringLiteral("--json")},
                  token);
        QCOMPARE(expired.exitCode, 1);
        QVERIFY(expired.err.contains("invalid token: expired 50 min ago at"));
        QCOMPARE(json(expired.out).value(QLatin1String("error")).toString(), QStringLiteral("jose.expired"));
        // Leeway covers it.
        QCOMPARE(cli({QStringLiteral("jwt"), QStringLiteral("verify"), QString::fromLatin1(token),
                      QStringLiteral("--key"), key, QStringLiteral("--now"), QString::number(later),
                      QStringLiteral("--leeway"), QStringLiteral("3600")})
                     .exitCode,
                 0);
        // Wrong audience; an algorithm the caller did not allow.
        const Run audience = cli({QStringLiteral("jwt"), QStringLiteral("verify"), QString::fromLatin1(token),
                                  QStringLiteral("--key"), key, QStringLiteral("--aud"), QStringLiteral("other")});
        QCOMPARE(audience.exitCode, 1);
        QVERIFY(audience.err.contains("audience is \"api\", expected \"other\""));
        const Run algorithm = cli({QStringLiteral("jwt"), QStringLiteral("verify"), QString::fromLatin1(token),
                                   QStringLiteral("--key"), key, QStringLiteral("--alg"), QStringLiteral("RS256")});
        QCOMPARE(algorithm.exitCode, 1);
        QVERIFY(algorithm.err.contains("ES256 is not allowed here"));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("no subcommand") << QStringList {QStringLiteral("jwt")} << QByteArray("'jwt' needs a subcommand");
        QTest::newRow("unknown subcommand") << QStringList {QStringLiteral("jwt"), QStringLiteral("frob")}
                                            << QByteArray("unknown jwt subcommand 'frob'");
        QTest::newRow("verify without key")
            << QStringList {QStringLiteral("jwt"), QStringLiteral("verify"), QStringLiteral("a.b.c")}
            << QByteArray("give exactly one of --key, --jwks and --secret-file");
        QTest::newRow("alg none") << QStringList {QStringLiteral("jwt"),       QStringLiteral("verify"),
                                                  QStringLiteral("a.b.c"),     QStringLiteral("--secret-file"),
                                                  QStringLiteral("/dev/null"), QStringLiteral("--alg"),
                                                  QStringLiteral("none")}
                                  << QByteArray("--alg none can never be allowed");
        QTest::newRow("bad leeway") << QStringList {QStringLiteral("jwt"),       QStringLiteral("verify"),
                                                    QStringLiteral("a.b.c"),     QStringLiteral("--secret-file"),
                                                    QStringLiteral("/dev/null"), QStringLiteral("--leeway"),
                                                    QStringLiteral("-3")}
                                    << QByteArray("--leeway takes whole seconds");
        QTest::newRow("missing key file")
            << QStringList {QStringLiteral("jwt"), QStringLiteral("verify"), QStringLiteral("a.b.c"),
                            QStringLiteral("--key"), QStringLiteral("/nonexistent/key.pem")}
            << QByteArray("cannot read /nonexistent/key.pem");
        QTest::newRow("unknown option") << QStringList {QStringLiteral("jwt"), QStringLiteral("decode"),
                                                        QStringLiteral("--frob"), QStringLiteral("x")}
                                        << QByteArray("Unknown option 'frob'");
        QTest::newRow("sign bad claims")
            << QStringList {QStringLiteral("jwt"),           QStringLiteral("sign"),
                            QStringLiteral("--secret-file"), QStringLiteral("/dev/null"),
                            QStringLiteral("--alg"),         QStringLiteral("HS256"),
                            QStringLiteral("--claims"),      QStringLiteral("{\"a\":1,\"a\":2}")}
            << QByteArray("the claims are not valid JSON: duplicate member");
        QTest::newRow("keygen weak rsa") << QStringList {QStringLiteral("jwt"),    QStringLiteral("keygen"),
                                                         QStringLiteral("--alg"),  QStringLiteral("RS256"),
                                                         QStringLiteral("--bits"), QStringLiteral("1024")}
                                         << QByteArray("RSA keys are generated with 2048, 3072 or 4096 bits");
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, message);
        const Run r = cli(arguments);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), r.err.constData());
    }

    void decodeShowsClaimsInOrderWithTimes()
    {
        const QString secret = m_dir.filePath(QStringLiteral("decode.secret"));
        QVERIFY(m_dir.write(QStringLiteral("decode.secret"), QByteArray(40, 's') + '\n'));
        const QByteArray token
            = cli({QStringLiteral("jwt"), QStringLiteral("sign"), QStringLiteral("--secret-file"), secret,
                   QStringLiteral("--alg"), QStringLiteral("HS256"), QStringLiteral("--claims"),
                   QStringLiteral("{\"zeta\":1,\"alpha\":2,\"exp\":1767225600}")})
                  .out.trimmed();
        const Run decoded = cli({QStringLiteral("jwt"), QStringLiteral("decode"), QString::fromLatin1(token)});
        QCOMPARE(decoded.exitCode, 0);
        QVERIFY(decoded.out.indexOf("zeta") < decoded.out.indexOf("alpha"));
        QVERIFY(decoded.out.contains("1767225600  (2026-01-01 00:00:00 UTC, "));
        const QJsonObject asJson = json(
            cli({QStringLiteral("jwt"), QStringLiteral("decode"), QStringLiteral("--json"), QString::fromLatin1(token)})
                .out);
        QCOMPARE(asJson.value(QLatin1String("times"))
                     .toObject()
                     .value(QLatin1String("exp"))
                     .toObject()
                     .value(QLatin1String("utc"))
                     .toString(),
                 QStringLiteral("2026-01-01 00:00:00 UTC"));
        // The secret file's trailing newline was not part of the secret.
        QCOMPARE(cli({QStringLiteral("jwt"), QStringLiteral("verify"), QString::fromLatin1(token),
                      QStringLiteral("--secret-file"), secret, QStringLiteral("--now"), QStringLiteral("1767225000")})
                     .exitCode,
                 0);
        const Run garbage = cli({QStringLiteral("jwt"), QStringLiteral("decode"), QStringLiteral("not-a-token")});
        QCOMPARE(garbage.exitCode, 1);
        QVERIFY(garbage.err.contains("a compact JWS has 3 segments"));
    }

    void lintDiffAndCrack()
    {
        // A secret from the shipped list; Portcullis refuses to sign with it, so the token is made by hand.
        const QByteArray header = QByteArray("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
                                      .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        const QByteArray payload
            = QByteArray("{\"sub\":\"bob\"}").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        const QByteArray mac
            = QMessageAuthenticationCode::hash(header + '.' + payload, "changeme", QCryptographicHash::Sha256);
        const QByteArray token = header + '.' + payload + '.'
            + mac.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);

        const Run lint = cli(
            {QStringLiteral("jwt"), QStringLiteral("lint"), QString::fromLatin1(token), QStringLiteral("--json")});
        QCOMPARE(lint.exitCode, 1);
        QStringList codes;
        for (const QJsonValue &finding : json(lint.out).value(QLatin1String("findings")).toArray())
            codes << finding.toObject().value(QLatin1String("code")).toString();
        QVERIFY(codes.contains(QStringLiteral("hmac-common-secret")));
        QVERIFY(codes.contains(QStringLiteral("missing-exp")));

        const Run crack = cli({QStringLiteral("jwt"), QStringLiteral("crack"), QString::fromLatin1(token)});
        QCOMPARE(crack.exitCode, 0);
        QCOMPARE(crack.out, QByteArray("changeme\n"));
        QVERIFY(crack.err.contains("secret found after"));
        QVERIFY(m_dir.write(QStringLiteral("words.txt"), "one\ntwo\n"));
        QCOMPARE(cli({QStringLiteral("jwt"), QStringLiteral("crack"), QString::fromLatin1(token),
                      QStringLiteral("--wordlist"), m_dir.filePath(QStringLiteral("words.txt"))})
                     .exitCode,
                 1);

        const QByteArray other = header + '.'
            + QByteArray("{\"sub\":\"eve\"}").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
            + ".AAAA";
        const Run diff = cli(
            {QStringLiteral("jwt"), QStringLiteral("diff"), QString::fromLatin1(token), QString::fromLatin1(other)});
        QCOMPARE(diff.exitCode, 1);
        QCOMPARE(diff.out, QByteArray("claims.sub changed: \"bob\" -> \"eve\"\n"));
        QCOMPARE(
            cli({QStringLiteral("jwt"), QStringLiteral("diff"), QString::fromLatin1(token), QString::fromLatin1(token)})
                .exitCode,
            0);
    }
};

QTEST_GUILESS_MAIN(TestJwtCli)
#include "TestJwtCli.moc"
