#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace portcullis::jose {

class JsonMemberNames;

namespace detail {
struct JsonData;
struct JsonNode;
} // namespace detail

// One value of a parsed JsonDocument: a pointer into the document and an index, cheap to copy. It does not keep
// the document alive: the JsonDocument (or a copy of it) must outlive every JsonValue taken from it.
//
// Accessors never fail: asked of the wrong type or out of range they answer null, 0, false, nullopt or empty.
// A default-constructed JsonValue is null and has no source text.
class JsonValue
{
public:
    enum class Type
    {
        Null,
        Bool,
        Number,
        String,
        Array,
        Object,
    };

    JsonValue() = default;

    [[nodiscard]] Type type() const;
    [[nodiscard]] bool isNull() const { return type() == Type::Null; }
    [[nodiscard]] bool isBool() const { return type() == Type::Bool; }
    [[nodiscard]] bool isNumber() const { return type() == Type::Number; }
    [[nodiscard]] bool isString() const { return type() == Type::String; }
    [[nodiscard]] bool isArray() const { return type() == Type::Array; }
    [[nodiscard]] bool isObject() const { return type() == Type::Object; }
    // "null", "boolean", "number", "string", "array", "object": for messages.
    [[nodiscard]] static const char *typeName(Type type);

    // Members of an object or elements of an array; 0 for anything else. Indexed access is O(1).
    [[nodiscard]] qsizetype size() const;
    // The i-th member's name, unescaped UTF-8, in document order.
    [[nodiscard]] QByteArray memberName(qsizetype i) const;
    // Whether the i-th member's name equals `utf8` once unescaped (no allocation).
    [[nodiscard]] bool memberNameEquals(qsizetype i, QByteArrayView utf8) const;
    [[nodiscard]] JsonValue memberValue(qsizetype i) const;
    // The member with this (unescaped) name. Names are unique: the parser rejects duplicates.
    [[nodiscard]] std::optional<JsonValue> member(QByteArrayView name) const;
    // Looks up names.size() names in one pass over the members: out[k] is the member named names.at(k), or nullopt.
    void findMembers(const JsonMemberNames &names, std::optional<JsonValue> *out) const;
    [[nodiscard]] JsonValue element(qsizetype i) const;

    [[nodiscard]] bool toBool() const;

    // The number's exact source text ("1E+2", "-0", "12345678901234567890").
    [[nodiscard]] QByteArrayView rawNumber() const;
    // The value when it is an integer that fits in qint64. Exponent or fraction forms that are exactly integral
    // ("1e3", "10.0", "1.5e1") are accepted too; check isIntegral() to refuse them. Never overflows.
    [[nodiscard]] std::optional<qint64> toInt64() const;
    // The nearest double, when finite: 1e400 gives nullopt; 1e-400 gives 0 (an underflow is not an error).
    [[nodiscard]] std::optional<double> toDouble() const;
    // A number written without fraction or exponent.
    [[nodiscard]] bool isIntegral() const;

    // A string's unescaped content; empty for other types.
    [[nodiscard]] QByteArray toUtf8() const;
    [[nodiscard]] QString toString() const;
    // Compares a string's unescaped content with `utf8`; allocates nothing. False for other types.
    [[nodiscard]] bool stringEquals(QByteArrayView utf8) const;

    // The exact source text of this value, strings with their quotes and escapes.
    [[nodiscard]] QByteArrayView rawText() const;
    // Where rawText() starts in JsonDocument::source().
    [[nodiscard]] qsizetype sourceOffset() const;

    // The value re-serialised for display: member order kept, numbers as written, strings re-escaped
    // canonically (see JsonWriter), `indent` spaces per level (indentation stops growing after 64 levels).
    // indent <= 0 gives compact output without any white space.
    [[nodiscard]] QByteArray toPrettyJson(int indent = 2) const;

private:
    friend class JsonDocument;
    JsonValue(const detail::JsonData *data, quint32 index)
        : m_data(data)
        , m_index(index)
    { }

    const detail::JsonNode *node() const;
    const detail::JsonNode *containerNode(Type type, qsizetype i) const;

    const detail::JsonData *m_data = nullptr;
    quint32 m_index = 0;
};

} // namespace portcullis::jose
