// The ID token checks of an OIDC authorization-code flow, on real tokens signed with generated keys: a valid token
// passes every check, and each way a token can be wrong fails its own check with a plain explanation that never
// holds the token, the nonce or the access token.

#include <QCryptographicHash>
#include <QTest>

#include "FakeClock.h"
#include "crypto/Base64Url.h"
#include "jose/Signer.h"
#include "oauth/FlowError.h"
#include "oauth/IdTokenCheck.h"

using namespace portcullis;
using namespace portcullis::oauth;
using crypto::Algorithm;
namespace b64 = crypto::base64url;

Q_DECLARE_METATYPE(portcullis::crypto::Algorithm)

namespace {

constexpr qint64 NOW = test::FakeClock::DEFAULT_START_MS / 1000; // 2026-01-01T00:00:00Z
const QString ISSUER = QStringLiteral("https://login.example.test/realms/lab");
const QString CLIENT_ID = QStringLiteral("portcullis-lab");
const QByteArray NONCE = "n-0S6_WzA2Mj-nonce-value-of-43-characters-x";
const QByteArray ACCESS_TOKEN = "at-SlAV32hkKG-access-token-value-9f8e7d6c5b4a";
const QStringList ALL_CHECKS = {QStringLiteral("signature"), QStringLiteral("iss"),     QStringLiteral("aud"),
                                QStringLiteral("azp"),       QStringLiteral("nonce"),   QStringLiteral("exp"),
                                QStringLiteral("iat"),       QStringLiteral("at_hash"), QStringLiteral("sub")};

// at_hash computed apart from the code under test: Qt's own hash, Qt's own base64url.
QByteArray independentAtHash(Algorithm algorithm, const QByteArray &accessToken)
{
    const QByteArray name(crypto::jwa::name(algorithm));
    const auto hash = name.endsWith("384")        ? QCryptographicHash::Sha384
        : name.endsWith("512") || name == "EdDSA" ? QCryptographicHash::Sha512
                                                  : QCryptographicHash::Sha256;
    const QByteArray digest = QCryptographicHash::hash(accessToken, hash);
    return digest.first(digest.size() / 2).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// An ID token's claims as (name, raw JSON) pairs, in order, with the defaults of a valid token.
class Claims
{
public:
    explicit Claims(Algorithm algorithm = Algorithm::RS256)
    {
        set("iss", quote(ISSUER.toUtf8()));
        set("sub", "\"248289761001\"");
        set("aud", quote(CLIENT_ID.toUtf8()));
        set("exp", QByteArray::number(NOW + 300));
        set("iat", QByteArray::number(NOW - 10));
        set("nonce", quote(NONCE));
        set("at_hash", quote(independentAtHash(algorithm, ACCESS_TOKEN)));
    }

    static QByteArray quote(const QByteArray &text) { return '"' + text + '"'; }

    Claims &set(const QByteArray &name, const QByteArray &json)
    {
        remove(name);
        m_members.append({name, json});
        return *this;
    }
    Claims &remove(const QByteArray &name)
    {
        m_members.removeIf([&name](const auto &member) { return member.first == name; });
        return *this;
    }
    [[nodiscard]] QByteArray json() const
    {
        QByteArrayList members;
        for (const auto &[name, value] : m_members)
            members << quote(name) + ':' + value;
        return '{' + members.join(',') + '}';
    }

private:
    QList<QPair<QByteArray, QByteArray>> m_members;
};

QByteArray sign(const jose::Jwk &key, Algorithm algorithm, const Claims &claims)
{
    return jose::Signer::sign(key, algorithm, claims.json()).value();
}

// A token with a hand-written header, signed over exactly those bytes (or not at all, for "none").
QByteArray handMade(const QByteArray &header, const QByteArray &payload, const crypto::Key *key = nullptr,
                    Algorithm algorithm = Algorithm::HS256)
{
    const QByteArray input = b64::encode(header) + '.' + b64::encode(payload);
    return input + '.' + (key ? b64::encode(key->sign(algorithm, input).value()) : QByteArray());
}

} // namespace

class TestIdTokenCheck : public QObject
{
    Q_OBJECT

private:
    test::FakeClock m_clock;
    std::optional<jose::Jwk> m_rsa; // private keys, which sign; the provider's set holds their public halves
    std::optional<jose::Jwk> m_ec;
    std::optional<jose::Jwk> m_ed;
    std::optional<jose::Jwk> m_otherRsa; // not in the provider's set
    std::optional<jose::Jwk> m_clientSecret;
    jose::JwkSet m_providerKeys;

