#include "oauth/Capabilities.h"

#include <QStringBuilder>

#include "common/Redaction.h"
#include "oauth/Pkce.h"
#include "oauth/ProviderMetadata.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype SHOWN_ENTRIES = 12;
constexpr qsizetype SHOWN_ENTRY_LENGTH = 64;

// Values from the document are attacker-controlled: each is escaped and bounded, and a long list is cut.
QString shownList(const QStringList &values)
{
    if (values.isEmpty())
        return QStringLiteral("none");
    QStringList shown;
    for (qsizetype i = 0; i < values.size() && i < SHOWN_ENTRIES; ++i)
        shown.append(u'"' % redaction::escapeUntrusted(values.at(i), SHOWN_ENTRY_LENGTH) % u'"');
    if (values.size() > SHOWN_ENTRIES)
        shown.append(QStringLiteral("and %1 more").arg(values.size() - SHOWN_ENTRIES));
    return shown.join(QStringLiteral(", "));
}

class Warnings
{
public:
    void add(const char *topic, QString explanation) { m_list.append({QLatin1String(topic), std::move(explanation)}); }
    QList<CapabilityWarning> take() { return std::move(m_list); }

private:
    QList<CapabilityWarning> m_list;
};

void checkPkce(const ProviderMetadata &metadata, Warnings &warnings)
{
    const QStringList &methods = metadata.codeChallengeMethodsSupported;
    const QString s256 = QLatin1String(Pkce::METHOD);
    if (!metadata.codeChallengeMethodsAdvertised) {
        warnings.add("pkce",
                     QStringLiteral("the provider does not say it supports PKCE (no code_challenge_methods_supported); "
                                    "the flow sends S256 anyway and never falls back to plain"));
    } else if (!methods.contains(s256)) {
        const bool plainOnly = !methods.isEmpty() && methods.count(QStringLiteral("plain")) == methods.size();
        warnings.add("pkce",
                     plainOnly ? QStringLiteral("the provider lists only the \"plain\" PKCE method, which protects "
                                                "nothing once the authorization request is seen; the flow sends S256 "
                                                "anyway and never falls back to plain, so expect the provider to "
                                                "refuse it unless its metadata is out of date")
                               : QStringLiteral("the provider's PKCE methods (%1) do not include S256; the flow sends "
                                                "S256 anyway and never falls back to plain")
                                     .arg(shownList(methods)));
    }
}

void checkClientAuthentication(const ProviderMetadata &metadata, const FlowPlan &plan, Warnings &warnings)
{
    const QString method = clientAuthMethodName(plan.authMethod);
    if (metadata.tokenEndpointAuthMethodsSupported.contains(method))
        return;
    if (!metadata.tokenEndpointAuthMethodsAdvertised) {
        warnings.add("client-authentication",
                     QStringLiteral("the provider does not list its client authentication methods, which by RFC 8414 "
                                    "means client_secret_basic only; the profile uses %1, which the token endpoint "
                                    "may refuse")
                         .arg(method));
        return;
    }
    // Some providers (Keycloak) leave "none" out of the list and still take public clients: say so rather than
    // predict a refusal.
    if (plan.authMethod == ClientAuthMethod::None) {
        warnings.add(
            "client-authentication",
            QStringLiteral("the provider's token endpoint lists %1 but not \"none\", so it may refuse a public "
                           "client (some providers take public clients without listing \"none\"): if it "
                           "answers invalid_client, register a confidential client")
                .arg(shownList(metadata.tokenEndpointAuthMethodsSupported)));
        return;
    }
    warnings.add("client-authentication",
                 QStringLiteral("the provider's token endpoint accepts %1, not %2: expect invalid_client, or change "
                                "the profile's authentication method to one of those")
                     .arg(shownList(metadata.tokenEndpointAuthMethodsSupported), method));
}

void checkCodeFlow(const ProviderMetadata &metadata, Warnings &warnings)
{
    if (!metadata.grantTypesSupported.contains(QStringLiteral("authorization_code")))
        warnings.add("grant-type",
                     QStringLiteral("the provider's grant types (%1) do not include authorization_code, the grant "
                                    "this flow uses")
                         .arg(shownList(metadata.grantTypesSupported)));
    // Entries are space-separated combinations ("code id_token"): only the plain "code" entry is this flow.
    if (!metadata.responseTypesAdvertised)
        warnings.add("response-type",
                     QStringLiteral("the provider does not list its response types (response_types_supported, which "
                                    "RFC 8414 requires); the flow asks for \"code\" anyway"));
    else if (!metadata.responseTypesSupported.contains(QStringLiteral("code")))
        warnings.add("response-type",
                     QStringLiteral("the provider's response types (%1) do not include \"code\", which this flow "
                                    "asks for")
                         .arg(shownList(metadata.responseTypesSupported)));
    // The loopback listener reads the code from the query of the redirect.
    if (!metadata.responseModesSupported.contains(QStringLiteral("query")))
        warnings.add("response-mode",
                     QStringLiteral("the provider's response modes (%1) do not include \"query\", the one the "
                                    "loopback listener reads the code from")
                         .arg(shownList(metadata.responseModesSupported)));
}

