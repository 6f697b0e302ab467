#include "oauth/ClientAuthMethod.h"

#include <array>

#include <QStringList>

#include "common/Redaction.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

namespace {

constexpr std::array ALL_METHODS {ClientAuthMethod::None, ClientAuthMethod::ClientSecretBasic,
                                  ClientAuthMethod::ClientSecretPost, ClientAuthMethod::PrivateKeyJwt};

} // namespace

QString clientAuthMethodName(ClientAuthMethod method)
{
    switch (method) {
    case ClientAuthMethod::None:
        return QStringLiteral("none");
    case ClientAuthMethod::ClientSecretBasic:
        return QStringLiteral("client_secret_basic");
    case ClientAuthMethod::ClientSecretPost:
        return QStringLiteral("client_secret_post");
    case ClientAuthMethod::PrivateKeyJwt:
        return QStringLiteral("private_key_jwt");
    }
    return QStringLiteral("unknown");
}

Result<ClientAuthMethod> parseClientAuthMethod(QStringView name)
{
    QStringList accepted;
    for (const ClientAuthMethod method : ALL_METHODS) {
        const QString known = clientAuthMethodName(method);
        if (name == known)
            return method;
        accepted.append(known);
    }
    return Error(FlowError::InvalidProfile,
                 QStringLiteral("the client authentication method \"%1\" is not one Portcullis knows; use one of %2 "
                                "(client_secret_jwt and the mutual-TLS methods are not supported)")
                     .arg(redaction::escapeUntrusted(name, 64), accepted.join(QStringLiteral(", "))));
}

} // namespace portcullis::oauth
