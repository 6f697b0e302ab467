#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include "apikeys/ApiKeyService.h"
#include "common/Result.h"

namespace portcullis::engine {

class SecurityMonitor;

// Checks a request's API key the way a server must, with the failed-auth tracker in front of the key service:
//  - a source address that is locked is refused before its key is even looked at, with the same generic error as
//    a bad key, so a correct key guessed during a lock teaches nothing (and a failed_auth event with reason
//    "locked" says so in the log; the tracker does not count it);
//  - every refusal counts as a failure against the source address (the key service's own event says why);
//  - an accepted key whose id is locked is refused the same way; otherwise the success clears its failures.
// Thread-safe, like the service and the tracker.
class ApiKeyAuthenticator
{
public:
    // Both must outlive the authenticator.
    ApiKeyAuthenticator(apikeys::ApiKeyService &keys, SecurityMonitor &monitor);

    [[nodiscard]] Result<apikeys::ApiKeyService::Validated> authenticate(QByteArrayView key, QStringView requiredScope,
                                                                         const QString &source);

private:
    Error refuseLocked(const QString &source, const QString &keyId);

    apikeys::ApiKeyService &m_keys;
    SecurityMonitor &m_monitor;
};

} // namespace portcullis::engine
