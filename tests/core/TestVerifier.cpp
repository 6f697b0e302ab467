// The verifier against valid and hostile tokens: every refusal has its own code and a plain explanation.

#include <QTest>

#include "FakeClock.h"
#include "crypto/Base64Url.h"
#include "jose/JoseError.h"
#include "jose/Signer.h"
#include "jose/Verifier.h"

using namespace portcullis;
using namespace portcullis::jose;
using crypto::Algorithm;
namespace b64 = crypto::base64url;

Q_DECLARE_METATYPE(portcullis::crypto::Algorithm)

namespace {

constexpr qint64 NOW = test::FakeClock::DEFAULT_START_MS / 1000; // 2026-01-01T00:00:00Z

QByteArray claims(const QByteArray &extra = {})
{
    QByteArray json = "{\"iss\":\"https://issuer.test\",\"sub\":\"alice\",\"aud\":\"api\",\"iat\":"
        + QByteArray::number(NOW - 60) + ",\"exp\":" + QByteArray::number(NOW + 600);
    if (!extra.isEmpty())
        json += ',' + extra;
    return json + '}';
}

// A token with a hand-written header and payload, signed with `key` over exactly those bytes.
QByteArray handMade(const Jwk &key, Algorithm algorithm, const QByteArray &header, const QByteArray &payload)
{
    const QByteArray input = b64::encode(header) + '.' + b64::encode(payload);
    return input + '.' + b64::encode(key.key().sign(algorithm, input).value());
}

QByteArray unsignedToken(const QByteArray &header, const QByteArray &payload, const QByteArray &signature = {})
{
    return b64::encode(header) + '.' + b64::encode(payload) + '.' + signature;
}

} // namespace

class TestVerifier : public QObject
{
    Q_OBJECT

private:
    test::FakeClock m_clock;
    std::optional<Jwk> m_rsa;
    std::optional<Jwk> m_ec;
    std::optional<Jwk> m_hmac;

    Verifier verifier(const Jwk &key, QList<Algorithm> algorithms, VerificationPolicy policy = {}) const
    {
        policy.allowedAlgorithms = std::move(algorithms);
        return Verifier(policy, JwkSet({key}), m_clock);
    }

    void expectRefusal(const Result<VerifiedToken> &result, JoseError code, const QString &explanation)
    {
        QVERIFY2(!result.has_value(), "the token was accepted");
        QVERIFY2(result.error().is(code), qPrintable(result.error().toString()));
        QVERIFY2(result.error().detail().contains(explanation), qPrintable(result.error().detail()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_rsa = Jwk::fromKey(crypto::Key::generateRsa(2048).value(), QStringLiteral("rsa-1"));
        m_ec = Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value(), QStringLiteral("ec-1"));
        m_hmac = Jwk::fromKey(crypto::Key::generateHmac(32).value(), QStringLiteral("hmac-1"));
    }

    void validTokensForEveryAlgorithm_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        for (Algorithm algorithm : crypto::jwa::all())
            QTest::newRow(crypto::jwa::name(algorithm)) << algorithm;
    }
    void validTokensForEveryAlgorithm()
    {
        QFETCH(Algorithm, algorithm);
        const Jwk key = Jwk::fromKey(crypto::Key::generateFor(algorithm).value());
        const QByteArray token = Signer::sign(key, algorithm, claims()).value();
        VerificationPolicy policy;
        policy.issuer = QStringLiteral("https://issuer.test");
        policy.audience = QStringLiteral("api");
        policy.type = QStringLiteral("JWT");
        policy.requiredClaims = {QStringLiteral("exp"), QStringLiteral("sub")};
        // Verification uses the public key only.
        const Jwk publicKey = Jwk::fromKey(key.key().publicKey(), key.kid());
        const auto verified = verifier(publicKey, {algorithm}, policy).verify(token);
        QVERIFY2(verified.has_value(), qPrintable(verified ? QString() : verified.error().toString()));
        QCOMPARE(verified->algorithm, algorithm);
        QCOMPARE(verified->keyId, key.kid());
        QCOMPARE(key.kid(), QString::fromLatin1(key.thumbprint())); // RFC 7638 thumbprint as default kid
    }

