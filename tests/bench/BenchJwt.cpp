// JWT verification and signing throughput against raw OpenSSL on the same input, measured in the same run.
// One line per case: ops/s for Portcullis and for the baseline, and their ratio. Single thread (per core).
//   BenchJwt            about 1 s per side per case
//   BenchJwt --quick    a short run (the suite uses it to keep the bench building and working)

#include <chrono>
#include <cstdio>
#include <functional>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <QCoreApplication>

#include "BenchSupport.h"

#include "common/Clock.h"
#include "crypto/Base64Url.h"
#include "crypto/Digest.h"
#include "crypto/OpenSslPtr.h"
#include "jose/Signer.h"
#include "jose/Verifier.h"

using namespace portcullis;
using namespace portcullis::jose;
using crypto::Algorithm;

namespace {

using bench::report;

double g_secondsPerSide = 1.0;

std::pair<double, double> measure(const std::function<bool()> &ours, const std::function<bool()> &baseline)
{
    return bench::measure(g_secondsPerSide, ours, baseline);
}

// A typical access token: header alg/typ/kid and ten claims.
QByteArray typicalClaims(qint64 now)
{
    return "{\"iss\":\"https://auth.example.com\",\"sub\":\"user-1234567890\",\"aud\":\"api://default\",\"exp\":"
        + QByteArray::number(now + 900) + ",\"nbf\":" + QByteArray::number(now - 5)
        + ",\"iat\":" + QByteArray::number(now - 5)
        + ",\"jti\":\"8f14e45fceea167a5a36dedd4bea2543\",\"scope\":\"read write\",\"role\":\"admin\","
          "\"email_verified\":true}";
}

struct Case
{
    Jwk key;
    QByteArray token;
    QByteArray input;
    QByteArray signature; // raw signature bytes as OpenSSL produces them (DER for ECDSA)
};

Case makeCase(Algorithm algorithm, qint64 now)
{
    Jwk key = Jwk::fromKey(crypto::Key::generateFor(algorithm).value(), QStringLiteral("bench-key"));
    Case c {key, Signer::sign(key, algorithm, typicalClaims(now)).value(), {}, {}};
    const auto jws = CompactJws::parse(c.token).value();
    c.input = jws.signingInput().toByteArray();
    c.signature = jws.signature().toByteArray();
    return c;
}

Verifier verifierFor(const Case &c, Algorithm algorithm, const Clock &clock)
{
    VerificationPolicy policy;
    policy.allowedAlgorithms = {algorithm};
    policy.issuer = QStringLiteral("https://auth.example.com");
    policy.audience = QStringLiteral("api://default");
    policy.requiredClaims = {QStringLiteral("exp"), QStringLiteral("sub")};
    return Verifier(policy, JwkSet({Jwk::fromKey(c.key.key().publicKey(), c.key.kid())}), clock);
}

QByteArray toDer(const QByteArray &raw)
{
    const int half = int(raw.size() / 2);
    crypto::BignumPtr r(BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), half, nullptr));
    crypto::BignumPtr s(BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()) + half, half, nullptr));
    crypto::EcdsaSigPtr signature(ECDSA_SIG_new());
    ECDSA_SIG_set0(signature.get(), r.release(), s.release());
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(signature.get(), &der);
    QByteArray out(reinterpret_cast<const char *>(der), length);
    OPENSSL_free(der);
    return out;
}

crypto::EvpPkeyCtxPtr rawContext(const crypto::Key &key, Algorithm algorithm, bool sign)
{
    crypto::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY *>(key.evpKey()), nullptr));
    sign ? EVP_PKEY_sign_init(context.get()) : EVP_PKEY_verify_init(context.get());
    const EVP_MD *md = crypto::evpDigest(crypto::jwa::digest(algorithm));
    EVP_PKEY_CTX_set_signature_md(context.get(), md);
    if (algorithm == Algorithm::RS256) {
        EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING);
    } else if (algorithm == Algorithm::PS256) {
        EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), md);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), RSA_PSS_SALTLEN_DIGEST);
    }
    return context;
}

void benchHmac(const Clock &clock)
{
    const Case c = makeCase(Algorithm::HS256, clock.unixSeconds());
    const Verifier verifier = verifierFor(c, Algorithm::HS256, clock);
    const auto secret = c.key.key().components(true).k.clone();
    crypto::EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    crypto::EvpMacCtxPtr context(EVP_MAC_CTX_new(mac.get()));
    char digestName[] = "SHA256";
    const OSSL_PARAM params[]
        = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(context.get(), secret.data(), secret.size(), params);
    unsigned char out[32];
    const auto rates
        = measure([&] { return verifier.verify(c.token).has_value(); },
                  [&] {
                      size_t length = 0;
                      return EVP_MAC_init(context.get(), nullptr, 0, nullptr) == 1
                          && EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char *>(c.input.data()),
                                            size_t(c.input.size()))
                          == 1
                          && EVP_MAC_final(context.get(), out, &length, sizeof out) == 1;
                  });
    report("HS256 verify", rates, 0.40);
}

