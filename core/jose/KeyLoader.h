#pragma once

#include <QString>

#include "common/Result.h"
#include "jose/Jwk.h"

namespace portcullis::jose {

// Reads verification and signing keys from files as operators have them.
class KeyLoader
{
public:
    // A PEM key or certificate, a JWK, or a JWK Set, told apart by content.
    [[nodiscard]] static Result<JwkSet> fromBytes(QByteArrayView content, const QString &origin);
    [[nodiscard]] static Result<JwkSet> fromFile(const QString &path);
    // An HMAC secret: the file's bytes, less one trailing line break (as `echo` leaves).
    [[nodiscard]] static Result<Jwk> secretFromFile(const QString &path);

    static constexpr qint64 MAX_KEY_FILE_BYTES = 1024 * 1024;
};

} // namespace portcullis::jose
