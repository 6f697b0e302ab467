#include "net/HttpExchange.h"

#include <QJsonArray>
#include <QStringDecoder>

#include "net/HttpRedaction.h"

namespace portcullis::net {

namespace {

QByteArray headerOf(const QList<HttpHeader> &headers, QByteArrayView name)
{
    for (const HttpHeader &header : headers) {
        if (QByteArrayView(header.name).compare(name, Qt::CaseInsensitive) == 0)
            return header.value;
    }
    return {};
}

bool isForm(const QList<HttpHeader> &headers)
{
    return headerOf(headers, "Content-Type").toLower().startsWith("application/x-www-form-urlencoded");
}

QList<HttpHeader> maskHeaders(QList<HttpHeader> headers)
{
    for (HttpHeader &header : headers)
        header.value = redact::headerValue(header.name, header.value);
    return headers;
}

QByteArray maskBody(const QList<HttpHeader> &headers, const QByteArray &body)
{
    if (body.isEmpty())
        return body;
    if (isForm(headers))
        return redact::formBody(body);
    return redact::jsonBody(body);
}

QJsonArray headersJson(const QList<HttpHeader> &headers)
{
    QJsonArray array;
    for (const HttpHeader &header : headers)
        array.append(QJsonArray {QString::fromLatin1(header.name), QString::fromUtf8(header.value)});
    return array;
}

void putBody(QJsonObject &object, const QString &key, const QByteArray &body)
{
    if (body.isEmpty())
        return;
    auto decoder = QStringDecoder(QStringDecoder::Utf8);
    const QString text = decoder(body);
    if (decoder.hasError())
        object.insert(key + QStringLiteral("_base64"), QString::fromLatin1(body.toBase64()));
    else
        object.insert(key, text);
}

} // namespace

QByteArray HttpExchange::responseHeader(QByteArrayView name) const
{
    return headerOf(responseHeaders, name);
}

bool HttpExchange::isJsonResponse() const
{
    const QByteArray type = responseHeader("Content-Type").toLower();
    return type.startsWith("application/json") || (type.startsWith("application/") && type.contains("+json"));
}

HttpExchange HttpExchange::masked() const
{
    HttpExchange copy = *this;
    copy.request.url = redact::url(request.url);
    copy.request.headers = maskHeaders(request.headers);
    copy.request.body = maskBody(request.headers, request.body);
    copy.responseHeaders = maskHeaders(responseHeaders);
    copy.responseBody = maskBody(responseHeaders, responseBody);
    return copy;
}

QJsonObject HttpExchange::toJson(bool includeSecrets) const
{
    const HttpExchange shown = includeSecrets ? *this : masked();
    QJsonObject request {
        {QStringLiteral("method"), QString::fromLatin1(shown.request.method)},
        {QStringLiteral("url"), shown.request.url.toString(QUrl::FullyEncoded)},
        {QStringLiteral("headers"), headersJson(shown.request.headers)},
    };
    putBody(request, QStringLiteral("body"), shown.request.body);
    QJsonObject object {
        {QStringLiteral("started_at"), startedAt.toUTC().toString(Qt::ISODateWithMs)},
        {QStringLiteral("elapsed_ms"), static_cast<qint64>(elapsed.count())},
        {QStringLiteral("request"), request},
    };
    if (hasResponse()) {
        QJsonObject response {
            {QStringLiteral("status"), status},
            {QStringLiteral("headers"), headersJson(shown.responseHeaders)},
        };
        putBody(response, QStringLiteral("body"), shown.responseBody);
        object.insert(QStringLiteral("response"), response);
    } else {
        object.insert(QStringLiteral("error"), transportError);
    }
    object.insert(QStringLiteral("secrets"), includeSecrets ? QStringLiteral("included") : QStringLiteral("masked"));
    return object;
}

} // namespace portcullis::net