void benchAsymmetric(Algorithm algorithm, const Clock &clock)
{
    const Case c = makeCase(algorithm, clock.unixSeconds());
    const Verifier verifier = verifierFor(c, algorithm, clock);
    const crypto::Key &key = c.key.key();
    const QByteArray rawSignature = algorithm == Algorithm::ES256 ? toDer(c.signature) : c.signature;
    const char *name = crypto::jwa::name(algorithm);
    char label[32];

    if (algorithm == Algorithm::EdDSA) {
        crypto::EvpMdCtxPtr verifyTemplate(EVP_MD_CTX_new());
        EVP_DigestVerifyInit(verifyTemplate.get(), nullptr, nullptr, nullptr, const_cast<EVP_PKEY *>(key.evpKey()));
        crypto::EvpMdCtxPtr signTemplate(EVP_MD_CTX_new());
        EVP_DigestSignInit(signTemplate.get(), nullptr, nullptr, nullptr, const_cast<EVP_PKEY *>(key.evpKey()));
        crypto::EvpMdCtxPtr work(EVP_MD_CTX_new());
        std::snprintf(label, sizeof label, "%s verify", name);
        report(label,
               measure([&] { return verifier.verify(c.token).has_value(); },
                       [&] {
                           return EVP_MD_CTX_copy_ex(work.get(), verifyTemplate.get()) == 1
                               && EVP_DigestVerify(
                                      work.get(), reinterpret_cast<const unsigned char *>(rawSignature.data()),
                                      size_t(rawSignature.size()),
                                      reinterpret_cast<const unsigned char *>(c.input.data()), size_t(c.input.size()))
                               == 1;
                       }),
               0.95);
        const QByteArray claims = typicalClaims(clock.unixSeconds());
        std::snprintf(label, sizeof label, "%s sign", name);
        report(label,
               measure([&] { return Signer::sign(c.key, algorithm, claims).has_value(); },
                       [&] {
                           unsigned char signature[64];
                           size_t length = sizeof signature;
                           return EVP_MD_CTX_copy_ex(work.get(), signTemplate.get()) == 1
                               && EVP_DigestSign(work.get(), signature, &length,
                                                 reinterpret_cast<const unsigned char *>(c.input.data()),
                                                 size_t(c.input.size()))
                               == 1;
                       }),
               0.90);
        return;
    }

    const EVP_MD *md = crypto::evpDigest(crypto::jwa::digest(algorithm));
    crypto::EvpPkeyCtxPtr verifyContext = rawContext(key, algorithm, false);
    crypto::EvpPkeyCtxPtr signContext = rawContext(key, algorithm, true);
    std::snprintf(label, sizeof label, "%s verify", name);
    report(label,
           measure([&] { return verifier.verify(c.token).has_value(); },
                   [&] {
                       unsigned char hash[32];
                       unsigned int hashLength = 0;
                       return EVP_Digest(c.input.data(), size_t(c.input.size()), hash, &hashLength, md, nullptr) == 1
                           && EVP_PKEY_verify(verifyContext.get(),
                                              reinterpret_cast<const unsigned char *>(rawSignature.data()),
                                              size_t(rawSignature.size()), hash, hashLength)
                           == 1;
                   }),
           0.95);
    const QByteArray claims = typicalClaims(clock.unixSeconds());
    std::snprintf(label, sizeof label, "%s sign", name);
    report(label,
           measure([&] { return Signer::sign(c.key, algorithm, claims).has_value(); },
                   [&] {
                       unsigned char hash[32];
                       unsigned int hashLength = 0;
                       unsigned char signature[512];
                       size_t length = sizeof signature;
                       return EVP_Digest(c.input.data(), size_t(c.input.size()), hash, &hashLength, md, nullptr) == 1
                           && EVP_PKEY_sign(signContext.get(), signature, &length, hash, hashLength) == 1;
                   }),
           0.90);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (QCoreApplication::arguments().contains(QStringLiteral("--quick")))
        g_secondsPerSide = 0.05;
    const SystemClock clock;
    std::printf("JWT benchmark (%s, %.2f s per side per case, best of %d rounds)\n", OpenSSL_version(OPENSSL_VERSION),
                g_secondsPerSide, bench::ROUNDS);
    benchHmac(clock);
    for (Algorithm algorithm : {Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA})
        benchAsymmetric(algorithm, clock);
    return 0;
}
