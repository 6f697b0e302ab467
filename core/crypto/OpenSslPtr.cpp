#include "crypto/OpenSslPtr.h"

#include <openssl/err.h>

#include <QStringList>

namespace portcullis::crypto {

QString takeOpenSslErrors()
{
    QStringList reasons;
    while (const unsigned long code = ERR_get_error()) {
        if (reasons.size() < 4) {
            const char *reason = ERR_reason_error_string(code);
            reasons << (reason ? QString::fromLatin1(reason) : QStringLiteral("error %1").arg(code, 0, 16));
        }
    }
    return reasons.join(QStringLiteral("; "));
}

} // namespace portcullis::crypto
