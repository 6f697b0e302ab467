#pragma once

#include <memory>

#include <QByteArray>
#include <QList>
#include <QString>

#include "common/Result.h"
#include "crypto/Jwa.h"
#include "crypto/SecretBytes.h"

struct evp_pkey_st;

namespace portcullis::crypto {

// The raw parameters of a key, as JWK (RFC 7517/7518/8037) names them. Big integers are unsigned big-endian
// without leading zeros (RSA); EC coordinates and private scalars are left-padded to the curve size.
struct KeyComponents
{
    KeyType type = KeyType::Oct;
    Curve curve = Curve::None;
    QByteArray n, e; // RSA public
    SecretBytes d, p, q, dp, dq, qi; // RSA private (d is also the EC/OKP private key)
    QByteArray x, y; // EC/OKP public
    SecretBytes k; // oct
};

// A signing or verification key, bound to the algorithms it may serve:
//  - RSA (2048 to 16384 bits): RS256/384/512 and PS256/384/512;
//  - EC P-256, P-384, P-521: exactly ES256, ES384, ES512 respectively (the curve is pinned);
//  - Ed25519: EdDSA;
//  - HMAC secrets: the HS* algorithms whose hash output is no longer than the secret (so a 32-byte secret serves
//    HS256 only, a 64-byte secret all three).
// Smaller RSA keys and HMAC secrets shorter than 32 bytes are refused when the key is made. Immutable, cheap to
// copy and thread-safe: copies share the key and its pools of prepared OpenSSL contexts.
class Key
{
public:
    [[nodiscard]] static Result<Key> generateRsa(int bits);
    [[nodiscard]] static Result<Key> generateEc(Curve curve);
    [[nodiscard]] static Result<Key> generateEd25519();
    [[nodiscard]] static Result<Key> generateHmac(std::size_t bytes);
    // A fresh key suited to `algorithm` (RSA 2048 bits for RS*/PS*, the pinned curve for ES*, a secret as long as
    // the hash output for HS*).
    [[nodiscard]] static Result<Key> generateFor(Algorithm algorithm);

    [[nodiscard]] static Result<Key> fromComponents(KeyComponents components);
    [[nodiscard]] static Result<Key> fromHmacSecret(SecretBytes secret);
    // PKCS#8 and PKCS#1 private keys, SEC1 EC private keys, SPKI and PKCS#1 public keys, and the public key of an
    // X.509 certificate, in PEM. Encrypted private keys are refused with an explanation.
    [[nodiscard]] static Result<Key> fromPem(QByteArrayView pem);
    // Takes ownership of a reference to `key`.
    [[nodiscard]] static Result<Key> fromEvpKey(evp_pkey_st *key);

    // PKCS#8 ("PRIVATE KEY") when `includePrivate` and the key has one, else SPKI ("PUBLIC KEY").
    [[nodiscard]] Result<QByteArray> toPem(bool includePrivate) const;
    [[nodiscard]] KeyComponents components(bool includePrivate) const;
    [[nodiscard]] Key publicKey() const;

    [[nodiscard]] KeyType type() const;
    [[nodiscard]] Curve curve() const;
    [[nodiscard]] int bits() const;
    [[nodiscard]] bool hasPrivateKey() const;
    [[nodiscard]] bool isSymmetric() const { return type() == KeyType::Oct; }
    // "RSA 2048-bit private key", "EC P-256 public key", "Ed25519 public key", "HMAC secret (32 bytes)".
    [[nodiscard]] QString description() const;

    [[nodiscard]] QList<Algorithm> algorithms() const;
    // Why this key cannot serve `algorithm`, in plain words; success when it can.
    [[nodiscard]] Result<void> checkAlgorithm(Algorithm algorithm) const;

    [[nodiscard]] Result<QByteArray> sign(Algorithm algorithm, QByteArrayView input) const;
    // InvalidSignature for a signature of the wrong length or form, SignatureMismatch when it does not verify.
    [[nodiscard]] Result<void> verify(Algorithm algorithm, QByteArrayView input, QByteArrayView signature) const;

    // The OpenSSL key (null for HMAC secrets). Borrowed: valid while this Key lives.
    [[nodiscard]] const evp_pkey_st *evpKey() const;

    struct Data;

private:
    explicit Key(std::shared_ptr<Data> data);

    std::shared_ptr<Data> m_data;
};

} // namespace portcullis::crypto
