// Published vectors: RFC 7515 A.1–A.5 and C, RFC 7520 §4.1–4.4, RFC 8037 A.1–A.5, RFC 7638 §3.1, RFC 7636 B.
// The data in tests/data/jose was transcribed from the RFCs and checked against the npm jose library.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "FakeClock.h"
#include "crypto/Base64Url.h"
#include "crypto/Digest.h"
#include "jose/JoseError.h"
#include "jose/Verifier.h"

using namespace portcullis;
using namespace portcullis::jose;

namespace {

QJsonArray vectors(const QString &file)
{
    QFile data(QStringLiteral(PORTCULLIS_TEST_DATA_DIR "/jose/") + file);
    if (!data.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(data.fileName()));
    return QJsonDocument::fromJson(data.readAll()).array();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestJoseVectors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signedVectors_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QByteArray>("jwk");
        QTest::addColumn<QString>("alg");
        QTest::addColumn<QByteArray>("payload");
        for (const QString &file :
             {QStringLiteral("rfc7515.json"), QStringLiteral("rfc7520.json"), QStringLiteral("rfc8037.json")}) {
            for (const QJsonValue &entry : vectors(file)) {
                const QJsonObject vector = entry.toObject();
                if (vector.value(QLatin1String("expected")).toString() != QLatin1String("valid"))
                    continue;
                QTest::newRow(qPrintable(vector.value(QLatin1String("name")).toString()))
                    << vector.value(QLatin1String("token")).toString().toUtf8()
                    << compact(vector.value(QLatin1String("jwk")).toObject())
                    << vector.value(QLatin1String("alg")).toString()
                    << vector.value(QLatin1String("payload")).toString().toUtf8();
            }
        }
    }
    void signedVectors()
    {
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, jwk);
        QFETCH(QString, alg);
        QFETCH(QByteArray, payload);
        const auto key = Jwk::parse(jwk);
        QVERIFY2(key.has_value(), qPrintable(key ? QString() : key.error().toString()));
        const auto algorithm = crypto::jwa::fromName(alg.toUtf8());
        QVERIFY(algorithm);

        VerificationPolicy policy;
        policy.allowedAlgorithms = {*algorithm};
        // Some vectors carry exp claims from 2011; check them as of their own time.
        const FixedClock clock(1300819370);
        const Verifier verifier(policy, JwkSet({*key}), clock);
        const auto verified = verifier.verify(token);
        QVERIFY2(verified.has_value(), qPrintable(verified ? QString() : verified.error().toString()));
        QCOMPARE(verified->jws.payload().toByteArray(), payload);

        // Deterministic algorithms reproduce the published signature from the same signing input.
        if (key->key().hasPrivateKey()
            && (crypto::jwa::isHmac(*algorithm) || *algorithm == crypto::Algorithm::RS256
                || *algorithm == crypto::Algorithm::EdDSA)) {
            const auto signature = key->key().sign(*algorithm, verified->jws.signingInput());
            QVERIFY(signature.has_value());
            QCOMPARE(crypto::base64url::encode(*signature), verified->jws.rawSignature().toByteArray());
        }

