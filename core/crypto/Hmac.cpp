// OpenSSL 3.0 cannot resume a saved digest state without the heap: EVP_MD_CTX_copy_ex frees and allocates the
// provider's context on every copy (OpenSSL 3.5 added copyctx for this, openssl/openssl#25726), and with the two
// copies per MAC an HS256 verification took about 140 ns longer (of 1 us). So, before 3.5, the saved states are the
// low-level SHA-2 structures, copied by assignment on the stack. Those functions are deprecated in 3.0, not removed;
// only this file uses them, and a build of OpenSSL without them takes the EVP path.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/Hmac.h"

#include <cstring>
#include <variant>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto/ConstantTime.h"
#include "crypto/CryptoError.h"
#include "crypto/OpenSslPtr.h"

#if OPENSSL_VERSION_NUMBER < 0x30500000L && !defined(OPENSSL_NO_DEPRECATED_3_0)
#define PORTCULLIS_HMAC_SHA2_STATES 1
#else
#define PORTCULLIS_HMAC_SHA2_STATES 0
#endif

namespace portcullis::crypto {

namespace {

constexpr unsigned char IPAD = 0x36;
constexpr unsigned char OPAD = 0x5c;
constexpr int MAX_BLOCK_SIZE = 128; // SHA-384 and SHA-512

// The key as one block (RFC 2104 §2): hashed first when longer than a block, then padded with zeros.
bool keyBlock(const EVP_MD *md, const SecretBytes &key, unsigned char *block, int blockSize)
{
    std::memset(block, 0, size_t(blockSize));
    if (key.size() <= static_cast<std::size_t>(blockSize)) {
        if (!key.isEmpty())
            std::memcpy(block, key.data(), key.size());
        return true;
    }
    unsigned int length = 0;
    return EVP_Digest(key.data(), key.size(), block, &length, md, nullptr) == 1;
}

void xorPad(const unsigned char *block, int blockSize, unsigned char pad, unsigned char *out)
{
    for (int i = 0; i < blockSize; ++i)
        out[i] = block[i] ^ pad;
}

#if PORTCULLIS_HMAC_SHA2_STATES
// The two states of one SHA-2 function: after the inner padded key, and after the outer one.
template<typename Context, int (*Init)(Context *), int (*Update)(Context *, const void *, size_t),
         int (*Final)(unsigned char *, Context *)>
struct Sha2Pair
{
    Context states[2];

    bool key(const unsigned char *block, int blockSize)
    {
        unsigned char padded[MAX_BLOCK_SIZE];
        bool ok = true;
        for (int i = 0; i < 2; ++i) {
            xorPad(block, blockSize, i == 0 ? IPAD : OPAD, padded);
            ok = ok && Init(&states[i]) == 1 && Update(&states[i], padded, size_t(blockSize)) == 1;
        }
        OPENSSL_cleanse(padded, sizeof padded);
        return ok;
    }

    // H((K ^ opad) || H((K ^ ipad) || data)), each hash resumed from a copy of its saved state.
    bool mac(QByteArrayView data, unsigned char *out) const
    {
        unsigned char inner[EVP_MAX_MD_SIZE];
        Context context = states[0];
        bool ok = Update(&context, data.data(), size_t(data.size())) == 1 && Final(inner, &context) == 1;
        context = states[1];
        ok = ok && Update(&context, inner, size_t(context.md_len)) == 1 && Final(out, &context) == 1;
        OPENSSL_cleanse(&context, sizeof context);
        OPENSSL_cleanse(inner, sizeof inner);
        return ok;
    }
};

using Sha256Pair = Sha2Pair<SHA256_CTX, SHA256_Init, SHA256_Update, SHA256_Final>;
using Sha384Pair = Sha2Pair<SHA512_CTX, SHA384_Init, SHA384_Update, SHA384_Final>;
using Sha512Pair = Sha2Pair<SHA512_CTX, SHA512_Init, SHA512_Update, SHA512_Final>;
#endif

} // namespace

#if PORTCULLIS_HMAC_SHA2_STATES
struct HmacKey::States
{
    std::variant<Sha256Pair, Sha384Pair, Sha512Pair> pair;

    ~States()
    {
        std::visit([](auto &states) { OPENSSL_cleanse(&states, sizeof states); }, pair);
    }