void checkRefresh(const ProviderMetadata &metadata, const FlowPlan &plan, Warnings &warnings)
{
    if (!plan.wantsRefresh || metadata.grantTypesSupported.contains(QStringLiteral("refresh_token")))
        return;
    warnings.add("refresh",
                 metadata.grantTypesAdvertised
                     ? QStringLiteral("the provider's grant types (%1) do not include refresh_token: expect no refresh "
                                      "token")
                           .arg(shownList(metadata.grantTypesSupported))
                     : QStringLiteral("the provider does not list its grant types, which by RFC 8414 means "
                                      "authorization_code and implicit only: expect no refresh token"));
}

void checkOpenId(const ProviderMetadata &metadata, bool openId, Warnings &warnings)
{
    if (!openId)
        return;
    if (metadata.jwksUri.isEmpty())
        warnings.add("id-token",
                     QStringLiteral("the provider publishes no key set (jwks_uri), so the ID token's signature "
                                    "cannot be verified: treat its claims as unchecked"));
    if (!metadata.isOpenId && !metadata.manualEndpoints)
        warnings.add("openid",
                     QStringLiteral("the metadata came from the OAuth location (RFC 8414), not from OpenID Connect "
                                    "discovery: the provider may not be an OpenID provider, and may ignore or refuse "
                                    "the openid scope"));
}

void checkScopes(const ProviderMetadata &metadata, const FlowPlan &plan, Warnings &warnings)
{
    if (!metadata.scopesAdvertised)
        return;
    QStringList unlisted;
    for (const QString &scope : plan.scopes) {
        if (!metadata.scopesSupported.contains(scope))
            unlisted.append(scope);
    }
    if (unlisted.isEmpty())
        return;
    warnings.add("scopes",
                 QStringLiteral("the provider does not list the scope%1 %2 among the scopes it supports (%3); it may "
                                "refuse or drop %4, though a provider may also leave out scopes it accepts")
                     .arg(unlisted.size() == 1 ? QString() : QStringLiteral("s"), shownList(unlisted),
                          shownList(metadata.scopesSupported),
                          unlisted.size() == 1 ? QStringLiteral("it") : QStringLiteral("them")));
}

void checkAssertionAlgorithm(const ProviderMetadata &metadata, const FlowPlan &plan, Warnings &warnings)
{
    if (plan.authMethod != ClientAuthMethod::PrivateKeyJwt || !plan.assertionAlgorithm)
        return;
    const QString algorithm = QLatin1String(crypto::jwa::name(*plan.assertionAlgorithm));
    if (!metadata.tokenEndpointAuthSigningAlgValuesAdvertised)
        warnings.add("assertion-algorithm",
                     QStringLiteral("the provider does not list the algorithms it accepts for client assertions "
                                    "(token_endpoint_auth_signing_alg_values_supported); the flow signs with %1 and "
                                    "only the token endpoint's answer will tell")
                         .arg(algorithm));
    else if (!metadata.tokenEndpointAuthSigningAlgValuesSupported.contains(algorithm))
        warnings.add("assertion-algorithm",
                     QStringLiteral("the provider accepts client assertions signed with %1, not %2: expect "
                                    "invalid_client, or use a key for one of those")
                         .arg(shownList(metadata.tokenEndpointAuthSigningAlgValuesSupported), algorithm));
}

void checkIssParameter(const ProviderMetadata &metadata, bool openId, Warnings &warnings)
{
    if (metadata.authorizationResponseIssParameterSupported)
        return;
    warnings.add("iss-parameter",
                 openId ? QStringLiteral("the provider does not say it sends iss in the authorization response (RFC "
                                         "9207): protection against mix-up attacks relies on the issuer check of the "
                                         "ID token only")
                        : QStringLiteral("the provider does not say it sends iss in the authorization response (RFC "
                                         "9207), and without an ID token nothing else ties the code to this provider: "
                                         "use one provider per flow"));
}

} // namespace

QList<CapabilityWarning> checkCapabilities(const ProviderMetadata &metadata, const FlowPlan &plan)
{
    Warnings warnings;
    const bool openId = plan.openId || plan.scopes.contains(QStringLiteral("openid"));
    if (metadata.manualEndpoints) {
        // Nothing was advertised, so each check would only say "not advertised": one warning says it once.
        warnings.add("metadata",
                     QStringLiteral("the endpoints were entered by hand, so nothing the provider supports is known: "
                                    "PKCE S256, the client authentication method and the scopes are sent as planned, "
                                    "and only the provider's answers will tell"));
        checkOpenId(metadata, openId, warnings);
        return warnings.take();
    }
    checkPkce(metadata, warnings);
    checkClientAuthentication(metadata, plan, warnings);
    checkCodeFlow(metadata, warnings);
    checkRefresh(metadata, plan, warnings);
    checkOpenId(metadata, openId, warnings);
    checkScopes(metadata, plan, warnings);
    checkAssertionAlgorithm(metadata, plan, warnings);
    checkIssParameter(metadata, openId, warnings);
    return warnings.take();
}

} // namespace portcullis::oauth
