#include "crypto/Jwa.h"

#include <QStringList>

namespace portcullis::crypto::jwa {

namespace {

struct AlgorithmInfo
{
    Algorithm algorithm;
    const char *name;
    KeyType keyType;
    DigestAlgorithm digest;
    Curve curve;
};

constexpr AlgorithmInfo ALGORITHMS[] = {
    {Algorithm::HS256, "HS256", KeyType::Oct, DigestAlgorithm::Sha256, Curve::None},
    {Algorithm::HS384, "HS384", KeyType::Oct, DigestAlgorithm::Sha384, Curve::None},
    {Algorithm::HS512, "HS512", KeyType::Oct, DigestAlgorithm::Sha512, Curve::None},
    {Algorithm::RS256, "RS256", KeyType::Rsa, DigestAlgorithm::Sha256, Curve::None},
    {Algorithm::RS384, "RS384", KeyType::Rsa, DigestAlgorithm::Sha384, Curve::None},
    {Algorithm::RS512, "RS512", KeyType::Rsa, DigestAlgorithm::Sha512, Curve::None},
    {Algorithm::PS256, "PS256", KeyType::Rsa, DigestAlgorithm::Sha256, Curve::None},
    {Algorithm::PS384, "PS384", KeyType::Rsa, DigestAlgorithm::Sha384, Curve::None},
    {Algorithm::PS512, "PS512", KeyType::Rsa, DigestAlgorithm::Sha512, Curve::None},
    {Algorithm::ES256, "ES256", KeyType::Ec, DigestAlgorithm::Sha256, Curve::P256},
    {Algorithm::ES384, "ES384", KeyType::Ec, DigestAlgorithm::Sha384, Curve::P384},
    {Algorithm::ES512, "ES512", KeyType::Ec, DigestAlgorithm::Sha512, Curve::P521},
    {Algorithm::EdDSA, "EdDSA", KeyType::Okp, DigestAlgorithm::Sha512, Curve::Ed25519},
};

const AlgorithmInfo &info(Algorithm algorithm)
{
    return ALGORITHMS[static_cast<int>(algorithm)];
}

} // namespace

QList<Algorithm> all()
{
    QList<Algorithm> list;
    for (const AlgorithmInfo &entry : ALGORITHMS)
        list << entry.algorithm;
    return list;
}

std::optional<Algorithm> fromName(QByteArrayView name)
{
    for (const AlgorithmInfo &entry : ALGORITHMS) {
        if (name == QByteArrayView(entry.name))
            return entry.algorithm;
    }
    return std::nullopt;
}

const char *name(Algorithm algorithm)
{
    return info(algorithm).name;
}

QString names(const QList<Algorithm> &algorithms)
{
    QStringList joined;
    for (Algorithm algorithm : algorithms)
        joined << QLatin1String(name(algorithm));
    return joined.join(QStringLiteral(", "));
}

KeyType keyType(Algorithm algorithm)
{
    return info(algorithm).keyType;
}

DigestAlgorithm digest(Algorithm algorithm)
{
    return info(algorithm).digest;
}

bool isHmac(Algorithm algorithm)
{
    return keyType(algorithm) == KeyType::Oct;
}

Curve curve(Algorithm algorithm)
{
    return info(algorithm).curve;
}

int ecdsaSignatureSize(Algorithm algorithm)
{
    return keyType(algorithm) == KeyType::Ec ? 2 * curveCoordinateSize(curve(algorithm)) : 0;
}

const char *keyTypeName(KeyType type)
{
    switch (type) {
    case KeyType::Rsa:
        return "RSA";
    case KeyType::Ec:
        return "EC";
    case KeyType::Okp:
        return "OKP";
    case KeyType::Oct:
        return "oct";
    }
    return "";
}

const char *curveName(Curve curve)
{
    switch (curve) {
    case Curve::P256:
        return "P-256";
    case Curve::P384:
        return "P-384";
    case Curve::P521:
        return "P-521";
    case Curve::Ed25519:
        return "Ed25519";
    case Curve::None:
        break;
    }
    return "";
}

std::optional<Curve> curveFromName(QByteArrayView name)
{
    for (Curve curve : {Curve::P256, Curve::P384, Curve::P521, Curve::Ed25519}) {
        if (name == QByteArrayView(curveName(curve)))
            return curve;
    }
    return std::nullopt;
}

int curveCoordinateSize(Curve curve)
{
    switch (curve) {
    case Curve::P256:
        return 32;
    case Curve::P384:
        return 48;
    case Curve::P521:
        return 66;
    case Curve::Ed25519:
        return 32;
    case Curve::None:
        break;
    }
    return 0;
}

} // namespace portcullis::crypto::jwa
