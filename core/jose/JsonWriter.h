#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace portcullis::jose {

namespace detail {
// (Formatting off: clang-format 14 mangles these expressions.)
// clang-format off
template<typename T>
inline constexpr bool IS_CHARACTER = std::is_same_v<T, char> || std::is_same_v<T, char8_t>
    || std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t> || std::is_same_v<T, wchar_t>;
// The integer types without an overload of their own in JsonWriter (bool and characters are not numbers).
template<typename T>
concept OtherInteger = std::is_integral_v<T> && !std::is_same_v<T, bool> && !IS_CHARACTER<T>
    && !std::is_same_v<T, qint64> && !std::is_same_v<T, quint64>;
// clang-format on
} // namespace detail

// Builds compact JSON (no white space), members in the order written: JWT headers and claims sets.
//
//     JsonWriter w;
//     w.beginObject().key("iss").value(issuer).key("exp").value(expiresAt).endObject();
//     const QByteArray json = w.take();
//
// Strings are escaped canonically (RFC 8785 §3.2.2.2): \" \\ \b \f \n \r \t, other controls below 0x20 as
// \u00xx, everything else (non-ASCII included) as UTF-8. Doubles use the shortest text that reads back the same.
//
// The writer refuses to produce anything but one well-formed value: a misuse (a value without a key in an
// object, a key in an array, unbalanced ends, a second top-level value), a duplicate member name, a string or
// name that is not valid UTF-8, a non-finite double or an invalid raw() value makes it fail, after which
// isComplete() is false and take() returns an empty QByteArray. It never writes broken or ambiguous JSON.
class JsonWriter
{
public:
    JsonWriter &beginObject();
    JsonWriter &endObject();
    JsonWriter &beginArray();
    JsonWriter &endArray();
    JsonWriter &key(QByteArrayView utf8Name);

    // Overloads are chosen so that nothing converts silently: a string literal or a QByteArray is a string
    // (never a bool through a pointer conversion), any integer type is a number (never ambiguous), a bool is
    // a bool, and other pointers and char are refused at compile time.
    JsonWriter &value(QByteArrayView utf8String);
    JsonWriter &value(const QByteArray &utf8String); // exact match: QByteArray would also convert to const char *
    JsonWriter &value(const char *utf8String); // a string literal: a string, not a bool
    JsonWriter &value(const QString &s);
    JsonWriter &value(qint64 n);
    JsonWriter &value(quint64 n);
    JsonWriter &value(double d); // finite only (otherwise the writer fails)
    JsonWriter &value(bool b);
    // int, long, unsigned, size_t, …: to the qint64/quint64 overload, rather than ambiguous or bool.
    template<detail::OtherInteger T>
    JsonWriter &value(T n)
    {
        if constexpr (std::is_signed_v<T>)
            return value(qint64(n));
        else
            return value(quint64(n));
    }
    JsonWriter &value(char) = delete; // 'a' is not a number; write value(QByteArrayView("a", 1))
    JsonWriter &value(std::nullptr_t) = delete; // write null()
    template<typename T>
    JsonWriter &value(const T *) = delete; // any other pointer would become a bool
    JsonWriter &null();
    // Inserts an already-valid JSON value (e.g. a JsonValue's rawText()); surrounding white space is dropped.
    // It is checked to be exactly one strict JSON value within the default JsonLimits depth and value count:
    // anything else (such as `1,"alg":"none"`, which would smuggle in a member) fails.
    JsonWriter &raw(QByteArrayView json);

    // One complete value has been written and nothing failed.
    [[nodiscard]] bool isComplete() const;
    // The JSON text when isComplete(), else empty; the writer starts afresh either way.
    [[nodiscard]] QByteArray take();

private:
    struct Level
    {
        bool isObject = false;
        bool hasEntries = false;
        bool awaitingValue = false; // an object after key(): the member's value comes next
        size_t firstName = 0; // this object's names start here in m_names
    };
    struct NameSpan
    {
        qsizetype offset; // of the escaped name in m_out
        qsizetype size;
    };

    bool beginValue();
    void endValue();
    JsonWriter &begin(bool isObject);
    JsonWriter &end(bool isObject);
    JsonWriter &string(QByteArrayView utf8);
    JsonWriter &literal(QByteArrayView text);
    void fail();

    QByteArray m_out;
    std::vector<Level> m_levels;
    std::vector<NameSpan> m_names; // escaped names of the open objects, to refuse duplicates
    bool m_complete = false;
    bool m_failed = false;
};

} // namespace portcullis::jose
