#include "Error.h"

#include <QStringBuilder>

namespace portcullis {

QString Error::id() const
{
    return QLatin1String(m_domain) % u'.' % QLatin1String(m_codeName);
}

QString Error::toString() const
{
    return m_detail % u" [" % id() % u']';
}

Error Error::withContext(const QString &context) const
{
    Error copy = *this;
    copy.m_detail = context % u": " % m_detail;
    return copy;
}

const char *errorDomain(CommonError)
{
    return "common";
}

const char *errorCodeName(CommonError code)
{
    switch (code) {
    case CommonError::InvalidArgument:
        return "invalid_argument";
    case CommonError::NotFound:
        return "not_found";
    case CommonError::IoError:
        return "io_error";
    case CommonError::Unsupported:
        return "unsupported";
    case CommonError::Timeout:
        return "timeout";
    case CommonError::Cancelled:
        return "cancelled";
    case CommonError::Internal:
        return "internal";
    }
    return "unknown";
}

} // namespace portcullis
