#pragma once

#include <chrono>

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrl>

namespace portcullis::net {

struct HttpHeader
{
    QByteArray name;
    QByteArray value;
};

struct HttpRequest
{
    QByteArray method = "GET";
    QUrl url;
    QList<HttpHeader> headers; // sent as given, in order
    QByteArray body;

    // A GET that asks for JSON (or what `accept` names).
    [[nodiscard]] static HttpRequest get(const QUrl &url, const QByteArray &accept = "application/json")
    {
        return HttpRequest {"GET", url, {{"Accept", accept}}, {}};
    }
};

// One HTTP leg as it happened, for the transcript a person reads: what was sent, what came back, how long it
// took. It holds the real values (codes, tokens, secrets): show masked(), export toJson(), never log it raw.
struct HttpExchange
{
    HttpRequest request;
    int status = 0; // 0: no response (see transportError)
    QList<HttpHeader> responseHeaders;
    QByteArray responseBody;
    QDateTime startedAt;
    std::chrono::milliseconds elapsed {0};
    QString transportError; // empty when a response arrived; why not otherwise (refused, timed out, too large)

    [[nodiscard]] bool hasResponse() const { return transportError.isEmpty(); }
    // The first response header of that name (case-insensitive), or a null QByteArray.
    [[nodiscard]] QByteArray responseHeader(QByteArrayView name) const;
    [[nodiscard]] bool isJsonResponse() const;

    // The same exchange with every credential masked: Authorization and cookie headers, secret-bearing form
    // fields, query parameters and JSON members (code, code_verifier, client_secret, client_assertion,
    // access_token, refresh_token, id_token, token, password …), each replaced by its length.
    [[nodiscard]] HttpExchange masked() const;
    // For the transcript export: the masked exchange (or the raw one when `includeSecrets`, which only an
    // explicit operator request may ask for) as a JSON object. Bodies that are not valid UTF-8 are base64.
    [[nodiscard]] QJsonObject toJson(bool includeSecrets = false) const;
};

} // namespace portcullis::net
