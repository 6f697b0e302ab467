#pragma once

#include <QString>

#include "common/Result.h"
#include "crypto/SecretBytes.h"

namespace portcullis::store {

// Where a workspace keeps what must never reach the database: the API key pepper, client secrets, private
// signing keys. Entries are named ("apikeys.pepper"); values are opaque bytes.
//
// Calls are synchronous and thread-safe. They may wait (a keychain over D-Bus, an unlock prompt), so call them
// from a worker thread or the CLI, never from the GUI thread; every backend bounds the wait.
class SecretStore
{
public:
    virtual ~SecretStore() = default;

    // For people: where the secrets live ("the system keychain (Secret Service), service portcullis-…",
    // "memory, for this session only", "the file /srv/portcullis/secrets (mode 0600)").
    [[nodiscard]] virtual QString description() const = 0;
    // False when secrets are lost at exit (the in-memory store).
    [[nodiscard]] virtual bool isPersistent() const = 0;

    // StoreError::SecretNotFound when there is no such entry; other StoreError codes when the store itself
    // cannot answer (unavailable, locked, timeout, insecure file).
    [[nodiscard]] virtual Result<crypto::SecretBytes> read(const QString &name) = 0;
    // Creates or replaces the entry.
    [[nodiscard]] virtual Result<void> write(const QString &name, const crypto::SecretBytes &value) = 0;
    // Removing an entry that does not exist succeeds.
    [[nodiscard]] virtual Result<void> remove(const QString &name) = 0;
};

} // namespace portcullis::store
