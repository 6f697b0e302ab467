// Provider metadata for the Flow Lab: documents shaped like the ones Keycloak, Auth0, Entra ID and oidc-provider
// publish, the issuer rule (identical, byte for byte), the endpoint URL rules, the discovery locations of RFC 8414
// and OpenID Connect Discovery, and the capability warnings a flow plan gets.

#include <QTest>

#include "ResultText.h"
#include "oauth/Capabilities.h"
#include "oauth/ClientAuthMethod.h"
#include "oauth/EndpointUrl.h"
#include "oauth/FlowError.h"
#include "oauth/ProviderMetadata.h"

using namespace portcullis;
using oauth::FlowError;
using oauth::MetadataDocument;
using oauth::ProviderMetadata;

// The class comes before the fixtures: Qt 6.4's moc reads a raw string literal as a plain one, so the JSON below
// would hide a class declared after it (moc stops finding anything once the quotes go out of step).
class TestProviderMetadata : public QObject
{
    Q_OBJECT

private:
    static void verifyFails(const Result<ProviderMetadata> &result, FlowError code, const QString &mentions);

private Q_SLOTS:
    void keycloak();
    void auth0();
    void entra();
    void oidcProviderOnLoopbackIsFullyCapable();
    void issuerMustBeIdentical_data();
    void issuerMustBeIdentical();
    void issuerMismatchShowsHostileTextEscapedAndBounded();
    void issuerAbsentOrInvalid();
    void requiredEndpoints();
    void endpointRulesInMetadata_data();
    void endpointRulesInMetadata();
    void insecureRequiredEndpointRefused();
    void wrongTypes_data();
    void wrongTypes();
    void duplicateMembersRefused_data();
    void duplicateMembersRefused();
    void sizesAreBounded();
    void absentIsToldFromEmpty();
    void parseIssuerRules_data();
    void parseIssuerRules();
    void checkEndpointNamesTheEndpoint();
    void discoveryLocations_data();
    void discoveryLocations();
    void clientAuthMethodRoundTrip();
    void eachCapabilityWarning_data();
    void eachCapabilityWarning();
    void warningsEscapeProviderText();
    void manualEndpoints();
};

namespace {

const QString KEYCLOAK_ISSUER = QStringLiteral("https://sso.example.com/realms/demo");
const QByteArray KEYCLOAK = R"json({
  "issuer": "https://sso.example.com/realms/demo",
  "authorization_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/auth",
  "token_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/token",
  "introspection_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/token/introspect",
  "userinfo_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/userinfo",
  "end_session_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/logout",
  "frontchannel_logout_session_supported": true,
  "frontchannel_logout_supported": true,
  "jwks_uri": "https://sso.example.com/realms/demo/protocol/openid-connect/certs",
  "check_session_iframe": "https://sso.example.com/realms/demo/protocol/openid-connect/login-status-iframe.html",
  "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password", "client_credentials",
    "urn:openid:params:grant-type:ciba", "urn:ietf:params:oauth:grant-type:device_code"],
  "acr_values_supported": ["0", "1"],
  "response_types_supported": ["code", "none", "id_token", "token", "id_token token", "code id_token", "code token",
    "code id_token token"],
  "subject_types_supported": ["public", "pairwise"],
  "id_token_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384",
    "ES512", "PS256", "PS512", "RS512"],
  "id_token_encryption_alg_values_supported": ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"],
  "userinfo_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "none"],
  "response_modes_supported": ["query", "fragment", "form_post", "query.jwt", "fragment.jwt", "form_post.jwt", "jwt"],
  "registration_endpoint": "https://sso.example.com/realms/demo/clients-registrations/openid-connect",
  "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post",
    "tls_client_auth", "client_secret_jwt"],
  "token_endpoint_auth_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256",
    "HS384", "ES512", "PS256", "PS512", "RS512"],
  "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name", "family_name", "preferred_username",
    "email", "acr"],
  "claim_types_supported": ["normal"],
  "claims_parameter_supported": true,
  "scopes_supported": ["openid", "microprofile-jwt", "phone", "roles", "profile", "basic", "email", "address",
    "web-origins", "acr", "offline_access"],
  "request_parameter_supported": true,
  "request_uri_parameter_supported": true,
  "require_request_uri_registration": true,
  "code_challenge_methods_supported": ["plain", "S256"],
  "tls_client_certificate_bound_access_tokens": true,
  "revocation_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/revoke",
  "backchannel_logout_supported": true,
  "backchannel_logout_session_supported": true,
  "device_authorization_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/auth/device",
  "require_pushed_authorization_requests": false,
  "pushed_authorization_request_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/ext/par/request",
  "mtls_endpoint_aliases": {
    "token_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/token",
    "revocation_endpoint": "https://sso.example.com/realms/demo/protocol/openid-connect/revoke"
  },
  "authorization_response_iss_parameter_supported": true
})json";

// Auth0's issuer ends in "/"; it lists no grant types and does not announce RFC 9207.
const QString AUTH0_ISSUER = QStringLiteral("https://dev-k3x9q.eu.auth0.com/");
const QByteArray AUTH0 = R"json({"issuer":"https://dev-k3x9q.eu.auth0.com/",
"authorization_endpoint":"https://dev-k3x9q.eu.auth0.com/authorize",
"token_endpoint":"https://dev-k3x9q.eu.auth0.com/oauth/token",
"device_authorization_endpoint":"https://dev-k3x9q.eu.auth0.com/oauth/device/code",
"userinfo_endpoint":"https://dev-k3x9q.eu.auth0.com/userinfo",
"mfa_challenge_endpoint":"https://dev-k3x9q.eu.auth0.com/mfa/challenge",
"jwks_uri":"https://dev-k3x9q.eu.auth0.com/.well-known/jwks.json",
"registration_endpoint":"https://dev-k3x9q.eu.auth0.com/oidc/register",
"revocation_endpoint":"https://dev-k3x9q.eu.auth0.com/oauth/revoke",
"scopes_supported":["openid","profile","offline_access","name","given_name","family_name","nickname","email",
"email_verified","picture","created_at","identities","phone","address"],
"response_types_supported":["code","token","id_token","code token","code id_token","token id_token",
"code token id_token"],
"code_challenge_methods_supported":["S256","plain"],
"response_modes_supported":["query","fragment","form_post"],
"subject_types_supported":["public"],
"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"],
"claims_supported":["aud","auth_time","created_at","email","email_verified","exp","family_name","given_name","iat",
"identities","iss","name","nickname","phone_number","picture","sub"],
"request_uri_parameter_supported":false,
"request_parameter_supported":false,
"id_token_signing_alg_values_supported":["HS256","RS256","PS256"],
"token_endpoint_auth_signing_alg_values_supported":["RS256","RS384","PS256"],
"end_session_endpoint":"https://dev-k3x9q.eu.auth0.com/oidc/logout"})json";

