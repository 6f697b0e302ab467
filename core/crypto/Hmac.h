#pragma once

#include <memory>

#include <QByteArray>
#include <QByteArrayView>

#include "common/Result.h"
#include "crypto/Digest.h"
#include "crypto/SecretBytes.h"

namespace portcullis::crypto {

// An HMAC key bound to one hash, keyed once (RFC 2104): the hash states after the inner and the outer padded key
// are computed up front, and each MAC resumes copies of them, so the padded key blocks are not hashed again per
// message. Thread-safe.
class HmacKey
{
public:
    // Any key length is accepted here; policy on short keys belongs to the caller (JWA refuses them).
    [[nodiscard]] static Result<HmacKey> create(DigestAlgorithm algorithm, SecretBytes key);

    HmacKey(HmacKey &&other) noexcept;
    HmacKey &operator=(HmacKey &&other) noexcept;
    ~HmacKey();

    [[nodiscard]] DigestAlgorithm algorithm() const { return m_algorithm; }
    [[nodiscard]] const SecretBytes &key() const { return m_key; }

    [[nodiscard]] QByteArray mac(QByteArrayView data) const;
    // Computes the MAC into `out` (digestSize bytes); false only if OpenSSL fails.
    bool macInto(QByteArrayView data, unsigned char *out) const;
    // Constant-time check of `mac` against the MAC of `data`.
    [[nodiscard]] bool verify(QByteArrayView data, QByteArrayView mac) const;

private:
    struct States; // the saved hash states (see Hmac.cpp)
    HmacKey(DigestAlgorithm algorithm, SecretBytes key, std::unique_ptr<States> states);

    DigestAlgorithm m_algorithm;
    SecretBytes m_key;
    std::unique_ptr<States> m_states;
};

} // namespace portcullis::crypto
