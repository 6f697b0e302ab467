#include <QTest>

#include <thread>
#include <vector>

#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/CryptoError.h"
#include "crypto/Key.h"

using namespace portcullis;
using namespace portcullis::crypto;

Q_DECLARE_METATYPE(portcullis::crypto::Algorithm)

namespace {

// PEM in a given OpenSSL output structure ("PrivateKeyInfo", "SubjectPublicKeyInfo", "type-specific").
QByteArray encodePem(const EVP_PKEY *key, int selection, const char *structure)
{
    OSSL_ENCODER_CTX *encoder = OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", structure, nullptr);
    unsigned char *data = nullptr;
    size_t length = 0;
    QByteArray pem;
    if (encoder && OSSL_ENCODER_to_data(encoder, &data, &length) == 1)
        pem = QByteArray(reinterpret_cast<const char *>(data), static_cast<qsizetype>(length));
    OPENSSL_free(data);
    OSSL_ENCODER_CTX_free(encoder);
    return pem;
}

// A self-signed certificate around `key`, made here so that no key material lives in test fixtures.
QByteArray selfSignedCertificate(const Key &key)
{
    auto *pkey = const_cast<EVP_PKEY *>(key.evpKey());
    X509 *certificate = X509_new();
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
    X509_set_pubkey(certificate, pkey);
    X509_NAME *name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("portcullis test"), -1,
                               -1, 0);
    X509_set_issuer_name(certificate, name);
    X509_sign(certificate, pkey, EVP_sha256());
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate);
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, static_cast<qsizetype>(length));
    BIO_free(bio);
    X509_free(certificate);
    return pem;
}

const QByteArray INPUT = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UifQ";

} // namespace

