#pragma once

// Internal to core/crypto: what a Key shares between its copies.

#include <array>
#include <mutex>
#include <optional>
#include <vector>

#include "crypto/Hmac.h"
#include "crypto/Key.h"
#include "crypto/OpenSslPtr.h"

namespace portcullis::crypto {

// Prepared OpenSSL contexts for one (algorithm, operation): initialised once, reused for every signature.
struct ContextPool
{
    std::mutex mutex;
    std::vector<EvpPkeyCtxPtr> pkeyContexts; // RSA and ECDSA: sign/verify over a digest
    std::vector<EvpMdCtxPtr> mdContexts; // Ed25519: one-shot DigestSign/DigestVerify
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
    std::array<EvpMdCtxPtr, 2> eddsaTemplates; // verify, sign

    ContextPool &pool(Algorithm algorithm, bool sign)
    {
        return pools[static_cast<int>(algorithm) * 2 + (sign ? 1 : 0)];
    }
};

} // namespace portcullis::crypto
