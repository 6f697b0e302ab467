#pragma once

// Internal to core/crypto: what a Key shares between its copies.

#include <array>
#include <atomic>
#include <mutex>
#include <optional>

#include "crypto/Hmac.h"
#include "crypto/Key.h"
#include "crypto/OpenSslPtr.h"

namespace portcullis::crypto {

// A few idle OpenSSL objects of one kind, taken and returned with atomic exchanges, never a lock. An empty slot is
// null; when every slot is taken, the caller makes a new object, and when every slot is full, it frees its own.
template<typename T, void (*Free)(T *)>
class IdleSlots
{
public:
    IdleSlots() = default;
    IdleSlots(const IdleSlots &) = delete;
    IdleSlots &operator=(const IdleSlots &) = delete;
    ~IdleSlots()
    {
        for (auto &slot : m_slots)
            Free(slot.exchange(nullptr));
    }

    // An idle object, or null when there is none.
    T *take()
    {
        for (auto &slot : m_slots) {
            if (slot.load(std::memory_order_relaxed)) {
                if (T *object = slot.exchange(nullptr, std::memory_order_acquire))
                    return object;
            }
        }
        return nullptr;
    }

    // Keeps `object` for later, or frees it when all slots are full.
    void give(T *object)
    {
        for (auto &slot : m_slots) {
            T *expected = nullptr;
            if (slot.compare_exchange_strong(expected, object, std::memory_order_release))
                return;
        }
        Free(object);
    }

private:
    std::array<std::atomic<T *>, 8> m_slots {};
};

// Prepared OpenSSL contexts for one (algorithm, operation): initialised once, reused for every signature.
struct ContextPool
{
    IdleSlots<EVP_PKEY_CTX, EVP_PKEY_CTX_free> pkeyContexts; // RSA and ECDSA: sign/verify over a digest
    IdleSlots<EVP_MD_CTX, EVP_MD_CTX_free> mdContexts; // Ed25519: one-shot DigestSign/DigestVerify
};

struct Key::Data
{
    KeyType type = KeyType::Oct;
    Curve curve = Curve::None;
    int bits = 0;
    bool hasPrivate = false;
    EvpPkeyPtr pkey;
    std::array<std::optional<HmacKey>, 3> hmac; // indexed by DigestAlgorithm
    std::array<ContextPool, 2 * 13> pools; // indexed by algorithm * 2 + (sign ? 1 : 0)
    std::array<EvpMdCtxPtr, 2> eddsaTemplates; // verify, sign: each set up once, under its flag
    std::array<std::once_flag, 2> eddsaTemplatesReady;

    ContextPool &pool(Algorithm algorithm, bool sign)
    {
        return pools[static_cast<int>(algorithm) * 2 + (sign ? 1 : 0)];
    }
};

} // namespace portcullis::crypto