    IdTokenExpectations expectations(QList<Algorithm> algorithms = {}) const
    {
        IdTokenExpectations expect;
        expect.issuer = ISSUER;
        expect.clientId = CLIENT_ID;
        expect.nonce = NONCE;
        expect.allowedAlgorithms = std::move(algorithms);
        expect.accessToken = ACCESS_TOKEN;
        return expect;
    }

    const jose::Jwk &keyFor(Algorithm algorithm) const
    {
        switch (crypto::jwa::keyType(algorithm)) {
        case crypto::KeyType::Rsa:
            return *m_rsa;
        case crypto::KeyType::Ec:
            return *m_ec;
        case crypto::KeyType::Okp:
            return *m_ed;
        case crypto::KeyType::Oct:
            break;
        }
        return *m_clientSecret;
    }

    // Checks a token and, whatever the outcome, that nothing secret leaked into the report's words.
    IdTokenReport check(const QByteArray &token, const IdTokenExpectations &expect)
    {
        IdTokenReport report = checkIdToken(token, m_providerKeys, expect, m_clock);
        QStringList texts;
        for (const TokenCheck &line : report.checks)
            texts << line.explanation;
        if (report.error)
            texts << report.error->detail();
        const QByteArrayList segments = token.split('.');
        for (const QString &text : texts) {
            const QByteArray utf8 = text.toUtf8();
            if (utf8.contains(NONCE) || utf8.contains(ACCESS_TOKEN) || (!token.isEmpty() && utf8.contains(token))
                || (segments.size() == 3 && segments.at(2).size() > 8 && utf8.contains(segments.at(2))))
                qFatal("a secret leaked into an explanation: %s", utf8.constData());
        }
        return report;
    }

    // The report refused the token at `name`, with `code`, and the explanation says `words`.
    static void expectFailure(const IdTokenReport &report, const QString &name, const QString &words,
                              FlowError code = FlowError::IdTokenRejected)
    {
        QVERIFY2(!report.ok(), "the ID token was accepted");
        const TokenCheck *line = report.check(name);
        QVERIFY2(line, qPrintable(QStringLiteral("no %1 check in the report").arg(name)));
        QVERIFY2(!line->passed, qPrintable(QStringLiteral("the %1 check passed: %2").arg(name, line->explanation)));
        QVERIFY2(line->explanation.contains(words), qPrintable(line->explanation));
        QVERIFY2(report.error->is(code), qPrintable(report.error->toString()));
    }

    static QStringList failedChecks(const IdTokenReport &report)
    {
        QStringList failed;
        for (const TokenCheck &line : report.checks) {
            if (!line.passed)
                failed << line.name;
        }
        return failed;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_rsa = jose::Jwk::fromKey(crypto::Key::generateRsa(2048).value(), QStringLiteral("rsa-1"));
        m_ec = jose::Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value(), QStringLiteral("ec-1"));
        m_ed = jose::Jwk::fromKey(crypto::Key::generateEd25519().value(), QStringLiteral("ed-1"));
        m_otherRsa = jose::Jwk::fromKey(crypto::Key::generateRsa(2048).value(), QStringLiteral("rsa-1"));
        m_clientSecret = jose::Jwk::fromKey(crypto::Key::generateHmac(32).value(), QStringLiteral("client-secret"));
        for (const jose::Jwk *key : {&*m_rsa, &*m_ec, &*m_ed})
            m_providerKeys.add(jose::Jwk::fromKey(key->key().publicKey(), key->kid()));
    }

    void init() { m_clock.setUnixSeconds(NOW); }

