#pragma once

#include <span>

#include <QByteArray>

#include "common/Result.h"
#include "crypto/SecretBytes.h"

namespace portcullis::crypto::random {

// Every random value in Portcullis comes from OpenSSL's CSPRNG through these functions.
[[nodiscard]] Result<void> fill(std::span<unsigned char> out);
[[nodiscard]] Result<QByteArray> bytes(qsizetype count);
[[nodiscard]] Result<SecretBytes> secret(std::size_t count);
// `bytes` random bytes, base64url-encoded: states, nonces, PKCE verifiers, token ids.
[[nodiscard]] Result<QByteArray> token(qsizetype bytes);
// A uniform integer in [0, bound) without modulo bias.
[[nodiscard]] Result<quint32> uniform(quint32 bound);

} // namespace portcullis::crypto::random