    void unsecuredTokensAreRefused_data()
    {
        QTest::addColumn<QByteArray>("alg");
        QTest::addColumn<QByteArray>("signature");
        for (const char *spelling : {"none", "None", "NONE", "nOnE"}) {
            QTest::addRow("%s, empty signature", spelling) << QByteArray(spelling) << QByteArray();
            QTest::addRow("%s, with signature", spelling) << QByteArray(spelling) << QByteArray("c2lnbmF0dXJl");
        }
    }
    void unsecuredTokensAreRefused()
    {
        QFETCH(QByteArray, alg);
        QFETCH(QByteArray, signature);
        const QByteArray token = unsignedToken("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}", claims(), signature);
        // Even a policy that allows every real algorithm refuses it.
        expectRefusal(verifier(*m_hmac, crypto::jwa::all()).verify(token), JoseError::UnsecuredToken,
                      QStringLiteral("unsecured token"));
    }

    void hmacKeyedWithPublicKeyBytesIsRefused()
    {
        // The classic confusion attack: sign HS256 with the verifier's public key PEM as the HMAC secret.
        const QByteArray publicPem = m_rsa->key().toPem(false).value();
        const Jwk forged
            = Jwk::fromKey(crypto::Key::fromHmacSecret(crypto::SecretBytes(publicPem)).value(), m_rsa->kid());
        const QByteArray token = Signer::sign(forged, Algorithm::HS256, claims()).value();
        const Jwk publicOnly = Jwk::fromKey(m_rsa->key().publicKey(), m_rsa->kid());
        expectRefusal(verifier(publicOnly, {Algorithm::RS256, Algorithm::HS256}).verify(token),
                      JoseError::NoSuitableKey,
                      QStringLiteral("HS256 is not allowed for an RSA key (accepting it would let anyone holding the "
                                     "public key forge tokens)"));
    }

    void keyTypeAndAlgorithmMismatches()
    {
        const QByteArray es256 = Signer::sign(*m_ec, Algorithm::ES256, claims()).value();
        // An EC key asked to verify as ES384: the curve is pinned.
        const QByteArray relabelled
            = unsignedToken("{\"alg\":\"ES384\",\"kid\":\"ec-1\"}", claims(), es256.mid(es256.lastIndexOf('.') + 1));
        expectRefusal(verifier(*m_ec, {Algorithm::ES256, Algorithm::ES384}).verify(relabelled),
                      JoseError::NoSuitableKey, QStringLiteral("ES384 requires a P-384 key, not P-256"));
        // An algorithm the policy does not allow.
        expectRefusal(verifier(*m_ec, {Algorithm::RS256}).verify(es256), JoseError::AlgorithmNotAllowed,
                      QStringLiteral("ES256 is not allowed here (allowed: RS256)"));
        // A name that is not an algorithm, or the wrong case.
        for (const QByteArray &alg : {QByteArray("hs256"), QByteArray("HS999"), QByteArray("RSA-OAEP")})
            expectRefusal(verifier(*m_hmac, {Algorithm::HS256})
                              .verify(unsignedToken("{\"alg\":\"" + alg + "\"}", claims(), "AAAA")),
                          JoseError::UnknownAlgorithm, QStringLiteral("is not a JWS algorithm"));
        // A JWK restricted to one algorithm by its "alg".
        const Jwk restricted = Jwk::fromKey(m_rsa->key(), QStringLiteral("rsa-1"), Algorithm::PS256);
        const QByteArray rs256 = Signer::sign(*m_rsa, Algorithm::RS256, claims()).value();
        expectRefusal(verifier(restricted, {Algorithm::RS256, Algorithm::PS256}).verify(rs256),
                      JoseError::NoSuitableKey, QStringLiteral("restricted to PS256"));
    }

