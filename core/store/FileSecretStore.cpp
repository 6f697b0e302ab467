#include "store/FileSecretStore.h"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLockFile>
#include <QMutexLocker>

#include "store/SecretName.h"
#include "store/StoreError.h"

namespace portcullis::store {

namespace {

constexpr int FILE_VERSION = 1;
constexpr int LOCK_TIMEOUT_MS = 10000;
constexpr int STALE_LOCK_MS = 5000;
constexpr mode_t FILE_MODE = 0600;

// Closes a file descriptor when it goes out of scope.
struct FdCloser
{
    int fd = -1;
    ~FdCloser()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(bytes.data(), static_cast<std::size_t>(bytes.size()));
    bytes.clear();
}

// The path quoted for a POSIX shell, for the commands the error messages suggest.
QString shellQuoted(const QString &path)
{
    QString quoted = path;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString errnoText(int error)
{
    return qt_error_string(error);
}

bool writeAll(int fd, const QByteArray &bytes)
{
    const char *data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, data, static_cast<std::size_t>(left));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += written;
        left -= written;
    }
    return true;
}

} // namespace

FileSecretStore::FileSecretStore(QString path)
    : m_path(std::move(path))
{ }

Result<std::unique_ptr<FileSecretStore>> FileSecretStore::create(const QString &path)
{
    if (path.isEmpty())
        return Error(StoreError::InvalidLocation,
                     QStringLiteral("No secrets file was named: give one as --secrets file:PATH."));
    const QFileInfo info(path);
    const QString absolute = QDir::cleanPath(info.absoluteFilePath());
    const QFileInfo directory(QFileInfo(absolute).absolutePath());
    if (!directory.isDir())
        return Error(StoreError::InvalidLocation,
                     QStringLiteral("The folder of the secrets file %1 does not exist: create it first (mode 0700).")
                         .arg(absolute));
    std::unique_ptr<FileSecretStore> store(new FileSecretStore(absolute));
    if (auto loaded = store->load(); !loaded)
        return loaded.error();
    return store;
}

QString FileSecretStore::description() const
{
    return QStringLiteral("the file %1 (mode 0600)").arg(m_path);
}

Error FileSecretStore::unavailable(const QString &what) const
{
    return Error(StoreError::SecretsUnavailable, QStringLiteral("The secrets file %1 %2").arg(m_path, what));
}

