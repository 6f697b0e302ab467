#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

#include "common/Result.h"
#include "jose/Jwk.h"

namespace portcullis::jose {

struct HeaderOptions
{
    QString type = QStringLiteral("JWT"); // "typ"; empty leaves it out
    bool includeKeyId = true; // "kid" from the JWK
    // Further header members as already-valid JSON values, in order (e.g. {"cty", "\"JWT\""}).
    QList<QPair<QByteArray, QByteArray>> extra;
};

// Produces compact JWS: header {"alg","typ","kid",…} in that order, the payload bytes as given.
class Signer
{
public:
    [[nodiscard]] static Result<QByteArray> sign(const Jwk &key, crypto::Algorithm algorithm, QByteArrayView payload,
                                                 const HeaderOptions &options = {});
    // The header JSON that sign() uses.
    [[nodiscard]] static QByteArray header(const Jwk &key, crypto::Algorithm algorithm, const HeaderOptions &options);
};

} // namespace portcullis::jose
