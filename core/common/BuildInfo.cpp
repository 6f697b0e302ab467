#include "BuildInfo.h"

#include <openssl/crypto.h>

#include <QStringBuilder>
#include <QtGlobal>

namespace portcullis::buildinfo {

QString version()
{
    return QStringLiteral(PORTCULLIS_VERSION);
}

QString qtRuntimeVersion()
{
    return QString::fromLatin1(qVersion());
}

QString opensslRuntimeVersion()
{
    return QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION));
}

QString summary(const QString &programName)
{
    return programName % u' ' % version() % u" (Qt " % qtRuntimeVersion() % u", " % opensslRuntimeVersion() % u')';
}

} // namespace portcullis::buildinfo