Result<QJsonObject> FileSecretStore::load() const
{
    const QByteArray nativePath = QFile::encodeName(m_path);
    FdCloser file {::open(nativePath.constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
    if (file.fd < 0) {
        const int error = errno;
        if (error == ENOENT)
            return QJsonObject();
        if (error == ELOOP)
            return Error(StoreError::SecretsInsecure,
                         QStringLiteral("The secrets file %1 is a symbolic link, which is refused (whoever can change "
                                        "the link can redirect the secrets): name the real file instead.")
                             .arg(m_path));
        return unavailable(QStringLiteral("cannot be opened (%1): check that it belongs to you and that you may "
                                          "read it.")
                               .arg(errnoText(error)));
    }

    struct stat status = {};
    if (::fstat(file.fd, &status) != 0)
        return unavailable(QStringLiteral("cannot be examined (%1).").arg(errnoText(errno)));
    if (!S_ISREG(status.st_mode))
        return unavailable(QStringLiteral("is not a regular file: name a file, not a folder or a device."));
    if (status.st_uid != ::geteuid())
        return Error(
            StoreError::SecretsInsecure,
            QStringLiteral("The secrets file %1 belongs to user id %2, not to you (user id %3): run "
                           "Portcullis as its owner, or give it to yourself with: chown %3 %4")
                .arg(m_path, QString::number(status.st_uid), QString::number(::geteuid()), shellQuoted(m_path)));
    if ((status.st_mode & 077) != 0)
        return Error(StoreError::SecretsInsecure,
                     QStringLiteral("Other users may read or change the secrets file %1 (mode %2): restrict it with: "
                                    "chmod 600 %3")
                         .arg(m_path, QString::number(status.st_mode & 0777, 8).rightJustified(4, QLatin1Char('0')),
                              shellQuoted(m_path)));
    if (status.st_size > MAX_FILE_BYTES)
        return unavailable(QStringLiteral("is larger than %1 bytes, which is more than a secrets file can be: it "
                                          "is probably not one. It was left as it is.")
                               .arg(MAX_FILE_BYTES));

    QByteArray content(static_cast<qsizetype>(MAX_FILE_BYTES) + 1, Qt::Uninitialized);
    qsizetype size = 0;
    while (size < content.size()) {
        const ssize_t got = ::read(file.fd, content.data() + size, static_cast<std::size_t>(content.size() - size));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const int error = errno;
            wipe(content);
            return unavailable(QStringLiteral("cannot be read (%1).").arg(errnoText(error)));
        }
        if (got == 0)
            break;
        size += got;
    }
    if (size > MAX_FILE_BYTES) {
        wipe(content);
        return unavailable(QStringLiteral("grew past %1 bytes while it was read: it is probably not a secrets file. "
                                          "It was left as it is.")
                               .arg(MAX_FILE_BYTES));
    }

    QJsonParseError parseError;
    const QJsonDocument document
        = QJsonDocument::fromJson(QByteArray::fromRawData(content.constData(), size), &parseError);
    wipe(content);
    const QString leftAlone
        = QStringLiteral(" It was left as it is: restore it from a backup, or move it away to start "
                         "an empty one.");
    if (document.isNull())
        return unavailable(QStringLiteral("is not valid JSON (%1 at byte %2).")
                               .arg(parseError.errorString(), QString::number(parseError.offset))
                           + leftAlone);
    const QJsonObject root = document.object();
    const int version = root.value(QLatin1String("version")).toInt(0);
    if (!document.isObject() || version < 1 || !root.value(QLatin1String("secrets")).isObject())
        return unavailable(QStringLiteral("is not a Portcullis secrets file (it needs a \"version\" and a "
                                          "\"secrets\" object).")
                           + leftAlone);
    if (version > FILE_VERSION)
        return unavailable(QStringLiteral("was written by a newer Portcullis (format version %1; this one reads "
                                          "version %2): upgrade Portcullis.")
                               .arg(QString::number(version), QString::number(FILE_VERSION)));
    const QJsonObject secrets = root.value(QLatin1String("secrets")).toObject();
    for (auto entry = secrets.constBegin(); entry != secrets.constEnd(); ++entry) {
        bool valid = entry.value().isString();
        if (valid) {
            QByteArray encoded = entry.value().toString().toLatin1();
            auto decoded = QByteArray::fromBase64Encoding(encoded, QByteArray::AbortOnBase64DecodingErrors);
            valid = bool(decoded);
            wipe(encoded);
            wipe(decoded.decoded);
        }
        if (!valid || !checkSecretName(entry.key()).has_value())
            return unavailable(QStringLiteral("has an entry that is not a name with a base64 value (\"%1\").")
                                   .arg(entry.key().left(80))
                               + leftAlone);
    }
    return secrets;
}

Result<void> FileSecretStore::save(const QJsonObject &secrets) const
{
    QJsonObject root;
    root.insert(QLatin1String("version"), FILE_VERSION);
    root.insert(QLatin1String("secrets"), secrets);
    QByteArray content = QJsonDocument(root).toJson(QJsonDocument::Indented);
    if (content.size() > MAX_FILE_BYTES) {
        wipe(content);
        return unavailable(
            QStringLiteral("would grow past %1 bytes: remove secrets that are no longer used.").arg(MAX_FILE_BYTES));
    }

    // A new file in the same folder, created with mode 0600 whatever the umask (so it is never readable by
    // others, not even briefly), written and flushed to disk, then renamed over the old one. QSaveFile would
    // create a new file with 0666 & ~umask.
    QByteArray temporary = QFile::encodeName(m_path) + ".tmp-XXXXXX";
    const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        wipe(content);
        return unavailable(
            QStringLiteral("cannot be written: no new file can be created in its folder (%1).").arg(errnoText(error)));
    }
    FdCloser file {fd};
    const bool written = ::fchmod(fd, FILE_MODE) == 0 && writeAll(fd, content) && ::fsync(fd) == 0;
    const int writeError = errno;
    wipe(content);
    if (!written) {
        ::unlink(temporary.constData());
        return unavailable(QStringLiteral("cannot be written (%1); it was left as it was.").arg(errnoText(writeError)));
    }
    ::close(std::exchange(file.fd, -1));
    if (::rename(temporary.constData(), QFile::encodeName(m_path).constData()) != 0) {
        const int error = errno;
        ::unlink(temporary.constData());
        return unavailable(QStringLiteral("cannot be replaced (%1); it was left as it was.").arg(errnoText(error)));
    }
    // Make the rename itself durable.
    const QByteArray folder = QFile::encodeName(QFileInfo(m_path).absolutePath());
    FdCloser directory {::open(folder.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (directory.fd >= 0)
        ::fsync(directory.fd);
    return {};
}

template<typename Change>
Result<void> FileSecretStore::update(Change &&change)
{
    QMutexLocker locker(&m_mutex);
    QLockFile lock(m_path + QStringLiteral(".lock"));
    // A process killed between creating the lock file and writing its pid into it leaves an empty file that no pid
    // check can clear; only its age can. Below the timeout, so such a file never makes a writer give up, and far
    // above the milliseconds a holder needs.
    lock.setStaleLockTime(STALE_LOCK_MS);
    if (!lock.tryLock(LOCK_TIMEOUT_MS))
        return Error(StoreError::Busy,
                     QStringLiteral("Another process has held the lock file %1.lock for more than %2 s: if no "
                                    "Portcullis is running, delete that file and try again.")
                         .arg(m_path, QString::number(LOCK_TIMEOUT_MS / 1000)));
    Result<QJsonObject> secrets = load();
    if (!secrets)
        return secrets.error();
    if (!change(*secrets))
        return {};
    return save(*secrets);
}

Result<crypto::SecretBytes> FileSecretStore::read(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    const Result<QJsonObject> secrets = load();
    if (!secrets)
        return secrets.error();
    const auto found = secrets->constFind(name);
    if (found == secrets->constEnd())
        return Error(StoreError::SecretNotFound,
                     QStringLiteral("The secrets file %1 has no secret named \"%2\".").arg(m_path, name));
    QByteArray encoded = found.value().toString().toLatin1();
    QByteArray decoded = QByteArray::fromBase64(encoded);
    crypto::SecretBytes value(decoded);
    wipe(encoded);
    wipe(decoded);
    return value;
}

Result<void> FileSecretStore::write(const QString &name, const crypto::SecretBytes &value)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    return update([&](QJsonObject &secrets) {
        QByteArray encoded = QByteArray::fromRawData(value.view().data(), value.view().size()).toBase64();
        secrets.insert(name, QString::fromLatin1(encoded));
        wipe(encoded);
        return true;
    });
}

Result<void> FileSecretStore::remove(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    return update([&](QJsonObject &secrets) {
        if (!secrets.contains(name))
            return false;
        secrets.remove(name);
        return true;
    });
}

} // namespace portcullis::store