// Entra ID v2.0 for one tenant: no code_challenge_methods_supported (it does support S256), no grant types, a
// userinfo endpoint on another host.
const QString ENTRA_ISSUER
    = QStringLiteral("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0");
const QByteArray ENTRA
    = R"json({"token_endpoint":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/token",
"token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt","client_secret_basic"],
"jwks_uri":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/discovery/v2.0/keys",
"response_modes_supported":["query","fragment","form_post"],
"subject_types_supported":["pairwise"],
"id_token_signing_alg_values_supported":["RS256"],
"response_types_supported":["code","id_token","code id_token","id_token token"],
"scopes_supported":["openid","profile","email","offline_access"],
"issuer":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
"request_uri_parameter_supported":false,
"userinfo_endpoint":"https://graph.microsoft.com/oidc/userinfo",
"authorization_endpoint":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/authorize",
"device_authorization_endpoint":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/devicecode",
"http_logout_supported":true,
"frontchannel_logout_supported":true,
"end_session_endpoint":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/logout",
"claims_supported":["sub","iss","cloud_instance_name","cloud_instance_host_name","cloud_graph_host_name",
"msgraph_host","aud","exp","iat","auth_time","acr","nonce","preferred_username","name","tid","ver","at_hash",
"c_hash","email"],
"kerberos_endpoint":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/kerberos",
"tenant_region_scope":"EU",
"cloud_instance_name":"microsoftonline.com",
"cloud_graph_host_name":"graph.windows.net",
"msgraph_host":"graph.microsoft.com",
"rbac_url":"https://pas.windows.net"})json";

// The document Entra serves at the multi-tenant "common" location: its issuer is a template, so it never matches.
const QByteArray ENTRA_COMMON = R"json({
"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0",
"authorization_endpoint":"https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
"token_endpoint":"https://login.microsoftonline.com/common/oauth2/v2.0/token"})json";

// node oidc-provider in development: plain http on localhost, every capability the flow uses.
const QString OIDC_PROVIDER_ISSUER = QStringLiteral("http://localhost:3000");
const QByteArray OIDC_PROVIDER = R"json({"authorization_endpoint":"http://localhost:3000/auth",
"claims_parameter_supported":false,"claims_supported":["sub","sid","auth_time","iss"],
"code_challenge_methods_supported":["S256"],"end_session_endpoint":"http://localhost:3000/session/end",
"grant_types_supported":["implicit","authorization_code","refresh_token"],"issuer":"http://localhost:3000",
"jwks_uri":"http://localhost:3000/jwks","authorization_response_iss_parameter_supported":true,
"response_modes_supported":["form_post","fragment","query"],
"response_types_supported":["code id_token","code","id_token","none"],"scopes_supported":["openid","offline_access"],
"subject_types_supported":["public"],
"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_jwt","client_secret_post",
"private_key_jwt","none"],
"token_endpoint_auth_signing_alg_values_supported":["HS256","RS256","PS256","ES256","EdDSA"],
"token_endpoint":"http://localhost:3000/token","id_token_signing_alg_values_supported":["PS256","RS256","ES256","EdDSA"],
"pushed_authorization_request_endpoint":"http://localhost:3000/request","request_parameter_supported":false,
"request_uri_parameter_supported":false,"userinfo_endpoint":"http://localhost:3000/me",
"revocation_endpoint":"http://localhost:3000/token/revocation",
"introspection_endpoint":"http://localhost:3000/token/introspection","claim_types_supported":["normal"]})json";

const QString ISSUER = QStringLiteral("https://as.example.com");

// A small valid document with `members` (raw JSON text, each with a trailing comma) added.
QByteArray minimal(const QByteArray &members)
{
    return "{" + members
        + R"json("issuer":"https://as.example.com","authorization_endpoint":"https://as.example.com/authorize",)json"
          R"json("token_endpoint":"https://as.example.com/token"})json";
}

// A document naming `issuer` (raw JSON string content) with the two required endpoints.
QByteArray withIssuer(const QByteArray &issuer)
{
    return "{\"issuer\":\"" + issuer
        + "\",\"authorization_endpoint\":\"https://as.example.com/a\",\"token_endpoint\":\"https://as.example.com/t\"}";
}

Result<ProviderMetadata> parseOAuth(const QByteArray &json, const QString &issuer = ISSUER)
{
    return ProviderMetadata::parse(json, issuer, MetadataDocument::OAuthAuthorizationServer);
}

QStringList topics(const QList<oauth::CapabilityWarning> &warnings)
{
    QStringList out;
    for (const auto &warning : warnings)
        out.append(warning.topic);
    return out;
}

QString explanations(const QList<oauth::CapabilityWarning> &warnings)
{
    QStringList out;
    for (const auto &warning : warnings)
        out.append(warning.topic + QStringLiteral(": ") + warning.explanation);
    return out.join(u'\n');
}

// The plan a fully capable provider (oidc-provider's document) satisfies.
oauth::FlowPlan capablePlan()
{
    oauth::FlowPlan plan;
    plan.authMethod = oauth::ClientAuthMethod::PrivateKeyJwt;
    plan.scopes = {QStringLiteral("openid"), QStringLiteral("offline_access")};
    plan.openId = true;
    plan.wantsRefresh = true;
    plan.assertionAlgorithm = crypto::Algorithm::ES256;
    return plan;
}

ProviderMetadata capableProvider()
{
    auto parsed = ProviderMetadata::parse(OIDC_PROVIDER, OIDC_PROVIDER_ISSUER, MetadataDocument::OpenIdConfiguration);
    Q_ASSERT(parsed.has_value());
    return *parsed;
}

} // namespace

