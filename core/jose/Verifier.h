#pragma once

#include <chrono>
#include <optional>

#include <QList>
#include <QStringList>

#include "common/Clock.h"
#include "common/Result.h"
#include "crypto/Jwa.h"
#include "jose/CompactJws.h"
#include "jose/JsonMemberNames.h"
#include "jose/Jwk.h"

namespace portcullis::jose {

// What a verifier accepts. There is no way to allow "none", and keys named inside a token (jku, x5u, jwk, x5c)
// are never trusted or fetched.
struct VerificationPolicy
{
    QList<crypto::Algorithm> allowedAlgorithms; // must not be empty
    std::optional<QString> issuer; // iss must equal this
    std::optional<QString> audience; // aud (string or array) must contain this
    std::optional<QString> type; // typ must equal this ("application/" prefix optional, any case)
    QStringList requiredClaims; // present in the payload, whatever their value
    std::chrono::seconds leeway {0}; // tolerance for exp, nbf and iat against the clock
    QStringList understoodCritical; // header parameters this verifier processes when named in "crit"
    JwsLimits limits;
};

struct VerifiedToken
{
    CompactJws jws;
    crypto::Algorithm algorithm;
    QString keyId;
};

// Verifies compact JWS/JWT against a policy and a key set. Every refusal carries its own JoseError code and a plain
// explanation ("signature does not match key kid=…", "expired 3 min ago at 14:02:11 UTC", "HS256 is not allowed
// for an RSA key"). Thread-safe; keys are shared, not copied.
class Verifier
{
public:
    Verifier(VerificationPolicy policy, JwkSet keys, const Clock &clock);

    [[nodiscard]] Result<VerifiedToken> verify(QByteArrayView token) const;
    // The claim checks alone, for a token whose signature was verified elsewhere.
    [[nodiscard]] Result<void> checkClaims(const CompactJws &jws) const;

    [[nodiscard]] const VerificationPolicy &policy() const { return m_policy; }
    [[nodiscard]] const JwkSet &keys() const { return m_keys; }

private:
    [[nodiscard]] Result<crypto::Algorithm> checkHeader(const JsonValue &header, const std::optional<JsonValue> &alg,
                                                        const std::optional<JsonValue> &crit) const;

    VerificationPolicy m_policy;
    JwkSet m_keys;
    const Clock &m_clock;
    // The policy's strings as UTF-8, prepared once: verification compares bytes and allocates nothing for them.
    QByteArray m_issuer;
    QByteArray m_audience;
    QByteArray m_type;
    QByteArrayList m_requiredClaims;
    JsonMemberNames m_claimNames; // the claims checkClaims() looks up, in one pass

    QList<quint32> m_keyAlgorithms; // per key in m_keys: a bit per crypto::Algorithm it can serve
};

} // namespace portcullis::jose
