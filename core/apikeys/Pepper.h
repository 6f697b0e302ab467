#pragma once

#include "common/Result.h"
#include "crypto/Hmac.h"

namespace portcullis::store {
class Database;
class SecretStore;
} // namespace portcullis::store

namespace portcullis::apikeys::pepper {

// The name of the pepper's entry in the workspace's secret store.
[[nodiscard]] QString secretName();

// The workspace's pepper, as an HMAC-SHA256 key. The store keeps a check value (a MAC of a fixed text, which
// reveals nothing of the pepper) so a missing or foreign pepper is recognised. A new pepper is made only for
// a workspace that has never had one and holds no key; never to replace one that cannot be read.
[[nodiscard]] Result<crypto::HmacKey> load(const store::Database &database, store::SecretStore &secrets);

} // namespace portcullis::apikeys::pepper
