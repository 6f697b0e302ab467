#pragma once

#include <optional>

#include <QByteArrayView>
#include <QList>
#include <QString>

#include "crypto/Digest.h"

namespace portcullis::crypto {

// The JWS algorithms of RFC 7518 and RFC 8037 that Portcullis implements. "none" is deliberately absent.
enum class Algorithm
{
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
};

enum class KeyType
{
    Rsa,
    Ec,
    Okp, // RFC 8037 octet key pair: Ed25519
    Oct, // symmetric (HMAC)
};

enum class Curve
{
    None,
    P256,
    P384,
    P521,
    Ed25519,
};

namespace jwa {

[[nodiscard]] QList<Algorithm> all();
// Exact, case-sensitive match on the registered name ("RS256"); anything else, including "none", is nullopt.
[[nodiscard]] std::optional<Algorithm> fromName(QByteArrayView name);
[[nodiscard]] const char *name(Algorithm algorithm);
// The names joined for a message: "RS256, ES256".
[[nodiscard]] QString names(const QList<Algorithm> &algorithms);
[[nodiscard]] KeyType keyType(Algorithm algorithm);
[[nodiscard]] DigestAlgorithm digest(Algorithm algorithm); // EdDSA hashes internally: reports SHA-512
[[nodiscard]] bool isHmac(Algorithm algorithm);
// The curve an ES* algorithm is pinned to (RFC 7518 §3.4), Ed25519 for EdDSA, None otherwise.
[[nodiscard]] Curve curve(Algorithm algorithm);
// Bytes of an ECDSA R‖S signature (64, 96, 132); 0 for other algorithms.
[[nodiscard]] int ecdsaSignatureSize(Algorithm algorithm);

[[nodiscard]] const char *keyTypeName(KeyType type); // "RSA", "EC", "OKP", "oct" as JWK spells them
[[nodiscard]] const char *curveName(Curve curve); // "P-256", …, "Ed25519"; "" for None
[[nodiscard]] std::optional<Curve> curveFromName(QByteArrayView name);
[[nodiscard]] int curveCoordinateSize(Curve curve); // 32, 48, 66, 32

} // namespace jwa
} // namespace portcullis::crypto
