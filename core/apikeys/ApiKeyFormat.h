#pragma once

#include <optional>

#include <QByteArrayView>
#include <QString>

#include "common/Result.h"
#include "crypto/SecretBytes.h"

namespace portcullis::apikeys::format {

// An API key reads `pcl_<environment>_<entropy><checksum>`, for example
//     pcl_live_4fQ8w1ZyJ0kT9bXc2LmN7pRs3VdGh6Aq0e1f2g
// - environment: `live`, `test` or an operator's own label, [a-z][a-z0-9]{0,15};
// - entropy: 30 base62 characters from the CSPRNG (178 bits);
// - checksum: the CRC32 of everything before it (the prefix, so a changed environment is caught too, and the
//   entropy) as 6 base62 digits: any single changed character, a typo or a truncated key is caught offline,
//   and a scanner can tell a real key from look-alike text.
// Only '_' separates the parts, so a double-click selects the whole key.
constexpr qsizetype ENTROPY_LENGTH = 30;
constexpr qsizetype CHECKSUM_LENGTH = 6;
constexpr qsizetype BODY_LENGTH = ENTROPY_LENGTH + CHECKSUM_LENGTH;
constexpr qsizetype MAX_ENVIRONMENT_LENGTH = 16;
constexpr qsizetype MAX_KEY_LENGTH = 4 + MAX_ENVIRONMENT_LENGTH + 1 + BODY_LENGTH;

// A new key. `raw` is the only copy of the secret: show it once, store only its keyed hash.
struct GeneratedKey
{
    crypto::SecretBytes raw;
    QString prefix; // "pcl_live"
    QString lastFour;
};

// Why a string is not a well-formed key (for the security event; callers all get the same answer).
enum class Defect
{
    Malformed, // wrong length, prefix or alphabet
    Checksum, // the right shape, but the checksum does not match: a typo, or made-up text
};

// Checks an environment label and returns its prefix ("live" → "pcl_live"); the detail says what is allowed.
[[nodiscard]] Result<QString> prefixFor(const QString &environment);

[[nodiscard]] Result<GeneratedKey> generate(const QString &environment);

// The offline check of a presented key: shape, alphabet and checksum, without allocating. nullopt when sound.
[[nodiscard]] std::optional<Defect> check(QByteArrayView key);

// The prefix of a key that passed check() ("pcl_live").
[[nodiscard]] QByteArrayView prefixOf(QByteArrayView key);

// A new public key id: "key_" and 16 base62 characters from the CSPRNG.
[[nodiscard]] Result<QString> newKeyId();

// "pcl_live_…Ab3d": what lists and logs show of a key.
[[nodiscard]] QString hint(const QString &prefix, const QString &lastFour);

// A POSIX extended / PCRE regular expression matching every Portcullis key, for secret scanners.
[[nodiscard]] QString scannerRegex();

} // namespace portcullis::apikeys::format