void TestProviderMetadata::verifyFails(const Result<ProviderMetadata> &result, FlowError code, const QString &mentions)
{
    QVERIFY2(!result, "the document was accepted");
    QVERIFY2(result.error().is(code), qPrintable(result.error().toString()));
    QVERIFY2(result.error().detail().contains(mentions),
             qPrintable(QStringLiteral("\"%1\" not in: %2").arg(mentions, result.error().detail())));
}

void TestProviderMetadata::keycloak()
{
    auto parsed = ProviderMetadata::parse(KEYCLOAK, KEYCLOAK_ISSUER, MetadataDocument::OpenIdConfiguration);
    QVERIFY2(parsed, test::why(parsed));
    const ProviderMetadata &m = *parsed;
    QCOMPARE(m.issuer, KEYCLOAK_ISSUER);
    QCOMPARE(m.authorizationEndpoint,
             QUrl(QStringLiteral("https://sso.example.com/realms/demo/protocol/openid-connect/auth")));
    QCOMPARE(m.tokenEndpoint.path(), QStringLiteral("/realms/demo/protocol/openid-connect/token"));
    QCOMPARE(m.jwksUri.path(), QStringLiteral("/realms/demo/protocol/openid-connect/certs"));
    QCOMPARE(m.userinfoEndpoint.path(), QStringLiteral("/realms/demo/protocol/openid-connect/userinfo"));
    QCOMPARE(m.revocationEndpoint.path(), QStringLiteral("/realms/demo/protocol/openid-connect/revoke"));
    QCOMPARE(m.introspectionEndpoint.path(), QStringLiteral("/realms/demo/protocol/openid-connect/token/introspect"));
    QVERIFY(m.grantTypesAdvertised);
    QCOMPARE(m.grantTypesSupported.size(), 7);
    QVERIFY(m.grantTypesSupported.contains(QStringLiteral("refresh_token")));
    QCOMPARE(m.codeChallengeMethodsSupported, QStringList({QStringLiteral("plain"), QStringLiteral("S256")}));
    QCOMPARE(m.responseTypesSupported.size(), 8);
    QCOMPARE(m.responseModesSupported.size(), 7);
    QCOMPARE(m.tokenEndpointAuthMethodsSupported.first(), QStringLiteral("private_key_jwt"));
    QCOMPARE(m.tokenEndpointAuthSigningAlgValuesSupported.size(), 12);
    QCOMPARE(m.idTokenSigningAlgValuesSupported.size(), 12);
    QCOMPARE(m.scopesSupported.size(), 11);
    QVERIFY(m.authorizationResponseIssParameterSupported);
    QVERIFY(m.isOpenId);
    QVERIFY(!m.manualEndpoints);
    QCOMPARE(m.raw, KEYCLOAK);

    // A confidential client asking for OpenID and a refresh token: Keycloak supports all of it.
    oauth::FlowPlan plan;
    plan.authMethod = oauth::ClientAuthMethod::ClientSecretBasic;
    plan.scopes = {QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("email")};
    plan.openId = true;
    plan.wantsRefresh = true;
    const auto warnings = oauth::checkCapabilities(m, plan);
    QVERIFY2(warnings.isEmpty(), qPrintable(explanations(warnings)));
}

void TestProviderMetadata::auth0()
{
    auto parsed = ProviderMetadata::parse(AUTH0, AUTH0_ISSUER, MetadataDocument::OpenIdConfiguration);
    QVERIFY2(parsed, test::why(parsed));
    const ProviderMetadata &m = *parsed;
    QCOMPARE(m.issuer, AUTH0_ISSUER);
    QCOMPARE(m.tokenEndpoint, QUrl(QStringLiteral("https://dev-k3x9q.eu.auth0.com/oauth/token")));
    QVERIFY(m.introspectionEndpoint.isEmpty());
    // No grant_types_supported: the RFC 8414 default, marked as not advertised.
    QVERIFY(!m.grantTypesAdvertised);
    QCOMPARE(m.grantTypesSupported, QStringList({QStringLiteral("authorization_code"), QStringLiteral("implicit")}));
    QVERIFY(m.tokenEndpointAuthMethodsAdvertised);
    QVERIFY(!m.authorizationResponseIssParameterSupported);

    oauth::FlowPlan plan;
    plan.authMethod = oauth::ClientAuthMethod::ClientSecretPost;
    plan.scopes = {QStringLiteral("openid"), QStringLiteral("offline_access")};
    plan.openId = true;
    plan.wantsRefresh = true;
    const auto warnings = oauth::checkCapabilities(m, plan);
    QCOMPARE(topics(warnings), QStringList({QStringLiteral("refresh"), QStringLiteral("iss-parameter")}));
    QVERIFY(warnings.at(0).explanation.contains(QStringLiteral("does not list its grant types")));
    QVERIFY(warnings.at(1).explanation.contains(QStringLiteral("ID token only")));

    // The same issuer without its trailing "/" is another issuer.
    verifyFails(ProviderMetadata::parse(AUTH0, QStringLiteral("https://dev-k3x9q.eu.auth0.com"),
                                        MetadataDocument::OpenIdConfiguration),
                FlowError::IssuerMismatch, QStringLiteral("first differ at character 31"));
}

