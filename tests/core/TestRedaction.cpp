#include <QTest>

#include "common/Redaction.h"

using namespace portcullis;

namespace {
// Built at run time so that no credential-shaped literal sits in the test source.
QString fakeJwt()
{
    return QString(QStringLiteral("eyJhbGciOiJIUzI1NiJ9.") + QString(40, u'A') + u'.' + QString(43, u'b'));
}
QString fakeApiKey()
{
    return QStringLiteral("pcl_live_") + QString(33, u'Z');
}
} // namespace

class TestRedaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fingerprintIsShortAndStable()
    {
        const QString a = redaction::fingerprint("secret one");
        QVERIFY(a.startsWith(QLatin1String("sha256:")));
        QCOMPARE(a.size(), 7 + 12);
        QCOMPARE(a, redaction::fingerprint("secret one"));
        QVERIFY(a != redaction::fingerprint("secret two"));
        QVERIFY(!a.contains(QLatin1String("secret")));
    }

    void maskKeepsAtMostAQuarter()
    {
        const QString key = fakeApiKey();
        QCOMPARE(redaction::mask(key, 9), QStringLiteral("pcl_live_…[42 chars]"));
        QCOMPARE(redaction::mask(QStringLiteral("hunter22"), 6), QStringLiteral("hu…[8 chars]"));
        QCOMPARE(redaction::mask(QStringLiteral("abc")), QStringLiteral("…[3 chars]"));
        QCOMPARE(redaction::mask(QString()), QStringLiteral("[empty]"));
    }

    void scrubSecrets_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("expected");
        const QString jwt = fakeJwt();
        QTest::newRow("jwt") << QString(u"token is " + jwt + u" here")
                             << QStringLiteral("token is [redacted jwt] here");
        QTest::newRow("bearer") << QStringLiteral("Authorization: Bearer abc.DEF-123_x~")
                                << QStringLiteral("Authorization: Bearer [redacted]");
        QTest::newRow("basic") << QStringLiteral("authorization: basic dXNlcjpwYXNz")
                               << QStringLiteral("authorization: basic [redacted]");
        QTest::newRow("api key") << QString(u"X-Key " + fakeApiKey()) << QStringLiteral("X-Key pcl_live_[redacted]");
        QTest::newRow("query") << QStringLiteral("GET /cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
                               << QStringLiteral("GET /cb?code=[redacted]&state=xyz");
        QTest::newRow("form")
            << QStringLiteral("grant_type=authorization_code&code_verifier=dBjftJeZ4CVP&client_secret=s3")
            << QStringLiteral("grant_type=authorization_code&code_verifier=[redacted]&client_secret=[redacted]");
        QTest::newRow("json") << QStringLiteral(R"({"access_token":"mF_9.B5f-4.1JqM","token_type":"Bearer"})")
                              << QStringLiteral(R"({"access_token":"[redacted]","token_type":"Bearer"})");
        QTest::newRow("header") << QStringLiteral("X-API-Key: k_12345") << QStringLiteral("X-API-Key: [redacted]");
        QTest::newRow("cookie") << QStringLiteral("Cookie: session=abc; other=def")
                                << QStringLiteral("Cookie: [redacted]");
        QTest::newRow("password") << QStringLiteral("password = hunter2, user=alice")
                                  << QStringLiteral("password = [redacted], user=alice");
        QTest::newRow("pem") << QStringLiteral(
            "key: -----BEGIN PRIVATE KEY-----\nMIIEv\nQ==\n-----END PRIVATE KEY----- ok")
                             << QStringLiteral("key: -----BEGIN PRIVATE KEY----- [redacted] ok");
        QTest::newRow("pem unterminated") << QStringLiteral("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE")
                                          << QStringLiteral("-----BEGIN EC PRIVATE KEY----- [redacted]");
        QTest::newRow("authorization_code is not a code")
            << QStringLiteral("grant authorization_code=ok") << QStringLiteral("grant authorization_code=ok");
        QTest::newRow("prose with scheme words")
            << QStringLiteral("basic check: token is expired") << QStringLiteral("basic check: token is expired");
        QTest::newRow("plain text untouched") << QStringLiteral("listening on 127.0.0.1:8080, 3 clients")
                                              << QStringLiteral("listening on 127.0.0.1:8080, 3 clients");
    }
    void scrubSecrets()
    {
        QFETCH(QString, line);
        QFETCH(QString, expected);
        QCOMPARE(redaction::scrubSecrets(line), expected);
    }

    void escapeUntrusted_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("maxLength");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << QStringLiteral("alice") << 256 << QStringLiteral("alice");
        QTest::newRow("newline injection")
            << QStringLiteral("bob\nERROR fake line") << 256 << QStringLiteral("bob\\nERROR fake line");
        QTest::newRow("escape sequence") << QStringLiteral("\x1b[31mred") << 256 << QStringLiteral("\\x1b[31mred");
        QTest::newRow("backslash") << QStringLiteral("a\\nb") << 256 << QStringLiteral("a\\\\nb");
        QTest::newRow("bidi override") << QString(QStringLiteral("file") + QChar(0x202E) + QStringLiteral("gpj.exe"))
                                       << 256 << QStringLiteral("file\\u202egpj.exe");
        QTest::newRow("truncated") << QString(300, u'x') << 10
                                   << QString(QString(10, u'x') + QStringLiteral("…[+290 chars]"));
        QTest::newRow("emoji kept whole") << QStringLiteral("ok \U0001F511") << 256 << QStringLiteral("ok \U0001F511");
        QTest::newRow("pair cut at limit")
            << QStringLiteral("ab\U0001F511") << 3 << QStringLiteral("ab\\ud83d…[+1 chars]");
        QTest::newRow("lone surrogate") << QString(QChar(0xDC00)) << 256 << QStringLiteral("\\udc00");
    }
    void escapeUntrusted()
    {
        QFETCH(QString, text);
        QFETCH(int, maxLength);
        QFETCH(QString, expected);
        QCOMPARE(redaction::escapeUntrusted(text, maxLength), expected);
    }
};

QTEST_GUILESS_MAIN(TestRedaction)
#include "TestRedaction.moc"
