#pragma once

#include <memory>

#include <QJsonObject>
#include <QMutex>

#include "store/SecretStore.h"

namespace portcullis::store {

// Secrets in one small JSON file, for headless servers with no keychain (`--secrets file:PATH`):
//     {"version": 1, "secrets": {"<name>": "<base64>"}}
// The file must be a regular file owned by the current user with no group or other permissions (mode 0600); a
// symbolic link or a looser mode is refused (StoreError::SecretsInsecure) rather than repaired. It is read afresh at
// every call, so processes sharing it see each other's writes; a write takes a lock file beside it (PATH.lock),
// writes a new file created with mode 0600, flushes it to disk and renames it over the old one. A file that
// cannot be parsed is reported (StoreError::SecretsUnavailable) and never replaced: writes to it fail.
class FileSecretStore final : public SecretStore
{
public:
    // The largest secrets file read or written.
    static constexpr qint64 MAX_FILE_BYTES = 1024 * 1024;

    // Checks the path: the directory must exist, and an existing file must be safe and well-formed. The file
    // itself is created by the first write.
    [[nodiscard]] static Result<std::unique_ptr<FileSecretStore>> create(const QString &path);

    // The absolute path of the file.
    [[nodiscard]] QString path() const { return m_path; }

    [[nodiscard]] QString description() const override;
    [[nodiscard]] bool isPersistent() const override { return true; }

    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &name) override;
    [[nodiscard]] Result<void> write(const QString &name, const crypto::SecretBytes &value) override;
    [[nodiscard]] Result<void> remove(const QString &name) override;

private:
    explicit FileSecretStore(QString path);

    // The "secrets" object of the file; empty when the file does not exist yet.
    [[nodiscard]] Result<QJsonObject> load() const;
    // Replaces the file with one holding `secrets`.
    [[nodiscard]] Result<void> save(const QJsonObject &secrets) const;
    // Loads, lets `change` edit the entries (returning false when nothing changed) and saves, all under the lock
    // file so that writers in other processes do not lose each other's changes.
    template<typename Change>
    [[nodiscard]] Result<void> update(Change &&change);

    [[nodiscard]] Error unavailable(const QString &what) const;

    QString m_path;
    QMutex m_mutex; // one writer at a time in this process; QLockFile covers other processes
};

} // namespace portcullis::store