void TestProviderMetadata::entra()
{
    auto parsed = ProviderMetadata::parse(ENTRA, ENTRA_ISSUER, MetadataDocument::OpenIdConfiguration);
    QVERIFY2(parsed, test::why(parsed));
    const ProviderMetadata &m = *parsed;
    QCOMPARE(m.userinfoEndpoint.host(), QStringLiteral("graph.microsoft.com"));
    QVERIFY(!m.codeChallengeMethodsAdvertised);
    QVERIFY(m.codeChallengeMethodsSupported.isEmpty());

    oauth::FlowPlan plan;
    plan.authMethod = oauth::ClientAuthMethod::None;
    plan.scopes = {QStringLiteral("openid"), QStringLiteral("User.Read")};
    plan.openId = true;
    const auto warnings = oauth::checkCapabilities(m, plan);
    QCOMPARE(topics(warnings),
             QStringList({QStringLiteral("pkce"), QStringLiteral("client-authentication"), QStringLiteral("scopes"),
                          QStringLiteral("iss-parameter")}));
    QCOMPARE(warnings.at(0).explanation,
             QStringLiteral("the provider does not say it supports PKCE (no code_challenge_methods_supported); the "
                            "flow sends S256 anyway and never falls back to plain"));
    QVERIFY(warnings.at(1).explanation.contains(
        QStringLiteral("lists \"client_secret_post\", \"private_key_jwt\", \"client_secret_basic\" but not "
                       "\"none\"")));
    QVERIFY(warnings.at(2).explanation.contains(QStringLiteral("scope \"User.Read\"")));

    // The multi-tenant document names a template, not the issuer it was fetched for.
    verifyFails(ProviderMetadata::parse(ENTRA_COMMON, QStringLiteral("https://login.microsoftonline.com/common/v2.0"),
                                        MetadataDocument::OpenIdConfiguration),
                FlowError::IssuerMismatch, QStringLiteral("\"https://login.microsoftonline.com/{tenantid}/v2.0\""));
}

void TestProviderMetadata::oidcProviderOnLoopbackIsFullyCapable()
{
    auto parsed = ProviderMetadata::parse(OIDC_PROVIDER, OIDC_PROVIDER_ISSUER, MetadataDocument::OpenIdConfiguration);
    QVERIFY2(parsed, test::why(parsed));
    QCOMPARE(parsed->tokenEndpoint, QUrl(QStringLiteral("http://localhost:3000/token")));
    const auto warnings = oauth::checkCapabilities(*parsed, capablePlan());
    QVERIFY2(warnings.isEmpty(), qPrintable(explanations(warnings)));
}

void TestProviderMetadata::issuerMustBeIdentical_data()
{
    QTest::addColumn<QByteArray>("documentIssuer");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("same") << QByteArray("https://as.example.com") << ISSUER << true;
    QTest::newRow("escaped slashes are the same text")
        << QByteArray(R"json(https:\/\/as.example.com)json") << ISSUER << true;
    QTest::newRow("trailing slash in the document") << QByteArray("https://as.example.com/") << ISSUER << false;
    QTest::newRow("trailing slash asked for")
        << QByteArray("https://as.example.com") << QStringLiteral("https://as.example.com/") << false;
    QTest::newRow("case of the host") << QByteArray("https://AS.example.com") << ISSUER << false;
    QTest::newRow("explicit default port") << QByteArray("https://as.example.com:443") << ISSUER << false;
    QTest::newRow("another issuer") << QByteArray("https://evil.example") << ISSUER << false;
}

void TestProviderMetadata::issuerMustBeIdentical()
{
    QFETCH(QByteArray, documentIssuer);
    QFETCH(QString, expected);
    QFETCH(bool, accepted);
    const QByteArray json = withIssuer(documentIssuer);
    const auto parsed = parseOAuth(json, expected);
    if (accepted) {
        QVERIFY2(parsed, test::why(parsed));
        QCOMPARE(parsed->issuer, expected);
    } else {
        verifyFails(parsed, FlowError::IssuerMismatch, QStringLiteral("byte for byte"));
        if (QTest::currentTestFailed())
            return;
        QVERIFY(parsed.error().detail().contains(expected));
    }
}

void TestProviderMetadata::issuerMismatchShowsHostileTextEscapedAndBounded()
{
    const QByteArray hostile = "https://as.example.com/\\n\\u001b[31m\\u202e" + QByteArray(1500, 'a');
    const QByteArray json = withIssuer(hostile);
    const auto parsed = parseOAuth(json);
    verifyFails(parsed, FlowError::IssuerMismatch, QStringLiteral("\\n\\x1b[31m\\u202e"));
    if (QTest::currentTestFailed())
        return;
    const QString &detail = parsed.error().detail();
    QVERIFY(!detail.contains(u'\n'));
    QVERIFY(!detail.contains(QChar(0x1b)));
    QVERIFY(!detail.contains(QChar(0x202e)));
    QVERIFY2(detail.size() < 900, qPrintable(QString::number(detail.size())));
    QVERIFY(detail.contains(QStringLiteral("first differ at character 23")));
}

