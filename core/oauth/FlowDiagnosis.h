#pragma once

#include <QString>
#include <QUrlQuery>

#include "common/Error.h"
#include "net/HttpExchange.h"
#include "oauth/ClientAuthMethod.h"

namespace portcullis::oauth {

// Turns what a provider answered into an Error that names the likely cause and what to do. Provider text
// (error, error_description) is escaped and bounded; no code, token or secret is ever quoted.
namespace diagnosis {

// No response at all: refused, timed out, too large.
[[nodiscard]] Error transport(const net::HttpExchange &exchange, const QString &what);
// A refusal from a token, introspection or revocation endpoint (RFC 6749 section 5.2 errors).
[[nodiscard]] Error tokenEndpoint(const net::HttpExchange &exchange, ClientAuthMethod method, const QString &what);
// An error response of the authorization endpoint, delivered to the redirect URI (RFC 6749 section 4.1.2.1).
[[nodiscard]] Error authorization(const QUrlQuery &callback);
// The provider's `error` and `error_description` as one escaped line: "invalid_grant (code expired)".
[[nodiscard]] QString providerError(const QString &error, const QString &description);

} // namespace diagnosis
} // namespace portcullis::oauth
