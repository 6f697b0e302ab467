#include "crypto/Random.h"

#include <limits>

#include <openssl/rand.h>

#include "crypto/Base64Url.h"
#include "crypto/CryptoError.h"
#include "crypto/OpenSslPtr.h"

namespace portcullis::crypto::random {

Result<void> fill(std::span<unsigned char> out)
{
    if (out.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return Error(CryptoError::RandomFailure, QStringLiteral("too many random bytes asked for at once"));
    if (!out.empty() && RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        return Error(CryptoError::RandomFailure,
                     QStringLiteral("the system random generator failed: %1").arg(takeOpenSslErrors()));
    return {};
}

Result<QByteArray> bytes(qsizetype count)
{
    QByteArray out(count, Qt::Uninitialized);
    if (auto filled = fill({reinterpret_cast<unsigned char *>(out.data()), static_cast<std::size_t>(count)}); !filled)
        return filled.error();
    return out;
}

Result<SecretBytes> secret(std::size_t count)
{
    SecretBytes out(count);
    if (auto filled = fill({out.data(), count}); !filled)
        return filled.error();
    return out;
}

Result<QByteArray> token(qsizetype count)
{
    return bytes(count).transform([](const QByteArray &raw) { return base64url::encode(raw); });
}

Result<quint32> uniform(quint32 bound)
{
    if (bound == 0)
        return Error(CryptoError::Internal, QStringLiteral("uniform() needs a positive bound"));
    // Reject the top partial range so every value is equally likely.
    const quint32 limit = std::numeric_limits<quint32>::max() - (std::numeric_limits<quint32>::max() % bound);
    for (;;) {
        quint32 value = 0;
        if (auto filled = fill({reinterpret_cast<unsigned char *>(&value), sizeof value}); !filled)
            return filled.error();
        if (value < limit)
            return value % bound;
    }
}

} // namespace portcullis::crypto::random
