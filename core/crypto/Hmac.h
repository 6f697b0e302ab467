#pragma once

#include <array>
#include <atomic>

#include <QByteArray>
#include <QByteArrayView>

#include "common/Result.h"
#include "crypto/Digest.h"
#include "crypto/OpenSslPtr.h"
#include "crypto/SecretBytes.h"

namespace portcullis::crypto {

// An HMAC key bound to one hash, keyed once (RFC 2104): the hash states after the inner and the outer padded key
// are computed up front, and each MAC starts from copies of them in a digest context taken from a small lock-free
// pool, so neither the key schedule nor the padded key blocks are hashed again per message. Thread-safe.
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
    HmacKey(DigestAlgorithm algorithm, SecretBytes key, EvpMdCtxPtr inner, EvpMdCtxPtr outer);
    EvpMdCtxPtr acquire() const;
    void release(EvpMdCtxPtr context) const;
    void clearPool();

    DigestAlgorithm m_algorithm;
    SecretBytes m_key;
    EvpMdCtxPtr m_inner; // the hash state after (key XOR ipad); only ever copied from
    EvpMdCtxPtr m_outer; // after (key XOR opad)
    // Work contexts; an empty slot is null. Taken and returned with atomic exchanges, never a lock.
    mutable std::array<std::atomic<EVP_MD_CTX *>, 8> m_pool {};
};

} // namespace portcullis::crypto
