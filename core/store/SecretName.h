#pragma once

#include <QString>

#include "common/Result.h"

namespace portcullis::store {

// Every backend checks entry names the same way: 1 to 200 characters, none of them a control character
// ("apikeys.pepper", "oauth.client/web-console"). CommonError::InvalidArgument otherwise.
[[nodiscard]] Result<void> checkSecretName(const QString &name);

} // namespace portcullis::store
