#include "crypto/Hmac.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/ConstantTime.h"
#include "crypto/CryptoError.h"

namespace portcullis::crypto {

namespace {

EVP_MAC *hmacAlgorithm()
{
    static EVP_MAC *const s_hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return s_hmac;
}

} // namespace

HmacKey::HmacKey(DigestAlgorithm algorithm, SecretBytes key, EvpMacCtxPtr keyed)
    : m_algorithm(algorithm)
    , m_key(std::move(key))
    , m_template(std::move(keyed))
{ }

// Moving is not thread-safe (nothing else may use either key meanwhile); the pooled contexts go with the key.
HmacKey::HmacKey(HmacKey &&other) noexcept
    : m_algorithm(other.m_algorithm)
    , m_key(std::move(other.m_key))
    , m_template(std::move(other.m_template))
{
    for (std::size_t i = 0; i < m_pool.size(); ++i)
        m_pool[i].store(other.m_pool[i].exchange(nullptr));
}

HmacKey &HmacKey::operator=(HmacKey &&other) noexcept
{
    if (this != &other) {
        clearPool();
        m_algorithm = other.m_algorithm;
        m_key = std::move(other.m_key);
        m_template = std::move(other.m_template);
        for (std::size_t i = 0; i < m_pool.size(); ++i)
            m_pool[i].store(other.m_pool[i].exchange(nullptr));
    }
    return *this;
}

HmacKey::~HmacKey()
{
    clearPool();
}

void HmacKey::clearPool()
{
    for (auto &slot : m_pool)
        EVP_MAC_CTX_free(slot.exchange(nullptr));
}

Result<HmacKey> HmacKey::create(DigestAlgorithm algorithm, SecretBytes key)
{
    EvpMacCtxPtr context(EVP_MAC_CTX_new(hmacAlgorithm()));
    if (!context)
        return Error(CryptoError::Internal, QStringLiteral("OpenSSL has no HMAC: %1").arg(takeOpenSslErrors()));
    char *digestName = const_cast<char *>(crypto::digestName(algorithm));
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0),
        OSSL_PARAM_construct_end(),
    };
    // OpenSSL refuses a null key pointer even for length zero.
    static const unsigned char EMPTY_KEY = 0;
    if (EVP_MAC_init(context.get(), key.isEmpty() ? &EMPTY_KEY : key.data(), key.size(), params) != 1)
        return Error(CryptoError::Internal, QStringLiteral("could not key HMAC: %1").arg(takeOpenSslErrors()));
    return HmacKey(algorithm, std::move(key), std::move(context));
}

EvpMacCtxPtr HmacKey::acquire() const
{
    for (auto &slot : m_pool) {
        if (slot.load(std::memory_order_relaxed)) {
            if (EVP_MAC_CTX *context = slot.exchange(nullptr, std::memory_order_acquire))
                return EvpMacCtxPtr(context);
        }
    }
    return EvpMacCtxPtr(EVP_MAC_CTX_dup(m_template.get()));
}

void HmacKey::release(EvpMacCtxPtr context) const
{
    for (auto &slot : m_pool) {
        EVP_MAC_CTX *expected = nullptr;
        if (slot.compare_exchange_strong(expected, context.get(), std::memory_order_release)) {
            context.release();
            return;
        }
    }
    // The pool is full: this context is freed.
}

bool HmacKey::macInto(QByteArrayView data, unsigned char *out) const
{
    EvpMacCtxPtr context = acquire();
    if (!context)
        return false;
    size_t length = 0;
    const auto size = static_cast<size_t>(digestSize(m_algorithm));
    // A null key re-initialises the context with the key it already holds.
    const bool ok = EVP_MAC_init(context.get(), nullptr, 0, nullptr) == 1
        && EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char *>(data.data()),
                          static_cast<size_t>(data.size()))
            == 1
        && EVP_MAC_final(context.get(), out, &length, size) == 1 && length == size;
    if (ok)
        release(std::move(context));
    return ok;
}

QByteArray HmacKey::mac(QByteArrayView data) const
{
    QByteArray out(digestSize(m_algorithm), Qt::Uninitialized);
    if (!macInto(data, reinterpret_cast<unsigned char *>(out.data())))
        qFatal("OpenSSL failed to compute an HMAC");
    return out;
}

bool HmacKey::verify(QByteArrayView data, QByteArrayView mac) const
{
    unsigned char expected[64];
    if (mac.size() != digestSize(m_algorithm) || !macInto(data, expected))
        return false;
    return constantTimeEqual(QByteArrayView(expected, mac.size()), mac);
}

} // namespace portcullis::crypto
