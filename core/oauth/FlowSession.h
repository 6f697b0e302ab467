#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QUrl>

#include "jose/Jwk.h"
#include "oauth/FlowStep.h"
#include "oauth/FlowTokens.h"
#include "oauth/LoopbackListener.h"
#include "oauth/Pkce.h"
#include "oauth/ProviderMetadata.h"
#include "oauth/ProviderProfile.h"

namespace portcullis {
class Clock;
}

namespace portcullis::net {
class HttpClient;
}

namespace portcullis::oauth {

// One authorization-code + PKCE flow against one provider, step by step (FlowStep): each step can be run on its
// own or all in a row, and each leaves a StepRecord with its HTTP legs, checks and a plain explanation. The
// browser is not opened here: browserRequested() announces the URL and the console or CLI opens it.
//
// Lives on one thread with an event loop. Steps finish asynchronously: stepFinished() never fires from inside
// runStep().
class FlowSession : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::chrono::milliseconds flowTimeout {5 * 60 * 1000}; // how long the listener waits for the browser
        std::chrono::seconds leeway {120}; // clock skew tolerated in ID token times
    };

    FlowSession(ProviderProfile profile, ClientCredentials credentials, net::HttpClient &http, const Clock &clock,
                Options options, QObject *parent = nullptr);
    ~FlowSession() override;

    // Runs `step` if what it needs is done (else it fails with StepOutOfOrder); stepFinished() follows.
    // Returns false (and does nothing) while another step runs.
    bool runStep(FlowStep step);
    // Runs the flow from the next step up to CheckTokens, stopping at the first failure; finished() follows.
    void runToEnd();
    // Stops the step in flight (the listener's wait or an HTTP request); it fails with Cancelled.
    void cancel();

    // Continues from saved tokens, for refresh, userinfo, introspect and revoke on a finished flow; the metadata
    // is discovered again (Discover) before the first of those runs.
    void restoreTokens(FlowTokens tokens);

    // The next step of the main sequence, or nullopt once CheckTokens has passed.
    [[nodiscard]] std::optional<FlowStep> nextStep() const;
    [[nodiscard]] bool isBusy() const { return m_current.has_value(); }
    [[nodiscard]] bool succeeded() const { return m_tokensChecked; }

    [[nodiscard]] const ProviderProfile &profile() const { return m_profile; }
    [[nodiscard]] const std::optional<ProviderMetadata> &metadata() const { return m_metadata; }
    [[nodiscard]] const FlowTokens &tokens() const { return m_tokens; }
    [[nodiscard]] const QList<StepRecord> &records() const { return m_records; }
    [[nodiscard]] const QByteArray &idTokenClaims() const { return m_idTokenClaims; }
    [[nodiscard]] QUrl authorizationUrl() const { return m_authorizationUrl; }
    [[nodiscard]] QUrl redirectUri() const;

    // The whole flow as JSON: profile (no secrets), metadata issuer, every step record; HTTP legs masked unless
    // `includeSecrets` (an explicit operator request only).
    [[nodiscard]] QJsonObject transcript(bool includeSecrets = false) const;

Q_SIGNALS:
    void stepStarted(portcullis::oauth::FlowStep step);
    void stepFinished(const portcullis::oauth::StepRecord &record);
    // Open this URL in the system browser (RFC 8252: an external user agent, never an embedded view).
    void browserRequested(const QUrl &url);
    // runToEnd() stopped: at the end (`ok`) or at a failed step.
    void finished(bool ok);

private:
    void begin(FlowStep step);
    void pass(const QString &summary, bool warning = false);
    void fail(const Error &error);
    void finishSoon(StepRecord record);
    [[nodiscard]] StepRecord &current();
    [[nodiscard]] std::optional<Error> checkOrder(FlowStep step) const;

    void discover();
    void tryDiscovery(QList<QUrl> urls, int index, QStringList failures);
    void acceptMetadata(ProviderMetadata metadata);
    void prepare();
    void listen();
    void openBrowser();
    void awaitCallback();
    void completeCallback();
    void checkCallback();
    void redeem();
    void checkTokens();
    void fetchKeys(bool refetched);
    void verifyIdToken(const jose::JwkSet &keys, bool refetched);
    void refresh();
    void userInfo();
    void introspect();
    void revoke();
    void postToEndpoint(const QUrl &endpoint, const QString &what, QList<QPair<QString, QString>> fields,
                        std::function<void(const net::HttpExchange &)> onSuccess);

    [[nodiscard]] QString assertionAudience() const;
    [[nodiscard]] QList<crypto::Algorithm> idTokenAlgorithms() const;

    ProviderProfile m_profile;
    ClientCredentials m_credentials;
    net::HttpClient &m_http;
    const Clock &m_clock;
    Options m_options;

    std::optional<ProviderMetadata> m_metadata;
    std::optional<Pkce> m_pkce;
    QByteArray m_state;
    QByteArray m_nonce;
    std::unique_ptr<LoopbackListener> m_listener;
    std::optional<LoopbackListener::Callback> m_callback;
    QStringList m_rejections; // requests the listener turned away while waiting
    std::optional<Error> m_listenerFailure;
    QUrl m_authorizationUrl;
    QUrl m_redirectUri; // kept after the listener closes: the token request repeats it
    QByteArray m_code;
    FlowTokens m_tokens;
    QByteArray m_idTokenClaims;
    QString m_idTokenSubject;
    bool m_callbackChecked = false;
    bool m_tokensChecked = false;
    bool m_restored = false;

    std::optional<FlowStep> m_current;
    QElapsedTimer m_stepClock;
    QList<StepRecord> m_records;
    bool m_runToEnd = false;
    std::unique_ptr<QObject> m_requestContext; // parent of nothing; destroyed to drop a cancelled HTTP answer
};

} // namespace portcullis::oauth
