#pragma once

#include <optional>

#include <QString>
#include <QStringView>

namespace portcullis::monitor {

struct SecurityEvent;

// What the failed-auth tracker counts failures against. The identifiers (user, client, API key) use the
// tracker's identifier policy; source addresses have a policy of their own.
enum class SubjectKind
{
    User, // a user name
    Client, // an OAuth client id
    ApiKey, // an API key id
    SourceAddress, // the address a request came from
};

// Stable names, as the store and events write them: "user", "client", "api_key", "source".
[[nodiscard]] QString subjectKindName(SubjectKind kind);
[[nodiscard]] std::optional<SubjectKind> subjectKindFromName(QStringView name);
// For sentences: "user", "client", "API key", "source address".
[[nodiscard]] QString subjectKindLabel(SubjectKind kind);

// The subjects of one authentication attempt; empty ones are left out. The same fields as a SecurityEvent's,
// so a caller fills both from the same request.
struct AuthSubjects
{
    QString user;
    QString clientId;
    QString keyId;
    QString sourceAddress;

    [[nodiscard]] static AuthSubjects of(const SecurityEvent &event);
    // The subject of `kind` (possibly empty).
    [[nodiscard]] const QString &get(SubjectKind kind) const;
};

} // namespace portcullis::monitor
