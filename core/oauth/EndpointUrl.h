#pragma once

#include <QList>
#include <QString>
#include <QUrl>

#include "common/Result.h"

namespace portcullis::oauth {

// The rules every URL of a provider keeps before the flow sends anything to it. Codes, tokens and client secrets
// travel to these URLs, so plain http is refused unless the host is this machine (a provider under test on
// 127.0.0.0/8, [::1] or "localhost"), where nothing crosses a network (RFC 8252 section 8.3, RFC 8414 section 2).

// Whether `host` (as QUrl::host() gives it: lower case, IPv6 without brackets) names this machine.
[[nodiscard]] bool isLoopbackHost(const QString &host);

// An issuer identifier (RFC 8414 section 2): an absolute https URL (http on a loopback host) without query,
// fragment or user info. A trailing "/" is kept as given: issuers are compared as text, byte for byte, so callers
// compare the text they were given, never this QUrl's re-serialisation (QUrl lower-cases the scheme and host).
// FlowError::InvalidProfile when malformed, FlowError::InsecureEndpoint for http to another host.
[[nodiscard]] Result<QUrl> parseIssuer(const QString &text);

// Where a URL came from, which decides what a refusal tells the operator to do: fix the profile, or work around
// the provider's document.
enum class UrlSource
{
    Profile, // typed by the operator: malformed is FlowError::InvalidProfile
    Metadata, // read from the provider's metadata: malformed is FlowError::InvalidMetadata
};

// An endpoint URL (authorization, token, jwks, …): the same scheme rule; a query is allowed (RFC 6749 section 3.1)
// but not a fragment or user info. `what` names it in the message ("token endpoint").
[[nodiscard]] Result<QUrl> checkEndpoint(const QString &text, const QString &what,
                                         UrlSource source = UrlSource::Profile);

// Where a client looks for the metadata of `issuer` (from parseIssuer), in the order to try them:
//  [0] OpenID Connect Discovery 1.0 section 4: the issuer with "/.well-known/openid-configuration" appended
//      ("https://example.com/tenant" → "https://example.com/tenant/.well-known/openid-configuration");
//  [1] RFC 8414 section 3.1: "/.well-known/oauth-authorization-server" inserted between the host and the path
//      ("https://example.com/tenant" → "https://example.com/.well-known/oauth-authorization-server/tenant").
// Both specifications remove a terminating "/" of the issuer's path first, so it is never doubled. Percent-encoding
// in the issuer's path is kept as written.
[[nodiscard]] QList<QUrl> discoveryUrls(const QUrl &issuer);

} // namespace portcullis::oauth