class TestKey : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void namesJoinForMessages()
    {
        QCOMPARE(jwa::names({Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA}),
                 QStringLiteral("RS256, ES256, EdDSA"));
        QCOMPARE(jwa::names({}), QString());
    }

    void signAndVerifyEveryAlgorithm_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        for (Algorithm algorithm : jwa::all())
            QTest::newRow(jwa::name(algorithm)) << algorithm;
    }
    void signAndVerifyEveryAlgorithm()
    {
        QFETCH(Algorithm, algorithm);
        const auto key = Key::generateFor(algorithm);
        QVERIFY2(key.has_value(), qPrintable(key ? QString() : key.error().toString()));
        QVERIFY(key->algorithms().contains(algorithm));

        const auto signature = key->sign(algorithm, INPUT);
        QVERIFY2(signature.has_value(), qPrintable(signature ? QString() : signature.error().toString()));
        if (const int size = jwa::ecdsaSignatureSize(algorithm))
            QCOMPARE(signature->size(), size);

        QVERIFY(key->verify(algorithm, INPUT, *signature).has_value());
        QVERIFY(key->publicKey().verify(algorithm, INPUT, *signature).has_value());

        const auto tampered = key->verify(algorithm, QByteArray(INPUT + "x"), *signature);
        QVERIFY(!tampered.has_value());
        QVERIFY(tampered.error().is(CryptoError::SignatureMismatch));

        QByteArray flipped = *signature;
        flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x01);
        QVERIFY(!key->verify(algorithm, INPUT, flipped).has_value());

        const auto truncated = key->verify(algorithm, INPUT, signature->chopped(1));
        QVERIFY(!truncated.has_value());
        QVERIFY2(truncated.error().is(CryptoError::InvalidSignature)
                     || truncated.error().is(CryptoError::SignatureMismatch),
                 qPrintable(truncated.error().toString()));

        // The same key material, rebuilt from its components, verifies too.
        const auto rebuilt = Key::fromComponents(key->components(true));
        QVERIFY(rebuilt.has_value());
        QVERIFY(rebuilt->verify(algorithm, INPUT, *signature).has_value());
        QCOMPARE(rebuilt->description(), key->description());
    }

    void publicKeysCannotSign()
    {
        const Key key = Key::generateEc(Curve::P256).value();
        const auto signature = key.publicKey().sign(Algorithm::ES256, INPUT);
        QVERIFY(signature.error().is(CryptoError::MissingPrivateKey));
        QCOMPARE(key.publicKey().description(), QStringLiteral("EC P-256 public key"));
        QVERIFY(!key.publicKey().hasPrivateKey());
    }

    void algorithmsAreBoundToKeys_data()
    {
        QTest::addColumn<Algorithm>("keyFor");
        QTest::addColumn<Algorithm>("used");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("HS256 with RSA") << Algorithm::RS256 << Algorithm::HS256
                                        << "HS256 is not allowed for an RSA key (accepting it would let anyone";
        QTest::newRow("HS256 with EC") << Algorithm::ES256 << Algorithm::HS256 << "HS256 is not allowed for an EC key";
        QTest::newRow("ES384 with P-256")
            << Algorithm::ES256 << Algorithm::ES384 << "ES384 requires a P-384 key, not P-256";
        QTest::newRow("ES256 with P-521")
            << Algorithm::ES512 << Algorithm::ES256 << "ES256 requires a P-256 key, not P-521";
        QTest::newRow("RS256 with Ed25519")
            << Algorithm::EdDSA << Algorithm::RS256 << "RS256 is not allowed for an OKP key";
        QTest::newRow("EdDSA with RSA") << Algorithm::PS256 << Algorithm::EdDSA
                                        << "EdDSA is not allowed for an RSA key";
        QTest::newRow("RS256 with HMAC") << Algorithm::HS256 << Algorithm::RS256
                                         << "RS256 is not allowed for an oct key";
        QTest::newRow("HS512 with 32 bytes") << Algorithm::HS256 << Algorithm::HS512
                                             << "HS512 needs an HMAC secret of at least 64 bytes; this one has 32";
    }
    void algorithmsAreBoundToKeys()
    {
        QFETCH(Algorithm, keyFor);
        QFETCH(Algorithm, used);
        QFETCH(QString, explanation);
        const Key key = Key::generateFor(keyFor).value();
        const auto check = key.checkAlgorithm(used);
        QVERIFY(!check.has_value());
        QVERIFY2(check.error().detail().startsWith(explanation), qPrintable(check.error().detail()));
        QVERIFY(!key.sign(used, INPUT).has_value());
        QVERIFY(!key.verify(used, INPUT, QByteArray(64, 'x')).has_value());
        QVERIFY(!key.algorithms().contains(used));
    }

    void weakKeysAreRefused()
    {
        const auto shortSecret = Key::fromHmacSecret(SecretBytes(QByteArray(31, 'k')));
        QVERIFY(shortSecret.error().is(CryptoError::WeakKey));
        QVERIFY(shortSecret.error().detail().contains(QLatin1String("31 bytes")));
        QVERIFY(Key::fromHmacSecret(SecretBytes(QByteArray(32, 'k'))).has_value());

        QVERIFY(Key::generateRsa(1024).error().is(CryptoError::WeakKey));
        EVP_PKEY *small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
        const auto imported = Key::fromEvpKey(small);
        QVERIFY(imported.error().is(CryptoError::WeakKey));
        QVERIFY2(imported.error().detail().contains(QLatin1String("1024 bits")), qPrintable(imported.error().detail()));

        EVP_PKEY *otherCurve = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
        QVERIFY(Key::fromEvpKey(otherCurve).error().is(CryptoError::UnsupportedAlgorithm));
    }

    void ecdsaZeroSignatureIsRefused()
    {
        const Key key = Key::generateEc(Curve::P256).value();
        const auto zero = key.verify(Algorithm::ES256, INPUT, QByteArray(64, '\0'));
        QVERIFY(zero.error().is(CryptoError::InvalidSignature));
        QVERIFY(zero.error().detail().contains(QLatin1String("CVE-2022-21449")));
        const auto der = key.verify(Algorithm::ES256, INPUT, QByteArray::fromHex("3006020101020101"));
        QVERIFY(der.error().is(CryptoError::InvalidSignature));
        QVERIFY(der.error().detail().contains(QLatin1String("64 bytes")));
    }

    void pointsOffTheCurveAreRefused()
    {
        KeyComponents components = Key::generateEc(Curve::P256).value().components(false);
        components.y[31] = char(components.y[31] ^ 0x01);
        const auto key = Key::fromComponents(std::move(components));
        QVERIFY(!key.has_value());
        QVERIFY(key.error().is(CryptoError::InvalidKey));
    }

    void pemFormats_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("PKCS#8 private") << "pkcs8";
        QTest::newRow("SPKI public") << "spki";
        QTest::newRow("PKCS#1 RSA private") << "pkcs1-private";
        QTest::newRow("PKCS#1 RSA public") << "pkcs1-public";
        QTest::newRow("SEC1 EC private") << "sec1";
        QTest::newRow("X.509 certificate") << "certificate";
        QTest::newRow("Ed25519 PKCS#8") << "ed25519";
    }
    void pemFormats()
    {
        QFETCH(QString, format);
        const bool ec = format == QLatin1String("sec1");
        const bool ed = format == QLatin1String("ed25519");
        const Key original = ec ? Key::generateEc(Curve::P384).value()
            : ed                ? Key::generateEd25519().value()
                                : Key::generateRsa(2048).value();
        const auto *pkey = original.evpKey();
        QByteArray pem;
        bool privateExpected = true;
        if (format == QLatin1String("pkcs8") || ed) {
            pem = original.toPem(true).value();
            QVERIFY(pem.startsWith("-----BEGIN PRIVATE KEY-----"));
        } else if (format == QLatin1String("spki")) {
            pem = original.toPem(false).value();
            QVERIFY(pem.startsWith("-----BEGIN PUBLIC KEY-----"));
            privateExpected = false;
        } else if (format == QLatin1String("pkcs1-private")) {
            pem = encodePem(pkey, EVP_PKEY_KEYPAIR, "type-specific");
            QVERIFY(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        } else if (format == QLatin1String("pkcs1-public")) {
            pem = encodePem(pkey, EVP_PKEY_PUBLIC_KEY, "type-specific");
            QVERIFY2(pem.startsWith("-----BEGIN RSA PUBLIC KEY-----"), pem.constData());
            privateExpected = false;
        } else if (ec) {
            pem = encodePem(pkey, EVP_PKEY_KEYPAIR, "type-specific");
            QVERIFY(pem.startsWith("-----BEGIN EC PRIVATE KEY-----"));
        } else {
            pem = selfSignedCertificate(original);
            QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE-----"));
            privateExpected = false;
        }

        const auto imported = Key::fromPem(pem);
        QVERIFY2(imported.has_value(), qPrintable(imported ? QString() : imported.error().toString()));
        QCOMPARE(imported->hasPrivateKey(), privateExpected);
        QCOMPARE(imported->type(), original.type());
        const Algorithm algorithm = ec ? Algorithm::ES384 : ed ? Algorithm::EdDSA : Algorithm::PS256;
        const QByteArray signature = original.sign(algorithm, INPUT).value();
        QVERIFY(imported->verify(algorithm, INPUT, signature).has_value());
        QCOMPARE(imported->components(false).x, original.components(false).x);
        QCOMPARE(imported->components(false).n, original.components(false).n);
    }

    void badPemIsExplained_data()
    {
        QTest::addColumn<QByteArray>("pem");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("no block") << QByteArray("hello") << "no PEM block found";
        QTest::newRow("encrypted") << QByteArray(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n")
                                   << "the private key is encrypted";
        QTest::newRow("garbage body") << QByteArray(
            "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n")
                                      << "the PEM block \"PUBLIC KEY\" does not hold a key";
        QTest::newRow("huge") << QByteArray(70000, 'A') << "key files above 64 KiB are refused";
    }
    void badPemIsExplained()
    {
        QFETCH(QByteArray, pem);
        QFETCH(QString, explanation);
        const auto key = Key::fromPem(pem);
        QVERIFY(!key.has_value());
        QVERIFY2(key.error().detail().contains(explanation), qPrintable(key.error().detail()));
    }

    void concurrentUseSharesPoolsSafely()
    {
        const Key ec = Key::generateEc(Curve::P256).value();
        const Key hmac = Key::generateHmac(32).value();
        const Key ed = Key::generateEd25519().value();
        std::atomic<int> failures {0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 100; ++i) {
                    const QByteArray input = INPUT + QByteArray::number(t * 1000 + i);
                    for (const auto &[key, algorithm] :
                         {std::pair {ec, Algorithm::ES256}, std::pair {hmac, Algorithm::HS256},
                          std::pair {ed, Algorithm::EdDSA}}) {
                        const auto signature = key.sign(algorithm, input);
                        if (!signature || !key.verify(algorithm, input, *signature)
                            || key.verify(algorithm, QByteArray(input + "!"), *signature))
                            ++failures;
                    }
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(failures.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestKey)
#include "TestKey.moc"