void TestProviderMetadata::issuerAbsentOrInvalid()
{
    verifyFails(
        parseOAuth(
            R"json({"authorization_endpoint":"https://as.example.com/a","token_endpoint":"https://as.example.com/t"})json"),
        FlowError::InvalidMetadata, QStringLiteral("no \"issuer\""));
    // An issuer asked for that is not an issuer at all fails before the document is read.
    verifyFails(parseOAuth(minimal(""), QStringLiteral("http://as.example.com")), FlowError::InsecureEndpoint,
                QStringLiteral("plain http"));
}

void TestProviderMetadata::requiredEndpoints()
{
    verifyFails(
        parseOAuth(R"json({"issuer":"https://as.example.com","token_endpoint":"https://as.example.com/t"})json"),
        FlowError::InvalidMetadata, QStringLiteral("no \"authorization_endpoint\""));
    verifyFails(
        parseOAuth(
            R"json({"issuer":"https://as.example.com","authorization_endpoint":"https://as.example.com/a"})json"),
        FlowError::InvalidMetadata, QStringLiteral("no \"token_endpoint\""));
    // Optional endpoints stay empty; null counts as absent.
    auto parsed = parseOAuth(minimal(R"json("jwks_uri":null,)json"));
    QVERIFY2(parsed, test::why(parsed));
    QVERIFY(parsed->jwksUri.isEmpty());
    QVERIFY(parsed->userinfoEndpoint.isEmpty());
    QVERIFY(!parsed->isOpenId);
    QVERIFY(!parsed->responseTypesAdvertised);
    QCOMPARE(parsed->responseModesSupported, QStringList({QStringLiteral("query"), QStringLiteral("fragment")}));
    QCOMPARE(parsed->tokenEndpointAuthMethodsSupported, QStringList({QStringLiteral("client_secret_basic")}));
    QVERIFY(!parsed->tokenEndpointAuthMethodsAdvertised);
}

void TestProviderMetadata::endpointRulesInMetadata_data()
{
    QTest::addColumn<QByteArray>("member");
    QTest::addColumn<int>("error"); // -1: accepted
    QTest::addColumn<QString>("mentions");
    const int accepted = -1;
    QTest::newRow("https") << QByteArray(R"json("jwks_uri":"https://keys.example.net/jwks",)json") << accepted
                           << QString();
    QTest::newRow("query allowed") << QByteArray(R"json("userinfo_endpoint":"https://as.example.com/me?v=2",)json")
                                   << accepted << QString();
    QTest::newRow("http on 127.0.0.5") << QByteArray(R"json("jwks_uri":"http://127.0.0.5:8080/jwks",)json") << accepted
                                       << QString();
    QTest::newRow("http on [::1]") << QByteArray(R"json("revocation_endpoint":"http://[::1]:9000/revoke",)json")
                                   << accepted << QString();
    QTest::newRow("http elsewhere") << QByteArray(R"json("jwks_uri":"http://keys.example.net/jwks",)json")
                                    << int(FlowError::InsecureEndpoint) << QStringLiteral("key set URL (jwks_uri)");
    QTest::newRow("http on a look-alike host")
        << QByteArray(R"json("userinfo_endpoint":"http://localhost.evil.example/me",)json")
        << int(FlowError::InsecureEndpoint) << QStringLiteral("plain http to localhost.evil.example");
    QTest::newRow("http on 128.0.0.1") << QByteArray(R"json("jwks_uri":"http://128.0.0.1/jwks",)json")
                                       << int(FlowError::InsecureEndpoint) << QStringLiteral("plain http");
    QTest::newRow("fragment") << QByteArray(R"json("introspection_endpoint":"https://as.example.com/i#x",)json")
                              << int(FlowError::InvalidMetadata) << QStringLiteral("fragment");
    QTest::newRow("relative") << QByteArray(R"json("jwks_uri":"/jwks",)json") << int(FlowError::InvalidMetadata)
                              << QStringLiteral("not an absolute URL");
    QTest::newRow("other scheme") << QByteArray(R"json("jwks_uri":"javascript:alert(1)",)json")
                                  << int(FlowError::InvalidMetadata) << QStringLiteral("scheme");
    QTest::newRow("user info") << QByteArray(R"json("revocation_endpoint":"https://user:pw@as.example.com/r",)json")
                               << int(FlowError::InvalidMetadata) << QStringLiteral("user info");
    QTest::newRow("a space") << QByteArray(R"json("jwks_uri":"https://as.example.com/j k",)json")
                             << int(FlowError::InvalidMetadata) << QStringLiteral("not a valid URL");
    QTest::newRow("empty") << QByteArray(R"json("jwks_uri":"",)json") << int(FlowError::InvalidMetadata)
                           << QStringLiteral("is empty");
}

void TestProviderMetadata::endpointRulesInMetadata()
{
    QFETCH(QByteArray, member);
    QFETCH(int, error);
    QFETCH(QString, mentions);
    const auto parsed = parseOAuth(minimal(member));
    if (error < 0) {
        QVERIFY2(parsed, test::why(parsed));
        return;
    }
    verifyFails(parsed, FlowError(error), mentions);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(parsed.error().detail().contains(QStringLiteral("provider's metadata")));
}

void TestProviderMetadata::insecureRequiredEndpointRefused()
{
    verifyFails(parseOAuth(R"json({"issuer":"https://as.example.com","authorization_endpoint":"http://as.example.com/a",
        "token_endpoint":"https://as.example.com/t"})json"),
                FlowError::InsecureEndpoint, QStringLiteral("authorization endpoint \"http://as.example.com/a\""));
}

void TestProviderMetadata::wrongTypes_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not JSON") << QByteArray("<html>Not found</html>") << QStringLiteral("not usable JSON");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("not usable JSON");
    QTest::newRow("trailing comma") << QByteArray(R"json({"issuer":"https://as.example.com",})json")
                                    << QStringLiteral("not usable JSON");
    QTest::newRow("an array") << QByteArray(R"json([{"issuer":"https://as.example.com"}])json")
                              << QStringLiteral("must be a JSON object, but it is an array");
    QTest::newRow("issuer a number") << QByteArray(R"json({"issuer":1})json")
                                     << QStringLiteral("\"issuer\" must be a string, but it is a number");
    QTest::newRow("endpoint an array") << minimal(R"json("jwks_uri":["https://as.example.com/jwks"],)json")
                                       << QStringLiteral("\"jwks_uri\" must be a string, but it is an array");
    QTest::newRow("scopes a string") << minimal(R"json("scopes_supported":"openid profile",)json")
                                     << QStringLiteral(
                                            "\"scopes_supported\" must be an array of strings, but it is a string");
    QTest::newRow("a number among methods") << minimal(R"json("code_challenge_methods_supported":["S256",256],)json")
                                            << QStringLiteral("but its entry 2 is a number");
    QTest::newRow("an object among grant types")
        << minimal(R"json("grant_types_supported":[{"authorization_code":true}],)json")
        << QStringLiteral("its entry 1 is an object");
    QTest::newRow("iss parameter as a string")
        << minimal(R"json("authorization_response_iss_parameter_supported":"true",)json")
        << QStringLiteral("must be a boolean, but it is a string");
}

void TestProviderMetadata::wrongTypes()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, mentions);
    verifyFails(parseOAuth(json), FlowError::InvalidMetadata, mentions);
}

void TestProviderMetadata::duplicateMembersRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("issuer twice") << minimal(R"json("issuer":"https://evil.example",)json");
    QTest::newRow("token endpoint twice") << minimal(R"json("token_endpoint":"https://evil.example/t",)json");
    QTest::newRow("twice, once escaped") << minimal(R"json("\u0074oken_endpoint":"https://evil.example/t",)json");
}

void TestProviderMetadata::duplicateMembersRefused()
{
    QFETCH(QByteArray, json);
    verifyFails(parseOAuth(json), FlowError::InvalidMetadata, QStringLiteral("duplicate"));
}

void TestProviderMetadata::sizesAreBounded()
{
    const auto arrayOf = [](int entries) {
        QByteArray list;
        for (int i = 0; i < entries; ++i)
            list += (i ? ",\"s" : "\"s") + QByteArray::number(i) + '"';
        return minimal(R"json("scopes_supported":[)json" + list + "],");
    };
    auto atLimit = parseOAuth(arrayOf(256));
    QVERIFY2(atLimit, test::why(atLimit));
    QCOMPARE(atLimit->scopesSupported.size(), 256);
    verifyFails(parseOAuth(arrayOf(257)), FlowError::InvalidMetadata, QStringLiteral("has 257 entries"));

    auto longEntry = parseOAuth(minimal("\"scopes_supported\":[\"" + QByteArray(2048, 's') + "\"],"));
    QVERIFY2(longEntry, test::why(longEntry));
    verifyFails(parseOAuth(minimal("\"scopes_supported\":[\"a\",\"" + QByteArray(2049, 's') + "\"],")),
                FlowError::InvalidMetadata, QStringLiteral("entry (number 2) that is 2049 characters long"));
    verifyFails(parseOAuth(minimal("\"x_note\":\"" + QByteArray(130 * 1024, 'x') + "\",")), FlowError::InvalidMetadata,
                QStringLiteral("not usable JSON"));
    verifyFails(parseOAuth(minimal(R"json("x":)json" + QByteArray(40, '[') + QByteArray(40, ']') + ",")),
                FlowError::InvalidMetadata, QStringLiteral("not usable JSON"));
}

void TestProviderMetadata::absentIsToldFromEmpty()
{
    auto parsed = parseOAuth(minimal(R"json("grant_types_supported":[],"code_challenge_methods_supported":[],)json"));
    QVERIFY2(parsed, test::why(parsed));
    QVERIFY(parsed->grantTypesAdvertised);
    QVERIFY(parsed->grantTypesSupported.isEmpty()); // no default for an advertised empty list
    QVERIFY(parsed->codeChallengeMethodsAdvertised);
    QVERIFY(!parsed->scopesAdvertised);
    QVERIFY(!parsed->authorizationResponseIssParameterSupported);
}

void TestProviderMetadata::parseIssuerRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("error"); // -1: accepted
    const int accepted = -1;
    const int invalid = int(FlowError::InvalidProfile);
    const int insecure = int(FlowError::InsecureEndpoint);
    QTest::newRow("https host") << QStringLiteral("https://as.example.com") << accepted;
    QTest::newRow("https path") << QStringLiteral("https://as.example.com/realms/demo") << accepted;
    QTest::newRow("trailing slash") << QStringLiteral("https://as.example.com/") << accepted;
    QTest::newRow("port") << QStringLiteral("https://as.example.com:8443/x") << accepted;
    QTest::newRow("http localhost") << QStringLiteral("http://localhost:8080/realms/dev") << accepted;
    QTest::newRow("http LOCALHOST") << QStringLiteral("http://LOCALHOST:8080") << accepted;
    QTest::newRow("http 127.0.0.1") << QStringLiteral("http://127.0.0.1:3000") << accepted;
    QTest::newRow("http 127.255.0.9") << QStringLiteral("http://127.255.0.9") << accepted;
    QTest::newRow("http [::1]") << QStringLiteral("http://[::1]:3000/") << accepted;
    QTest::newRow("http elsewhere") << QStringLiteral("http://as.example.com") << insecure;
    QTest::newRow("http 10.0.0.1") << QStringLiteral("http://10.0.0.1") << insecure;
    QTest::newRow("http [::2]") << QStringLiteral("http://[::2]") << insecure;
    QTest::newRow("http 0.0.0.0") << QStringLiteral("http://0.0.0.0") << insecure;
    QTest::newRow("http localhost.") << QStringLiteral("http://localhost./") << insecure;
    QTest::newRow("query") << QStringLiteral("https://as.example.com/?tenant=a") << invalid;
    QTest::newRow("empty query") << QStringLiteral("https://as.example.com/?") << invalid;
    QTest::newRow("fragment") << QStringLiteral("https://as.example.com/#a") << invalid;
    QTest::newRow("user info") << QStringLiteral("https://admin@as.example.com") << invalid;
    QTest::newRow("empty user info") << QStringLiteral("https://@as.example.com") << invalid;
    QTest::newRow("no scheme") << QStringLiteral("as.example.com") << invalid;
    QTest::newRow("ftp") << QStringLiteral("ftp://as.example.com") << invalid;
    QTest::newRow("no host") << QStringLiteral("https:///path") << invalid;
    QTest::newRow("space") << QStringLiteral("https://as.example.com/a b") << invalid;
    QTest::newRow("empty") << QString() << invalid;
    QTest::newRow("too long") << (QStringLiteral("https://as.example.com/") + QString(2030, u'a')) << invalid;
}

void TestProviderMetadata::parseIssuerRules()
{
    QFETCH(QString, text);
    QFETCH(int, error);
    const auto issuer = oauth::parseIssuer(text);
    if (error < 0) {
        QVERIFY2(issuer, test::why(issuer));
        // A trailing "/" is kept as given.
        QCOMPARE(issuer->path().endsWith(u'/'), text.endsWith(u'/'));
        return;
    }
    QVERIFY2(!issuer, "the issuer was accepted");
    QVERIFY2(issuer.error().is(FlowError(error)), qPrintable(issuer.error().toString()));
    QVERIFY(issuer.error().detail().startsWith(QStringLiteral("the issuer")));
}

void TestProviderMetadata::checkEndpointNamesTheEndpoint()
{
    const auto withQuery = oauth::checkEndpoint(QStringLiteral("https://as.example.com/authorize?tenant=a"),
                                                QStringLiteral("authorization endpoint"));
    QVERIFY2(withQuery, test::why(withQuery));
    QCOMPARE(withQuery->query(), QStringLiteral("tenant=a"));

    const auto insecure
        = oauth::checkEndpoint(QStringLiteral("http://as.example.com/token"), QStringLiteral("token endpoint"));
    QVERIFY(!insecure);
    QVERIFY(insecure.error().is(FlowError::InsecureEndpoint));
    QVERIFY(insecure.error().detail().startsWith(QStringLiteral("the token endpoint \"http://as.example.com/token\" "
                                                                "uses plain http to as.example.com")));
    QVERIFY(insecure.error().detail().contains(QStringLiteral("use its https:// URL")));

    const auto fragment
        = oauth::checkEndpoint(QStringLiteral("https://as.example.com/token#x"), QStringLiteral("token endpoint"));
    QVERIFY(!fragment);
    QVERIFY(fragment.error().is(FlowError::InvalidProfile));
    QVERIFY(fragment.error().detail().contains(QStringLiteral("token endpoint")));

    QVERIFY(oauth::isLoopbackHost(QStringLiteral("127.0.0.1")));
    QVERIFY(oauth::isLoopbackHost(QStringLiteral("::1")));
    QVERIFY(!oauth::isLoopbackHost(QStringLiteral("::ffff:8.8.8.8")));
    QVERIFY(!oauth::isLoopbackHost(QStringLiteral("example.com")));
}

void TestProviderMetadata::discoveryLocations_data()
{
    QTest::addColumn<QString>("issuer");
    QTest::addColumn<QString>("openId");
    QTest::addColumn<QString>("oauth");
    QTest::newRow("no path") << QStringLiteral("https://example.com")
                             << QStringLiteral("https://example.com/.well-known/openid-configuration")
                             << QStringLiteral("https://example.com/.well-known/oauth-authorization-server");
    QTest::newRow("only a slash") << QStringLiteral("https://example.com/")
                                  << QStringLiteral("https://example.com/.well-known/openid-configuration")
                                  << QStringLiteral("https://example.com/.well-known/oauth-authorization-server");
    // RFC 8414 section 3.1's example, and section 5's OpenID Connect counterpart.
    QTest::newRow("path") << QStringLiteral("https://example.com/issuer1")
                          << QStringLiteral("https://example.com/issuer1/.well-known/openid-configuration")
                          << QStringLiteral("https://example.com/.well-known/oauth-authorization-server/issuer1");
    QTest::newRow("path with slash") << QStringLiteral("https://example.com/issuer1/")
                                     << QStringLiteral("https://example.com/issuer1/.well-known/openid-configuration")
                                     << QStringLiteral(
                                            "https://example.com/.well-known/oauth-authorization-server/issuer1");
    QTest::newRow("deep path and port")
        << QStringLiteral("https://sso.example.com:8443/realms/demo")
        << QStringLiteral("https://sso.example.com:8443/realms/demo/.well-known/openid-configuration")
        << QStringLiteral("https://sso.example.com:8443/.well-known/oauth-authorization-server/realms/demo");
    QTest::newRow("percent-encoding kept")
        << QStringLiteral("https://example.com/t%2Fa")
        << QStringLiteral("https://example.com/t%2Fa/.well-known/openid-configuration")
        << QStringLiteral("https://example.com/.well-known/oauth-authorization-server/t%2Fa");
    QTest::newRow("loopback http") << QStringLiteral("http://127.0.0.1:3000")
                                   << QStringLiteral("http://127.0.0.1:3000/.well-known/openid-configuration")
                                   << QStringLiteral("http://127.0.0.1:3000/.well-known/oauth-authorization-server");
}

void TestProviderMetadata::discoveryLocations()
{
    QFETCH(QString, issuer);
    QFETCH(QString, openId);
    QFETCH(QString, oauth);
    const auto parsed = oauth::parseIssuer(issuer);
    QVERIFY2(parsed, test::why(parsed));
    const QList<QUrl> urls = oauth::discoveryUrls(*parsed);
    QCOMPARE(urls.size(), 2);
    QCOMPARE(urls.at(0).toString(QUrl::FullyEncoded), openId);
    QCOMPARE(urls.at(1).toString(QUrl::FullyEncoded), oauth);
}

void TestProviderMetadata::clientAuthMethodRoundTrip()
{
    const QList<oauth::ClientAuthMethod> all {oauth::ClientAuthMethod::None, oauth::ClientAuthMethod::ClientSecretBasic,
                                              oauth::ClientAuthMethod::ClientSecretPost,
                                              oauth::ClientAuthMethod::PrivateKeyJwt};
    QStringList names;
    for (const auto method : all) {
        const QString name = oauth::clientAuthMethodName(method);
        names.append(name);
        const auto parsed = oauth::parseClientAuthMethod(name);
        QVERIFY2(parsed, test::why(parsed));
        QCOMPARE(*parsed, method);
    }
    QCOMPARE(names,
             QStringList({QStringLiteral("none"), QStringLiteral("client_secret_basic"),
                          QStringLiteral("client_secret_post"), QStringLiteral("private_key_jwt")}));
    for (const QString &unknown : {QStringLiteral("client_secret_jwt"), QStringLiteral("Client_Secret_Basic"),
                                   QStringLiteral(""), QStringLiteral("none ")}) {
        const auto parsed = oauth::parseClientAuthMethod(unknown);
        QVERIFY2(!parsed, qPrintable(unknown));
        QVERIFY(parsed.error().is(FlowError::InvalidProfile));
        QVERIFY(parsed.error().detail().contains(
            QStringLiteral("none, client_secret_basic, client_secret_post, private_key_jwt")));
    }
}

// Each capability check, one at a time, against a provider that otherwise supports everything.
void TestProviderMetadata::eachCapabilityWarning_data()
{
    QTest::addColumn<QString>("topic");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("pkce not advertised") << QStringLiteral("pkce") << QStringLiteral("does not say it supports PKCE");
    QTest::newRow("pkce plain only") << QStringLiteral("pkce") << QStringLiteral("only the \"plain\" PKCE method");
    QTest::newRow("pkce other") << QStringLiteral("pkce") << QStringLiteral("(none) do not include S256");
    QTest::newRow("auth method") << QStringLiteral("client-authentication")
                                 << QStringLiteral("accepts \"client_secret_basic\", not private_key_jwt");
    QTest::newRow("auth method by default")
        << QStringLiteral("client-authentication") << QStringLiteral("client_secret_basic only");
    QTest::newRow("grant type") << QStringLiteral("grant-type") << QStringLiteral("do not include authorization_code");
    QTest::newRow("response type") << QStringLiteral("response-type")
                                   << QStringLiteral("(\"code id_token\") do not include \"code\"");
    QTest::newRow("response types not advertised")
        << QStringLiteral("response-type") << QStringLiteral("RFC 8414 requires");
    QTest::newRow("response mode") << QStringLiteral("response-mode") << QStringLiteral("include \"query\"");
    QTest::newRow("refresh") << QStringLiteral("refresh") << QStringLiteral("do not include refresh_token");
    QTest::newRow("no jwks") << QStringLiteral("id-token") << QStringLiteral("cannot be verified");
    QTest::newRow("not openid discovery") << QStringLiteral("openid") << QStringLiteral("RFC 8414");
    QTest::newRow("scopes") << QStringLiteral("scopes") << QStringLiteral("scopes \"payments\", \"admin\"");
    QTest::newRow("assertion alg") << QStringLiteral("assertion-algorithm")
                                   << QStringLiteral("signed with \"RS256\", not ES256");
    QTest::newRow("assertion alg not advertised")
        << QStringLiteral("assertion-algorithm") << QStringLiteral("signs with ES256");
    QTest::newRow("no iss parameter") << QStringLiteral("iss-parameter") << QStringLiteral("RFC 9207");
    QTest::newRow("no iss parameter, no id token")
        << QStringLiteral("iss-parameter") << QStringLiteral("without an ID token");
}

void TestProviderMetadata::eachCapabilityWarning()
{
    QFETCH(QString, topic);
    QFETCH(QString, mentions);
    ProviderMetadata m = capableProvider();
    oauth::FlowPlan plan = capablePlan();
    const QByteArray row = QTest::currentDataTag();
    if (row == "pkce not advertised") {
        m.codeChallengeMethodsAdvertised = false;
        m.codeChallengeMethodsSupported.clear();
    } else if (row == "pkce plain only") {
        m.codeChallengeMethodsSupported = {QStringLiteral("plain")};
    } else if (row == "pkce other") {
        m.codeChallengeMethodsSupported.clear();
    } else if (row == "auth method") {
        m.tokenEndpointAuthMethodsSupported = {QStringLiteral("client_secret_basic")};
    } else if (row == "auth method by default") {
        m.tokenEndpointAuthMethodsAdvertised = false;
        m.tokenEndpointAuthMethodsSupported = {QStringLiteral("client_secret_basic")};
    } else if (row == "grant type") {
        m.grantTypesSupported.removeAll(QStringLiteral("authorization_code"));
    } else if (row == "response type") {
        m.responseTypesSupported = {QStringLiteral("code id_token")};
    } else if (row == "response types not advertised") {
        m.responseTypesAdvertised = false;
        m.responseTypesSupported.clear();
    } else if (row == "response mode") {
        m.responseModesSupported = {QStringLiteral("form_post")};
    } else if (row == "refresh") {
        m.grantTypesSupported.removeAll(QStringLiteral("refresh_token"));
    } else if (row == "no jwks") {
        m.jwksUri.clear();
    } else if (row == "not openid discovery") {
        m.isOpenId = false;
    } else if (row == "scopes") {
        plan.scopes = {QStringLiteral("openid"), QStringLiteral("payments"), QStringLiteral("admin")};
    } else if (row == "assertion alg") {
        m.tokenEndpointAuthSigningAlgValuesSupported = {QStringLiteral("RS256")};
    } else if (row == "assertion alg not advertised") {
        m.tokenEndpointAuthSigningAlgValuesAdvertised = false;
        m.tokenEndpointAuthSigningAlgValuesSupported.clear();
    } else if (row == "no iss parameter") {
        m.authorizationResponseIssParameterSupported = false;
    } else if (row == "no iss parameter, no id token") {
        m.authorizationResponseIssParameterSupported = false;
        plan.openId = false;
        plan.scopes = {QStringLiteral("offline_access")};
    } else {
        QFAIL("a row without a change");
    }
    const auto warnings = oauth::checkCapabilities(m, plan);
    QCOMPARE(topics(warnings), QStringList({topic}));
    QVERIFY2(warnings.first().explanation.contains(mentions), qPrintable(warnings.first().explanation));
}

void TestProviderMetadata::warningsEscapeProviderText()
{
    ProviderMetadata m = capableProvider();
    m.tokenEndpointAuthMethodsSupported = {QStringLiteral("client_secret_basic\n\x1b[2J")};
    for (int i = 0; i < 40; ++i)
        m.tokenEndpointAuthMethodsSupported.append(QStringLiteral("m%1").arg(i));
    const auto warnings = oauth::checkCapabilities(m, capablePlan());
    QCOMPARE(topics(warnings), QStringList({QStringLiteral("client-authentication")}));
    const QString &text = warnings.first().explanation;
    QVERIFY2(text.contains(QStringLiteral("\"client_secret_basic\\n\\x1b[2J\"")), qPrintable(text));
    QVERIFY(!text.contains(u'\n'));
    QVERIFY2(text.contains(QStringLiteral("and 29 more")), qPrintable(text));
}

void TestProviderMetadata::manualEndpoints()
{
    const ProviderMetadata m = ProviderMetadata::manual(QUrl(QStringLiteral("https://as.example.com/authorize")),
                                                        QUrl(QStringLiteral("https://as.example.com/token")));
    QVERIFY(m.manualEndpoints);
    QVERIFY(m.issuer.isEmpty());
    QVERIFY(m.raw.isEmpty());
    QVERIFY(!m.grantTypesAdvertised && m.grantTypesSupported.isEmpty());
    QVERIFY(!m.codeChallengeMethodsAdvertised);

    oauth::FlowPlan plan;
    plan.authMethod = oauth::ClientAuthMethod::ClientSecretBasic;
    plan.scopes = {QStringLiteral("api")};
    QCOMPARE(topics(oauth::checkCapabilities(m, plan)), QStringList({QStringLiteral("metadata")}));
    plan.scopes = {QStringLiteral("openid")};
    QCOMPARE(topics(oauth::checkCapabilities(m, plan)),
             QStringList({QStringLiteral("metadata"), QStringLiteral("id-token")}));
}

QTEST_GUILESS_MAIN(TestProviderMetadata)
#include "TestProviderMetadata.moc"
