#include "apikeys/ApiKeyFormat.h"

#include <array>

#include <zlib.h>

#include <QStringBuilder>

#include "apikeys/ApiKeyError.h"
#include "crypto/Random.h"

namespace portcullis::apikeys::format {

namespace {

constexpr char BASE62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr QByteArrayView VENDOR_PREFIX = "pcl_";
// Bytes below this are used (modulo 62 is then unbiased); the rest are drawn again.
constexpr unsigned char UNBIASED_LIMIT = 248;

constexpr std::array<qint8, 256> makeDigitValues()
{
    std::array<qint8, 256> values {};
    values.fill(-1);
    for (int i = 0; i < 62; ++i)
        values[static_cast<unsigned char>(BASE62[i])] = qint8(i);
    return values;
}

constexpr std::array<qint8, 256> DIGIT_VALUES = makeDigitValues();

bool isLowerAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isEnvironment(QByteArrayView environment)
{
    if (environment.isEmpty() || environment.size() > MAX_ENVIRONMENT_LENGTH)
        return false;
    if (environment[0] < 'a' || environment[0] > 'z')
        return false;
    for (const char c : environment) {
        if (!isLowerAlnum(c))
            return false;
    }
    return true;
}

quint32 checksumOf(QByteArrayView entropy)
{
    return quint32(crc32(0L, reinterpret_cast<const Bytef *>(entropy.data()), uInt(entropy.size())));
}

void writeChecksum(quint32 checksum, char *out)
{
    for (qsizetype i = CHECKSUM_LENGTH - 1; i >= 0; --i) {
        out[i] = BASE62[checksum % 62];
        checksum /= 62;
    }
}

// Fills `out` with uniform base62 characters.
Result<void> randomBase62(char *out, qsizetype length)
{
    crypto::SecretBytes pool(64);
    qsizetype produced = 0;
    while (produced < length) {
        if (auto filled = crypto::random::fill({pool.data(), pool.size()}); !filled)
            return filled.error();
        for (std::size_t i = 0; i < pool.size() && produced < length; ++i) {
            if (pool.data()[i] < UNBIASED_LIMIT)
                out[produced++] = BASE62[pool.data()[i] % 62];
        }
    }
    return {};
}

} // namespace

Result<QString> prefixFor(const QString &environment)
{
    if (!isEnvironment(environment.toLatin1()) || environment.size() != environment.toLatin1().size())
        return Error(ApiKeyError::InvalidInput,
                     u"The key prefix '" % environment.left(40)
                         % u"' cannot be used. Use 1 to 16 lowercase letters and digits starting with a letter, "
                           u"such as live, test or staging.");
    return QString(QLatin1StringView(VENDOR_PREFIX) % environment);
}

Result<QString> newKeyId()
{
    constexpr qsizetype ID_LENGTH = 16;
    char id[ID_LENGTH];
    if (auto made = randomBase62(id, ID_LENGTH); !made)
        return made.error();
    return QString(u"key_" % QLatin1StringView(id, ID_LENGTH));
}

Result<GeneratedKey> generate(const QString &environment)
{
    auto prefix = prefixFor(environment);
    if (!prefix)
        return prefix.error();
    const QByteArray prefixBytes = prefix->toLatin1();
    const qsizetype length = prefixBytes.size() + 1 + BODY_LENGTH;
    crypto::SecretBytes raw(static_cast<std::size_t>(length));
    char *out = reinterpret_cast<char *>(raw.data());
    std::copy(prefixBytes.cbegin(), prefixBytes.cend(), out);
    out[prefixBytes.size()] = '_';
    char *entropy = out + prefixBytes.size() + 1;

    if (auto made = randomBase62(entropy, ENTROPY_LENGTH); !made)
        return made.error();
    writeChecksum(checksumOf(QByteArrayView(out, entropy + ENTROPY_LENGTH - out)), entropy + ENTROPY_LENGTH);

    GeneratedKey key;
    key.prefix = *prefix;
    key.lastFour = QString::fromLatin1(out + length - 4, 4);
    key.raw = std::move(raw);
    return key;
}

std::optional<Defect> check(QByteArrayView key)
{
    if (key.size() < VENDOR_PREFIX.size() + 2 + BODY_LENGTH || key.size() > MAX_KEY_LENGTH
        || !key.startsWith(VENDOR_PREFIX))
        return Defect::Malformed;
    const qsizetype separator = key.size() - BODY_LENGTH - 1;
    if (key[separator] != '_' || !isEnvironment(key.sliced(VENDOR_PREFIX.size(), separator - VENDOR_PREFIX.size())))
        return Defect::Malformed;
    const QByteArrayView body = key.sliced(separator + 1);
    quint64 written = 0;
    for (qsizetype i = 0; i < BODY_LENGTH; ++i) {
        const qint8 value = DIGIT_VALUES[static_cast<unsigned char>(body[i])];
        if (value < 0)
            return Defect::Malformed;
        if (i >= ENTROPY_LENGTH)
            written = written * 62 + quint64(value);
    }
    if (written != checksumOf(key.first(key.size() - CHECKSUM_LENGTH)))
        return Defect::Checksum;
    return std::nullopt;
}

QByteArrayView prefixOf(QByteArrayView key)
{
    return key.first(qMax<qsizetype>(0, key.size() - BODY_LENGTH - 1));
}

QString hint(const QString &prefix, const QString &lastFour)
{
    return prefix % u"_\u2026" % lastFour;
}

QString scannerRegex()
{
    return QStringLiteral("\\bpcl_[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{36}\\b");
}

} // namespace portcullis::apikeys::format
