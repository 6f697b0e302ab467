#include "crypto/ConstantTime.h"

#include <openssl/crypto.h>

namespace portcullis::crypto {

bool constantTimeEqual(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    return a.isEmpty() || CRYPTO_memcmp(a.data(), b.data(), static_cast<size_t>(a.size())) == 0;
}

} // namespace portcullis::crypto
