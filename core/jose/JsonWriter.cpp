#include "jose/JsonWriter.h"

#include <charconv>
#include <cmath>

#include "jose/JsonDocument.h"
#include "jose/JsonText.h"

namespace portcullis::jose {

namespace {

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

} // namespace

JsonWriter &JsonWriter::beginObject()
{
    return begin(true);
}

JsonWriter &JsonWriter::endObject()
{
    return end(true);
}

JsonWriter &JsonWriter::beginArray()
{
    return begin(false);
}

JsonWriter &JsonWriter::endArray()
{
    return end(false);
}

JsonWriter &JsonWriter::key(QByteArrayView utf8Name)
{
    if (m_failed)
        return *this;
    if (m_levels.empty() || !m_levels.back().isObject || m_levels.back().awaitingValue
        || !detail::isValidUtf8(utf8Name)) {
        fail();
        return *this;
    }
    Level &level = m_levels.back();
    if (level.hasEntries)
        m_out += ',';
    level.hasEntries = true;
    level.awaitingValue = true;
    m_out += '"';
    const NameSpan name {m_out.size(), 0};
    detail::appendEscaped(m_out, utf8Name);
    const qsizetype size = m_out.size() - name.offset;
    // Escaping is canonical, so equal names have equal escaped forms. Objects built here are small: a linear scan.
    const QByteArrayView escaped(m_out.constData() + name.offset, size);
    for (size_t i = level.firstName; i < m_names.size(); ++i) {
        if (QByteArrayView(m_out.constData() + m_names[i].offset, m_names[i].size) == escaped) {
            fail();
            return *this;
        }
    }
    m_names.push_back(NameSpan {name.offset, size});
    m_out.append("\":", 2);
    return *this;
}

JsonWriter &JsonWriter::value(QByteArrayView utf8String)
{
    return string(utf8String);
}

JsonWriter &JsonWriter::value(const QByteArray &utf8String)
{
    return string(utf8String);
}

JsonWriter &JsonWriter::value(const char *utf8String)
{
    return string(QByteArrayView(utf8String));
}

JsonWriter &JsonWriter::value(const QString &s)
{
    return string(s.toUtf8());
}

JsonWriter &JsonWriter::value(qint64 n)
{
    char text[24];
    const auto result = std::to_chars(text, text + sizeof text, n);
    return literal(QByteArrayView(text, result.ptr - text));
}

JsonWriter &JsonWriter::value(quint64 n)
{
    char text[24];
    const auto result = std::to_chars(text, text + sizeof text, n);
    return literal(QByteArrayView(text, result.ptr - text));
}

JsonWriter &JsonWriter::value(double d)
{
    if (!std::isfinite(d)) {
        fail();
        return *this;
    }
    // The shortest text that reads back as the same double: 0.1 -> "0.1", 1e21 -> "1e+21", -0.0 -> "-0".
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, d);
    return literal(QByteArrayView(text, result.ptr - text));
}

JsonWriter &JsonWriter::value(bool b)
{
    return literal(b ? QByteArrayView("true") : QByteArrayView("false"));
}

JsonWriter &JsonWriter::null()
{
    return literal(QByteArrayView("null"));
}

JsonWriter &JsonWriter::raw(QByteArrayView json)
{
    while (!json.isEmpty() && isJsonWhitespace(json.front()))
        json = json.sliced(1);
    while (!json.isEmpty() && isJsonWhitespace(json.back()))
        json.chop(1);
    JsonLimits limits;
    limits.maxBytes = json.size();
    if (m_failed || !JsonDocument::parse(json, limits)) {
        fail();
        return *this;
    }
    return literal(json);
}

bool JsonWriter::isComplete() const
{
    return m_complete && !m_failed && m_levels.empty();
}

QByteArray JsonWriter::take()
{
    QByteArray out;
    if (isComplete())
        out.swap(m_out);
    m_out.clear();
    m_levels.clear();
    m_names.clear();
    m_complete = false;
    m_failed = false;
    return out;
}

bool JsonWriter::beginValue()
{
    if (m_failed)
        return false;
    if (m_levels.empty()) {
        if (m_complete) { // a second top-level value
            fail();
            return false;
        }
        return true;
    }
    Level &level = m_levels.back();
    if (level.isObject) {
        if (!level.awaitingValue) { // a member value without its key
            fail();
            return false;
        }
        level.awaitingValue = false;
        return true;
    }
    if (level.hasEntries)
        m_out += ',';
    level.hasEntries = true;
    return true;
}

void JsonWriter::endValue()
{
    if (m_levels.empty())
        m_complete = true;
}

JsonWriter &JsonWriter::begin(bool isObject)
{
    if (!beginValue())
        return *this;
    m_out += isObject ? '{' : '[';
    m_levels.push_back(Level {isObject, false, false, m_names.size()});
    return *this;
}

JsonWriter &JsonWriter::end(bool isObject)
{
    if (m_failed)
        return *this;
    if (m_levels.empty() || m_levels.back().isObject != isObject || m_levels.back().awaitingValue) {
        fail();
        return *this;
    }
    m_out += isObject ? '}' : ']';
    m_names.resize(m_levels.back().firstName);
    m_levels.pop_back();
    endValue();
    return *this;
}

JsonWriter &JsonWriter::string(QByteArrayView utf8)
{
    if (!detail::isValidUtf8(utf8)) {
        fail();
        return *this;
    }
    if (!beginValue())
        return *this;
    m_out += '"';
    detail::appendEscaped(m_out, utf8);
    m_out += '"';
    endValue();
    return *this;
}

JsonWriter &JsonWriter::literal(QByteArrayView text)
{
    if (!beginValue())
        return *this;
    m_out += text;
    endValue();
    return *this;
}

void JsonWriter::fail()
{
    m_failed = true;
}

} // namespace portcullis::jose
