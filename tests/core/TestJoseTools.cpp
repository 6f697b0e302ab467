// The linter, the token diff and the weak-secret audit.

#include <QBuffer>
#include <QTest>

#include "FakeClock.h"
#include "crypto/Base64Url.h"
#include "crypto/Hmac.h"
#include "jose/Linter.h"
#include "jose/SecretAudit.h"
#include "jose/Signer.h"
#include "jose/TokenDiff.h"

using namespace portcullis;
using namespace portcullis::jose;
using crypto::Algorithm;

namespace {

constexpr qint64 NOW = test::FakeClock::DEFAULT_START_MS / 1000;

// An HS256 token signed with any secret, even one Portcullis itself would refuse to use.
QByteArray hs256(const QByteArray &secret, const QByteArray &payload,
                 const QByteArray &header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
{
    const QByteArray input = crypto::base64url::encode(header) + '.' + crypto::base64url::encode(payload);
    auto hmac = crypto::HmacKey::create(crypto::DigestAlgorithm::Sha256, crypto::SecretBytes(secret));
    return input + '.' + crypto::base64url::encode(hmac->mac(input));
}

QStringList codes(const QList<Finding> &findings)
{
    QStringList list;
    for (const Finding &finding : findings)
        list << finding.code;
    return list;
}

} // namespace

class TestJoseTools : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lintFindings_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QStringList>("expected");
        const QByteArray strong(40, 'q');
        const QByteArray good = "{\"iss\":\"a\",\"aud\":\"b\",\"sub\":\"u1\",\"iat\":" + QByteArray::number(NOW)
            + ",\"exp\":" + QByteArray::number(NOW + 900) + "}";
        QTest::newRow("clean") << hs256(strong + "x7!", good) << QStringList();
        QTest::newRow("alg none") << QByteArray(crypto::base64url::encode("{\"alg\":\"none\"}") + '.'
                                                + crypto::base64url::encode(good) + '.')
                                  << QStringList {QStringLiteral("alg-none")};
        QTest::newRow("common secret") << hs256("your-256-bit-secret", good)
                                       << QStringList {QStringLiteral("hmac-common-secret")};
        QTest::newRow("reference default")
            << hs256("your-secret-key", good) << QStringList {QStringLiteral("hmac-common-secret")};
        QTest::newRow("no exp, aud, iss") << hs256(strong, "{\"sub\":\"u1\"}")
                                          << QStringList {QStringLiteral("missing-exp"), QStringLiteral("missing-aud"),
                                                          QStringLiteral("missing-iss")};
        QTest::newRow("long lifetime") << hs256(strong,
                                                "{\"iss\":\"a\",\"aud\":\"b\",\"iat\":" + QByteArray::number(NOW)
                                                    + ",\"exp\":" + QByteArray::number(NOW + 30 * 86400) + "}")
                                       << QStringList {QStringLiteral("long-lifetime")};
        QTest::newRow("iat future, nbf after exp")
            << hs256(strong,
                     "{\"iss\":\"a\",\"aud\":\"b\",\"iat\":" + QByteArray::number(NOW + 7200) + ",\"nbf\":"
                         + QByteArray::number(NOW + 9000) + ",\"exp\":" + QByteArray::number(NOW + 8000) + "}")
            << QStringList {QStringLiteral("iat-future"), QStringLiteral("nbf-after-exp")};
        QTest::newRow("kid path") << hs256(strong, good, "{\"alg\":\"HS256\",\"kid\":\"../../dev/null\"}")
                                  << QStringList {QStringLiteral("kid-injection")};
        QTest::newRow("kid quote") << hs256(strong, good, "{\"alg\":\"HS256\",\"kid\":\"x' UNION SELECT 'a\"}")
                                   << QStringList {QStringLiteral("kid-injection")};
        QTest::newRow("jku and x5c") << hs256(strong, good,
                                              "{\"alg\":\"HS256\",\"jku\":\"https://e.test\",\"x5c\":[\"AA\"]}")
                                     << QStringList {QStringLiteral("embedded-key-reference"),
                                                     QStringLiteral("embedded-key-reference")};
        QTest::newRow("personal data") << hs256(strong,
                                                "{\"iss\":\"a\",\"aud\":\"b\",\"exp\":" + QByteArray::number(NOW + 60)
                                                    + ",\"email\":\"alice@example.com\",\"profile\":{\"phone\":\"+44 "
                                                      "20 7946 0958\"},\"ssn\":\"123-45-6789\"}")
                                       << QStringList {QStringLiteral("personal-data")};
        QTest::newRow("string exp") << hs256(strong, "{\"iss\":\"a\",\"aud\":\"b\",\"exp\":\"tomorrow\"}")
                                    << QStringList {QStringLiteral("time-claim-type")};
    }
    void lintFindings()
    {
        QFETCH(QByteArray, token);
        QFETCH(QStringList, expected);
        const test::FakeClock clock;
        const auto jws = CompactJws::parse(token);
        QVERIFY2(jws.has_value(), qPrintable(jws ? QString() : jws.error().toString()));
        const QList<Finding> findings = Linter::lint(*jws, clock);
        QCOMPARE(codes(findings), expected);
        for (const Finding &finding : findings)
            QVERIFY(finding.explanation.size() > 30);
    }

    void lintReportsPersonalDataPlaces()
    {
        const test::FakeClock clock;
        const auto jws = CompactJws::parse(hs256(
            QByteArray(40, 'q'), "{\"iss\":\"a\",\"aud\":\"b\",\"exp\":1,\"contact\":{\"mail\":\"bob@example.org\"}}"));
        const QList<Finding> findings = Linter::lint(*jws, clock);
        QVERIFY(findings.last().explanation.contains(QLatin1String("contact.mail (an email address)")));
    }

    void lintChecksTheExpectedType()
    {
        const test::FakeClock clock;
        const auto jws = CompactJws::parse(hs256(QByteArray(40, 'q'), "{\"iss\":\"a\",\"aud\":\"b\",\"exp\":1}"));
        LintOptions options;
        options.expectedType = QStringLiteral("at+jwt");
        QCOMPARE(codes(Linter::lint(*jws, clock, options)), QStringList {QStringLiteral("typ-mismatch")});
    }

    void diffShowsChangesInOrder()
    {
        const auto a
            = CompactJws::parse(hs256("k", "{\"sub\":\"alice\",\"role\":\"user\",\"exp\":1767225600,\"x\":[1,2]}"));
        const auto b = CompactJws::parse(
            hs256("k", "{\"sub\":\"alice\",\"role\":\"admin\",\"exp\":1767229200,\"x\":[1, 2],\"new\":true}",
                  "{\"alg\":\"HS256\"}"));
        const QList<DiffEntry> entries = TokenDiff::diff(*a, *b);
        QCOMPARE(entries.size(), 4);
        QCOMPARE(entries.at(0).section, QStringLiteral("header"));
        QCOMPARE(entries.at(0).name, QStringLiteral("typ"));
        QCOMPARE(entries.at(0).change, DiffEntry::Change::Removed);
        QCOMPARE(entries.at(1).name, QStringLiteral("role"));
        QCOMPARE(entries.at(1).before, QStringLiteral("\"user\""));
        QCOMPARE(entries.at(1).after, QStringLiteral("\"admin\""));
        QCOMPARE(entries.at(2).name, QStringLiteral("exp"));
        QCOMPARE(entries.at(2).before, QStringLiteral("1767225600 (2026-01-01 00:00:00 UTC)"));
        QCOMPARE(entries.at(2).after, QStringLiteral("1767229200 (2026-01-01 01:00:00 UTC)"));
        QCOMPARE(entries.at(3).name, QStringLiteral("new"));
        QCOMPARE(entries.at(3).change, DiffEntry::Change::Added);
        QVERIFY(TokenDiff::diff(*a, *a).isEmpty());
    }

    void auditFindsWeakSecrets()
    {
        const auto token = CompactJws::parse(hs256("hunter2", "{\"sub\":\"x\"}"));
        QByteArray words = "alpha\nbeta\r\n\nhunter2\ngamma\n";
        QBuffer buffer(&words);
        buffer.open(QIODevice::ReadOnly);
        const AuditResult result = SecretAudit::run(*token, buffer).value();
        QCOMPARE(result.secret.value(), QByteArray("hunter2"));
        QCOMPARE(result.tried, 3);

        const auto strong = CompactJws::parse(hs256(QByteArray(48, 'z'), "{\"sub\":\"x\"}"));
        const AuditResult none = SecretAudit::run(*strong, SecretAudit::builtinWordlist()).value();
        QVERIFY(!none.secret);
        QVERIFY(none.tried > 200);
    }

    void auditCanBeCancelled()
    {
        const auto token = CompactJws::parse(hs256(QByteArray(48, 'z'), "{\"sub\":\"x\"}"));
        QByteArray words;
        for (int i = 0; i < 5000; ++i)
            words += "candidate" + QByteArray::number(i) + '\n';
        QBuffer buffer(&words);
        buffer.open(QIODevice::ReadOnly);
        qint64 lastSeen = 0;
        const AuditResult result = SecretAudit::run(
                                       *token, buffer,
                                       [&lastSeen](qint64 tried) {
                                           lastSeen = tried;
                                           return tried < 2000;
                                       },
                                       1000)
                                       .value();
        QVERIFY(result.cancelled);
        QCOMPARE(result.tried, 2000);
        QCOMPARE(lastSeen, 2000);
    }

    void auditRefusesOtherAlgorithms()
    {
        const Jwk ec = Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value());
        const auto token = CompactJws::parse(Signer::sign(ec, Algorithm::ES256, "{}").value());
        QVERIFY(!SecretAudit::run(*token, QList<QByteArray> {"a"}).has_value());
    }
};

QTEST_GUILESS_MAIN(TestJoseTools)
#include "TestJoseTools.moc"
