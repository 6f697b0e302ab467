#include "crypto/Hmac.h"

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/ConstantTime.h"
#include "crypto/CryptoError.h"

namespace portcullis::crypto {

namespace {

constexpr unsigned char IPAD = 0x36;
constexpr unsigned char OPAD = 0x5c;

// A digest context that has absorbed one block: the key, zero-padded to the block size, XORed with `pad`.
EvpMdCtxPtr padState(const EVP_MD *md, const unsigned char *block, int blockSize, unsigned char pad)
{
    unsigned char padded[EVP_MAX_MD_SIZE * 2]; // a SHA-2 block is at most 128 bytes
    for (int i = 0; i < blockSize; ++i)
        padded[i] = block[i] ^ pad;
    EvpMdCtxPtr context(EVP_MD_CTX_new());
    const bool ok = context && EVP_DigestInit_ex2(context.get(), md, nullptr) == 1
        && EVP_DigestUpdate(context.get(), padded, static_cast<size_t>(blockSize)) == 1;
    OPENSSL_cleanse(padded, sizeof padded);
    return ok ? std::move(context) : EvpMdCtxPtr();
}

} // namespace

HmacKey::HmacKey(DigestAlgorithm algorithm, SecretBytes key, EvpMdCtxPtr inner, EvpMdCtxPtr outer)
    : m_algorithm(algorithm)
    , m_key(std::move(key))
    , m_inner(std::move(inner))
    , m_outer(std::move(outer))
{ }

// Moving is not thread-safe (nothing else may use either key meanwhile); the pooled contexts go with the key.
HmacKey::HmacKey(HmacKey &&other) noexcept
    : m_algorithm(other.m_algorithm)
    , m_key(std::move(other.m_key))
    , m_inner(std::move(other.m_inner))
    , m_outer(std::move(other.m_outer))
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
        m_inner = std::move(other.m_inner);
        m_outer = std::move(other.m_outer);
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
        EVP_MD_CTX_free(slot.exchange(nullptr));
}

Result<HmacKey> HmacKey::create(DigestAlgorithm algorithm, SecretBytes key)
{
    const EVP_MD *md = evpDigest(algorithm);
    const int blockSize = md ? EVP_MD_get_block_size(md) : 0;
    if (blockSize <= 0 || blockSize > EVP_MAX_MD_SIZE * 2)
        return Error(
            CryptoError::Internal,
            QStringLiteral("OpenSSL has no %1: %2").arg(QLatin1String(digestName(algorithm)), takeOpenSslErrors()));
    // RFC 2104 §2: a key longer than a block is hashed first; a shorter one is padded with zeros.
    unsigned char block[EVP_MAX_MD_SIZE * 2] = {};
    bool ok = true;
    if (key.size() > static_cast<std::size_t>(blockSize)) {
        unsigned int length = 0;
        ok = EVP_Digest(key.data(), key.size(), block, &length, md, nullptr) == 1;
    } else if (!key.isEmpty()) {
        std::memcpy(block, key.data(), key.size());
    }
    EvpMdCtxPtr inner = ok ? padState(md, block, blockSize, IPAD) : EvpMdCtxPtr();
    EvpMdCtxPtr outer = inner ? padState(md, block, blockSize, OPAD) : EvpMdCtxPtr();
    OPENSSL_cleanse(block, sizeof block);
    if (!outer)
        return Error(CryptoError::Internal, QStringLiteral("could not key HMAC: %1").arg(takeOpenSslErrors()));
    return HmacKey(algorithm, std::move(key), std::move(inner), std::move(outer));
}

EvpMdCtxPtr HmacKey::acquire() const
{
    for (auto &slot : m_pool) {
        if (slot.load(std::memory_order_relaxed)) {
            if (EVP_MD_CTX *context = slot.exchange(nullptr, std::memory_order_acquire))
                return EvpMdCtxPtr(context);
        }
    }
    return EvpMdCtxPtr(EVP_MD_CTX_new());
}

void HmacKey::release(EvpMdCtxPtr context) const
{
    for (auto &slot : m_pool) {
        EVP_MD_CTX *expected = nullptr;
        if (slot.compare_exchange_strong(expected, context.get(), std::memory_order_release)) {
            context.release();
            return;
        }
    }
    // The pool is full: this context is freed.
}

bool HmacKey::macInto(QByteArrayView data, unsigned char *out) const
{
    EvpMdCtxPtr context = acquire();
    if (!context)
        return false;
    const auto size = static_cast<unsigned int>(digestSize(m_algorithm));
    unsigned char innerHash[EVP_MAX_MD_SIZE];
    unsigned int innerLength = 0;
    unsigned int length = 0;
    // H((K ^ opad) || H((K ^ ipad) || data)), each hash resumed from its saved state.
    const bool ok = EVP_MD_CTX_copy_ex(context.get(), m_inner.get()) == 1
        && EVP_DigestUpdate(context.get(), data.data(), static_cast<size_t>(data.size())) == 1
        && EVP_DigestFinal_ex(context.get(), innerHash, &innerLength) == 1 && innerLength == size
        && EVP_MD_CTX_copy_ex(context.get(), m_outer.get()) == 1
        && EVP_DigestUpdate(context.get(), innerHash, innerLength) == 1
        && EVP_DigestFinal_ex(context.get(), out, &length) == 1 && length == size;
    OPENSSL_cleanse(innerHash, sizeof innerHash);
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
