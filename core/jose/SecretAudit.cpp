#include "jose/SecretAudit.h"

#include <chrono>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <QBuffer>
#include <QFile>

#include "crypto/Digest.h"
#include "crypto/Jwa.h"
#include "jose/JoseError.h"

namespace portcullis::jose {

namespace {

constexpr qint64 MAX_CANDIDATE_BYTES = 4096;

struct Target
{
    const EVP_MD *md;
    QByteArrayView input;
    QByteArrayView signature;
};

Result<Target> target(const CompactJws &jws)
{
    const auto algorithm = crypto::jwa::fromName(jws.algorithmName());
    if (!algorithm || !crypto::jwa::isHmac(*algorithm))
        return Error(JoseError::AlgorithmNotAllowed,
                     QStringLiteral("only HS256, HS384 and HS512 tokens have a secret to guess; this one is \"%1\"")
                         .arg(QString::fromUtf8(jws.algorithmName().left(20))));
    const auto digest = crypto::jwa::digest(*algorithm);
    if (jws.signature().size() != crypto::digestSize(digest))
        return Error(JoseError::Malformed,
                     QStringLiteral("the signature has the wrong length for %1")
                         .arg(QLatin1String(crypto::jwa::name(*algorithm))));
    return Target {crypto::evpDigest(digest), jws.signingInput(), jws.signature()};
}

bool matches(const Target &t, QByteArrayView candidate)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    static const char EMPTY = 0;
    if (!HMAC(t.md, candidate.isEmpty() ? &EMPTY : candidate.data(), static_cast<int>(candidate.size()),
              reinterpret_cast<const unsigned char *>(t.input.data()), static_cast<size_t>(t.input.size()), mac,
              &length))
        return false;
    return length == static_cast<unsigned int>(t.signature.size())
        && CRYPTO_memcmp(mac, t.signature.data(), length) == 0;
}

} // namespace

QList<QByteArray> SecretAudit::builtinWordlist()
{
    QFile file(QStringLiteral(":/portcullis/jose/common-secrets.txt"));
    QList<QByteArray> words;
    if (file.open(QIODevice::ReadOnly)) {
        while (!file.atEnd()) {
            QByteArray line = file.readLine();
            while (line.endsWith('\n') || line.endsWith('\r'))
                line.chop(1);
            if (!line.isEmpty())
                words << line;
        }
    }
    return words;
}

Result<AuditResult> SecretAudit::run(const CompactJws &jws, QIODevice &words,
                                     const std::function<bool(qint64)> &progress, qint64 progressEvery)
{
    auto t = target(jws);
    if (!t)
        return t.error();
    AuditResult result;
    const auto started = std::chrono::steady_clock::now();
    QByteArray line;
    while (!words.atEnd()) {
        line = words.readLine(MAX_CANDIDATE_BYTES);
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty())
            continue;
        ++result.tried;
        if (matches(*t, line)) {
            result.secret = line;
            break;
        }
        if (progress && progressEvery > 0 && result.tried % progressEvery == 0 && !progress(result.tried)) {
            result.cancelled = true;
            break;
        }
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

Result<AuditResult> SecretAudit::run(const CompactJws &jws, const QList<QByteArray> &words)
{
    QByteArray joined = words.join('\n');
    QBuffer buffer(&joined);
    buffer.open(QIODevice::ReadOnly);
    return run(jws, buffer);
}

} // namespace portcullis::jose
