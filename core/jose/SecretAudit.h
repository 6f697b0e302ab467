#pragma once

#include <atomic>
#include <functional>
#include <optional>

#include <QByteArray>
#include <QIODevice>

#include "common/Result.h"
#include "jose/CompactJws.h"

namespace portcullis::jose {

struct AuditResult
{
    std::optional<QByteArray> secret; // the HMAC secret, when a candidate matched
    qint64 tried = 0;
    double seconds = 0;
    bool cancelled = false;
    [[nodiscard]] double guessesPerSecond() const { return seconds > 0 ? double(tried) / seconds : 0; }
};

// Tries candidate secrets against an HS256/384/512 token: an audit of how guessable the signing secret is.
class SecretAudit
{
public:
    // The small list of common secrets shipped with Portcullis (framework defaults, tutorial values, jwt.io's).
    [[nodiscard]] static QList<QByteArray> builtinWordlist();

    // `progress(tried)` is called every `progressEvery` candidates; return false to cancel. Lines of `words` are
    // candidates exactly as written (without the line break); empty lines are skipped.
    [[nodiscard]] static Result<AuditResult> run(const CompactJws &jws, QIODevice &words,
                                                 const std::function<bool(qint64)> &progress = {},
                                                 qint64 progressEvery = 100000);
    [[nodiscard]] static Result<AuditResult> run(const CompactJws &jws, const QList<QByteArray> &words);
};

} // namespace portcullis::jose
