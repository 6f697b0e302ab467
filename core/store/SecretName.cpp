#include "store/SecretName.h"

#include <algorithm>

namespace portcullis::store {

namespace {
constexpr qsizetype MAX_NAME_LENGTH = 200;
}

Result<void> checkSecretName(const QString &name)
{
    if (name.isEmpty())
        return Error(CommonError::InvalidArgument, QStringLiteral("A secret needs a name; the name given was empty."));
    if (name.size() > MAX_NAME_LENGTH)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("A secret name may have at most %1 characters; this one has %2.")
                         .arg(MAX_NAME_LENGTH)
                         .arg(name.size()));
    if (std::any_of(name.cbegin(), name.cend(), [](QChar c) { return c.category() == QChar::Other_Control; }))
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("A secret name may not contain control characters (newlines, tabs, NUL)."));
    return {};
}

} // namespace portcullis::store
