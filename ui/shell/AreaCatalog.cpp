#include "shell/AreaCatalog.h"

namespace portcullis::ui {

QList<Area> AreaCatalog::areas()
{
    return {
        {QStringLiteral("overview"), tr("Overview"), QStringLiteral("overview"),
         tr("The state of this workspace at a glance."), tr("The summary is not on this page yet"),
         tr("This page will summarise the workspace: active API keys and those about to expire, registered OAuth "
            "clients, the latest failed sign-ins and rate-limit hits, and whether the local server is running. Until "
            "then, 'portcullis-cli keys list' and 'portcullis-cli monitor tail' show the keys and events.")},
        {QStringLiteral("api-keys"), tr("API Keys"), QStringLiteral("api-keys"),
         tr("Issue, scope, rotate and revoke the keys your API accepts."),
         tr("API key management is not on this page yet"),
         tr("Here you will issue API keys that are shown once and stored only as keyed hashes, give them scopes and "
            "expiry dates, rotate them with a grace period and revoke them at once. The key service already works "
            "from the command line: 'portcullis-cli keys create', 'list', 'rotate' and 'revoke'.")},
        {QStringLiteral("oauth-clients"), tr("OAuth Clients"), QStringLiteral("oauth-clients"),
         tr("The OAuth 2.0 clients registered with the built-in authorization server."),
         tr("The client registry is not in this build"),
         tr("Here you will register OAuth 2.0 clients, manage their redirect URIs, grant types and authentication "
            "methods, and rotate their secrets, which are kept in the system keychain.")},
        {QStringLiteral("flow-lab"), tr("Flow Lab"), QStringLiteral("flow-lab"),
         tr("Step through a live authorization-code + PKCE flow, one HTTP leg at a time."),
         tr("The Flow Lab is not on this page yet"),
         tr("Here you will step through an authorization-code flow with PKCE against any OpenID provider: discovery, "
            "the loopback redirect listener on 127.0.0.1, the system browser, the code exchange and every token check, "
            "with each HTTP exchange shown and explained. The flow already runs from the command line: "
            "'portcullis-cli flow run --issuer URL --client-id ID', then 'flow userinfo', 'refresh', 'introspect' and "
            "'revoke' on its saved result.")},
        {QStringLiteral("jwt-inspector"), tr("JWT Inspector"), QStringLiteral("jwt-inspector"),
         tr("Decode, verify, lint and compare tokens without them leaving this machine."),
         tr("The JWT Inspector is not in this build"),
         tr("Here you will paste a token to decode its header and claims, verify it with a PEM key, a JWK or a "
            "JWKS (HS, RS, PS, ES and EdDSA), see every finding of the linter and compare two tokens.")},
        {QStringLiteral("monitor"), tr("Monitor"), QStringLiteral("monitor"),
         tr("Failed authentications and rate-limited requests, as they happen."),
         tr("The monitor feeds are not on this page yet"),
         tr("Security events are already recorded in the workspace's log and alerts appear as notifications. Here you "
            "will watch the failed-auth and rate-limit feeds of this console and the headless servers it follows, with "
            "lockouts and thresholds; until then, 'portcullis-cli monitor tail --follow' shows them.")},
        {QStringLiteral("server"), tr("Server"), QStringLiteral("server"),
         tr("The built-in authorization server and protected API."), tr("The server is not in this build"),
         tr("Here you will start and stop the built-in authorization server and protected API on loopback (the "
            "same core as portcullis-cli serve) and see its endpoints, configuration and status.")},
        {QStringLiteral("settings"), tr("Settings"), QStringLiteral("settings"),
         tr("How the console looks and where it keeps its data."), QString(), QString()},
    };
}

} // namespace portcullis::ui
