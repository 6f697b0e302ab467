#pragma once

#include <chrono>
#include <optional>

#include <QList>
#include <QString>

#include "common/Clock.h"
#include "jose/CompactJws.h"

namespace portcullis::jose {

struct Finding
{
    enum class Severity
    {
        Info,
        Warning,
        Critical,
    };
    Severity severity;
    QString code; // stable id: "alg-none", "missing-exp", …
    QString explanation; // plain words: what is wrong and why it matters
};

struct LintOptions
{
    std::chrono::seconds maxLifetime {24 * 3600};
    std::optional<QString> expectedType; // e.g. "at+jwt" for access tokens
    bool tryCommonSecrets = true; // test HS* tokens against the shipped list of common secrets
};

// Reviews a token the way a security engineer would, without any key: every finding explains itself.
class Linter
{
public:
    [[nodiscard]] static QList<Finding> lint(const CompactJws &jws, const Clock &clock,
                                             const LintOptions &options = {});
    [[nodiscard]] static QString severityName(Finding::Severity severity);
};

} // namespace portcullis::jose
