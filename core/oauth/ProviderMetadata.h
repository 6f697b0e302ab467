#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "common/Result.h"

namespace portcullis::oauth {

// Which well-known document the metadata came from: an OpenID provider publishes the first, a plain OAuth
// authorization server the second (see discoveryUrls). An ID token is only expected from the first.
enum class MetadataDocument
{
    OpenIdConfiguration, // OpenID Connect Discovery 1.0: /.well-known/openid-configuration
    OAuthAuthorizationServer, // RFC 8414: /.well-known/oauth-authorization-server
};

// What a provider says about itself (RFC 8414 section 2, OpenID Connect Discovery 1.0 section 3), as far as the
// Flow Lab uses it. The document is attacker-controlled: parse() checks types and sizes, sends every endpoint through
// checkEndpoint and ignores unknown members.
//
// Lists that RFC 8414 gives a default for are filled with it when absent, and the matching `…Advertised` flag tells
// "the provider said so" from "the RFC says so", so a capability check can say "not advertised" rather than "not
// supported". An advertised empty list stays empty.
struct ProviderMetadata
{
    QString issuer; // exactly as in the document (identical to the issuer asked for)
    QUrl authorizationEndpoint;
    QUrl tokenEndpoint;
    QUrl jwksUri; // the URLs below are empty when absent
    QUrl userinfoEndpoint;
    QUrl revocationEndpoint; // RFC 7009
    QUrl introspectionEndpoint; // RFC 7662

    QStringList responseTypesSupported; // no default (the member is required)
    QStringList grantTypesSupported; // default: authorization_code, implicit
    QStringList responseModesSupported; // default: query, fragment
    QStringList codeChallengeMethodsSupported; // no default: absent means PKCE support is unknown
    QStringList tokenEndpointAuthMethodsSupported; // default: client_secret_basic
    QStringList tokenEndpointAuthSigningAlgValuesSupported;
    QStringList idTokenSigningAlgValuesSupported;
    QStringList scopesSupported; // a provider may leave out scopes it still accepts (RFC 8414 section 2)

    bool responseTypesAdvertised = false;
    bool grantTypesAdvertised = false;
    bool responseModesAdvertised = false;
    bool codeChallengeMethodsAdvertised = false;
    bool tokenEndpointAuthMethodsAdvertised = false;
    bool tokenEndpointAuthSigningAlgValuesAdvertised = false;
    bool idTokenSigningAlgValuesAdvertised = false;
    bool scopesAdvertised = false;

    // RFC 9207: the provider puts `iss` in every authorization response, which defeats mix-up attacks.
    bool authorizationResponseIssParameterSupported = false;
    bool isOpenId = false; // from the OpenID Connect discovery document
    bool manualEndpoints = false; // entered by the operator: nothing was advertised at all

    QByteArray raw; // the document as received, for the transcript; empty for manual endpoints

    // Parses a metadata document fetched for `expectedIssuer` (the issuer text of the profile). The document's
    // `issuer` must be identical to it, byte for byte (RFC 8414 section 3.3, OpenID Connect Discovery section 4.3):
    // a document served for another issuer is how a mix-up attack starts. authorization_endpoint and
    // token_endpoint are required, as the authorization-code flow needs both.
    // Errors: FlowError::InvalidMetadata (not JSON, not an object, a member of the wrong type or size, an endpoint
    // that is not a URL), FlowError::InsecureEndpoint (an http endpoint on another host), FlowError::IssuerMismatch;
    // an `expectedIssuer` that parseIssuer refuses fails with its error before the document is read.
    [[nodiscard]] static Result<ProviderMetadata> parse(QByteArrayView json, const QString &expectedIssuer,
                                                        MetadataDocument document);

    // Endpoints entered by hand, for a provider that publishes no metadata. The URLs are used as given (check them
    // with checkEndpoint first); no list is filled, as nothing was advertised.
    [[nodiscard]] static ProviderMetadata manual(QUrl authorizationEndpoint, QUrl tokenEndpoint);
};

} // namespace portcullis::oauth