    void signaturesThatDoNotMatch()
    {
        // A valid signature moved onto other claims.
        const QByteArray token = Signer::sign(*m_hmac, Algorithm::HS256, claims()).value();
        const QList<QByteArray> parts = token.split('.');
        const QByteArray tampered = parts[0] + '.' + b64::encode(claims("\"role\":\"admin\"")) + '.' + parts[2];
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256}).verify(tampered), JoseError::SignatureInvalid,
                      QStringLiteral("signature does not match key kid=hmac-1"));

        const QByteArray es256 = Signer::sign(*m_ec, Algorithm::ES256, claims()).value();
        const QByteArray body = es256.left(es256.lastIndexOf('.') + 1);
        expectRefusal(verifier(*m_ec, {Algorithm::ES256}).verify(QByteArray(body + b64::encode(QByteArray(64, '\0')))),
                      JoseError::SignatureInvalid, QStringLiteral("CVE-2022-21449"));
        expectRefusal(verifier(*m_ec, {Algorithm::ES256}).verify(QByteArray(body + b64::encode(QByteArray(63, '\1')))),
                      JoseError::SignatureInvalid, QStringLiteral("64 bytes"));
        expectRefusal(verifier(*m_ec, {Algorithm::ES256}).verify(body), JoseError::SignatureInvalid,
                      QStringLiteral("the signature segment is empty"));
        const QByteArray rs256 = Signer::sign(*m_rsa, Algorithm::RS256, claims()).value();
        const QByteArray shortened = rs256.left(rs256.lastIndexOf('.') + 1)
            + b64::encode(b64::decode(rs256.mid(rs256.lastIndexOf('.') + 1)).value().left(252));
        expectRefusal(verifier(*m_rsa, {Algorithm::RS256}).verify(shortened), JoseError::SignatureInvalid,
                      QStringLiteral("is 256 bytes"));
    }

    void malformedSerializations_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("explanation");
        const QByteArray header = b64::encode("{\"alg\":\"HS256\"}");
        const QByteArray payload = b64::encode(claims());
        QTest::newRow("one segment") << header << int(JoseError::Malformed) << "this token has 1";
        QTest::newRow("two segments") << header + '.' + payload << int(JoseError::Malformed) << "this token has 2";
        QTest::newRow("four segments") << header + '.' + payload + ".AA.AA" << int(JoseError::Malformed)
                                       << "this token has 4";
        // The segment count is reported before anything wrong inside the segments.
        QTest::newRow("four segments, empty header")
            << '.' + payload + ".AA.AA" << int(JoseError::Malformed) << "this token has 4";
        QTest::newRow("four segments, bad payload")
            << header + ".!!.AA.AA" << int(JoseError::Malformed) << "this token has 4";
        QTest::newRow("four segments, header not JSON")
            << b64::encode("alg=HS256") + '.' + payload + ".AA.AA" << int(JoseError::Malformed) << "this token has 4";
        QTest::newRow("four segments, good signature")
            << header + '.' + payload + ".AA." << int(JoseError::Malformed) << "this token has 4";
        QTest::newRow("JWE") << b64::encode("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}") + ".a.b.c.d"
                             << int(JoseError::Encrypted) << "encrypted token (JWE";
        QTest::newRow("padded") << header + '.' + payload + ".AAAA==" << int(JoseError::Malformed) << "padding";
        QTest::newRow("plus sign") << header + '.' + payload + ".AA+A" << int(JoseError::Malformed) << "'+'";
        QTest::newRow("non-canonical") << header + '.' + payload + ".AB" << int(JoseError::Malformed)
                                       << "not canonical";
        QTest::newRow("header not JSON") << b64::encode("alg=HS256") + '.' + payload + ".AA"
                                         << int(JoseError::Malformed) << "the header is not valid JSON";
        QTest::newRow("header array") << b64::encode("[\"HS256\"]") + '.' + payload + ".AA" << int(JoseError::Malformed)
                                      << "not an object";
        QTest::newRow("duplicate alg") << b64::encode("{\"alg\":\"HS256\",\"alg\":\"none\"}") + '.' + payload + ".AA"
                                       << int(JoseError::Malformed) << "duplicate member";
        QTest::newRow("escaped duplicate")
            << b64::encode("{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}") + '.' + payload + ".AA"
            << int(JoseError::Malformed) << "duplicate member";
        QTest::newRow("duplicate claim") << header + '.' + b64::encode("{\"sub\":\"a\",\"sub\":\"admin\"}") + ".AA"
                                         << int(JoseError::Malformed) << "duplicate member";
        QTest::newRow("deep header") << b64::encode(QByteArray("{\"alg\":\"HS256\",\"x\":" + QByteArray(100, '[')
                                                               + QByteArray(100, ']') + "}"))
                + '.' + payload + ".AA"
                                     << int(JoseError::Malformed) << "nesting";
        QTest::newRow("oversized") << QByteArray(70000, 'A') << int(JoseError::TooLarge) << "tokens above 65536 bytes";
        QTest::newRow("empty") << QByteArray() << int(JoseError::Malformed) << "empty";
    }
    void malformedSerializations()
    {
        QFETCH(QByteArray, token);
        QFETCH(int, code);
        QFETCH(QString, explanation);
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256}).verify(token), static_cast<JoseError>(code), explanation);
    }

    void criticalHeaders()
    {
        const auto withHeader
            = [this](const QByteArray &header) { return handMade(*m_hmac, Algorithm::HS256, header, claims()); };
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256})
                          .verify(withHeader("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}")),
                      JoseError::UnsupportedCritical, QStringLiteral("does not understand"));
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256})
                          .verify(withHeader("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}")),
                      JoseError::UnsupportedCritical, QStringLiteral("\"b64\""));
        expectRefusal(
            verifier(*m_hmac, {Algorithm::HS256}).verify(withHeader("{\"alg\":\"HS256\",\"crit\":[\"alg\"]}")),
            JoseError::UnsupportedCritical, QStringLiteral("registered header"));
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256}).verify(withHeader("{\"alg\":\"HS256\",\"crit\":[\"x\"]}")),
                      JoseError::UnsupportedCritical, QStringLiteral("does not contain"));
        expectRefusal(verifier(*m_hmac, {Algorithm::HS256}).verify(withHeader("{\"alg\":\"HS256\",\"crit\":[]}")),
                      JoseError::UnsupportedCritical, QStringLiteral("non-empty array"));
        VerificationPolicy understood;
        understood.understoodCritical = {QStringLiteral("exp")};
        QVERIFY(verifier(*m_hmac, {Algorithm::HS256}, understood)
                    .verify(withHeader("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}"))
                    .has_value());
    }

    void embeddedKeysAreNeverTrusted()
    {
        // A token that carries its own key (jwk) and key URL (jku), signed by that key: still refused.
        const Jwk attacker = Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value(), QStringLiteral("ec-1"));
        const QByteArray header = "{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"jku\":\"https://evil.test/jwks\",\"jwk\":"
            + attacker.toJson(false) + "}";
        expectRefusal(
            verifier(*m_ec, {Algorithm::ES256}).verify(handMade(attacker, Algorithm::ES256, header, claims())),
            JoseError::SignatureInvalid, QStringLiteral("signature does not match key kid=ec-1"));
    }

    void keyIds()
    {
        const QByteArray token = Signer::sign(*m_hmac, Algorithm::HS256, claims()).value();
        const Jwk other = Jwk::fromKey(crypto::Key::generateHmac(32).value(), QStringLiteral("hmac-2"));
        expectRefusal(verifier(other, {Algorithm::HS256}).verify(token), JoseError::UnknownKeyId,
                      QStringLiteral("no key has kid=\"hmac-1\" (known: hmac-2)"));
        // Without a kid, every suitable key is tried.
        HeaderOptions noKid;
        noKid.includeKeyId = false;
        const QByteArray anonymous = Signer::sign(*m_hmac, Algorithm::HS256, claims(), noKid).value();
        VerificationPolicy policy;
        policy.allowedAlgorithms = {Algorithm::HS256};
        const Verifier both(policy, JwkSet({other, *m_hmac}), m_clock);
        QCOMPARE(both.verify(anonymous).value().keyId, QStringLiteral("hmac-1"));
        const Verifier wrong(policy, JwkSet({other}), m_clock);
        expectRefusal(wrong.verify(anonymous), JoseError::SignatureInvalid, QStringLiteral("kid=hmac-2"));
    }

    void timeClaims_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("leeway");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("explanation");
        const QByteArray now = QByteArray::number(NOW);
        QTest::newRow("expired") << "{\"exp\":" + QByteArray::number(NOW - 180) + "}" << 0 << int(JoseError::Expired)
                                 << "expired 3 min ago at 2025-12-31 23:57:00 UTC";
        QTest::newRow("expired exactly now")
            << "{\"exp\":" + now + "}" << 0 << int(JoseError::Expired) << "expired now";
        QTest::newRow("expired within leeway") << "{\"exp\":" + QByteArray::number(NOW - 20) + "}" << 30 << -1 << "";
        QTest::newRow("expired beyond leeway")
            << "{\"exp\":" + QByteArray::number(NOW - 40) + "}" << 30 << int(JoseError::Expired) << "(leeway 30 s)";
        QTest::newRow("not yet valid") << "{\"nbf\":" + QByteArray::number(NOW + 120) + "}" << 0
                                       << int(JoseError::NotYetValid)
                                       << "not valid before 2026-01-01 00:02:00 UTC (in 2 min)";
        QTest::newRow("issued in future") << "{\"iat\":" + QByteArray::number(NOW + 3600) + "}" << 0
                                          << int(JoseError::IssuedInFuture) << "1 h from now";
        QTest::newRow("string exp") << QByteArray("{\"exp\":\"1767225600\"}") << 0 << int(JoseError::InvalidClaim)
                                    << "not a string";
        QTest::newRow("huge exp") << QByteArray("{\"exp\":1e300}") << 0 << int(JoseError::InvalidClaim)
                                  << "out of range";
        QTest::newRow("int64 overflow") << QByteArray("{\"exp\":99999999999999999999999}") << 0
                                        << int(JoseError::InvalidClaim) << "out of range";
        QTest::newRow("past year 9999") << QByteArray("{\"exp\":253402300800}") << 0 << int(JoseError::InvalidClaim)
                                        << "past the year 9999";
        QTest::newRow("negative iat") << QByteArray("{\"iat\":-5}") << 0 << int(JoseError::InvalidClaim) << "negative";
        QTest::newRow("fractional exp valid") << "{\"exp\":" + QByteArray::number(NOW + 10) + ".75}" << 0 << -1 << "";
        QTest::newRow("fractional exp expired")
            << "{\"exp\":" + QByteArray::number(NOW) + ".5}" << 0 << int(JoseError::Expired) << "expired";
        QTest::newRow("array nbf") << QByteArray("{\"nbf\":[1]}") << 0 << int(JoseError::InvalidClaim) << "NumericDate";
        QTest::newRow("bool exp") << QByteArray("{\"exp\":true}") << 0 << int(JoseError::InvalidClaim) << "NumericDate";
    }
    void timeClaims()
    {
        QFETCH(QByteArray, payload);
        QFETCH(int, leeway);
        QFETCH(int, code);
        QFETCH(QString, explanation);
        VerificationPolicy policy;
        policy.leeway = std::chrono::seconds(leeway);
        const QByteArray token = Signer::sign(*m_hmac, Algorithm::HS256, payload).value();
        const auto result = verifier(*m_hmac, {Algorithm::HS256}, policy).verify(token);
        if (code < 0) {
            QVERIFY2(result.has_value(), qPrintable(result ? QString() : result.error().toString()));
            return;
        }
        expectRefusal(result, static_cast<JoseError>(code), explanation);
    }

    void issuerAudienceTypeAndRequiredClaims_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QByteArray>("typ");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("valid, aud array")
            << QByteArray("{\"iss\":\"https://issuer.test\",\"aud\":[\"x\",\"api\"],\"sub\":\"a\"}")
            << QByteArray("JWT") << -1 << "";
        QTest::newRow("typ with media prefix")
            << QByteArray("{\"iss\":\"https://issuer.test\",\"aud\":\"api\",\"sub\":\"a\"}")
            << QByteArray("application/jwt") << -1 << "";
        QTest::newRow("wrong issuer") << QByteArray("{\"iss\":\"https://evil.test\",\"aud\":\"api\",\"sub\":\"a\"}")
                                      << QByteArray("JWT") << int(JoseError::IssuerMismatch)
                                      << "issuer is \"https://evil.test\", expected \"https://issuer.test\"";
        QTest::newRow("no issuer") << QByteArray("{\"aud\":\"api\",\"sub\":\"a\"}") << QByteArray("JWT")
                                   << int(JoseError::MissingClaim) << "names no issuer";
        QTest::newRow("wrong audience") << QByteArray(
            "{\"iss\":\"https://issuer.test\",\"aud\":[\"web\",\"admin\"],\"sub\":\"a\"}")
                                        << QByteArray("JWT") << int(JoseError::AudienceMismatch)
                                        << "audience is \"web\", \"admin\", expected \"api\"";
        QTest::newRow("numeric audience") << QByteArray("{\"iss\":\"https://issuer.test\",\"aud\":5,\"sub\":\"a\"}")
                                          << QByteArray("JWT") << int(JoseError::InvalidClaim) << "\"aud\" must be";
        QTest::newRow("wrong typ") << QByteArray("{\"iss\":\"https://issuer.test\",\"aud\":\"api\",\"sub\":\"a\"}")
                                   << QByteArray("at+jwt") << int(JoseError::TypeMismatch) << "\"typ\" is \"at+jwt\"";
        QTest::newRow("missing sub") << QByteArray("{\"iss\":\"https://issuer.test\",\"aud\":\"api\"}")
                                     << QByteArray("JWT") << int(JoseError::MissingClaim) << "required claim \"sub\"";
        QTest::newRow("not a claims set")
            << QByteArray("hello") << QByteArray("JWT") << int(JoseError::Malformed) << "not a JSON claims set";
    }
    void issuerAudienceTypeAndRequiredClaims()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QByteArray, typ);
        QFETCH(int, code);
        QFETCH(QString, explanation);
        VerificationPolicy policy;
        policy.issuer = QStringLiteral("https://issuer.test");
        policy.audience = QStringLiteral("api");
        policy.type = QStringLiteral("JWT");
        policy.requiredClaims = {QStringLiteral("sub")};
        HeaderOptions header;
        header.type = QString::fromUtf8(typ);
        const QByteArray token = Signer::sign(*m_hmac, Algorithm::HS256, payload, header).value();
        const auto result = verifier(*m_hmac, {Algorithm::HS256}, policy).verify(token);
        if (code < 0) {
            QVERIFY2(result.has_value(), qPrintable(result ? QString() : result.error().toString()));
            return;
        }
        expectRefusal(result, static_cast<JoseError>(code), explanation);
    }

    void headerCacheNeverConfusesTokens()
    {
        // Headers of the same length that differ in one byte, verified alternately: the per-thread header cache must
        // answer each from its own bytes.
        const Jwk keyA = Jwk::fromKey(crypto::Key::generateHmac(32).value(), QStringLiteral("key-a"));
        const Jwk keyB = Jwk::fromKey(crypto::Key::generateHmac(32).value(), QStringLiteral("key-b"));
        VerificationPolicy policy;
        policy.allowedAlgorithms = {Algorithm::HS256};
        const Verifier verifier(policy, JwkSet({keyA, keyB}), m_clock);
        const QByteArray a = Signer::sign(keyA, Algorithm::HS256, claims()).value();
        const QByteArray b = Signer::sign(keyB, Algorithm::HS256, claims()).value();
        const QByteArray swapped = a.left(a.indexOf('.')) + b.mid(b.indexOf('.')); // header of a, body of b
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(verifier.verify(a).value().keyId, QStringLiteral("key-a"));
            QCOMPARE(verifier.verify(b).value().keyId, QStringLiteral("key-b"));
            QVERIFY(verifier.verify(swapped).error().is(JoseError::SignatureInvalid));
        }
        // A stricter limit applies even to a header seen before under looser ones.
        VerificationPolicy strict = policy;
        strict.limits.json.maxValues = 1;
        const Verifier strictVerifier(strict, JwkSet({keyA}), m_clock);
        QVERIFY(strictVerifier.verify(a).error().is(JoseError::Malformed));
        QVERIFY(verifier.verify(a).has_value());
    }

    void errorCodesAreDistinct()
    {
        QSet<QString> names;
        for (int code = 0; code <= int(JoseError::Unknown); ++code)
            names.insert(QString::fromLatin1(errorCodeName(static_cast<JoseError>(code))));
        QCOMPARE(names.size(), int(JoseError::Unknown) + 1);
        QVERIFY(!names.contains(QStringLiteral("unknown")));
    }
};

QTEST_GUILESS_MAIN(TestVerifier)
#include "TestVerifier.moc"