    bool key(DigestAlgorithm algorithm, const unsigned char *block, int blockSize)
    {
        switch (algorithm) {
        case DigestAlgorithm::Sha256:
            pair.emplace<Sha256Pair>();
            break;
        case DigestAlgorithm::Sha384:
            pair.emplace<Sha384Pair>();
            break;
        case DigestAlgorithm::Sha512:
            pair.emplace<Sha512Pair>();
            break;
        }
        return std::visit([&](auto &states) { return states.key(block, blockSize); }, pair);
    }

    bool mac(DigestAlgorithm, QByteArrayView data, unsigned char *out) const
    {
        return std::visit([&](const auto &states) { return states.mac(data, out); }, pair);
    }
};
#else
struct HmacKey::States
{
    EvpMdCtxPtr inner; // only ever copied from
    EvpMdCtxPtr outer;

    bool key(DigestAlgorithm algorithm, const unsigned char *block, int blockSize)
    {
        unsigned char padded[MAX_BLOCK_SIZE];
        bool ok = true;
        for (EvpMdCtxPtr *state : {&inner, &outer}) {
            xorPad(block, blockSize, state == &inner ? IPAD : OPAD, padded);
            state->reset(EVP_MD_CTX_new());
            ok = ok && *state && EVP_DigestInit_ex2(state->get(), evpDigest(algorithm), nullptr) == 1
                && EVP_DigestUpdate(state->get(), padded, size_t(blockSize)) == 1;
        }
        OPENSSL_cleanse(padded, sizeof padded);
        return ok;
    }

    bool mac(DigestAlgorithm, QByteArrayView data, unsigned char *out) const
    {
        // One work context per thread, whatever the key: copies into it reuse its provider context.
        thread_local EvpMdCtxPtr t_context(EVP_MD_CTX_new());
        EVP_MD_CTX *context = t_context.get();
        unsigned char innerHash[EVP_MAX_MD_SIZE];
        unsigned int innerLength = 0;
        unsigned int length = 0;
        const bool ok = context && EVP_MD_CTX_copy_ex(context, inner.get()) == 1
            && EVP_DigestUpdate(context, data.data(), size_t(data.size())) == 1
            && EVP_DigestFinal_ex(context, innerHash, &innerLength) == 1
            && EVP_MD_CTX_copy_ex(context, outer.get()) == 1 && EVP_DigestUpdate(context, innerHash, innerLength) == 1
            && EVP_DigestFinal_ex(context, out, &length) == 1;
        OPENSSL_cleanse(innerHash, sizeof innerHash);
        return ok;
    }
};
#endif

HmacKey::HmacKey(DigestAlgorithm algorithm, SecretBytes key, std::unique_ptr<States> states)
    : m_algorithm(algorithm)
    , m_key(std::move(key))
    , m_states(std::move(states))
{ }

HmacKey::HmacKey(HmacKey &&other) noexcept = default;
HmacKey &HmacKey::operator=(HmacKey &&other) noexcept = default;
HmacKey::~HmacKey() = default;

Result<HmacKey> HmacKey::create(DigestAlgorithm algorithm, SecretBytes key)
{
    const EVP_MD *md = evpDigest(algorithm);
    const int blockSize = md ? EVP_MD_get_block_size(md) : 0;
    if (blockSize <= 0 || blockSize > MAX_BLOCK_SIZE)
        return Error(
            CryptoError::Internal,
            QStringLiteral("OpenSSL has no %1: %2").arg(QLatin1String(digestName(algorithm)), takeOpenSslErrors()));
    unsigned char block[MAX_BLOCK_SIZE];
    auto states = std::make_unique<States>();
    const bool ok = keyBlock(md, key, block, blockSize) && states->key(algorithm, block, blockSize);
    OPENSSL_cleanse(block, sizeof block);
    if (!ok)
        return Error(CryptoError::Internal, QStringLiteral("could not key HMAC: %1").arg(takeOpenSslErrors()));
    return HmacKey(algorithm, std::move(key), std::move(states));
}

bool HmacKey::macInto(QByteArrayView data, unsigned char *out) const
{
    return m_states && m_states->mac(m_algorithm, data, out);
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
