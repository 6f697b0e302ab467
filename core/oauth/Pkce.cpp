#include "oauth/Pkce.h"

#include <algorithm>

#include "crypto/Base64Url.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype RANDOM_OCTETS = 32;
constexpr qsizetype MIN_VERIFIER = 43;
constexpr qsizetype MAX_VERIFIER = 128;

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~';
}

} // namespace

Result<Pkce> Pkce::generate()
{
    auto octets = crypto::random::bytes(RANDOM_OCTETS);
    if (!octets)
        return octets.error();
    Pkce pkce = fromVerifier(crypto::base64url::encode(*octets));
    octets->fill('\0');
    return pkce;
}

Pkce Pkce::fromVerifier(QByteArray verifier)
{
    Pkce pkce;
    pkce.challenge = s256Challenge(verifier);
    pkce.verifier = std::move(verifier);
    return pkce;
}

QByteArray s256Challenge(QByteArrayView verifier)
{
    return crypto::base64url::encode(crypto::sha256(verifier));
}

bool isValidVerifier(QByteArrayView verifier)
{
    return verifier.size() >= MIN_VERIFIER && verifier.size() <= MAX_VERIFIER
        && std::all_of(verifier.begin(), verifier.end(), isUnreserved);
}

Result<QByteArray> randomFlowToken()
{
    auto octets = crypto::random::bytes(RANDOM_OCTETS);
    if (!octets)
        return octets.error();
    return crypto::base64url::encode(*octets);
}

} // namespace portcullis::oauth
