#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include "common/Result.h"
#include "net/HttpExchange.h"
#include "oauth/ProviderProfile.h"

namespace portcullis {
class Clock;
}

namespace portcullis::oauth {

using FormFields = QList<QPair<QString, QString>>;

// application/x-www-form-urlencoded, every byte outside the unreserved set percent-encoded.
[[nodiscard]] QByteArray formEncode(const FormFields &fields);

// A POST to a token, introspection or revocation endpoint, authenticated the way the profile says (RFC 6749
// section 2.3.1 for client_secret_basic and _post, RFC 7523 for private_key_jwt, the client id alone for
// public clients). `audience` is the client assertion's aud: the issuer when known, else the token endpoint.
[[nodiscard]] Result<net::HttpRequest> authenticatedPost(const QUrl &endpoint, FormFields fields,
                                                         const ProviderProfile &profile,
                                                         const ClientCredentials &credentials, const QString &audience,
                                                         const Clock &clock);

} // namespace portcullis::oauth
