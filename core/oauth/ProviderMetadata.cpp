#include "oauth/ProviderMetadata.h"

#include <optional>

#include <QStringBuilder>

#include "common/Redaction.h"
#include "jose/JsonDocument.h"
#include "oauth/EndpointUrl.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

using jose::JsonValue;

namespace {

// Real documents are a few kilobytes (Keycloak's, among the largest, about 7 KiB); the limits leave room for
// extensions while keeping a hostile document from costing more than a moment.
constexpr qsizetype MAX_DOCUMENT_BYTES = 128 * 1024;
constexpr int MAX_DEPTH = 16;
constexpr qsizetype MAX_VALUES = 20'000;
constexpr qsizetype MAX_ARRAY_ENTRIES = 256;
constexpr qsizetype MAX_STRING_LENGTH = 2048;
constexpr qsizetype SHOWN_LENGTH = 200;

const QString UNUSABLE = QStringLiteral("; the document cannot be used as published: enter the endpoints by hand, or "
                                        "tell the provider");

Error invalidMember(const char *name, const QString &problem)
{
    return Error(FlowError::InvalidMetadata,
                 QStringLiteral("the metadata member \"%1\" %2").arg(QLatin1String(name), problem) % UNUSABLE);
}

// "a number", "an array": the type of a value as a message says it.
QString typeName(const JsonValue &value)
{
    const bool vowel = value.isArray() || value.isObject();
    return (vowel ? QStringLiteral("an ") : QStringLiteral("a ")) % QLatin1String(JsonValue::typeName(value.type()));
}

// A member of the root, or nullopt when absent. Some servers write null for a member they do not support; nothing
// depends on telling that from absence, so null counts as absent.
std::optional<JsonValue> presentMember(const JsonValue &root, const char *name)
{
    auto value = root.member(name);
    if (value && value->isNull())
        return std::nullopt;
    return value;
}

Result<QString> boundedString(const JsonValue &value, const char *name, const QString &where)
{
    QString text = value.toString();
    if (text.size() > MAX_STRING_LENGTH)
        return invalidMember(name,
                             QStringLiteral("%1 is %2 characters long, over the %3 accepted")
                                 .arg(where)
                                 .arg(text.size())
                                 .arg(MAX_STRING_LENGTH));
    return text;
}

Result<std::optional<QString>> stringMember(const JsonValue &root, const char *name)
{
    const auto value = presentMember(root, name);
    if (!value)
        return std::optional<QString>();
    if (!value->isString())
        return invalidMember(name, QStringLiteral("must be a string, but it is %1").arg(typeName(*value)));
    auto text = boundedString(*value, name, QStringLiteral("holds a string that"));
    if (!text)
        return text.error();
    return std::optional<QString>(std::move(*text));
}

Result<std::optional<QStringList>> listMember(const JsonValue &root, const char *name)
{
    const auto value = presentMember(root, name);
    if (!value)
        return std::optional<QStringList>();
    if (!value->isArray())
        return invalidMember(name, QStringLiteral("must be an array of strings, but it is %1").arg(typeName(*value)));
    if (value->size() > MAX_ARRAY_ENTRIES)
        return invalidMember(
            name, QStringLiteral("has %1 entries, over the %2 accepted").arg(value->size()).arg(MAX_ARRAY_ENTRIES));
    QStringList list;
    list.reserve(value->size());
    for (qsizetype i = 0; i < value->size(); ++i) {
        const JsonValue entry = value->element(i);
        if (!entry.isString())
            return invalidMember(
                name,
                QStringLiteral("must be an array of strings, but its entry %1 is %2").arg(i + 1).arg(typeName(entry)));
        auto text = boundedString(entry, name, QStringLiteral("has an entry (number %1) that").arg(i + 1));
        if (!text)
            return text.error();
        list.append(std::move(*text));
    }
    return std::optional<QStringList>(std::move(list));
}

struct EndpointMember
{
    const char *name;
    const char *what;
    QUrl ProviderMetadata::*field;
    bool required;
};

const EndpointMember ENDPOINTS[] = {
    {"authorization_endpoint", "authorization endpoint", &ProviderMetadata::authorizationEndpoint, true},
    {"token_endpoint", "token endpoint", &ProviderMetadata::tokenEndpoint, true},
    {"jwks_uri", "key set URL (jwks_uri)", &ProviderMetadata::jwksUri, false},
    {"userinfo_endpoint", "userinfo endpoint", &ProviderMetadata::userinfoEndpoint, false},
    {"revocation_endpoint", "revocation endpoint", &ProviderMetadata::revocationEndpoint, false},
    {"introspection_endpoint", "introspection endpoint", &ProviderMetadata::introspectionEndpoint, false},
};

struct ListMember
{
    const char *name;
    QStringList ProviderMetadata::*list;
    bool ProviderMetadata::*advertised;
};

const ListMember LISTS[] = {
    {"response_types_supported", &ProviderMetadata::responseTypesSupported, &ProviderMetadata::responseTypesAdvertised},
    {"grant_types_supported", &ProviderMetadata::grantTypesSupported, &ProviderMetadata::grantTypesAdvertised},
    {"response_modes_supported", &ProviderMetadata::responseModesSupported, &ProviderMetadata::responseModesAdvertised},
    {"code_challenge_methods_supported", &ProviderMetadata::codeChallengeMethodsSupported,
     &ProviderMetadata::codeChallengeMethodsAdvertised},
    {"token_endpoint_auth_methods_supported", &ProviderMetadata::tokenEndpointAuthMethodsSupported,
     &ProviderMetadata::tokenEndpointAuthMethodsAdvertised},
    {"token_endpoint_auth_signing_alg_values_supported", &ProviderMetadata::tokenEndpointAuthSigningAlgValuesSupported,
     &ProviderMetadata::tokenEndpointAuthSigningAlgValuesAdvertised},
    {"id_token_signing_alg_values_supported", &ProviderMetadata::idTokenSigningAlgValuesSupported,
     &ProviderMetadata::idTokenSigningAlgValuesAdvertised},
    {"scopes_supported", &ProviderMetadata::scopesSupported, &ProviderMetadata::scopesAdvertised},
};

// Where two texts first differ, counted from 1: shown with an issuer mismatch, because the two bounded values may
// look the same (a difference past the shown length, or in a trailing "/").
qsizetype firstDifference(const QString &a, const QString &b)
{
    qsizetype i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i])
        ++i;
    return i + 1;
}

