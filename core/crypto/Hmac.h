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

// An HMAC key bound to one hash, keyed once: each MAC reuses a pre-keyed OpenSSL context from a small lock-free
// pool, so the key schedule is not recomputed per message. Thread-safe.
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
    HmacKey(DigestAlgorithm algorithm, SecretBytes key, EvpMacCtxPtr keyed);
    EvpMacCtxPtr acquire() const;
    void release(EvpMacCtxPtr context) const;
    void clearPool();

    DigestAlgorithm m_algorithm;
    SecretBytes m_key;
    EvpMacCtxPtr m_template;
    // Ready contexts; an empty slot is null. Taken and returned with atomic exchanges, never a lock.
    mutable std::array<std::atomic<EVP_MAC_CTX *>, 8> m_pool {};
};

} // namespace portcullis::crypto