        // One changed payload character breaks it.
        QByteArray tampered = token;
        const qsizetype at = token.indexOf('.') + 2;
        tampered[at] = tampered[at] == 'a' ? 'b' : 'a';
        QVERIFY(!verifier.verify(tampered).has_value());
    }

    void rfc7515UnsecuredIsRefused()
    {
        for (const QJsonValue &entry : vectors(QStringLiteral("rfc7515.json"))) {
            const QJsonObject vector = entry.toObject();
            if (vector.value(QLatin1String("expected")).toString() != QLatin1String("unsecured"))
                continue;
            const QByteArray token = vector.value(QLatin1String("token")).toString().toUtf8();
            const auto parsed = CompactJws::parse(token);
            QVERIFY(parsed.has_value()); // it can be decoded and shown …
            QCOMPARE(parsed->algorithmName(), QByteArray("none"));
            VerificationPolicy policy;
            policy.allowedAlgorithms = crypto::jwa::all();
            const test::FakeClock clock;
            const Verifier verifier(policy, JwkSet({Jwk::fromKey(crypto::Key::generateHmac(32).value())}), clock);
            const auto verified = verifier.verify(token); // … and is never accepted.
            QVERIFY(!verified.has_value());
            QVERIFY(verified.error().is(JoseError::UnsecuredToken));
            return;
        }
        QFAIL("RFC 7515 A.5 missing from the data");
    }

    void rfc7515AppendixC()
    {
        for (const QJsonValue &entry : vectors(QStringLiteral("rfc7515.json"))) {
            const QJsonObject vector = entry.toObject();
            if (!vector.contains(QLatin1String("octets")))
                continue;
            QByteArray octets;
            for (const QJsonValue &octet : vector.value(QLatin1String("octets")).toArray())
                octets.append(char(octet.toInt()));
            const QByteArray encoded = vector.value(QLatin1String("encoded")).toString().toUtf8();
            QCOMPARE(crypto::base64url::encode(octets), encoded);
            QCOMPARE(crypto::base64url::decode(encoded).value(), octets);
            return;
        }
        QFAIL("RFC 7515 C missing from the data");
    }

    void thumbprints_data()
    {
        QTest::addColumn<QByteArray>("jwk");
        QTest::addColumn<QByteArray>("thumbprint");
        for (const QString &file : {QStringLiteral("rfc7638.json"), QStringLiteral("rfc8037.json")}) {
            for (const QJsonValue &entry : vectors(file)) {
                const QJsonObject vector = entry.toObject();
                if (vector.contains(QLatin1String("thumbprint")))
                    QTest::newRow(qPrintable(vector.value(QLatin1String("name")).toString()))
                        << compact(vector.value(QLatin1String("jwk")).toObject())
                        << vector.value(QLatin1String("thumbprint")).toString().toUtf8();
            }
        }
    }
    void thumbprints()
    {
        QFETCH(QByteArray, jwk);
        QFETCH(QByteArray, thumbprint);
        const auto key = Jwk::parse(jwk);
        QVERIFY2(key.has_value(), qPrintable(key ? QString() : key.error().toString()));
        QCOMPARE(key->thumbprint(), thumbprint);
    }

    void rfc8037KeysRoundTrip()
    {
        const QJsonArray data = vectors(QStringLiteral("rfc8037.json"));
        const auto privateKey = Jwk::parse(compact(data.at(0).toObject().value(QLatin1String("jwk")).toObject()));
        const auto publicKey = Jwk::parse(compact(data.at(1).toObject().value(QLatin1String("jwk")).toObject()));
        QVERIFY(privateKey.has_value() && publicKey.has_value());
        QVERIFY(privateKey->key().hasPrivateKey());
        QVERIFY(!publicKey->key().hasPrivateKey());
        QCOMPARE(privateKey->key().publicKey().components(false).x, publicKey->key().components(false).x);
        // Our JWK output parses back to the same key.
        const auto again = Jwk::parse(privateKey->toJson(true));
        QVERIFY(again.has_value());
        QCOMPARE(again->thumbprint(), privateKey->thumbprint());
    }

    void rfc7636AppendixB()
    {
        const QJsonObject vector = vectors(QStringLiteral("rfc7636.json")).at(0).toObject();
        const QByteArray verifier = vector.value(QLatin1String("code_verifier")).toString().toUtf8();
        const QByteArray challenge = vector.value(QLatin1String("code_challenge")).toString().toUtf8();
        QCOMPARE(crypto::base64url::encode(crypto::sha256(verifier)), challenge);
    }
};

QTEST_GUILESS_MAIN(TestJoseVectors)
#include "TestJoseVectors.moc"