Result<void> checkIssuer(const JsonValue &root, const QString &expectedIssuer, ProviderMetadata &metadata)
{
    auto issuer = stringMember(root, "issuer");
    if (!issuer)
        return issuer.error();
    if (!issuer->has_value())
        return Error(FlowError::InvalidMetadata,
                     QStringLiteral("the metadata has no \"issuer\" member, so it cannot be tied to the issuer "
                                    "\"%1\"")
                             .arg(redaction::escapeUntrusted(expectedIssuer, SHOWN_LENGTH))
                         % UNUSABLE);
    const QString &found = **issuer;
    // Byte for byte on the unescaped JSON string: "https:\/\/a" and "https://a" are the same text, "https://a/" and
    // "https://a" are not.
    if (found.toUtf8() != expectedIssuer.toUtf8())
        return Error(FlowError::IssuerMismatch,
                     QStringLiteral("the metadata names the issuer \"%1\", but it was fetched for \"%2\" (they first "
                                    "differ at character %3); the two must be identical, byte for byte, or a "
                                    "document served for another provider could redirect this flow (RFC 8414 "
                                    "section 3.3). Check the issuer of the profile, including any trailing \"/\", "
                                    "against the provider's documentation")
                         .arg(redaction::escapeUntrusted(found, SHOWN_LENGTH),
                              redaction::escapeUntrusted(expectedIssuer, SHOWN_LENGTH))
                         .arg(firstDifference(found, expectedIssuer)));
    metadata.issuer = found;
    return {};
}

} // namespace

Result<ProviderMetadata> ProviderMetadata::parse(QByteArrayView json, const QString &expectedIssuer,
                                                 MetadataDocument document)
{
    if (auto issuerUrl = parseIssuer(expectedIssuer); !issuerUrl)
        return issuerUrl.error();

    jose::JsonLimits limits;
    limits.maxBytes = MAX_DOCUMENT_BYTES;
    limits.maxDepth = MAX_DEPTH;
    limits.maxValues = MAX_VALUES;
    const auto parsed = jose::JsonDocument::parse(json, limits);
    if (!parsed)
        return Error(FlowError::InvalidMetadata,
                     QStringLiteral("the metadata document is not usable JSON: %1").arg(parsed.error().detail())
                         % UNUSABLE);
    const JsonValue root = parsed->root();
    if (!root.isObject())
        return Error(FlowError::InvalidMetadata,
                     QStringLiteral("the metadata document must be a JSON object, but it is %1").arg(typeName(root))
                         % UNUSABLE);

    ProviderMetadata metadata;
    if (auto checked = checkIssuer(root, expectedIssuer, metadata); !checked)
        return checked.error();

    for (const EndpointMember &member : ENDPOINTS) {
        auto text = stringMember(root, member.name);
        if (!text)
            return text.error();
        if (!text->has_value()) {
            if (member.required)
                return Error(FlowError::InvalidMetadata,
                             QStringLiteral("the metadata has no \"%1\" member, which an authorization-code flow "
                                            "needs")
                                     .arg(QLatin1String(member.name))
                                 % UNUSABLE);
            continue;
        }
        auto url = checkEndpoint(**text, QLatin1String(member.what), UrlSource::Metadata);
        if (!url)
            return url.error();
        metadata.*member.field = std::move(*url);
    }

    for (const ListMember &member : LISTS) {
        auto list = listMember(root, member.name);
        if (!list)
            return list.error();
        metadata.*member.advertised = list->has_value();
        if (list->has_value())
            metadata.*member.list = std::move(**list);
    }
    // The defaults of RFC 8414 section 2 (OpenID Connect Discovery section 3 has the same ones).
    if (!metadata.grantTypesAdvertised)
        metadata.grantTypesSupported = {QStringLiteral("authorization_code"), QStringLiteral("implicit")};
    if (!metadata.responseModesAdvertised)
        metadata.responseModesSupported = {QStringLiteral("query"), QStringLiteral("fragment")};
    if (!metadata.tokenEndpointAuthMethodsAdvertised)
        metadata.tokenEndpointAuthMethodsSupported = {QStringLiteral("client_secret_basic")};

    // RFC 9207 section 3: absent means false.
    if (const auto iss = presentMember(root, "authorization_response_iss_parameter_supported")) {
        if (!iss->isBool())
            return invalidMember("authorization_response_iss_parameter_supported",
                                 QStringLiteral("must be a boolean, but it is %1").arg(typeName(*iss)));
        metadata.authorizationResponseIssParameterSupported = iss->toBool();
    }

    metadata.isOpenId = document == MetadataDocument::OpenIdConfiguration;
    metadata.raw = json.toByteArray();
    return metadata;
}

ProviderMetadata ProviderMetadata::manual(QUrl authorizationEndpoint, QUrl tokenEndpoint)
{
    ProviderMetadata metadata;
    metadata.authorizationEndpoint = std::move(authorizationEndpoint);
    metadata.tokenEndpoint = std::move(tokenEndpoint);
    metadata.manualEndpoints = true;
    return metadata;
}

} // namespace portcullis::oauth
