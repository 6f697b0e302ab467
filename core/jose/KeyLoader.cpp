#include "jose/KeyLoader.h"

#include <QFile>
#include <QFileInfo>

#include "crypto/SecretBytes.h"
#include "jose/JoseError.h"

namespace portcullis::jose {

namespace {

Result<QByteArray> readSmallFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(CommonError::IoError, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > KeyLoader::MAX_KEY_FILE_BYTES)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("%1 is %2 bytes; key files above 1 MiB are refused").arg(path).arg(file.size()));
    return file.read(KeyLoader::MAX_KEY_FILE_BYTES + 1);
}

} // namespace

Result<JwkSet> KeyLoader::fromBytes(QByteArrayView content, const QString &origin)
{
    const QByteArrayView trimmed = content.trimmed();
    if (trimmed.startsWith("-----BEGIN")) {
        auto key = crypto::Key::fromPem(trimmed);
        if (!key)
            return Error(JoseError::InvalidKey, origin + QStringLiteral(": ") + key.error().detail());
        return JwkSet({Jwk::fromKey(std::move(*key))});
    }
    if (trimmed.startsWith('{')) {
        auto document = JsonDocument::parse(trimmed);
        if (!document)
            return Error(JoseError::InvalidKey,
                         origin + QStringLiteral(": not valid JSON: ") + document.error().detail());
        if (document->root().member("keys")) {
            auto set = JwkSet::parse(trimmed);
            if (!set)
                return Error(JoseError::InvalidKey, origin + QStringLiteral(": ") + set.error().detail());
            return set;
        }
        auto jwk = Jwk::fromJson(document->root());
        if (!jwk)
            return Error(JoseError::InvalidKey, origin + QStringLiteral(": ") + jwk.error().detail());
        return JwkSet({std::move(*jwk)});
    }
    return Error(JoseError::InvalidKey,
                 origin + QStringLiteral(": not a key: expected PEM (-----BEGIN …), a JWK or a JWK Set (JSON)"));
}

Result<JwkSet> KeyLoader::fromFile(const QString &path)
{
    auto content = readSmallFile(path);
    if (!content)
        return content.error();
    auto set = fromBytes(*content, path);
    content->fill('\0');
    return set;
}

Result<Jwk> KeyLoader::secretFromFile(const QString &path)
{
    auto content = readSmallFile(path);
    if (!content)
        return content.error();
    if (content->endsWith("\r\n"))
        content->chop(2);
    else if (content->endsWith('\n'))
        content->chop(1);
    crypto::SecretBytes secret(*content);
    content->fill('\0');
    auto key = crypto::Key::fromHmacSecret(std::move(secret));
    if (!key)
        return Error(JoseError::InvalidKey, path + QStringLiteral(": ") + key.error().detail());
    return Jwk::fromKey(std::move(*key));
}

} // namespace portcullis::jose
