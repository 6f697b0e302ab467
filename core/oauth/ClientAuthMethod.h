#pragma once

#include <QString>
#include <QStringView>

#include "common/Result.h"

namespace portcullis::oauth {

// How the client proves who it is at the token endpoint. The names are the registered values of RFC 7591
// section 2 and OpenID Connect Core section 9, which metadata lists in token_endpoint_auth_methods_supported.
// client_secret_jwt is left out on purpose: it signs with the shared secret, so it adds nothing a console needs
// over client_secret_basic while needing the secret as an HMAC key.
enum class ClientAuthMethod
{
    None, // a public client: client_id only, PKCE carries the proof
    ClientSecretBasic, // HTTP Basic with the form-encoded id and secret (RFC 6749 section 2.3.1)
    ClientSecretPost, // client_id and client_secret in the form body
    PrivateKeyJwt, // a signed assertion (RFC 7523), for clients that must not share a secret
};

// The registered name: "none", "client_secret_basic", "client_secret_post", "private_key_jwt".
[[nodiscard]] QString clientAuthMethodName(ClientAuthMethod method);
// The method with this exact registered name (case-sensitive, as metadata compares them); FlowError::InvalidProfile
// naming the accepted values otherwise.
[[nodiscard]] Result<ClientAuthMethod> parseClientAuthMethod(QStringView name);

} // namespace portcullis::oauth
