#include "jose/JsonValue.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <QtEndian>

#include "jose/JsonData.h"
#include "jose/JsonMemberNames.h"
#include "jose/JsonText.h"

namespace portcullis::jose {

using detail::JsonNode;

namespace {

constexpr int MAX_INDENT = 16;
constexpr qsizetype MAX_INDENT_LEVELS = 64;
// Exponents are clamped here while they are read: far beyond any value that fits a double or a qint64.
constexpr qint64 EXPONENT_CLAMP = 1'000'000'000;

JsonValue::Type typeOf(const JsonNode &node)
{
    return JsonValue::Type(node.type);
}

bool hasEscapes(const JsonNode &node)
{
    return node.flags & detail::NODE_HAS_ESCAPES;
}

// The text between a string's quotes.
QByteArrayView content(const detail::JsonData *data, const JsonNode &node)
{
    return QByteArrayView(data->source() + node.offset + 1, node.length - 2);
}

bool contentEquals(const detail::JsonData *data, const JsonNode &node, QByteArrayView utf8)
{
    if (qsizetype(node.first) != utf8.size())
        return false;
    if (!hasEscapes(node)) {
        const char *text = data->source() + node.offset + 1;
        return utf8.isEmpty() || (text[0] == utf8[0] && std::memcmp(text, utf8.data(), node.first) == 0);
    }
    return detail::unescapedEquals(content(data, node), true, utf8, false);
}

// The head (see JsonMemberNames) of a member name without escapes, read with one load and no branch on the length: a
// document's source comes after its header and nodes in the same block (see JsonData), so the eight bytes that end a
// name of fewer than eight bytes can always be read, and those before the name are shifted out.
Q_ALWAYS_INLINE quint64 memberNameHead(const char *text, qsizetype size)
{
    static_assert(sizeof(detail::JsonData) >= 8);
    const bool whole = size >= 8;
    const quint64 word = qFromLittleEndian<quint64>(text + (whole ? 0 : size - 8));
    const auto drop = unsigned(whole ? 0 : 8 * (8 - size)); // 64 for an empty name
    return drop < 64 ? word >> drop : 0;
}

QByteArray unescaped(const detail::JsonData *data, const JsonNode &node)
{
    if (!hasEscapes(node))
        return content(data, node).toByteArray();
    QByteArray out;
    out.reserve(node.first);
    detail::appendUnescaped(out, content(data, node));
    return out;
}

void appendString(QByteArray &out, const detail::JsonData *data, const JsonNode &node)
{
    // Without escapes the text is already canonical: it cannot hold '"', '\\' or a control character.
    if (!hasEscapes(node)) {
        out.append(data->source() + node.offset, node.length);
        return;
    }
    out += '"';
    detail::appendEscaped(out, unescaped(data, node));
    out += '"';
}

// The parts of a validated JSON number.
struct NumberParts
{
    bool negative = false;
    QByteArrayView integer; // digits before '.'
    QByteArrayView fraction; // digits after '.'
    qint64 exponent = 0; // stops growing once past ±EXPONENT_CLAMP
};

NumberParts splitNumber(QByteArrayView text)
{
    NumberParts parts;
    qsizetype i = 0;
    if (i < text.size() && text[i] == '-') {
        parts.negative = true;
        ++i;
    }
    const qsizetype integerStart = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        ++i;
    parts.integer = text.sliced(integerStart, i - integerStart);
    if (i < text.size() && text[i] == '.') {
        const qsizetype fractionStart = ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            ++i;
        parts.fraction = text.sliced(fractionStart, i - fractionStart);
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool negativeExponent = false;
        if (i < text.size() && (text[i] == '+' || text[i] == '-'))
            negativeExponent = text[i++] == '-';
        qint64 exponent = 0;
        for (; i < text.size(); ++i) {
            if (exponent < EXPONENT_CLAMP)
                exponent = exponent * 10 + (text[i] - '0');
        }
        parts.exponent = negativeExponent ? -exponent : exponent;
    }
    return parts;
}

// The value of eight ASCII digits, most significant first, without a chain of eight multiplications.
Q_ALWAYS_INLINE quint64 eightDigits(const char *text)
{
    quint64 chunk = qFromLittleEndian<quint64>(text) - 0x3030303030303030ULL; // the first digit in the lowest byte
    chunk = (chunk * 10 + (chunk >> 8)) & 0x00FF00FF00FF00FFULL; // pairs of digits, 0..99 in every other byte
    chunk = (chunk * 100 + (chunk >> 16)) & 0x0000FFFF0000FFFFULL; // groups of four, 0..9999
    return (chunk * 10000 + (chunk >> 32)) & 0xFFFFFFFFULL;
}

std::optional<qint64> integralValue(QByteArrayView text, bool plainInteger)
{
    if (plainInteger && text.size() <= 18) { // the common case: at most 18 digits cannot overflow
        const bool negative = text[0] == '-';
        const char *digit = text.data() + (negative ? 1 : 0);
        const char *end = text.data() + text.size();
        quint64 value = 0;
        for (; end - digit >= 8; digit += 8)
            value = value * 100000000 + eightDigits(digit);
        for (; digit < end; ++digit)
            value = value * 10 + quint64(*digit - '0');
        return negative ? -qint64(value) : qint64(value);
    }
    constexpr quint64 MAX_MAGNITUDE = quint64(std::numeric_limits<qint64>::max()) + 1; // of the most negative
    NumberParts parts = splitNumber(text);
    // The significant digits are integer + fraction; the value is digits × 10^scale.
    const qsizetype total = parts.integer.size() + parts.fraction.size();
    const auto digitAt = [&parts](qsizetype i) {
        return i < parts.integer.size() ? parts.integer[i] : parts.fraction[i - parts.integer.size()];
    };
    qsizetype first = 0;
    while (first < total && digitAt(first) == '0')
        ++first;
    if (first == total)
        return 0; // "0", "-0", "0.000e5"
    qsizetype last = total;
    while (digitAt(last - 1) == '0')
        --last;
    qint64 scale = parts.exponent - qint64(parts.fraction.size()) + (total - last);
    if (scale < 0)
        return std::nullopt; // a non-zero digit after the decimal point
    const qsizetype digits = last - first;
    if (digits + scale > 19)
        return std::nullopt; // at least 10^19: beyond qint64
    quint64 magnitude = 0;
    for (qsizetype i = first; i < last; ++i)
        magnitude = magnitude * 10 + quint64(digitAt(i) - '0'); // at most 19 digits: cannot wrap
    for (; scale > 0; --scale) {
        if (magnitude > std::numeric_limits<quint64>::max() / 10)
            return std::nullopt;
        magnitude *= 10;
    }
    if (magnitude > MAX_MAGNITUDE || (!parts.negative && magnitude == MAX_MAGNITUDE))
        return std::nullopt;
    if (parts.negative)
        return magnitude == MAX_MAGNITUDE ? std::numeric_limits<qint64>::min() : -qint64(magnitude);
    return qint64(magnitude);
}

// For a number from_chars found out of range: whether it was too large (rather than too small).
bool overflows(QByteArrayView text)
{
    const NumberParts parts = splitNumber(text);
    // The decimal exponent of the first significant digit.
    qint64 position = 0;
    qsizetype leading = 0;
    while (leading < parts.integer.size() && parts.integer[leading] == '0')
        ++leading;
    if (leading < parts.integer.size()) {
        position = parts.integer.size() - leading - 1;
    } else {
        qsizetype zeros = 0;
        while (zeros < parts.fraction.size() && parts.fraction[zeros] == '0')
            ++zeros;
        position = -zeros - 1;
    }
    return position + parts.exponent >= 0;
}

} // namespace

const detail::JsonNode *JsonValue::node() const
{
    return m_data ? &m_data->nodes()[m_index] : nullptr;
}

// The node when this is a container of `type` with an entry i; else null.
const detail::JsonNode *JsonValue::containerNode(Type type, qsizetype i) const
{
    const JsonNode *n = node();
    if (!n || typeOf(*n) != type || i < 0 || i >= qsizetype(n->count))
        return nullptr;
    return n;
}

JsonValue::Type JsonValue::type() const
{
    const JsonNode *n = node();
    return n ? typeOf(*n) : Type::Null;
}

const char *JsonValue::typeName(Type type)
{
    switch (type) {
    case Type::Null:
        return "null";
    case Type::Bool:
        return "boolean";
    case Type::Number:
        return "number";
    case Type::String:
        return "string";
    case Type::Array:
        return "array";
    case Type::Object:
        return "object";
    }
    return "unknown";
}

qsizetype JsonValue::size() const
{
    const JsonNode *n = node();
    return n && (typeOf(*n) == Type::Array || typeOf(*n) == Type::Object) ? qsizetype(n->count) : 0;
}

QByteArray JsonValue::memberName(qsizetype i) const
{
    const JsonNode *n = containerNode(Type::Object, i);
    if (!n)
        return QByteArray();
    return unescaped(m_data, m_data->nodes()[m_data->children()[n->first + i]]);
}

bool JsonValue::memberNameEquals(qsizetype i, QByteArrayView utf8) const
{
    const JsonNode *n = containerNode(Type::Object, i);
    return n && contentEquals(m_data, m_data->nodes()[m_data->children()[n->first + i]], utf8);
}

JsonValue JsonValue::memberValue(qsizetype i) const
{
    const JsonNode *n = containerNode(Type::Object, i);
    return n ? JsonValue(m_data, m_data->children()[n->first + i] + 1) : JsonValue();
}

std::optional<JsonValue> JsonValue::member(QByteArrayView name) const
{
    const JsonNode *n = node();
    if (!n || typeOf(*n) != Type::Object)
        return std::nullopt;
    const quint32 *names = m_data->children() + n->first;
    for (quint32 i = 0; i < n->count; ++i) {
        if (contentEquals(m_data, m_data->nodes()[names[i]], name))
            return JsonValue(m_data, names[i] + 1);
    }
    return std::nullopt;
}

void JsonValue::findMembers(const JsonMemberNames &names, std::optional<JsonValue> *out) const
{
    const qsizetype count = names.size();
    for (qsizetype k = 0; k < count; ++k)
        out[k].reset();
    const JsonNode *n = node();
    if (!n || typeOf(*n) != Type::Object)
        return;
    const quint32 *children = m_data->children() + n->first;
    // Each member name is matched against all wanted names at once, by key and without a branch per name; only
    // names of eight bytes or more, whose keys can be shared, compare further.
    constexpr qsizetype BATCH = 64;
    for (qsizetype batch = 0; batch < count; batch += BATCH) {
        const qsizetype wanted = qMin(BATCH, count - batch);
        const quint64 *keys = names.m_keys.constData() + batch;
        qsizetype missing = wanted;
        for (quint32 i = 0; i < n->count && missing > 0; ++i) {
            const JsonNode &name = m_data->nodes()[children[i]];
            const char *text = m_data->source() + name.offset + 1;
            const qsizetype size = name.first;
            quint64 matches = 0;
            if (Q_LIKELY(!hasEscapes(name))) {
                const quint64 key = JsonMemberNames::key(memberNameHead(text, size), size);
                for (qsizetype k = 0; k < wanted; ++k)
                    matches |= quint64(keys[k] == key) << k;
                for (quint64 rest = size >= 8 ? matches : 0; rest; rest &= rest - 1) {
                    const QByteArray &wantedName = names.at(batch + std::countr_zero(rest));
                    if (wantedName.size() != size || std::memcmp(text, wantedName.constData(), size_t(size)) != 0)
                        matches &= ~(rest & -rest);
                }
            } else {
                for (qsizetype k = 0; k < wanted; ++k)
                    matches |= quint64(contentEquals(m_data, name, names.at(batch + k))) << k;
            }
            for (; matches; matches &= matches - 1) {
                std::optional<JsonValue> &slot = out[batch + std::countr_zero(matches)];
                if (!slot) {
                    slot = JsonValue(m_data, children[i] + 1);
                    --missing;
                }
            }
        }
    }
}

JsonValue JsonValue::element(qsizetype i) const
{
    const JsonNode *n = containerNode(Type::Array, i);
    return n ? JsonValue(m_data, m_data->children()[n->first + i]) : JsonValue();
}

bool JsonValue::toBool() const
{
    const JsonNode *n = node();
    return n && typeOf(*n) == Type::Bool && m_data->source()[n->offset] == 't';
}

QByteArrayView JsonValue::rawNumber() const
{
    return isNumber() ? rawText() : QByteArrayView();
}

std::optional<qint64> JsonValue::toInt64() const
{
    const JsonNode *n = node();
    if (!n || typeOf(*n) != Type::Number)
        return std::nullopt;
    return integralValue(QByteArrayView(m_data->source() + n->offset, n->length),
                         !(n->flags & (detail::NODE_HAS_FRACTION | detail::NODE_HAS_EXPONENT)));
}

std::optional<double> JsonValue::toDouble() const
{
    const JsonNode *n = node();
    if (!n || typeOf(*n) != Type::Number)
        return std::nullopt;
    const QByteArrayView text = rawText();
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
        if (overflows(text))
            return std::nullopt;
        return (n->flags & detail::NODE_NEGATIVE) ? -0.0 : 0.0;
    }
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

bool JsonValue::isIntegral() const
{
    const JsonNode *n = node();
    return n && typeOf(*n) == Type::Number && !(n->flags & (detail::NODE_HAS_FRACTION | detail::NODE_HAS_EXPONENT));
}

QByteArray JsonValue::toUtf8() const
{
    const JsonNode *n = node();
    return n && typeOf(*n) == Type::String ? unescaped(m_data, *n) : QByteArray();
}

QString JsonValue::toString() const
{
    const JsonNode *n = node();
    if (!n || typeOf(*n) != Type::String)
        return QString();
    if (!hasEscapes(*n))
        return QString::fromUtf8(content(m_data, *n));
    return QString::fromUtf8(unescaped(m_data, *n));
}

bool JsonValue::stringEquals(QByteArrayView utf8) const
{
    const JsonNode *n = node();
    return n && typeOf(*n) == Type::String && contentEquals(m_data, *n, utf8);
}

QByteArrayView JsonValue::rawText() const
{
    const JsonNode *n = node();
    return n ? QByteArrayView(m_data->source() + n->offset, n->length) : QByteArrayView();
}

qsizetype JsonValue::sourceOffset() const
{
    const JsonNode *n = node();
    return n ? qsizetype(n->offset) : 0;
}

QByteArray JsonValue::toPrettyJson(int indent) const
{
    const JsonNode *rootNode = node();
    if (!rootNode)
        return QByteArrayLiteral("null");
    indent = qBound(0, indent, MAX_INDENT);
    const JsonNode *nodes = m_data->nodes();
    const quint32 *children = m_data->children();

    QByteArray out;
    out.reserve(qsizetype(rootNode->length) + qsizetype(rootNode->length) / 2 + 16);
    struct Level
    {
        quint32 node;
        quint32 next; // the entry to write next
    };
    std::vector<Level> open; // an explicit stack: no recursion, whatever the depth
    const auto newline = [&](size_t depth) {
        if (indent > 0) {
            out += '\n';
            out.append(qMin(qsizetype(depth), MAX_INDENT_LEVELS) * indent, ' ');
        }
    };
    // Writes a scalar or an empty container whole, or the opening bracket of a non-empty one.
    const auto start = [&](quint32 index) {
        const JsonNode &n = nodes[index];
        switch (typeOf(n)) {
        case Type::String:
            appendString(out, m_data, n);
            break;
        case Type::Array:
        case Type::Object:
            out += typeOf(n) == Type::Object ? '{' : '[';
            if (n.count == 0)
                out += typeOf(n) == Type::Object ? '}' : ']';
            else
                open.push_back(Level {index, 0});
            break;
        default: // numbers as written; true, false, null
            out.append(m_data->source() + n.offset, n.length);
            break;
        }
    };

    start(m_index);
    while (!open.empty()) {
        const quint32 index = open.back().node;
        const JsonNode &n = nodes[index];
        const bool isObject = typeOf(n) == Type::Object;
        const quint32 next = open.back().next++;
        if (next == n.count) {
            open.pop_back();
            newline(open.size());
            out += isObject ? '}' : ']';
            continue;
        }
        if (next > 0)
            out += ',';
        newline(open.size());
        const quint32 child = children[n.first + next];
        if (isObject) {
            appendString(out, m_data, nodes[child]);
            out += indent > 0 ? QByteArrayView(": ") : QByteArrayView(":");
            start(child + 1);
        } else {
            start(child);
        }
    }
    return out;
}

} // namespace portcullis::jose
