#include "oauth/FlowSession.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include "common/Clock.h"
#include "common/Redaction.h"
#include "crypto/ConstantTime.h"
#include "jose/CompactJws.h"
#include "net/HttpClient.h"
#include "oauth/Capabilities.h"
#include "oauth/ClientAuthentication.h"
#include "oauth/EndpointUrl.h"
#include "oauth/FlowDiagnosis.h"
#include "oauth/FlowError.h"
#include "oauth/IdTokenCheck.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype MAX_CODE_BYTES = 4096;

} // namespace

FlowSession::FlowSession(ProviderProfile profile, ClientCredentials credentials, net::HttpClient &http,
                         const Clock &clock, Options options, QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_credentials(std::move(credentials))
    , m_http(http)
    , m_clock(clock)
    , m_options(options)
    , m_requestContext(std::make_unique<QObject>())
{ }

FlowSession::~FlowSession() = default;

QUrl FlowSession::redirectUri() const
{
    return m_redirectUri; // the listener's own answer changes once its port has closed
}

std::optional<FlowStep> FlowSession::nextStep() const
{
    if (!m_metadata)
        return FlowStep::Discover;
    if (m_tokensChecked || m_restored)
        return std::nullopt;
    if (!m_pkce)
        return FlowStep::Prepare;
    if (!m_listener && !m_callback)
        return FlowStep::Listen;
    if (m_authorizationUrl.isEmpty())
        return FlowStep::OpenBrowser;
    if (!m_callback)
        return FlowStep::Callback;
    if (!m_callbackChecked)
        return FlowStep::CheckCallback;
    if (m_tokens.isEmpty())
        return FlowStep::Redeem;
    return FlowStep::CheckTokens;
}

void FlowSession::restoreTokens(FlowTokens tokens)
{
    m_tokens = std::move(tokens);
    m_restored = true;
    // The saved ID token passed its checks when it was issued; its subject is what userinfo must answer about.
    if (auto jws = jose::CompactJws::parse(m_tokens.idToken); jws && !m_tokens.idToken.isEmpty()) {
        m_idTokenClaims = jws->payload().toByteArray();
        m_idTokenSubject = QJsonDocument::fromJson(m_idTokenClaims).object().value(QStringLiteral("sub")).toString();
    }
}

bool FlowSession::runStep(FlowStep step)
{
    if (m_current)
        return false;
    m_current = step; // busy from now on, though the step starts on the next turn of the event loop
    QTimer::singleShot(0, this, [this, step] {
        begin(step);
        if (auto error = checkOrder(step)) {
            fail(*error);
            return;
        }
        switch (step) {
        case FlowStep::Discover:
            return discover();
        case FlowStep::Prepare:
            return prepare();
        case FlowStep::Listen:
            return listen();
        case FlowStep::OpenBrowser:
            return openBrowser();
        case FlowStep::Callback:
            return awaitCallback();
        case FlowStep::CheckCallback:
            return checkCallback();
        case FlowStep::Redeem:
            return redeem();
        case FlowStep::CheckTokens:
            return checkTokens();
        case FlowStep::Refresh:
            return refresh();
        case FlowStep::UserInfo:
            return userInfo();
        case FlowStep::Introspect:
            return introspect();
        case FlowStep::Revoke:
            return revoke();
        }
    });
    return true;
}

void FlowSession::runToEnd()
{
    const std::optional<FlowStep> next = nextStep();
    if (!next) {
        QTimer::singleShot(0, this, [this] { Q_EMIT finished(succeeded()); });
        return;
    }
    m_runToEnd = true;
    runStep(*next); // when a step is already running, the sequence continues after it
}

void FlowSession::cancel()
{
    m_runToEnd = false;
    if (!m_current || m_records.isEmpty() || m_records.last().status != StepStatus::Running)
        return;
    m_requestContext = std::make_unique<QObject>(); // answers still in flight go nowhere
    if (m_listener) {
        m_listener->disconnect(this);
        m_listener->cancel();
        m_listener.reset();
    }
    fail(Error(FlowError::Cancelled, QStringLiteral("The flow was cancelled; run it again to start over.")));
}

void FlowSession::begin(FlowStep step)
{
    m_current = step;
    StepRecord record;
    record.step = step;
    record.startedAt = m_clock.nowUtc();
    m_records.append(record);
    m_stepClock.start();
    Q_EMIT stepStarted(step);
}

StepRecord &FlowSession::current()
{
    return m_records.last();
}

void FlowSession::pass(const QString &summary, bool warning)
{
    StepRecord &record = current();
    record.status = warning ? StepStatus::Warning : StepStatus::Passed;
    record.summary = summary;
    record.elapsed = std::chrono::milliseconds(m_stepClock.elapsed());
    m_current.reset();
    const StepRecord copy = record;
    Q_EMIT stepFinished(copy);
    if (!m_runToEnd)
        return;
    if (const std::optional<FlowStep> next = nextStep(); next && copy.step < FlowStep::CheckTokens) {
        runStep(*next);
    } else {
        m_runToEnd = false;
        Q_EMIT finished(succeeded());
    }
}

void FlowSession::fail(const Error &error)
{
    StepRecord &record = current();
    record.status = StepStatus::Failed;
    record.summary = error.detail();
    record.error = error;
    record.elapsed = std::chrono::milliseconds(m_stepClock.elapsed());
    m_current.reset();
    const StepRecord copy = record;
    Q_EMIT stepFinished(copy);
    if (m_runToEnd) {
        m_runToEnd = false;
        Q_EMIT finished(false);
    }
}

std::optional<Error> FlowSession::checkOrder(FlowStep step) const
{
    const auto outOfOrder = [step](FlowStep needed) {
        return Error(FlowError::StepOutOfOrder,
                     QStringLiteral("\"%1\" needs \"%2\" first.").arg(stepTitle(step), stepTitle(needed)));
    };
    const auto unsupported = [](const QString &what) {
        return Error(FlowError::NotSupported,
                     QStringLiteral("The provider advertises no %1 and the profile names none; give it in the "
                                    "profile if the provider has one.")
                         .arg(what));
    };
    if (step != FlowStep::Discover && !m_metadata)
        return outOfOrder(FlowStep::Discover);
    switch (step) {
    case FlowStep::Discover:
        return std::nullopt;
    case FlowStep::Prepare:
        return std::nullopt;
    case FlowStep::Listen:
        if (!m_pkce)
            return outOfOrder(FlowStep::Prepare);
        if (m_listener && m_listener->isListening())
            return Error(
                FlowError::StepOutOfOrder,
                QStringLiteral("The listener is already waiting at %1.").arg(m_listener->redirectUri().toString()));
        return std::nullopt;
    case FlowStep::OpenBrowser:
        if (!m_listener || !m_listener->isListening())
            return outOfOrder(FlowStep::Listen);
        return std::nullopt;
    case FlowStep::Callback:
        if (!m_callback && (!m_listener || !m_listener->isListening()))
            return outOfOrder(FlowStep::Listen);
        return std::nullopt;
    case FlowStep::CheckCallback:
        if (!m_callback)
            return outOfOrder(FlowStep::Callback);
        return std::nullopt;
    case FlowStep::Redeem:
        if (!m_callbackChecked || m_code.isEmpty())
            return m_callbackChecked ? Error(FlowError::StepOutOfOrder,
                                             QStringLiteral("The code was already redeemed; codes work once. "
                                                            "Run the flow again for a new one."))
                                     : outOfOrder(FlowStep::CheckCallback);
        return std::nullopt;
    case FlowStep::CheckTokens:
        if (m_tokens.isEmpty())
            return outOfOrder(FlowStep::Redeem);
        return std::nullopt;
    case FlowStep::Refresh:
        if (m_tokens.refreshToken.isEmpty())
            return Error(FlowError::NotSupported,
                         QStringLiteral("No refresh token was issued. Ask for one (often "
                                        "the offline_access scope) and run the flow again."));
        return std::nullopt;
    case FlowStep::UserInfo:
        if (m_tokens.isEmpty())
            return outOfOrder(FlowStep::Redeem);
        if (m_metadata->userinfoEndpoint.isEmpty())
            return unsupported(QStringLiteral("userinfo endpoint"));
        return std::nullopt;
    case FlowStep::Introspect:
        if (m_tokens.isEmpty())
            return outOfOrder(FlowStep::Redeem);
        if (m_metadata->introspectionEndpoint.isEmpty())
            return unsupported(QStringLiteral("introspection endpoint (RFC 7662)"));
        return std::nullopt;
    case FlowStep::Revoke:
        if (m_tokens.isEmpty())
            return outOfOrder(FlowStep::Redeem);
        if (m_metadata->revocationEndpoint.isEmpty())
            return unsupported(QStringLiteral("revocation endpoint (RFC 7009)"));
        return std::nullopt;
    }
    return std::nullopt;
}

// --- Discover ---

void FlowSession::discover()
{
    if (auto valid = m_profile.validate(); !valid)
        return fail(valid.error());
    if (!m_profile.usesDiscovery()) {
        ProviderMetadata metadata = ProviderMetadata::manual(m_profile.authorizationEndpoint, m_profile.tokenEndpoint);
        metadata.jwksUri = m_profile.jwksUri;
        metadata.userinfoEndpoint = m_profile.userinfoEndpoint;
        metadata.introspectionEndpoint = m_profile.introspectionEndpoint;
        metadata.revocationEndpoint = m_profile.revocationEndpoint;
        current().notes.append(QStringLiteral("Manual endpoints: no metadata to check them against, so the "
                                              "capability check and the issuer checks (iss) cannot run."));
        return acceptMetadata(std::move(metadata));
    }
    auto issuer = parseIssuer(m_profile.issuer);
    if (!issuer)
        return fail(issuer.error());
    tryDiscovery(discoveryUrls(*issuer), 0, {});
}

void FlowSession::tryDiscovery(QList<QUrl> urls, int index, QStringList failures)
{
    if (index >= urls.size())
        return fail(Error(FlowError::DiscoveryFailed,
                          QStringLiteral("No usable metadata for the issuer %1 (%2). Check the issuer URL (it is "
                                         "compared exactly, trailing slash included), or give the endpoints by "
                                         "hand.")
                              .arg(m_profile.issuer, failures.join(QStringLiteral("; ")))));
    // discoveryUrls() lists the OpenID Connect location first, then the RFC 8414 one.
    const QUrl url = urls.at(index);
    const MetadataDocument document
        = index == 0 ? MetadataDocument::OpenIdConfiguration : MetadataDocument::OAuthAuthorizationServer;
    m_http.send(
        net::HttpRequest::get(url), m_requestContext.get(),
        [this, url, urls, index, document, failures](net::HttpExchange exchange) mutable {
            current().exchanges.append(exchange);
            if (!exchange.hasResponse()) {
                failures.append(url.toString() + QStringLiteral(": ") + exchange.transportError);
                return tryDiscovery(urls, index + 1, failures);
            }
            if (exchange.status != 200) {
                failures.append(url.toString() + QStringLiteral(": HTTP ") + QString::number(exchange.status));
                return tryDiscovery(urls, index + 1, failures);
            }
            auto metadata = ProviderMetadata::parse(exchange.responseBody, m_profile.issuer, document);
            if (!metadata) {
                if (metadata.error().is(FlowError::IssuerMismatch))
                    return fail(metadata.error());
                failures.append(url.toString() + QStringLiteral(": ") + metadata.error().detail());
                return tryDiscovery(urls, index + 1, failures);
            }
            current().notes.append(
                QStringLiteral("Metadata from %1; its issuer matches the one asked for exactly.").arg(url.toString()));
            acceptMetadata(std::move(*metadata));
        });
}

void FlowSession::acceptMetadata(ProviderMetadata metadata)
{
    FlowPlan plan;
    plan.authMethod = m_profile.authMethod;
    plan.scopes = m_profile.scopes;
    plan.openId = m_profile.wantsOpenId();
    plan.wantsRefresh = m_profile.scopes.contains(QStringLiteral("offline_access"));
    if (m_profile.authMethod == ClientAuthMethod::PrivateKeyJwt)
        plan.assertionAlgorithm = m_profile.assertionAlgorithm;
    const QList<CapabilityWarning> warnings
        = m_profile.usesDiscovery() ? checkCapabilities(metadata, plan) : QList<CapabilityWarning>();
    for (const CapabilityWarning &warning : warnings)
        current().notes.append(warning.topic + QStringLiteral(": ") + warning.explanation);
    QStringList offers;
    for (const auto &[url, what] :
         {std::pair {metadata.jwksUri, "JWKS"}, std::pair {metadata.userinfoEndpoint, "userinfo"},
          std::pair {metadata.introspectionEndpoint, "introspection"},
          std::pair {metadata.revocationEndpoint, "revocation"}}) {
        if (!url.isEmpty())
            offers.append(QLatin1String(what));
    }
    const QString who = metadata.issuer.isEmpty() ? metadata.authorizationEndpoint.host() : metadata.issuer;
    m_metadata = std::move(metadata);
    pass(QStringLiteral("%1: authorization and token endpoints%2; %3 capability warning(s)")
             .arg(who, offers.isEmpty() ? QString() : QStringLiteral(", ") + offers.join(QStringLiteral(", ")))
             .arg(warnings.size()),
         !warnings.isEmpty());
}

// --- Prepare, listen, browser, callback ---

void FlowSession::prepare()
{
    auto pkce = Pkce::generate();
    auto state = randomFlowToken();
    auto nonce = randomFlowToken();
    if (!pkce || !state || !nonce)
        return fail(!pkce ? pkce.error() : (!state ? state.error() : nonce.error()));
    m_pkce = std::move(*pkce);
    m_state = *state;
    m_nonce = m_profile.wantsOpenId() ? *nonce : QByteArray();
    m_callback.reset();
    m_callbackChecked = false;
    m_code.clear();
    m_authorizationUrl.clear();
    StepRecord &record = current();
    record.notes.append(QStringLiteral("PKCE: a 256-bit code_verifier that stays in this process until the token "
                                       "request, and its S256 challenge %1. Never plain.")
                            .arg(QString::fromLatin1(m_pkce->challenge)));
    record.notes.append(QStringLiteral("state: 256 bits from the CSPRNG, checked in constant time when the browser "
                                       "comes back (CSRF protection)."));
    if (!m_nonce.isEmpty())
        record.notes.append(QStringLiteral("nonce: 256 bits, bound into the ID token (replay protection)."));
    pass(QStringLiteral("PKCE S256, state%1 ready").arg(m_nonce.isEmpty() ? QString() : QStringLiteral(" and nonce")));
}

void FlowSession::listen()
{
    LoopbackListener::Options options;
    options.path = m_profile.redirectPath;
    options.port = m_profile.redirectPort;
    options.ipv6 = m_profile.ipv6;
    options.flowTimeout = m_options.flowTimeout;
    auto armed = LoopbackListener::arm(m_state, options);
    if (!armed)
        return fail(armed.error());
    m_listener = std::move(*armed);
    m_callback.reset();
    m_listenerFailure.reset();
    m_rejections.clear();
    connect(m_listener.get(), &LoopbackListener::callbackReceived, this,
            [this](const LoopbackListener::Callback &callback) {
                m_callback = callback;
                if (m_current == FlowStep::Callback)
                    completeCallback();
            });
    connect(m_listener.get(), &LoopbackListener::rejected, this, [this](const QString &why) {
        m_rejections.append(why);
        if (m_current == FlowStep::Callback && !m_records.isEmpty())
            current().notes.append(QStringLiteral("Turned away: ") + why);
    });
    connect(m_listener.get(), &LoopbackListener::failed, this, [this](const QString &why) {
        m_listenerFailure = why == QLatin1String("cancelled")
            ? Error(FlowError::Cancelled, QStringLiteral("The flow was cancelled; run it again to start over."))
            : Error(FlowError::TimedOut,
                    why
                        + QStringLiteral(" If the browser shows an error from the provider instead, the client id is "
                                         "unknown or the redirect URI is not registered for it (register "
                                         "http://127.0.0.1/callback for any port, RFC 8252 section 7.3, or the fixed "
                                         "port you chose)."));
        if (m_current == FlowStep::Callback)
            fail(*m_listenerFailure);
    });
    m_redirectUri = m_listener->redirectUri();
    pass(QStringLiteral("Listening at %1 (loopback only) for %2 s")
             .arg(m_redirectUri.toString())
             .arg(m_options.flowTimeout.count() / 1000));
}

void FlowSession::openBrowser()
{
    FormFields fields {
        {QStringLiteral("response_type"), QStringLiteral("code")},
        {QStringLiteral("client_id"), m_profile.clientId},
        {QStringLiteral("redirect_uri"), m_redirectUri.toString()},
    };
    if (!m_profile.scopes.isEmpty())
        fields.append({QStringLiteral("scope"), m_profile.scopes.join(QLatin1Char(' '))});
    fields.append({QStringLiteral("state"), QString::fromLatin1(m_state)});
    if (!m_nonce.isEmpty())
        fields.append({QStringLiteral("nonce"), QString::fromLatin1(m_nonce)});
    fields.append({QStringLiteral("code_challenge"), QString::fromLatin1(m_pkce->challenge)});
    fields.append({QStringLiteral("code_challenge_method"), QLatin1String(Pkce::METHOD)});
    fields.append(m_profile.extraParameters);
    QUrl url = m_metadata->authorizationEndpoint;
    const QByteArray existing = url.query(QUrl::FullyEncoded).toLatin1();
    url.setQuery(QString::fromLatin1((existing.isEmpty() ? QByteArray() : existing + '&') + formEncode(fields)),
                 QUrl::StrictMode);
    m_authorizationUrl = url;
    current().notes.append(QStringLiteral("Authorization URL: ") + url.toString(QUrl::FullyEncoded));
    current().notes.append(QStringLiteral("The system browser opens it, so the sign-in happens where the user's "
                                          "session, password manager and MFA live (RFC 8252), never in an embedded "
                                          "view."));
    Q_EMIT browserRequested(url);
    pass(QStringLiteral("Asked the system browser to open the authorization URL"));
}

void FlowSession::awaitCallback()
{
    for (const QString &why : std::as_const(m_rejections))
        current().notes.append(QStringLiteral("Turned away: ") + why);
    if (m_callback)
        return completeCallback();
    if (m_listenerFailure)
        return fail(*m_listenerFailure);
    current().notes.append(QStringLiteral("Waiting for the browser at %1.").arg(m_redirectUri.toString()));
}

void FlowSession::completeCallback()
{
    const QUrlQuery &query = m_callback->query;
    QStringList names;
    for (const auto &item : query.queryItems())
        names.append(item.first);
    // The listener has closed its port (the first valid callback won); it lives on until the page it answered with
    // has reached the browser.
    current().notes.append(QStringLiteral("Parameters: ") + names.join(QStringLiteral(", ")));
    if (!m_rejections.isEmpty())
        current().notes.append(QStringLiteral("%1 request(s) were turned away before it.").arg(m_rejections.size()));
    pass(query.hasQueryItem(QStringLiteral("error")) ? QStringLiteral("The browser came back with an error response")
                                                     : QStringLiteral("The browser came back with a code"));
}

void FlowSession::checkCallback()
{
    const QUrlQuery &query = m_callback->query;
    QList<TokenCheck> &checks = current().checks;
    const QByteArray state = query.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded).toUtf8();
    if (!crypto::constantTimeEqual(state, m_state)) {
        checks.append({QStringLiteral("state"), false, QStringLiteral("does not match the flow's state")});
        return fail(Error(FlowError::StateMismatch,
                          QStringLiteral("The callback's state does not match this flow's: "
                                         "it belongs to another flow or was forged (CSRF). "
                                         "Nothing from it is used.")));
    }
    checks.append(
        {QStringLiteral("state"), true, QStringLiteral("matches the flow's state (compared in constant time)")});

    const QString iss = query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded);
    const QString expectedIssuer = m_metadata->issuer;
    if (query.hasQueryItem(QStringLiteral("iss"))) {
        if (expectedIssuer.isEmpty()) {
            checks.append({QStringLiteral("iss"), true,
                           QStringLiteral("present, but manual endpoints give no issuer to "
                                          "compare it with")});
        } else if (iss != expectedIssuer) {
            checks.append({QStringLiteral("iss"), false, QStringLiteral("names another issuer")});
            return fail(Error(FlowError::IssuerMismatch,
                              QStringLiteral("The callback's iss is \"%1\", not %2: the response comes from another "
                                             "provider (a mix-up attack, RFC 9207). The code is not redeemed.")
                                  .arg(redaction::escapeUntrusted(iss, 200), expectedIssuer)));
        } else {
            checks.append({QStringLiteral("iss"), true, QStringLiteral("equals the issuer (RFC 9207)")});
        }
    } else if (m_metadata->authorizationResponseIssParameterSupported) {
        checks.append({QStringLiteral("iss"), false, QStringLiteral("missing, though the provider promises it")});
        return fail(Error(FlowError::InvalidCallback,
                          QStringLiteral("The callback has no iss, though the provider's metadata promises one "
                                         "(authorization_response_iss_parameter_supported): the response may come "
                                         "from another provider (RFC 9207). The code is not redeemed.")));
    } else {
        checks.append({QStringLiteral("iss"), true,
                       QStringLiteral("not sent; the provider does not support RFC 9207, "
                                      "so mix-up protection rests on the ID token's iss")});
    }

    if (query.hasQueryItem(QStringLiteral("error")))
        return fail(diagnosis::authorization(query));
    const QByteArray code = query.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded).toUtf8();
    if (code.isEmpty() || code.size() > MAX_CODE_BYTES) {
        checks.append(
            {QStringLiteral("code"), false, code.isEmpty() ? QStringLiteral("missing") : QStringLiteral("too long")});
        return fail(Error(FlowError::InvalidCallback,
                          QStringLiteral("The callback carries no usable code (nor an "
                                         "error); the provider's answer is malformed.")));
    }
    checks.append({QStringLiteral("code"), true, QStringLiteral("present (%1 characters)").arg(code.size())});
    m_code = code;
    m_callbackChecked = true;
    pass(QStringLiteral("state%1 and code check out")
             .arg(query.hasQueryItem(QStringLiteral("iss")) ? QStringLiteral(", iss") : QString()));
}

QJsonObject FlowSession::transcript(bool includeSecrets) const
{
    QJsonArray steps;
    for (const StepRecord &record : m_records)
        steps.append(record.toJson(includeSecrets));
    QJsonObject object {
        {QStringLiteral("format"), QStringLiteral("portcullis-flow-transcript/1")},
        {QStringLiteral("exported_at"), m_clock.nowUtc().toString(Qt::ISODate)},
        {QStringLiteral("profile"), m_profile.toJson()},
        {QStringLiteral("secrets"), includeSecrets ? QStringLiteral("included") : QStringLiteral("redacted")},
        {QStringLiteral("steps"), steps},
    };
    if (m_metadata && !m_metadata->issuer.isEmpty())
        object.insert(QStringLiteral("issuer"), m_metadata->issuer);
    if (!m_redirectUri.isEmpty())
        object.insert(QStringLiteral("redirect_uri"), m_redirectUri.toString());
    if (!m_idTokenClaims.isEmpty())
        object.insert(QStringLiteral("id_token_claims"), QJsonDocument::fromJson(m_idTokenClaims).object());
    return object;
}

} // namespace portcullis::oauth
