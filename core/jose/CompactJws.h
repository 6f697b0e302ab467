#pragma once

#include <optional>

#include <QByteArray>

#include "common/Result.h"
#include "crypto/Jwa.h"
#include "jose/Json.h"

namespace portcullis::jose {

struct JwsLimits
{
    qsizetype maxTokenBytes = 64 * 1024;
    JsonLimits json;
};

// A JWS in compact serialization (RFC 7515 §7.1), parsed but not verified. The three segments are kept exactly as
// received: the signature is always checked over those bytes, never over re-serialised JSON.
class CompactJws
{
public:
    // Fails with Malformed, TooLarge, or Encrypted for a five-segment JWE (whose protected header is still
    // decoded into the error's detail when it is readable).
    [[nodiscard]] static Result<CompactJws> parse(QByteArrayView token, const JwsLimits &limits = {});

    [[nodiscard]] QByteArrayView token() const { return QByteArrayView(m_token).first(m_tokenSize); }
    [[nodiscard]] QByteArrayView signingInput() const;
    [[nodiscard]] QByteArrayView rawHeader() const;
    [[nodiscard]] QByteArrayView rawPayload() const;
    [[nodiscard]] QByteArrayView rawSignature() const;

    [[nodiscard]] const JsonDocument &header() const { return m_header; }
    // The decoded payload bytes (for a JWT, the claims' JSON text exactly as signed).
    [[nodiscard]] QByteArrayView payload() const { return m_claims ? m_claims->source() : QByteArrayView(m_payload); }
    // The payload parsed as JSON when it is a JSON object (a JWT claims set); nullopt otherwise.
    [[nodiscard]] const std::optional<JsonDocument> &claims() const { return m_claims; }
    [[nodiscard]] QByteArrayView signature() const { return QByteArrayView(m_token).sliced(m_tokenSize); }

    // The header's "alg" and "kid" as given (empty when absent or not strings).
    [[nodiscard]] QByteArray algorithmName() const;
    [[nodiscard]] QByteArray keyId() const;
    [[nodiscard]] QByteArray type() const;

private:
    CompactJws() = default;
    // The rest of parse(), for a token whose first two dots are at `first` and `second`.
    [[nodiscard]] Result<void> readSegments(QByteArrayView token, qsizetype first, qsizetype second,
                                            const JwsLimits &limits);

    QByteArray m_token; // the token as received, followed by its decoded signature (one allocation for both)
    qsizetype m_tokenSize = 0;
    qsizetype m_firstDot = 0;
    qsizetype m_secondDot = 0;
    JsonDocument m_header;
    QByteArray m_payload; // only for payloads that are not a JSON object: a JWT's lives in m_claims
    std::optional<JsonDocument> m_claims;
};

} // namespace portcullis::jose