    void validTokenPassesEveryCheck_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        for (Algorithm algorithm : {Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA,
                                    Algorithm::HS256, Algorithm::RS512})
            QTest::newRow(crypto::jwa::name(algorithm)) << algorithm;
    }

    void validTokenPassesEveryCheck()
    {
        QFETCH(Algorithm, algorithm);
        IdTokenExpectations expect = expectations({algorithm});
        if (crypto::jwa::isHmac(algorithm))
            expect.clientSecretKey = *m_clientSecret;
        const Claims claims(algorithm);
        const IdTokenReport report = check(sign(keyFor(algorithm), algorithm, claims), expect);

        QVERIFY2(report.ok(), qPrintable(report.error ? report.error->toString() : QString()));
        QVERIFY(report.signatureVerified);
        QVERIFY(!report.unknownKid);
        QCOMPARE(report.algorithm, algorithm);
        QStringList names;
        for (const TokenCheck &line : report.checks) {
            names << line.name;
            QVERIFY2(line.passed, qPrintable(line.name + u": " + line.explanation));
            QVERIFY2(!line.explanation.isEmpty(), qPrintable(line.name));
        }
        QCOMPARE(names, ALL_CHECKS);
        QCOMPARE(report.claims, claims.json());
        QVERIFY(report.header.contains(QByteArray(QByteArray("\"alg\":\"") + crypto::jwa::name(algorithm) + '"')));
        QVERIFY(report.check(u"at_hash")->explanation.contains(QLatin1String("matches")));
        if (!crypto::jwa::isHmac(algorithm))
            QCOMPARE(report.keyId, keyFor(algorithm).kid());
    }

    void signatureByAnotherKeyIsRefused()
    {
        // Same kid as the provider's RSA key, other key: a forgery, not a rotation.
        const IdTokenReport report = check(sign(*m_otherRsa, Algorithm::RS256, Claims()), expectations());
        expectFailure(report, QStringLiteral("signature"), QStringLiteral("does not verify"));
        QVERIFY(!report.signatureVerified);
        QVERIFY(!report.unknownKid);
        // The other checks still ran, and the claims are there for display.
        QCOMPARE(failedChecks(report), QStringList {QStringLiteral("signature")});
        QCOMPARE(report.checks.size(), ALL_CHECKS.size());
        QCOMPARE(report.claims, Claims().json());

        // A tampered payload under a genuine signature fails the same way.
        QByteArrayList parts = sign(*m_rsa, Algorithm::RS256, Claims()).split('.');
        parts[1] = b64::encode(Claims().set("sub", "\"admin\"").json());
        expectFailure(check(parts.join('.'), expectations()), QStringLiteral("signature"),
                      QStringLiteral("does not verify"));
    }

    void unknownKidAsksForAFreshKeySet()
    {
        const jose::Jwk rotated = jose::Jwk::fromKey(m_otherRsa->key(), QStringLiteral("rsa-2"));
        const QByteArray token = sign(rotated, Algorithm::RS256, Claims());
        const IdTokenReport report = check(token, expectations());
        expectFailure(report, QStringLiteral("signature"), QStringLiteral("rotated its keys"));
        QVERIFY(report.unknownKid);
        QVERIFY(report.check(u"signature")->explanation.contains(QLatin1String("\"rsa-2\"")));

        // The caller fetched the JWKS again: now the key is there and the token passes.
        jose::JwkSet refreshed = m_providerKeys;
        refreshed.add(jose::Jwk::fromKey(rotated.key().publicKey(), rotated.kid()));
        const IdTokenReport retried = checkIdToken(token, refreshed, expectations(), m_clock);
        QVERIFY2(retried.ok(), qPrintable(retried.error ? retried.error->toString() : QString()));
        QCOMPARE(retried.keyId, QStringLiteral("rsa-2"));
    }

    void tokenWithoutKidIsTriedWithTheKeysThatFit()
    {
        jose::HeaderOptions noKid;
        noKid.includeKeyId = false;
        const QByteArray token
            = jose::Signer::sign(*m_ec, Algorithm::ES256, Claims(Algorithm::ES256).json(), noKid).value();
        QVERIFY(!token.isEmpty());
        const IdTokenReport report = check(token, expectations({Algorithm::ES256}));
        QVERIFY2(report.ok(), qPrintable(report.error ? report.error->toString() : QString()));
        QCOMPARE(report.keyId, QStringLiteral("ec-1"));
        // Without a kid, a key that is not in the set is a bad signature, not a rotation to refetch for.
        const jose::Jwk stranger = jose::Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value());
        const IdTokenReport refused
            = check(jose::Signer::sign(stranger, Algorithm::ES256, Claims(Algorithm::ES256).json(), noKid).value(),
                    expectations({Algorithm::ES256}));
        expectFailure(refused, QStringLiteral("signature"), QStringLiteral("does not verify"));
        QVERIFY(!refused.unknownKid);
    }

    void unsignedTokenIsRefused_data()
    {
        QTest::addColumn<QByteArray>("alg");
        QTest::newRow("none") << QByteArray("none");
        QTest::newRow("None") << QByteArray("None");
        QTest::newRow("NONE") << QByteArray("NONE");
    }

    void unsignedTokenIsRefused()
    {
        QFETCH(QByteArray, alg);
        const QByteArray token = handMade("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}", Claims().json());
        const IdTokenReport report = check(token, expectations());
        expectFailure(report, QStringLiteral("signature"), QStringLiteral("unsigned"));
        QVERIFY(report.check(u"signature")->explanation.contains(QLatin1String("attacker forging tokens")));
        QVERIFY(!report.signatureVerified);
        QVERIFY(report.header.contains(alg));
        QCOMPARE(report.claims, Claims().json());
    }

    void algorithmOutsideTheAllowListIsRefused()
    {
        // No list means RS256 only, the OIDC default.
        const QByteArray token = sign(*m_ec, Algorithm::ES256, Claims(Algorithm::ES256));
        expectFailure(check(token, expectations()), QStringLiteral("signature"),
                      QStringLiteral("ES256, which is not allowed for this provider (allowed: RS256)"));
        // HS256 with a client secret, but the provider does not offer HS256.
        IdTokenExpectations expect = expectations({Algorithm::RS256});
        expect.clientSecretKey = *m_clientSecret;
        expectFailure(check(sign(*m_clientSecret, Algorithm::HS256, Claims(Algorithm::HS256)), expect),
                      QStringLiteral("signature"), QStringLiteral("not allowed"));
        // An alg Portcullis does not implement.
        const QByteArray unknown = handMade("{\"alg\":\"RS1\"}", Claims().json(), &m_rsa->key(), Algorithm::RS256);
        expectFailure(check(unknown, expectations()), QStringLiteral("signature"), QStringLiteral("not a signature"));
    }

    void hmacWithThePublicKeyIsRefused()
    {
        // Key confusion: the provider's public RSA key (which anyone can fetch) used as an HMAC secret.
        const QByteArray publicPem = m_rsa->key().toPem(false).value();
        const crypto::Key confused = crypto::Key::fromHmacSecret(crypto::SecretBytes(publicPem)).value();
        const QByteArray token = handMade("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", Claims(Algorithm::HS256).json(),
                                          &confused, Algorithm::HS256);
        // A public client (no secret): HS256 is refused even when listed.
        expectFailure(check(token, expectations({Algorithm::RS256, Algorithm::HS256})), QStringLiteral("signature"),
                      QStringLiteral("key confusion"));
        // A confidential client: only its own secret verifies HS256, never the provider's keys.
        IdTokenExpectations expect = expectations({Algorithm::RS256, Algorithm::HS256});
        expect.clientSecretKey = *m_clientSecret;
        const IdTokenReport report = check(token, expect);
        expectFailure(report, QStringLiteral("signature"), QStringLiteral("does not match the client secret"));
        QVERIFY(!report.unknownKid);
        // Also when the provider's key set itself (wrongly) publishes an oct key.
        jose::JwkSet withOct = m_providerKeys;
        withOct.add(jose::Jwk::fromKey(confused, QStringLiteral("rsa-1")));
        QVERIFY(!checkIdToken(token, withOct, expectations({Algorithm::RS256, Algorithm::HS256}), m_clock).ok());
    }

    void wrongIssuerIsAnIssuerMismatch()
    {
        const QByteArray token = sign(*m_rsa, Algorithm::RS256, Claims().set("iss", "\"https://evil.test\""));
        const IdTokenReport report = check(token, expectations());
        expectFailure(report, QStringLiteral("iss"), QStringLiteral("issued by \"https://evil.test\""),
                      FlowError::IssuerMismatch);
        QVERIFY(report.signatureVerified);
        QCOMPARE(failedChecks(report), QStringList {QStringLiteral("iss")});

        const QByteArray slash
            = sign(*m_rsa, Algorithm::RS256, Claims().set("iss", Claims::quote(ISSUER.toUtf8() + '/')));
        expectFailure(check(slash, expectations()), QStringLiteral("iss"), QStringLiteral("trailing slash"),
                      FlowError::IssuerMismatch);
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("iss")), expectations()),
                      QStringLiteral("iss"), QStringLiteral("names no issuer"), FlowError::IssuerMismatch);
    }

    void wrongAudienceIsRefused()
    {
        const QByteArray token = sign(*m_rsa, Algorithm::RS256, Claims().set("aud", "\"another-app\""));
        expectFailure(check(token, expectations()), QStringLiteral("aud"),
                      QStringLiteral("wrong audience: issued for \"another-app\", the profile's client id is "
                                     "\"portcullis-lab\""));
        const QByteArray array = sign(*m_rsa, Algorithm::RS256, Claims().set("aud", "[\"a\",\"b\"]"));
        expectFailure(check(array, expectations()), QStringLiteral("aud"), QStringLiteral("issued for \"a\", \"b\""));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("aud")), expectations()),
                      QStringLiteral("aud"), QStringLiteral("no audience"));
    }

    void severalAudiencesNeedAnAuthorizedParty()
    {
        const QByteArray aud = "[\"portcullis-lab\",\"another-app\"]";
        const IdTokenReport without = check(sign(*m_rsa, Algorithm::RS256, Claims().set("aud", aud)), expectations());
        expectFailure(without, QStringLiteral("azp"), QStringLiteral("2 audiences but no authorized party"));
        QVERIFY(without.check(u"aud")->passed);

        const IdTokenReport with = check(
            sign(*m_rsa, Algorithm::RS256, Claims().set("aud", aud).set("azp", "\"portcullis-lab\"")), expectations());
        QVERIFY2(with.ok(), qPrintable(with.error ? with.error->toString() : QString()));
    }

    void wrongAuthorizedPartyIsRefused()
    {
        const QByteArray token = sign(*m_rsa, Algorithm::RS256, Claims().set("azp", "\"another-app\""));
        expectFailure(check(token, expectations()), QStringLiteral("azp"),
                      QStringLiteral("the authorized party is \"another-app\""));
    }

    void nonceMustMatch()
    {
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("nonce")), expectations()),
                      QStringLiteral("nonce"), QStringLiteral("has no nonce"));
        const QByteArray wrong = NONCE.left(NONCE.size() - 1) + 'y';
        expectFailure(
            check(sign(*m_rsa, Algorithm::RS256, Claims().set("nonce", Claims::quote(wrong))), expectations()),
            QStringLiteral("nonce"), QStringLiteral("replayed or injected ID token"));
        // No nonce sent: nothing to compare, with or without one in the token.
        IdTokenExpectations noNonce = expectations();
        noNonce.nonce.clear();
        QVERIFY(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("nonce")), noNonce).ok());
        QVERIFY(check(sign(*m_rsa, Algorithm::RS256, Claims()), noNonce).ok());
    }

    void expiryHasALeewayForClockSkew()
    {
        const QByteArray token = sign(*m_rsa, Algorithm::RS256, Claims());
        m_clock.setUnixSeconds(NOW + 300 + 60); // expired 1 min ago: inside the 2 min leeway
        const IdTokenReport within = check(token, expectations());
        QVERIFY2(within.ok(), qPrintable(within.error ? within.error->toString() : QString()));
        QVERIFY(within.check(u"exp")->explanation.contains(QLatin1String("within")));

        m_clock.setUnixSeconds(NOW + 300 + 180); // 3 min ago: beyond it
        const IdTokenReport expired = check(token, expectations());
        expectFailure(expired, QStringLiteral("exp"), QStringLiteral("expired 3 min ago"));
        QVERIFY(expired.check(u"exp")->explanation.contains(QLatin1String("clock skew")));
        QVERIFY(expired.signatureVerified);

        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("exp")), expectations()),
                      QStringLiteral("exp"), QStringLiteral("no expiry"));
    }

    void malformedTimeClaimsAreRefusedAfterAGoodSignature()
    {
        const IdTokenReport report
            = check(sign(*m_rsa, Algorithm::RS256, Claims().set("exp", "\"tomorrow\"")), expectations());
        QVERIFY(report.signatureVerified);
        QVERIFY(report.check(u"signature")->passed);
        expectFailure(report, QStringLiteral("exp"), QStringLiteral("must be a number"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("iat", "-5")), expectations()),
                      QStringLiteral("iat"), QStringLiteral("out of range"));
    }

    void issueTimeMustBeRecentAndNotInTheFuture()
    {
        const QByteArray future = sign(*m_rsa, Algorithm::RS256,
                                       Claims().set("iat", QByteArray::number(NOW + 600)).set("exp", "1767230000"));
        const IdTokenReport report = check(future, expectations());
        expectFailure(report, QStringLiteral("iat"), QStringLiteral("10 min in the future"));
        QVERIFY(report.check(u"iat")->explanation.contains(QLatin1String("clock skew")));

        // Inside the leeway: accepted.
        QVERIFY(check(sign(*m_rsa, Algorithm::RS256, Claims().set("iat", QByteArray::number(NOW + 60))), expectations())
                    .ok());

        const QByteArray old = sign(*m_rsa, Algorithm::RS256, Claims().set("iat", QByteArray::number(NOW - 25 * 3600)));
        expectFailure(check(old, expectations()), QStringLiteral("iat"), QStringLiteral("longer ago than the 1 day"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("iat")), expectations()),
                      QStringLiteral("iat"), QStringLiteral("no issue time"));
    }

    void notBeforeIsCheckedWhenPresent()
    {
        const IdTokenReport past
            = check(sign(*m_rsa, Algorithm::RS256, Claims().set("nbf", QByteArray::number(NOW - 10))), expectations());
        QVERIFY(past.ok());
        QVERIFY(past.check(u"nbf") && past.check(u"nbf")->passed);
        expectFailure(
            check(sign(*m_rsa, Algorithm::RS256, Claims().set("nbf", QByteArray::number(NOW + 600))), expectations()),
            QStringLiteral("nbf"), QStringLiteral("not valid before"));
    }

    void subjectIsRequired()
    {
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().remove("sub")), expectations()),
                      QStringLiteral("sub"), QStringLiteral("no subject"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("sub", "\"\"")), expectations()),
                      QStringLiteral("sub"), QStringLiteral("empty"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("sub", "42")), expectations()),
                      QStringLiteral("sub"), QStringLiteral("must be a string"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("sub", Claims::quote(QByteArray(256, 'a')))),
                            expectations()),
                      QStringLiteral("sub"), QStringLiteral("256 bytes"));
        QVERIFY(check(sign(*m_rsa, Algorithm::RS256, Claims().set("sub", Claims::quote(QByteArray(255, 'a')))),
                      expectations())
                    .ok());
    }

    void accessTokenHashBindsTheAccessToken()
    {
        // Wrong: the hash of another access token.
        const QByteArray swapped = Claims::quote(independentAtHash(Algorithm::RS256, "another-access-token"));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("at_hash", swapped)), expectations()),
                      QStringLiteral("at_hash"), QStringLiteral("does not match the access token"));
        // Right hash function matters: SHA-512's half in an RS256 token is refused.
        const QByteArray wrongHash = Claims::quote(independentAtHash(Algorithm::RS512, ACCESS_TOKEN));
        expectFailure(check(sign(*m_rsa, Algorithm::RS256, Claims().set("at_hash", wrongHash)), expectations()),
                      QStringLiteral("at_hash"), QStringLiteral("does not match"));
        // Absent: optional in the code flow.
        const IdTokenReport absent = check(sign(*m_rsa, Algorithm::RS256, Claims().remove("at_hash")), expectations());
        QVERIFY(absent.ok());
        QVERIFY(absent.check(u"at_hash")->explanation.contains(QLatin1String("absent")));
        // No access token to compare with: not checked, not refused.
        IdTokenExpectations noAccessToken = expectations();
        noAccessToken.accessToken.clear();
        const IdTokenReport unchecked
            = check(sign(*m_rsa, Algorithm::RS256, Claims().set("at_hash", swapped)), noAccessToken);
        QVERIFY(unchecked.ok());
        QVERIFY(unchecked.check(u"at_hash")->explanation.contains(QLatin1String("not checked")));
    }

    void accessTokenHashVectors_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        QTest::addColumn<QByteArray>("accessToken");
        QTest::addColumn<QByteArray>("expected");
        // OpenID Connect Core 1.0, Appendix A.3 (RS256).
        QTest::newRow("OIDC Core A.3") << Algorithm::RS256 << QByteArray("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y")
                                       << QByteArray("77QmUPtjPfzWtF2AnpK9RQ");
        // The same rule gives c_hash: OpenID Connect Core 1.0, Appendix A.4 (RS256, the code as input).
        QTest::newRow("OIDC Core A.4 c_hash")
            << Algorithm::RS256 << QByteArray("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk")
            << QByteArray("LDktKdoQak3Pk0cnXxCltA");
        for (Algorithm algorithm : crypto::jwa::all()) {
            for (const QByteArray &token : {QByteArray("a"), ACCESS_TOKEN, QByteArray(1000, 'z')})
                QTest::addRow("%s/%d", crypto::jwa::name(algorithm), int(token.size()))
                    << algorithm << token << independentAtHash(algorithm, token);
        }
    }

    void accessTokenHashVectors()
    {
        QFETCH(Algorithm, algorithm);
        QFETCH(QByteArray, accessToken);
        QFETCH(QByteArray, expected);
        QCOMPARE(accessTokenHash(algorithm, accessToken), expected);
    }

    void eddsaHashesWithSha512()
    {
        const QByteArray hash = accessTokenHash(Algorithm::EdDSA, "dNZX1hEZ9wBCzNL40Upu646bdzQA");
        QCOMPARE(hash.size(), 43); // 32 bytes: half of SHA-512
        QCOMPARE(hash, accessTokenHash(Algorithm::HS512, "dNZX1hEZ9wBCzNL40Upu646bdzQA"));
    }

    void unreadableTokensAreRefusedUnread()
    {
        const IdTokenReport garbage = check("not-a-token", expectations());
        expectFailure(garbage, QStringLiteral("format"), QStringLiteral("cannot be read"));
        QCOMPARE(garbage.checks.size(), 1);
        QVERIFY(garbage.claims.isEmpty());

        const QByteArray huge
            = sign(*m_rsa, Algorithm::RS256, Claims().set("pad", Claims::quote(QByteArray(70000, 'p'))));
        expectFailure(check(huge, expectations()), QStringLiteral("format"), QStringLiteral("65536"));

        const QByteArray jwe = b64::encode("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}") + ".a.b.c.d";
        expectFailure(check(jwe, expectations()), QStringLiteral("format"), QStringLiteral("encrypted"));

        const QByteArray notJson
            = handMade("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", "plain text", &m_rsa->key(), Algorithm::RS256);
        const IdTokenReport opaque = check(notJson, expectations());
        expectFailure(opaque, QStringLiteral("claims"), QStringLiteral("not a JSON object"));
        QVERIFY(opaque.signatureVerified);
    }

    void attackerTextIsEscapedAndBounded()
    {
        const QByteArray evil = "\"https://evil.test/\\u202e\\n" + QByteArray(500, 'x') + '"';
        const IdTokenReport report = check(sign(*m_rsa, Algorithm::RS256, Claims().set("iss", evil)), expectations());
        const QString text = report.check(u"iss")->explanation;
        QVERIFY2(!text.contains(QChar(0x202e)) && !text.contains(u'\n'), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("\\u202e")), qPrintable(text));
        QVERIFY2(text.size() < 400, qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestIdTokenCheck)

#include "TestIdTokenCheck.moc"
