#include <QTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "jose/Json.h"

using namespace portcullis;
using namespace portcullis::jose;

Q_DECLARE_METATYPE(portcullis::jose::JsonError)
Q_DECLARE_METATYPE(portcullis::jose::JsonValue::Type)

namespace {

// Bytes from a literal, embedded NULs included.
template<qsizetype N>
QByteArray bytes(const char (&text)[N])
{
    return QByteArray(text, N - 1);
}

const QByteArray JWT_PAYLOAD = bytes(
    "{\"iss\":\"https://auth.example.com\",\"sub\":\"user-1234567890\",\"aud\":\"api://default\",\"exp\":1767225600,"
    "\"nbf\":1767222000,\"iat\":1767222000,\"jti\":\"8f14e45fceea167a5a36dedd4bea2543\",\"scope\":\"read write\","
    "\"role\":\"admin\",\"email_verified\":true}");

QByteArray compact(const JsonDocument &document)
{
    return document.root().toPrettyJson(0);
}

// For failure messages, which QVERIFY2 evaluates whether or not the check fails.
template<typename T>
QString describe(const Result<T> &result)
{
    return result.has_value() ? QStringLiteral("(no error)") : result.error().toString();
}

bool failsWith(const Result<JsonDocument> &result, JsonError code)
{
    return !result.has_value() && result.error().is(code);
}

QString detailOf(const Result<JsonDocument> &result)
{
    return result.has_value() ? QStringLiteral("(no error)") : result.error().detail();
}

// Visits every value without recursion and exercises every accessor (for the robustness loops).
int visitAll(const JsonValue &root)
{
    int visited = 0;
    std::vector<JsonValue> stack {root};
    while (!stack.empty()) {
        const JsonValue value = stack.back();
        stack.pop_back();
        ++visited;
        (void)value.rawText();
        (void)value.toBool();
        (void)value.toInt64();
        (void)value.toDouble();
        (void)value.rawNumber();
        (void)value.isIntegral();
        (void)value.toUtf8();
        (void)value.toString();
        (void)value.stringEquals("x");
        if (value.isObject()) {
            for (qsizetype i = 0; i < value.size(); ++i) {
                const QByteArray name = value.memberName(i);
                if (!value.memberNameEquals(i, name))
                    return -1;
                const auto found = value.member(name);
                if (!found || found->rawText() != value.memberValue(i).rawText())
                    return -1;
                stack.push_back(value.memberValue(i));
            }
        } else if (value.isArray()) {
            for (qsizetype i = 0; i < value.size(); ++i)
                stack.push_back(value.element(i));
        }
    }
    return visited;
}

// When `text` parses, its pretty form re-parses to the same document.
bool prettyRoundTrips(const QByteArray &text, QString *why)
{
    const auto parsed = JsonDocument::parse(text);
    if (!parsed)
        return true;
    if (visitAll(parsed->root()) < 1) {
        *why = QStringLiteral("accessors inconsistent");
        return false;
    }
    for (const int indent : {0, 2}) {
        const QByteArray pretty = parsed->root().toPrettyJson(indent);
        const auto again = JsonDocument::parse(pretty);
        if (!again) {
            *why = QStringLiteral("pretty output does not parse: ") + again.error().toString();
            return false;
        }
        if (compact(*again) != compact(*parsed)) {
            *why = QStringLiteral("pretty output parses differently");
            return false;
        }
    }
    return true;
}

QByteArray nested(const QByteArray &open, const QByteArray &close, int depth, const QByteArray &inner = {})
{
    return open.repeated(depth) + inner + close.repeated(depth);
}

// Whether JsonWriter::value() accepts a T (checked in a template, where a failed requirement is just false).
template<typename T>
concept WritableValue = requires(JsonWriter writer, T v)
{
    writer.value(v);
};

} // namespace

class TestJson : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errorNames_data()
    {
        QTest::addColumn<JsonError>("code");
        QTest::addColumn<QString>("name");
        QTest::newRow("syntax") << JsonError::Syntax << "syntax";
        QTest::newRow("too deep") << JsonError::TooDeep << "too_deep";
        QTest::newRow("too large") << JsonError::TooLarge << "too_large";
        QTest::newRow("too many values") << JsonError::TooManyValues << "too_many_values";
        QTest::newRow("duplicate member") << JsonError::DuplicateMember << "duplicate_member";
        QTest::newRow("invalid utf8") << JsonError::InvalidUtf8 << "invalid_utf8";
        QTest::newRow("invalid escape") << JsonError::InvalidEscape << "invalid_escape";
        QTest::newRow("trailing data") << JsonError::TrailingData << "trailing_data";
        QTest::newRow("empty") << JsonError::Empty << "empty";
    }
    void errorNames()
    {
        QFETCH(JsonError, code);
        QFETCH(QString, name);
        QCOMPARE(QLatin1String(errorDomain(code)), QLatin1String("json"));
        QCOMPARE(QLatin1String(errorCodeName(code)), name);
        const Error error(code, QStringLiteral("detail"));
        QCOMPARE(error.id(), QStringLiteral("json.") + name);
    }

    // Accepted documents (JSONTestSuite y_ cases and more), with their canonical compact form.
    void accepted_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<JsonValue::Type>("type");
        QTest::addColumn<QByteArray>("canonical");
        using T = JsonValue::Type;
        QTest::newRow("y_structure_lonely_null") << bytes("null") << T::Null << bytes("null");
        QTest::newRow("y_structure_lonely_true") << bytes("true") << T::Bool << bytes("true");
        QTest::newRow("y_structure_lonely_false") << bytes("false") << T::Bool << bytes("false");
        QTest::newRow("y_structure_lonely_int") << bytes("42") << T::Number << bytes("42");
        QTest::newRow("y_structure_lonely_negative_real") << bytes("-0.1") << T::Number << bytes("-0.1");
        QTest::newRow("y_structure_lonely_string") << bytes("\"asd\"") << T::String << bytes("\"asd\"");
        QTest::newRow("y_structure_whitespace_array") << bytes(" [] ") << T::Array << bytes("[]");
        QTest::newRow("y_structure_trailing_newline") << bytes("[\"a\"]\n") << T::Array << bytes("[\"a\"]");
        QTest::newRow("y_structure_true_in_array") << bytes("[true]") << T::Array << bytes("[true]");
        QTest::newRow("all four white spaces")
            << bytes(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n1 \t\r\n} \t\r\n") << T::Object << bytes("{\"a\":1}");
        QTest::newRow("y_array_empty") << bytes("[]") << T::Array << bytes("[]");
        QTest::newRow("y_array_arraysWithSpaces") << bytes("[[]   ]") << T::Array << bytes("[[]]");
        QTest::newRow("y_array_heterogeneous")
            << bytes("[null, 1, \"1\", {}]") << T::Array << bytes("[null,1,\"1\",{}]");
        QTest::newRow("y_array_with_1_and_newline") << bytes("[1\n]") << T::Array << bytes("[1]");
        QTest::newRow("y_array_with_several_null")
            << bytes("[1,null,null,null,2]") << T::Array << bytes("[1,null,null,null,2]");
        QTest::newRow("y_object_empty") << bytes("{}") << T::Object << bytes("{}");
        QTest::newRow("y_object_basic") << bytes("{\"asd\":\"sdf\"}") << T::Object << bytes("{\"asd\":\"sdf\"}");
        QTest::newRow("y_object_empty_key") << bytes("{\"\":0}") << T::Object << bytes("{\"\":0}");
        QTest::newRow("y_object_escaped_null_in_key")
            << bytes("{\"foo\\u0000bar\": 42}") << T::Object << bytes("{\"foo\\u0000bar\":42}");
        QTest::newRow("y_object_extreme_numbers") << bytes("{ \"min\": -1.0e+28, \"max\": 1.0e+28 }") << T::Object
                                                  << bytes("{\"min\":-1.0e+28,\"max\":1.0e+28}");
        QTest::newRow("y_object_same_name_other_objects")
            << bytes("{\"a\":{\"a\":1},\"b\":{\"a\":2}}") << T::Object << bytes("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");
        QTest::newRow("similar names") << bytes("{\"a\":1,\"A\":2,\"a \":3,\"ab\":4,\"ba\":5}") << T::Object
                                       << bytes("{\"a\":1,\"A\":2,\"a \":3,\"ab\":4,\"ba\":5}");
        QTest::newRow("y_number_0e+1") << bytes("[0e+1]") << T::Array << bytes("[0e+1]");
        QTest::newRow("y_number_0e1") << bytes("[0e1]") << T::Array << bytes("[0e1]");
        QTest::newRow("y_number_negative_zero") << bytes("[-0]") << T::Array << bytes("[-0]");
        QTest::newRow("y_number_real_capital_e") << bytes("[1E22]") << T::Array << bytes("[1E22]");
        QTest::newRow("y_number_real_capital_e_pos_exp") << bytes("[1E+2]") << T::Array << bytes("[1E+2]");
        QTest::newRow("y_number_real_neg_exp") << bytes("[1e-2]") << T::Array << bytes("[1e-2]");
        QTest::newRow("y_number_after_space") << bytes("[ 4]") << T::Array << bytes("[4]");
        QTest::newRow("y_number_simple_real") << bytes("[123.456789]") << T::Array << bytes("[123.456789]");
        QTest::newRow("y_number_huge_int") << bytes("[-237462374673276894279832749832423479823246327846]") << T::Array
                                           << bytes("[-237462374673276894279832749832423479823246327846]");
        QTest::newRow("y_string_allowed_escapes")
            << bytes("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]") << T::Array << bytes("[\"\\\"\\\\/\\b\\f\\n\\r\\t\"]");
        QTest::newRow("y_string_unicode_escaped_double_quote")
            << bytes("[\"\\u0022\"]") << T::Array << bytes("[\"\\\"\"]");
        QTest::newRow("y_string_surrogates_U+1D11E")
            << bytes("[\"\\uD834\\uDd1e\"]") << T::Array << bytes("[\"\xF0\x9D\x84\x9E\"]");
        QTest::newRow("y_string_last_surrogates_1_and_2")
            << bytes("[\"\\uDBFF\\uDFFF\"]") << T::Array << bytes("[\"\xF4\x8F\xBF\xBF\"]");
        QTest::newRow("y_string_unicode_U+10FFFE_nonchar")
            << bytes("[\"\\uDBFF\\uDFFE\"]") << T::Array << bytes("[\"\xF4\x8F\xBF\xBE\"]");
        QTest::newRow("y_string_1_2_3_bytes_UTF-8_sequences")
            << bytes("[\"\\u0060\\u012a\\u12AB\"]") << T::Array << bytes("[\"`\xC4\xAA\xE1\x8A\xAB\"]");
        QTest::newRow("y_string_escaped_control_character")
            << bytes("[\"\\u0012\"]") << T::Array << bytes("[\"\\u0012\"]");
        QTest::newRow("y_string_null_escape") << bytes("[\"\\u0000\"]") << T::Array << bytes("[\"\\u0000\"]");
        QTest::newRow("y_string_uescaped_newline")
            << bytes("[\"new\\u000Aline\"]") << T::Array << bytes("[\"new\\nline\"]");
        QTest::newRow("y_string_escaped_noncharacter")
            << bytes("[\"\\uFFFF\"]") << T::Array << bytes("[\"\xEF\xBF\xBF\"]");
        QTest::newRow("y_string_nonCharacterInUTF-8_U+FFFF")
            << bytes("[\"\xEF\xBF\xBF\"]") << T::Array << bytes("[\"\xEF\xBF\xBF\"]");
        QTest::newRow("y_string_utf8") << bytes("[\"\xE2\x82\xAC\xF0\x9D\x84\x9E\"]") << T::Array
                                       << bytes("[\"\xE2\x82\xAC\xF0\x9D\x84\x9E\"]");
        QTest::newRow("y_string_u+2028_line_sep")
            << bytes("[\"\xE2\x80\xA8\"]") << T::Array << bytes("[\"\xE2\x80\xA8\"]");
        QTest::newRow("y_string_with_del_character") << bytes("[\"a\x7F"
                                                              "a\"]")
                                                     << T::Array
                                                     << bytes("[\"a\x7F"
                                                              "a\"]");
        QTest::newRow("y_string_in_array_with_leading_space") << bytes("[ \"asd\"]") << T::Array << bytes("[\"asd\"]");
        QTest::newRow("y_string_backslash_doublequotes") << bytes("[\"\\\"\"]") << T::Array << bytes("[\"\\\"\"]");
        QTest::newRow("y_string_two_byte_utf8") << bytes("[\"\xC3\xA9\"]") << T::Array << bytes("[\"\xC3\xA9\"]");
        QTest::newRow("y_string_four_byte_max")
            << bytes("[\"\xF4\x8F\xBF\xBF\"]") << T::Array << bytes("[\"\xF4\x8F\xBF\xBF\"]");
        QTest::newRow("escaped slash and letters")
            << bytes("{\"\\u0041\\/b\":\"\\u00e9\"}") << T::Object << bytes("{\"A/b\":\"\xC3\xA9\"}");
        QTest::newRow("jwt payload") << JWT_PAYLOAD << T::Object << JWT_PAYLOAD;
    }
    void accepted()
    {
        QFETCH(QByteArray, json);
        QFETCH(JsonValue::Type, type);
        QFETCH(QByteArray, canonical);
        const auto parsed = JsonDocument::parse(json);
        QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
        QCOMPARE(parsed->root().type(), type);
        QCOMPARE(parsed->source(), QByteArrayView(json));
        QCOMPARE(compact(*parsed), canonical);
        // The root's text is the input less surrounding white space.
        QCOMPARE(parsed->root().rawText(), QByteArrayView(json).trimmed());
        QString why;
        QVERIFY2(prettyRoundTrips(json, &why), qPrintable(why));
    }

    // Refused documents (JSONTestSuite n_ cases, and y_ cases this parser refuses on purpose).
    void rejected_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<JsonError>("code");
        QTest::addColumn<QString>("detail"); // a part of the expected detail, or empty
        using E = JsonError;
        // Structure
        QTest::newRow("n_structure_unclosed_array")
            << bytes("[1") << E::Syntax << "unexpected end of input at byte 2 (expected ',' or ']')";
        QTest::newRow("n_structure_unclosed_object") << bytes("{\"a\":1") << E::Syntax << "(expected ',' or '}')";
        QTest::newRow("n_structure_unclosed_array_partial_null")
            << bytes("[ false, nul") << E::Syntax << "invalid literal 'nul'";
        QTest::newRow("n_array_extra_comma")
            << bytes("[\"\",]") << E::Syntax << "unexpected character ']' at byte 4 (expected a value)";
        QTest::newRow("n_array_just_comma") << bytes("[,]") << E::Syntax << "unexpected character ','";
        QTest::newRow("n_array_double_comma") << bytes("[1,,2]") << E::Syntax << "at byte 3";
        QTest::newRow("n_array_missing_value") << bytes("[   , \"\"]") << E::Syntax << "at byte 4";
        QTest::newRow("n_array_comma_and_number") << bytes("[,1]") << E::Syntax << QString();
        QTest::newRow("n_array_colon_instead_of_comma") << bytes("[\"\": 1]") << E::Syntax << "(expected ',' or ']')";
        QTest::newRow("n_array_1_true_without_comma") << bytes("[1 true]") << E::Syntax << "character 't' at byte 3";
        QTest::newRow("n_array_unclosed_with_new_lines") << bytes("[1,\n1\n,1") << E::Syntax << "end of input";
        QTest::newRow("n_object_trailing_comma")
            << bytes("{\"id\":0,}") << E::Syntax << "unexpected character '}' at byte 8 (expected a member name";
        QTest::newRow("n_object_missing_colon") << bytes("{\"a\" b}") << E::Syntax << "(expected ':' after the member";
        QTest::newRow("n_object_missing_value") << bytes("{\"a\":") << E::Syntax << "(expected a value)";
        QTest::newRow("n_object_missing_value_brace")
            << bytes("{\"a\":}") << E::Syntax << "unexpected character '}' at byte 5 (expected a value)";
        QTest::newRow("n_object_unquoted_key") << bytes("{a: \"b\"}") << E::Syntax << "character 'a' at byte 1";
        QTest::newRow("n_object_single_quote") << bytes("{'a':0}") << E::Syntax << "character \\x27 at byte 1";
        QTest::newRow("n_object_non_string_key") << bytes("{1:1}") << E::Syntax << QString();
        QTest::newRow("n_object_comma_instead_of_colon") << bytes("{\"x\", null}") << E::Syntax << QString();
        QTest::newRow("n_object_double_colon") << bytes("{\"x\"::\"b\"}") << E::Syntax << QString();
        QTest::newRow("n_object_with_single_string") << bytes("{ \"foo\" : \"bar\", \"a\" }") << E::Syntax << QString();
        QTest::newRow("n_object_trailing_comment")
            << bytes("{\"a\":\"b\"}/**/") << E::TrailingData << "after the JSON value at byte 9: /**/";
        QTest::newRow("n_object_comment_inside") << bytes("{\"a\":/*comment*/\"b\"}") << E::Syntax << QString();
        QTest::newRow("n_structure_double_array") << bytes("[][]") << E::TrailingData << QString();
        QTest::newRow("n_structure_array_with_extra_array_close") << bytes("[1]]") << E::TrailingData << QString();
        QTest::newRow("n_structure_object_with_trailing_garbage")
            << bytes("{\"a\": true} \"x\"") << E::TrailingData << QString();
        QTest::newRow("n_structure_trailing_#") << bytes("{\"a\":\"b\"}#{}") << E::TrailingData << QString();
        QTest::newRow("n_structure_close_unopened_array") << bytes("1]") << E::TrailingData << QString();
        QTest::newRow("n_structure_two_values") << bytes("1 2") << E::TrailingData << "at byte 2";
        QTest::newRow("n_structure_angle_bracket_.") << bytes("<.>") << E::Syntax << "character '<' at byte 0";
        QTest::newRow("n_structure_single_star") << bytes("*") << E::Syntax << QString();
        QTest::newRow("n_structure_capitalized_True") << bytes("[True]") << E::Syntax << QString();
        QTest::newRow("n_structure_null-byte-outside-string")
            << bytes("[\0]") << E::Syntax << "unexpected character \\x00 at byte 1";
        QTest::newRow("n_structure_whitespace_formfeed") << bytes("[\f]") << E::Syntax << "\\x0C";
        QTest::newRow("n_structure_whitespace_U+2060_word_joiner") << bytes("[\xE2\x81\xA0]") << E::Syntax << "\\xE2";
        QTest::newRow("n_structure_UTF8_BOM_no_data") << bytes("\xEF\xBB\xBF") << E::Syntax << QString();
        QTest::newRow("n_structure_UTF8_BOM_then_value") << bytes("\xEF\xBB\xBF{}") << E::Syntax << QString();
        QTest::newRow("n_structure_no_data") << bytes("") << E::Empty << "empty";
        QTest::newRow("n_single_space") << bytes(" ") << E::Empty << "only white space";
        QTest::newRow("only white space") << bytes(" \t\r\n") << E::Empty << QString();
        // Numbers
        QTest::newRow("n_number_with_leading_zero")
            << bytes("[012]") << E::Syntax << "leading zero in a number at byte 1";
        QTest::newRow("n_number_-01") << bytes("[-01]") << E::Syntax << "leading zero";
        QTest::newRow("n_number_00") << bytes("00") << E::Syntax << "leading zero";
        QTest::newRow("n_number_+1") << bytes("[+1]") << E::Syntax << "character '+'";
        QTest::newRow("n_number_.2e-3") << bytes("[.2e-3]") << E::Syntax << QString();
        QTest::newRow("n_number_neg_real_without_int_part") << bytes("[-.123]") << E::Syntax << "a digit after '-'";
        QTest::newRow("n_number_2.") << bytes("[2.]") << E::Syntax << "a digit after '.'";
        QTest::newRow("n_number_1.") << bytes("1.") << E::Syntax << "end of input at byte 2";
        QTest::newRow("n_number_0.e1") << bytes("[0.e1]") << E::Syntax << QString();
        QTest::newRow("n_number_1.0e") << bytes("[1.0e]") << E::Syntax << "a digit in the exponent";
        QTest::newRow("n_number_1.0e+") << bytes("[1.0e+]") << E::Syntax << "a digit in the exponent";
        QTest::newRow("n_number_NaN") << bytes("[NaN]") << E::Syntax << QString();
        QTest::newRow("n_number_-NaN") << bytes("[-NaN]") << E::Syntax << QString();
        QTest::newRow("n_number_infinity") << bytes("[Infinity]") << E::Syntax << QString();
        QTest::newRow("n_number_minus_infinity") << bytes("[-Infinity]") << E::Syntax << QString();
        QTest::newRow("n_number_hex_1_digit") << bytes("[0x1]") << E::Syntax << "character 'x'";
        QTest::newRow("n_number_minus_space_1") << bytes("[- 1]") << E::Syntax << QString();
        QTest::newRow("n_number_real_garbage_after_e") << bytes("[1ea]") << E::Syntax << QString();
        QTest::newRow("n_number_with_alpha") << bytes("[1.2a-3]") << E::Syntax << QString();
        QTest::newRow("n_number_1_000") << bytes("[1 000.0]") << E::Syntax << QString();
        QTest::newRow("n_number_two_dots") << bytes("1.5.3") << E::Syntax << QString();
        QTest::newRow("n_number_invalid-utf-8-in-int") << bytes("[0\xE5]") << E::InvalidUtf8 << "\\xE5";
        // Literals
        QTest::newRow("n_incomplete_true") << bytes("[tru]") << E::Syntax << "invalid literal 'tru' at byte 1";
        QTest::newRow("n_incomplete_false") << bytes("[fals]") << E::Syntax << QString();
        QTest::newRow("n_incomplete_null") << bytes("[nul]") << E::Syntax << QString();
        QTest::newRow("n_literal_longer") << bytes("truex") << E::Syntax << "invalid literal 'truex'";
        QTest::newRow("n_literal_at_end") << bytes("nul") << E::Syntax << QString();
        // Strings
        QTest::newRow("n_string_single_quote") << bytes("['single quote']") << E::Syntax << QString();
        QTest::newRow("n_string_unescaped_tab")
            << bytes("[\"\t\"]") << E::Syntax << "unescaped control character \\x09 in a string at byte 2";
        QTest::newRow("n_string_unescaped_newline") << bytes("[\"new\nline\"]") << E::Syntax << "\\x0A";
        QTest::newRow("n_string_unescaped_ctrl_char") << bytes("[\"a\0a\"]") << E::Syntax << "\\x00";
        QTest::newRow("n_string_unescaped_in_long_string")
            << bytes("[\"0123456789abcdef0123456789\x1f\"]") << E::Syntax << "\\x1F in a string at byte 28";
        QTest::newRow("n_string_no_quotes_with_bad_escape") << bytes("[\\n]") << E::Syntax << QString();
        QTest::newRow("n_string_single_doublequote")
            << bytes("[\"]") << E::Syntax << "unterminated string starting at byte 1";
        QTest::newRow("n_string_unterminated") << bytes("\"aaa") << E::Syntax << "unterminated string";
        QTest::newRow("n_structure_open_object_open_string") << bytes("{\"a") << E::Syntax << "unterminated";
        QTest::newRow("n_string_incomplete_escape") << bytes("[\"\\\"]") << E::Syntax << "unterminated";
        QTest::newRow("n_string_backslash_at_end") << bytes("\"\\") << E::Syntax << "unterminated";
        // Escapes
        QTest::newRow("n_string_1_surrogate_then_escape")
            << bytes("[\"\\uD800\\\"]") << E::InvalidEscape << "lone high surrogate \\uD800 at byte 2";
        QTest::newRow("n_string_1_surrogate_then_escape_u")
            << bytes("[\"\\uD800\\u\"]") << E::InvalidEscape << "lone high surrogate";
        QTest::newRow("n_string_1_surrogate_then_escape_u1")
            << bytes("[\"\\uD800\\u1\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_1_surrogate_then_escape_u1x")
            << bytes("[\"\\uD800\\u1x\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_incomplete_surrogate") << bytes("[\"\\uD834\\uDd\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_high_then_high") << bytes("[\"\\uD800\\uD800\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_high_then_letter") << bytes("[\"\\uD800abcdef\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_lone_high_at_end") << bytes("[\"\\uDBFF\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_lone_low_surrogate")
            << bytes("[\"\\uDC00\"]") << E::InvalidEscape << "lone low surrogate \\uDC00 at byte 2";
        QTest::newRow("n_string_low_then_high")
            << bytes("[\"\\uDFFF\\uD800\"]") << E::InvalidEscape << "lone low surrogate";
        QTest::newRow("n_string_escape_x")
            << bytes("[\"\\x00\"]") << E::InvalidEscape << "invalid escape \\x at byte 2";
        QTest::newRow("n_string_escaped_emoji") << bytes("[\"\\\xF0\x9F\x8C\x80\"]") << E::InvalidEscape << "\\xF0";
        QTest::newRow("n_string_invalid_backslash_esc") << bytes("[\"\\a\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_escaped_single_quote") << bytes("[\"\\'\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_uppercase_U") << bytes("[\"\\U0041\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_backslash_00") << bytes("[\"\\\0\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_incomplete_escaped_character")
            << bytes("[\"\\u00A\"]") << E::InvalidEscape << "four hex digits";
        QTest::newRow("n_string_invalid_unicode_escape") << bytes("[\"\\uqqqq\"]") << E::InvalidEscape << QString();
        QTest::newRow("n_string_u_at_end") << bytes("\"\\u00") << E::InvalidEscape << QString();
        // UTF-8
        QTest::newRow("n_string_invalid_utf8")
            << bytes("[\"\xFF\"]") << E::InvalidUtf8 << "invalid UTF-8 \\xFF at byte 2";
        QTest::newRow("n_string_lone_continuation") << bytes("[\"\x81\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_overlong_C0") << bytes("[\"\xC0\xAF\"]") << E::InvalidUtf8 << "\\xC0\\xAF";
        QTest::newRow("n_string_overlong_C1") << bytes("[\"\xC1\xBF\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_overlong_3_bytes") << bytes("[\"\xE0\x80\xAF\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_overlong_4_bytes") << bytes("[\"\xF0\x80\x80\xAF\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_UTF8_surrogate_U+D800")
            << bytes("[\"\xED\xA0\x80\"]") << E::InvalidUtf8 << "\\xED\\xA0\\x80";
        QTest::newRow("n_string_UTF8_surrogate_U+DFFF") << bytes("[\"\xED\xBF\xBF\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_above_U+10FFFF") << bytes("[\"\xF4\x90\x80\x80\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_lead_F5") << bytes("[\"\xF5\x80\x80\x80\"]") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_truncated_3_bytes") << bytes("[\"\xE6\x97"
                                                             "\"]")
                                                    << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_truncated_at_end") << bytes("\"\xC3") << E::InvalidUtf8 << QString();
        QTest::newRow("n_string_invalid_in_long_string")
            << bytes("\"0123456789abcdefghij\xC3(\"") << E::InvalidUtf8 << "at byte 21";
        QTest::newRow("n_structure_lone-invalid-utf-8") << bytes("\xE5") << E::InvalidUtf8 << QString();
        QTest::newRow("n_object_invalid_utf8_in_name") << bytes("{\"\xFF\":0}") << E::InvalidUtf8 << QString();
        // Duplicates: accepted by RFC 8259 parsers (y_), refused here
        QTest::newRow("y_object_duplicated_key")
            << bytes("{\"a\":\"b\",\"a\":\"c\"}") << E::DuplicateMember << "duplicate member \"a\" at byte 9";
        QTest::newRow("y_object_duplicated_key_and_value")
            << bytes("{\"a\":\"b\",\"a\":\"b\"}") << E::DuplicateMember << QString();
        QTest::newRow("duplicate alg via escape") << bytes("{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}")
                                                  << E::DuplicateMember << "duplicate member \"alg\" at byte 15";
        QTest::newRow("duplicate both escaped")
            << bytes("{\"\\u0061\":1,\"\\u0061\":2}") << E::DuplicateMember << QString();
        QTest::newRow("duplicate escaped first")
            << bytes("{\"\\u0061lg\":1,\"alg\":2}") << E::DuplicateMember << QString();
        QTest::newRow("duplicate via \\/") << bytes("{\"a/b\":1,\"a\\/b\":2}") << E::DuplicateMember << QString();
        QTest::newRow("duplicate surrogate pair vs UTF-8")
            << bytes("{\"\xF0\x9D\x84\x9E\":1,\"\\uD834\\uDD1E\":2}") << E::DuplicateMember << "\\xF0\\x9D\\x84\\x9E";
        QTest::newRow("duplicate empty names") << bytes("{\"\":1,\"\":2}") << E::DuplicateMember << QString();
        QTest::newRow("duplicate nested")
            << bytes("{\"x\":{\"a\":1,\"b\":2,\"a\":3}}") << E::DuplicateMember << "duplicate member \"a\" at byte 18";
        QTest::newRow("duplicate in array element")
            << bytes("[{},{\"k\":1,\"k\":1}]") << E::DuplicateMember << QString();
        QTest::newRow("duplicate NUL names")
            << bytes("{\"a\\u0000\":1,\"a\\u0000\":2}") << E::DuplicateMember << "duplicate member \"a\\x00\"";
    }
    void rejected()
    {
        QFETCH(QByteArray, json);
        QFETCH(JsonError, code);
        QFETCH(QString, detail);
        const auto parsed = JsonDocument::parse(json);
        QVERIFY2(!parsed.has_value(), "accepted");
        QVERIFY2(parsed.error().is(code), qPrintable(describe(parsed)));
        QVERIFY2(detailOf(parsed).contains(detail), qPrintable(describe(parsed)));
        QVERIFY(parsed.error().inDomain<JsonError>());
    }

    void errorDetailsAreSafe()
    {
        // Echoed bytes are escaped and cut short.
        const QByteArray longName = QByteArray(100, 'n');
        auto parsed = JsonDocument::parse(QByteArray("{\"" + longName + "\":1,\"" + longName + "\":2}"));
        QVERIFY(!parsed);
        QVERIFY2(failsWith(parsed, JsonError::DuplicateMember), qPrintable(describe(parsed)));
        QVERIFY2(detailOf(parsed).contains(QString(20, u'n') + QStringLiteral("...\"")), qPrintable(detailOf(parsed)));
        QVERIFY(!detailOf(parsed).contains(QString(21, u'n')));

        parsed = JsonDocument::parse(QByteArray("1 " + QByteArray(5000, 'x')));
        QVERIFY2(failsWith(parsed, JsonError::TrailingData), qPrintable(describe(parsed)));
        QVERIFY2(detailOf(parsed).size() < 100, qPrintable(detailOf(parsed)));

        // Control and non-ASCII bytes of a name are shown as \xNN; nothing unprintable reaches the detail.
        parsed = JsonDocument::parse(bytes("{\"\\u001b[31m\xC3\xA9\":1,\"\\u001b[31m\xC3\xA9\":2}"));
        QVERIFY2(failsWith(parsed, JsonError::DuplicateMember), qPrintable(describe(parsed)));
        QVERIFY2(detailOf(parsed).contains(QStringLiteral("\"\\x1B[31m\\xC3\\xA9\"")), qPrintable(detailOf(parsed)));
        for (const QChar c : detailOf(parsed))
            QVERIFY(c.unicode() >= 0x20 && c.unicode() < 0x7F);

        // A "%1" in the input is shown as is, never substituted.
        parsed = JsonDocument::parse(bytes("{\"%2%1\":1,\"%2%1\":2}"));
        QVERIFY2(failsWith(parsed, JsonError::DuplicateMember), qPrintable(describe(parsed)));
        QCOMPARE(detailOf(parsed), QStringLiteral("duplicate member \"%2%1\" at byte 10"));
        parsed = JsonDocument::parse(bytes("1 %1%2"));
        QCOMPARE(detailOf(parsed), QStringLiteral("unexpected data after the JSON value at byte 2: %1%2"));

        parsed = JsonDocument::parse(bytes("{\"a\":1,\"b\":2,\"c\":3,\"d\":}"));
        QCOMPARE(detailOf(parsed), QStringLiteral("unexpected character '}' at byte 23 (expected a value)"));
        QCOMPARE(parsed.error().id(), QStringLiteral("json.syntax"));
    }

    void duplicatesInLargeObjects_data()
    {
        QTest::addColumn<int>("members");
        QTest::addColumn<int>("duplicateOf"); // -1 for none
        QTest::addColumn<bool>("escapedDuplicate");
        QTest::newRow("16 unique") << 16 << -1 << false;
        QTest::newRow("17 unique") << 17 << -1 << false;
        QTest::newRow("17, last repeats first") << 17 << 0 << false;
        QTest::newRow("17, last repeats 16th") << 17 << 15 << false;
        QTest::newRow("100, repeats 50th, escaped") << 100 << 50 << true;
        QTest::newRow("50000 unique") << 50000 << -1 << false;
        QTest::newRow("50000, repeats first") << 50000 << 0 << false;
        QTest::newRow("50000, repeats 49000th, escaped") << 50000 << 49000 << true;
    }
    void duplicatesInLargeObjects()
    {
        QFETCH(int, members);
        QFETCH(int, duplicateOf);
        QFETCH(bool, escapedDuplicate);
        QByteArray json = "{";
        for (int i = 0; i < members; ++i)
            json += "\"m" + QByteArray::number(i) + "\":" + QByteArray::number(i) + ',';
        if (duplicateOf >= 0) {
            // "\u006d" is "m"
            json += (escapedDuplicate ? QByteArray("\"\\u006d") : QByteArray("\"m")) + QByteArray::number(duplicateOf)
                + "\":0,";
        }
        json.back() = '}';
        JsonLimits limits;
        limits.maxBytes = 4 << 20;
        const auto parsed = JsonDocument::parse(json, limits);
        if (duplicateOf < 0) {
            QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
            const JsonValue root = parsed->root();
            QCOMPARE(root.size(), qsizetype(members));
            QCOMPARE(root.memberName(members - 1), "m" + QByteArray::number(members - 1));
            QCOMPARE(root.member(QByteArray("m" + QByteArray::number(members / 2)))->toInt64(),
                     std::optional<qint64>(members / 2));
            QVERIFY(!root.member(QByteArray("m" + QByteArray::number(members))).has_value());
        } else {
            QVERIFY(!parsed.has_value());
            QVERIFY2(failsWith(parsed, JsonError::DuplicateMember), qPrintable(describe(parsed)));
            QVERIFY2(detailOf(parsed).contains(QString::fromLatin1("\"m" + QByteArray::number(duplicateOf) + '"')),
                     qPrintable(detailOf(parsed)));
        }
    }

    void depthLimit_data()
    {
        QTest::addColumn<QByteArray>("open"); // opens `levels` containers
        QTest::addColumn<QByteArray>("close");
        QTest::addColumn<int>("levels");
        QTest::addColumn<int>("limit");
        QTest::newRow("arrays, default 32") << QByteArray("[") << QByteArray("]") << 1 << 32;
        QTest::newRow("objects, default 32") << QByteArray("{\"a\":") << QByteArray("}") << 1 << 32;
        QTest::newRow("mixed, default 32") << QByteArray("[{\"k\":") << QByteArray("}]") << 2 << 32;
        QTest::newRow("arrays, limit 1") << QByteArray("[") << QByteArray("]") << 1 << 1;
        QTest::newRow("objects, limit 7") << QByteArray("{\"\":") << QByteArray("}") << 1 << 7;
        QTest::newRow("arrays, limit 1000") << QByteArray("[") << QByteArray("]") << 1 << 1000;
    }
    void depthLimit()
    {
        QFETCH(QByteArray, open);
        QFETCH(QByteArray, close);
        QFETCH(int, levels);
        QFETCH(int, limit);
        JsonLimits limits;
        limits.maxDepth = limit;
        const int repeats = limit / levels;

        const auto atLimit = JsonDocument::parse(nested(open, close, repeats, "0"), limits);
        QVERIFY2(atLimit.has_value(), qPrintable(describe(atLimit)));
        QString why;
        QVERIFY2(prettyRoundTrips(nested(open, close, qMin(repeats, 16), "0"), &why), qPrintable(why));

        const QByteArray tooDeep = nested(open, close, repeats + 1, "0");
        const auto beyond = JsonDocument::parse(tooDeep, limits);
        QVERIFY(!beyond.has_value());
        QVERIFY2(failsWith(beyond, JsonError::TooDeep), qPrintable(describe(beyond)));
        const qsizetype at = open.size() * repeats;
        QVERIFY2(
            detailOf(beyond).contains(QStringLiteral("nesting deeper than %1 levels at byte %2").arg(limit).arg(at)),
            qPrintable(detailOf(beyond)));
    }

    void depthZeroAllowsScalarsOnly()
    {
        JsonLimits limits;
        limits.maxDepth = 0;
        QVERIFY(JsonDocument::parse("\"x\"", limits).has_value());
        QVERIFY(failsWith(JsonDocument::parse("[]", limits), JsonError::TooDeep));
    }

    void veryDeepInputIsRefusedWithoutRecursion()
    {
        JsonLimits large;
        large.maxBytes = 1 << 20;
        for (const QByteArray &open : {QByteArray("["), QByteArray("{\"a\":"), QByteArray("[{\"\":")}) {
            const auto parsed = JsonDocument::parse(open.repeated(100000), large);
            QVERIFY(!parsed.has_value());
            QVERIFY2(failsWith(parsed, JsonError::TooDeep), qPrintable(describe(parsed)));
        }
        // With the limit lifted, 100,000 levels parse and print: nothing in parser or printer recurses.
        JsonLimits limits;
        limits.maxDepth = 200000;
        limits.maxBytes = 1 << 20;
        const auto parsed = JsonDocument::parse(nested("[", "]", 100000), limits);
        QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
        QCOMPARE(parsed->root().toPrettyJson(0), nested("[", "]", 100000));
        const QByteArray pretty = parsed->root().toPrettyJson(2);
        QVERIFY(pretty.size() > 200000);
        QVERIFY(pretty.size() < 200000 + 2 * 100000 * (64 * 2 + 1)); // indentation stops growing at 64 levels
        const auto again = JsonDocument::parse(pretty, JsonLimits {1 << 30, 200000, 100000});
        QVERIFY2(again.has_value(), qPrintable(describe(again)));
    }

    void sizeLimit()
    {
        JsonLimits limits;
        limits.maxBytes = 10;
        QVERIFY(JsonDocument::parse("[1,2,3,45]", limits).has_value()); // exactly 10 bytes
        auto parsed = JsonDocument::parse("[1,2,3,456]", limits);
        QVERIFY2(failsWith(parsed, JsonError::TooLarge), qPrintable(describe(parsed)));
        QCOMPARE(detailOf(parsed), QStringLiteral("the JSON text is 11 bytes, more than the limit of 10"));
        // Checked before parsing: even invalid input reports its size.
        parsed = JsonDocument::parse(QByteArray(11, '!'), limits);
        QVERIFY2(failsWith(parsed, JsonError::TooLarge), qPrintable(describe(parsed)));

        // The default limit is 256 KiB.
        const QByteArray big = '"' + QByteArray(256 * 1024 - 2, 'a') + '"';
        QVERIFY(JsonDocument::parse(big).has_value());
        QVERIFY(failsWith(JsonDocument::parse(QByteArray(big + ' ')), JsonError::TooLarge));
    }

    void valueCountLimit()
    {
        JsonLimits limits;
        limits.maxValues = 4;
        QVERIFY(JsonDocument::parse("[1,2,3]", limits).has_value()); // 4 values: the array and 3 numbers
        QVERIFY(JsonDocument::parse("{\"a\":1,\"b\":2,\"c\":3}", limits).has_value()); // names do not count
        auto parsed = JsonDocument::parse("[1,2,3,4]", limits);
        QVERIFY2(failsWith(parsed, JsonError::TooManyValues), qPrintable(describe(parsed)));
        QCOMPARE(detailOf(parsed), QStringLiteral("more than 4 values at byte 7"));
        parsed = JsonDocument::parse("[[],{},\"x\",null]", limits);
        QVERIFY2(failsWith(parsed, JsonError::TooManyValues), qPrintable(describe(parsed)));

        // Default: 100,000 values.
        const QByteArray many = '[' + QByteArray("0,").repeated(99998) + "0]";
        QVERIFY(JsonDocument::parse(many).has_value());
        QVERIFY(failsWith(JsonDocument::parse(QByteArray('[' + QByteArray("0,").repeated(99999) + "0]")),
                          JsonError::TooManyValues));
    }

    void numbers_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("integral");
        QTest::addColumn<bool>("hasInt");
        QTest::addColumn<qint64>("int64");
        QTest::addColumn<bool>("hasDouble");
        QTest::addColumn<double>("real");
        const qint64 max = std::numeric_limits<qint64>::max();
        const qint64 min = std::numeric_limits<qint64>::min();
        QTest::newRow("0") << bytes("0") << true << true << qint64(0) << true << 0.0;
        QTest::newRow("-0") << bytes("-0") << true << true << qint64(0) << true << -0.0;
        QTest::newRow("-0.0") << bytes("-0.0") << false << true << qint64(0) << true << -0.0;
        QTest::newRow("1") << bytes("1") << true << true << qint64(1) << true << 1.0;
        QTest::newRow("-1") << bytes("-1") << true << true << qint64(-1) << true << -1.0;
        QTest::newRow("100") << bytes("100") << true << true << qint64(100) << true << 100.0;
        QTest::newRow("exp claim") << bytes("1767225600") << true << true << qint64(1767225600) << true << 1767225600.0;
        QTest::newRow("7 digits") << bytes("1234567") << true << true << qint64(1234567) << true << 1234567.0;
        QTest::newRow("8 digits") << bytes("87654321") << true << true << qint64(87654321) << true << 87654321.0;
        QTest::newRow("-9 digits") << bytes("-908070605") << true << true << qint64(-908070605) << true << -908070605.0;
        QTest::newRow("16 digits") << bytes("1020304050607080") << true << true << qint64(1020304050607080LL) << true
                                   << 1020304050607080.0;
        QTest::newRow("-18 digits") << bytes("-987654321098765432") << true << true << qint64(-987654321098765432LL)
                                    << true << -987654321098765432.0;
        QTest::newRow("18 digits") << bytes("999999999999999999") << true << true << qint64(999999999999999999LL)
                                   << true << 1e18;
        QTest::newRow("int64 max") << bytes("9223372036854775807") << true << true << max << true
                                   << 9223372036854775807.0;
        QTest::newRow("int64 min") << bytes("-9223372036854775808") << true << true << min << true
                                   << -9223372036854775808.0;
        QTest::newRow("int64 max + 1") << bytes("9223372036854775808") << true << false << qint64(0) << true
                                       << 9223372036854775808.0;
        QTest::newRow("int64 min - 1") << bytes("-9223372036854775809") << true << false << qint64(0) << true
                                       << -9223372036854775809.0;
        QTest::newRow("uint64 max") << bytes("18446744073709551615") << true << false << qint64(0) << true
                                    << 18446744073709551615.0;
        QTest::newRow("uint64 max + 1") << bytes("18446744073709551616") << true << false << qint64(0) << true
                                        << 18446744073709551616.0;
        QTest::newRow("30 digits") << bytes("123456789012345678901234567890") << true << false << qint64(0) << true
                                   << 123456789012345678901234567890.0;
        QTest::newRow("1E+2") << bytes("1E+2") << false << true << qint64(100) << true << 100.0;
        QTest::newRow("1e3") << bytes("1e3") << false << true << qint64(1000) << true << 1000.0;
        QTest::newRow("1E2") << bytes("1E2") << false << true << qint64(100) << true << 100.0;
        QTest::newRow("10.0") << bytes("10.0") << false << true << qint64(10) << true << 10.0;
        QTest::newRow("1.5e1") << bytes("1.5e1") << false << true << qint64(15) << true << 15.0;
        QTest::newRow("1500e-2") << bytes("1500e-2") << false << true << qint64(15) << true << 15.0;
        QTest::newRow("tiny fraction times big exponent")
            << bytes("0.00000000000000000000000000001e30") << false << true << qint64(10) << true << 10.0;
        QTest::newRow("exact int64 max via exponent")
            << bytes("922337203685477580.7e1") << false << true << max << true << 9223372036854775807.0;
        QTest::newRow("int64 min via exponent")
            << bytes("-9.223372036854775808e18") << false << true << min << true << -9223372036854775808.0;
        QTest::newRow("9e18") << bytes("9e18") << false << true << qint64(9000000000000000000LL) << true << 9e18;
        QTest::newRow("1e19") << bytes("1e19") << false << false << qint64(0) << true << 1e19;
        QTest::newRow("0e999999") << bytes("0e999999") << false << true << qint64(0) << true << 0.0;
        QTest::newRow("1.5") << bytes("1.5") << false << false << qint64(0) << true << 1.5;
        QTest::newRow("0.1") << bytes("0.1") << false << false << qint64(0) << true << 0.1;
        QTest::newRow("1e-2") << bytes("1e-2") << false << false << qint64(0) << true << 0.01;
        QTest::newRow("-1.0e+28") << bytes("-1.0e+28") << false << false << qint64(0) << true << -1.0e28;
        QTest::newRow("1e400") << bytes("1e400") << false << false << qint64(0) << false << 0.0;
        QTest::newRow("-1e400") << bytes("-1e400") << false << false << qint64(0) << false << 0.0;
        QTest::newRow("huge exponent") << bytes("1E1000000000000000000000") << false << false << qint64(0) << false
                                       << 0.0;
        QTest::newRow("1e-400 underflows to 0") << bytes("1e-400") << false << false << qint64(0) << true << 0.0;
        QTest::newRow("-1e-400 underflows to -0") << bytes("-1e-400") << false << false << qint64(0) << true << -0.0;
        QTest::newRow("huge negative exponent")
            << bytes("1E-1000000000000000000000") << false << false << qint64(0) << true << 0.0;
        QTest::newRow("DBL_MAX") << bytes("1.7976931348623157e308") << false << false << qint64(0) << true
                                 << std::numeric_limits<double>::max();
        QTest::newRow("just over DBL_MAX") << bytes("1.8e308") << false << false << qint64(0) << false << 0.0;
        QTest::newRow("smallest denormal") << bytes("4.9406564584124654e-324") << false << false << qint64(0) << true
                                           << std::numeric_limits<double>::denorm_min();
        QTest::newRow("long mantissa") << bytes("3.141592653589793238462643383279502884197") << false << false
                                       << qint64(0) << true << 3.141592653589793;
    }
    void numbers()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, integral);
        QFETCH(bool, hasInt);
        QFETCH(qint64, int64);
        QFETCH(bool, hasDouble);
        QFETCH(double, real);
        for (const QByteArray &json : {text, QByteArray("[" + text + "]"), QByteArray("{\"n\":" + text + "}")}) {
            const auto parsed = JsonDocument::parse(json);
            QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
            const JsonValue root = parsed->root();
            const JsonValue value = root.isArray() ? root.element(0) : root.isObject() ? *root.member("n") : root;
            QVERIFY(value.isNumber());
            QCOMPARE(value.rawNumber(), QByteArrayView(text));
            QCOMPARE(value.rawText(), QByteArrayView(text));
            QCOMPARE(value.isIntegral(), integral);
            const std::optional<qint64> asInt = value.toInt64();
            QCOMPARE(asInt.has_value(), hasInt);
            if (hasInt)
                QCOMPARE(*asInt, int64);
            const std::optional<double> asDouble = value.toDouble();
            QCOMPARE(asDouble.has_value(), hasDouble);
            if (hasDouble) {
                QCOMPARE(*asDouble, real);
                QCOMPARE(std::signbit(*asDouble), std::signbit(real));
            }
        }
    }

    void strings_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QByteArray>("utf8");
        QTest::newRow("plain") << bytes("\"abc\"") << bytes("abc");
        QTest::newRow("empty") << bytes("\"\"") << QByteArray();
        QTest::newRow("long plain") << '"' + QByteArray(1000, 'z') + '"' << QByteArray(1000, 'z');
        QTest::newRow("short escapes") << bytes("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"") << bytes("\"\\/\b\f\n\r\t");
        QTest::newRow("u escapes") << bytes("\"\\u0041\\u00e9\\u20AC\"") << bytes("A\xC3\xA9\xE2\x82\xAC");
        QTest::newRow("surrogate pair") << bytes("\"x\\ud83d\\ude00y\"") << bytes("x\xF0\x9F\x98\x80y");
        QTest::newRow("nul") << bytes("\"a\\u0000b\"") << bytes("a\0b");
        QTest::newRow("raw utf8") << bytes("\"\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"")
                                  << bytes("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
        QTest::newRow("escape at end of long") << '"' + QByteArray(40, 'q') + "\\n\"" << QByteArray(40, 'q') + '\n';
        QTest::newRow("escaped backslash then u") << bytes("\"\\\\u0041\"") << bytes("\\u0041");
    }
    void strings()
    {
        QFETCH(QByteArray, json);
        QFETCH(QByteArray, utf8);
        const auto parsed = JsonDocument::parse(json);
        QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
        const JsonValue value = parsed->root();
        QVERIFY(value.isString());
        QCOMPARE(value.toUtf8(), utf8);
        QCOMPARE(value.toString(), QString::fromUtf8(utf8));
        QCOMPARE(value.rawText(), QByteArrayView(json));
        QVERIFY(value.stringEquals(utf8));
        QVERIFY(!value.stringEquals(QByteArray(utf8 + 'x')));
        if (!utf8.isEmpty()) {
            QVERIFY(!value.stringEquals(utf8.chopped(1)));
            QByteArray changed = utf8;
            changed[0] = char(changed[0] ^ 1);
            QVERIFY(!value.stringEquals(changed));
            changed = utf8;
            changed.back() = char(changed.back() ^ 1);
            QVERIFY(!value.stringEquals(changed));
        }
        // As a member name too.
        const auto object = JsonDocument::parse(QByteArray("{" + json + ":true}"));
        QVERIFY(object.has_value());
        QCOMPARE(object->root().memberName(0), utf8);
        QVERIFY(object->root().memberNameEquals(0, utf8));
        QVERIFY(object->root().member(utf8).has_value());
        QVERIFY(!object->root().member(QByteArray(utf8 + 'x')).has_value());
    }

    void stringEqualsWithAndWithoutEscapes()
    {
        const auto parsed
            = JsonDocument::parse(bytes("[\"HS256\",\"HS\\u0032\\u00356\",\"\\\\\",\"\\u005c\",\"x\\/y\",1,null]"));
        QVERIFY(parsed.has_value());
        const JsonValue root = parsed->root();
        QVERIFY(root.element(0).stringEquals("HS256"));
        QVERIFY(root.element(1).stringEquals("HS256"));
        QVERIFY(!root.element(1).stringEquals("HS25"));
        QVERIFY(!root.element(1).stringEquals("HS2566"));
        QVERIFY(!root.element(1).stringEquals("HS\\u0032\\u00356")); // the raw text is not the value
        QVERIFY(root.element(2).stringEquals("\\"));
        QVERIFY(root.element(3).stringEquals("\\"));
        QVERIFY(root.element(4).stringEquals("x/y"));
        QVERIFY(!root.element(5).stringEquals("1"));
        QVERIFY(!root.element(6).stringEquals("null"));
        QVERIFY(!root.element(7).stringEquals(""));
        QVERIFY(!root.stringEquals("HS256"));
    }

    void memberOrderAndAccess()
    {
        const auto parsed = JsonDocument::parse(JWT_PAYLOAD);
        QVERIFY(parsed.has_value());
        const JsonValue claims = parsed->root();
        QVERIFY(claims.isObject());
        const QList<QByteArray> expected
            = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "role", "email_verified"};
        QCOMPARE(claims.size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            QCOMPARE(claims.memberName(i), expected[i]);
            QCOMPARE(claims.member(expected[i])->rawText(), claims.memberValue(i).rawText());
        }
        QVERIFY(claims.member("iss")->stringEquals("https://auth.example.com"));
        QCOMPARE(claims.member("exp")->toInt64(), std::optional<qint64>(1767225600));
        QVERIFY(claims.member("email_verified")->isBool());
        QVERIFY(claims.member("email_verified")->toBool());
        QCOMPARE(claims.member("scope")->toString(), QStringLiteral("read write"));
        QVERIFY(!claims.member("ISS").has_value());
        QVERIFY(!claims.member("is").has_value());
        QVERIFY(!claims.member("").has_value());

        // Order kept even when it is not sorted; lookup by escaped name.
        const auto other = JsonDocument::parse(bytes("{\"z\":1,\"\\u0061\":[true,false,null],\"m\":{\"k\":\"v\"}}"));
        QVERIFY(other.has_value());
        const JsonValue root = other->root();
        QCOMPARE(root.memberName(0), "z");
        QCOMPARE(root.memberName(1), "a");
        QCOMPARE(root.memberName(2), "m");
        const auto array = root.member("a");
        QVERIFY(array && array->isArray());
        QCOMPARE(array->size(), 3);
        QVERIFY(array->element(0).toBool());
        QVERIFY(array->element(1).isBool() && !array->element(1).toBool());
        QVERIFY(array->element(2).isNull());
        QCOMPARE(root.member("m")->member("k")->toUtf8(), "v");
        QCOMPARE(root.member("m")->rawText(), QByteArrayView("{\"k\":\"v\"}"));
        QCOMPARE(root.member("m")->sourceOffset(), 38);
        QCOMPARE(root.toPrettyJson(0), bytes("{\"z\":1,\"a\":[true,false,null],\"m\":{\"k\":\"v\"}}"));

        // Out of range and wrong-type accessors answer empty values.
        QVERIFY(root.element(0).isNull());
        QVERIFY(root.memberValue(-1).isNull());
        QVERIFY(root.memberValue(3).isNull());
        QVERIFY(root.memberName(3).isEmpty());
        QVERIFY(!root.memberNameEquals(3, "z"));
        QVERIFY(array->element(3).isNull());
        QVERIFY(array->element(-1).isNull());
        QVERIFY(array->memberName(0).isEmpty());
        QVERIFY(!array->member("0").has_value());
        QCOMPARE(root.member("z")->size(), 0);
        QVERIFY(root.member("z")->toUtf8().isEmpty());
        QVERIFY(root.member("z")->toString().isEmpty());
        QVERIFY(!root.member("m")->toInt64().has_value());
        QVERIFY(!root.member("m")->toDouble().has_value());
        QVERIFY(root.member("m")->rawNumber().isEmpty());
        QVERIFY(!root.member("m")->toBool());
        QVERIFY(!root.isIntegral());
        QCOMPARE(QLatin1String(JsonValue::typeName(root.type())), QLatin1String("object"));
        QCOMPARE(QLatin1String(JsonValue::typeName(JsonValue::Type::Bool)), QLatin1String("boolean"));
    }

    void findMembersMatchesMember()
    {
        const auto parsed = JsonDocument::parse(
            bytes("{\"iss\":1,\"exp\":2,\"\\u0061ud\":3,\"abcd\":4,\"abcdefg\":5,\"abcdefgh\":6,\"abcdefghi\":7,"
                  "\"abcdefghiX\":8,\"\":9,\"x\":10,\"xy\":11,\"abc\\u0064efghiZ\":12,\"\\u00e9t\u00e9\":13,"
                  "\"abcdefghX\":14}"));
        QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
        const JsonValue root = parsed->root();
        // Some names asked twice, some absent with the length or the head of a present one.
        const QList<QByteArray> list
            = {"aud",        "abcdefg",  "abcdefgh", "abcdefghi",  "abcdefghiY", "exp",
               "exp",        "",         "x",        "xy",         "yx",         "abcdefghiZ",
               "abce",       "abcd",     "iss",      "ab",         "abcdefghiX", "\xc3\xa9t\xc3\xa9",
               "et\xc3\xa9", "abcdefgi", "aud",      "abcdefgkYZ", "abcdefghX"};
        // More names than one batch of 64.
        QList<QByteArray> many = list;
        for (int i = 0; i < 60; ++i)
            many << "n" + QByteArray::number(i);
        many << list;
        const JsonMemberNames names(many);
        QCOMPARE(names.size(), many.size());
        std::vector<std::optional<JsonValue>> found(size_t(names.size()));
        root.findMembers(names, found.data());
        for (qsizetype k = 0; k < names.size(); ++k) {
            QCOMPARE(names.at(k), many[k]);
            const auto expected = root.member(many[k]);
            QCOMPARE(found[size_t(k)].has_value(), expected.has_value());
            if (expected)
                QCOMPARE(found[size_t(k)]->sourceOffset(), expected->sourceOffset());
        }
        QCOMPARE(found[0]->toInt64(), std::optional<qint64>(3));
        QCOMPARE(found[11]->toInt64(), std::optional<qint64>(12));
        QVERIFY(!found[4] && !found[10] && !found[12] && !found[19]);
        QCOMPARE(found[6]->toInt64(), std::optional<qint64>(2));
        QCOMPARE(found[17]->toInt64(), std::optional<qint64>(13));
        // The same key as "abcdefghX" (the length is folded into the eighth byte), another name.
        QVERIFY(!found[21]);
        QCOMPARE(found[22]->toInt64(), std::optional<qint64>(14));
        for (qsizetype k = 0; k < list.size(); ++k)
            QCOMPARE(found[size_t(list.size() + 60 + k)].has_value(), found[size_t(k)].has_value());
        QCOMPARE(found[size_t(list.size() + 60 + 11)]->toInt64(), std::optional<qint64>(12));

        // Not an object: nothing is found.
        std::optional<JsonValue> none[3] = {JsonValue(), JsonValue(), JsonValue()};
        found[0]->findMembers(JsonMemberNames({"a", "b", "c"}), none);
        QVERIFY(!none[0] && !none[1] && !none[2]);
    }

    void defaultConstructed()
    {
        const JsonDocument document;
        QVERIFY(document.root().isNull());
        QVERIFY(document.source().isEmpty());
        const JsonValue value;
        QVERIFY(value.isNull());
        QCOMPARE(value.type(), JsonValue::Type::Null);
        QCOMPARE(value.size(), 0);
        QVERIFY(value.rawText().isEmpty());
        QCOMPARE(value.toPrettyJson(), QByteArray("null"));
        QVERIFY(!value.member("a").has_value());
        QVERIFY(value.element(0).isNull());
        QVERIFY(!value.toInt64().has_value());
        QVERIFY(!value.stringEquals(""));
    }

    void documentsShareAndOutliveCopies()
    {
        JsonDocument kept;
        {
            auto parsed = JsonDocument::parse(JWT_PAYLOAD);
            QVERIFY(parsed.has_value());
            JsonDocument copy = *parsed;
            kept = copy;
            JsonDocument moved = std::move(copy);
            QVERIFY(moved.source().data() == parsed->source().data()); // one shared block
            moved = moved; // self-assignment is harmless
            QCOMPARE(moved.root().size(), 10);
        }
        QCOMPARE(kept.source(), QByteArrayView(JWT_PAYLOAD));
        QCOMPARE(kept.root().member("role")->toUtf8(), "admin");
        JsonDocument other = JsonDocument::parse("[1]").value();
        other = kept;
        QCOMPARE(other.root().size(), 10);
        other = JsonDocument();
        QVERIFY(other.root().isNull());

        // The source is a copy: changing the caller's buffer later changes nothing.
        QByteArray buffer = "{\"a\":\"b\"}";
        const JsonDocument document = JsonDocument::parse(buffer).value();
        buffer.fill('x');
        QVERIFY(document.root().member("a")->stringEquals("b"));
    }

    void prettyJson()
    {
        const auto parsed = JsonDocument::parse(
            bytes(" {\"b\":[1,{\"x\":null,\"y\":[]},\"\\u00e9\\n\"],\"a\":{},\"c\":-1.5E+3,\"d\":\"\\/\"} "));
        QVERIFY(parsed.has_value());
        const QByteArray expected = bytes("{\n"
                                          "  \"b\": [\n"
                                          "    1,\n"
                                          "    {\n"
                                          "      \"x\": null,\n"
                                          "      \"y\": []\n"
                                          "    },\n"
                                          "    \"\xC3\xA9\\n\"\n"
                                          "  ],\n"
                                          "  \"a\": {},\n"
                                          "  \"c\": -1.5E+3,\n"
                                          "  \"d\": \"/\"\n"
                                          "}");
        QCOMPARE(parsed->root().toPrettyJson(), expected);
        QCOMPARE(parsed->root().toPrettyJson(0),
                 bytes("{\"b\":[1,{\"x\":null,\"y\":[]},\"\xC3\xA9\\n\"],\"a\":{},\"c\":-1.5E+3,\"d\":\"/\"}"));
        QVERIFY(parsed->root().toPrettyJson(4).contains("\n            \"x\": null"));
        // A member value alone.
        QCOMPARE(parsed->root().member("b")->element(1).toPrettyJson(0), bytes("{\"x\":null,\"y\":[]}"));
        QCOMPARE(parsed->root().member("c")->toPrettyJson(), bytes("-1.5E+3"));
        // Round trip.
        const auto again = JsonDocument::parse(expected);
        QVERIFY(again.has_value());
        QCOMPARE(again->root().toPrettyJson(), expected);
    }

    void prettyJsonEscapesCanonically()
    {
        const auto parsed
            = JsonDocument::parse(bytes("[\"\\u0001\\u001F\\u007f\\u0022\\u005C\\u002F\\u0008\\u000C\"]"));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->root().toPrettyJson(0), bytes("[\"\\u0001\\u001f\x7F\\\"\\\\/\\b\\f\"]"));
    }

    void writer_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty object") << 0 << bytes("{}");
        QTest::newRow("jwt header") << 1 << bytes("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k-1\"}");
        QTest::newRow("escapes") << 2 << bytes("{\"q\\\"b\\\\\":\"tab\\tnl\\ncr\\r\\u0000\\u001f\\b\\f/\\u0001\"}");
        QTest::newRow("non-ASCII kept") << 3 << bytes("[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\"\xE2\x80\xA8\"]");
        QTest::newRow("integers") << 4
                                  << bytes("[0,-1,9223372036854775807,-9223372036854775808,18446744073709551615,42]");
        QTest::newRow("doubles") << 5 << bytes("[0.1,1e+21,-0,1.5,100,1e-07,5e-324,1.7976931348623157e+308]");
        QTest::newRow("literals") << 6 << bytes("[true,false,null]");
        QTest::newRow("nesting") << 7 << bytes("{\"a\":[[],{},[{\"b\":[1,[2]]}]],\"c\":{\"d\":{\"e\":null}}}");
        QTest::newRow("raw") << 8 << bytes("{\"cty\":\"JWT\",\"n\":[1, 2],\"x\":1e400}");
        QTest::newRow("QString") << 9 << bytes("[\"ascii\",\"\xC3\xA9\",\"\\\"\"]");
        QTest::newRow("scalar top level") << 10 << bytes("\"just a string\"");
    }
    void writer()
    {
        QFETCH(int, which);
        QFETCH(QByteArray, expected);
        JsonWriter w;
        switch (which) {
        case 0:
            w.beginObject().endObject();
            break;
        case 1:
            w.beginObject().key("alg").value("HS256").key("typ").value(QStringLiteral("JWT"));
            w.key("kid").value(QByteArray("k-1")).endObject();
            break;
        case 2:
            w.beginObject().key("q\"b\\").value(bytes("tab\tnl\ncr\r\0\x1f\b\f/\x01")).endObject();
            break;
        case 3:
            w.beginArray().value("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80").value("\xE2\x80\xA8").endArray();
            break;
        case 4:
            w.beginArray().value(0).value(qint64(-1)).value(std::numeric_limits<qint64>::max());
            w.value(std::numeric_limits<qint64>::min()).value(std::numeric_limits<quint64>::max());
            w.value(short(42)).endArray();
            break;
        case 5:
            w.beginArray().value(0.1).value(1e21).value(-0.0).value(1.5).value(100.0).value(1e-7);
            w.value(std::numeric_limits<double>::denorm_min()).value(std::numeric_limits<double>::max()).endArray();
            break;
        case 6:
            w.beginArray().value(true).value(false).null().endArray();
            break;
        case 7:
            w.beginObject().key("a").beginArray().beginArray().endArray().beginObject().endObject();
            w.beginArray().beginObject().key("b").beginArray().value(1).beginArray().value(2).endArray().endArray();
            w.endObject().endArray().endArray();
            w.key("c").beginObject().key("d").beginObject().key("e").null().endObject().endObject().endObject();
            break;
        case 8:
            w.beginObject().key("cty").raw("\"JWT\"").key("n").raw(" [1, 2]\n").key("x").raw("1e400").endObject();
            break;
        case 9:
            w.beginArray().value(QStringLiteral("ascii")).value(QString(QChar(0xE9))).value(QStringLiteral("\""));
            w.endArray();
            break;
        case 10:
            w.value("just a string");
            break;
        }
        QVERIFY(w.isComplete());
        const QByteArray json = w.take();
        QCOMPARE(json, expected);
        QVERIFY(!w.isComplete()); // take() starts afresh
        const auto parsed = JsonDocument::parse(json);
        QVERIFY2(parsed.has_value(), qPrintable(describe(parsed)));
        if (which != 8) // raw() keeps the bytes it is given, inner white space included
            QCOMPARE(compact(*parsed), json); // the writer's own output is already canonical
    }

    void writerDoublesRoundTrip()
    {
        std::mt19937_64 generator(12345); // test input only, not security randomness
        for (int i = 0; i < 2000; ++i) {
            const quint64 bits = generator();
            double d = 0;
            std::memcpy(&d, &bits, sizeof d);
            if (!std::isfinite(d))
                continue;
            JsonWriter w;
            w.value(d);
            const QByteArray json = w.take();
            const auto parsed = JsonDocument::parse(json);
            QVERIFY2(parsed.has_value(), json.constData());
            const auto back = parsed->root().toDouble();
            QVERIFY2(back.has_value(), json.constData());
            QVERIFY2(std::memcmp(&*back, &d, sizeof d) == 0, json.constData());
        }
    }

    void writerRefusesMisuse_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("value without key") << 0;
        QTest::newRow("key in array") << 1;
        QTest::newRow("key at top level") << 2;
        QTest::newRow("two keys") << 3;
        QTest::newRow("end object after key") << 4;
        QTest::newRow("end array for object") << 5;
        QTest::newRow("unbalanced end") << 6;
        QTest::newRow("unclosed") << 7;
        QTest::newRow("two top-level values") << 8;
        QTest::newRow("duplicate key") << 9;
        QTest::newRow("duplicate key with a control character") << 10;
        QTest::newRow("NaN") << 11;
        QTest::newRow("infinity") << 12;
        QTest::newRow("invalid UTF-8 value") << 13;
        QTest::newRow("invalid UTF-8 key") << 14;
        QTest::newRow("raw injection") << 15;
        QTest::newRow("raw invalid") << 16;
        QTest::newRow("raw empty") << 17;
        QTest::newRow("raw duplicate inside") << 18;
        QTest::newRow("nothing written") << 19;
        QTest::newRow("overlong UTF-8 value") << 20;
    }
    void writerRefusesMisuse()
    {
        QFETCH(int, which);
        JsonWriter w;
        switch (which) {
        case 0:
            w.beginObject().value(1).endObject();
            break;
        case 1:
            w.beginArray().key("a").value(1).endArray();
            break;
        case 2:
            w.key("a");
            break;
        case 3:
            w.beginObject().key("a").key("b").value(1).endObject();
            break;
        case 4:
            w.beginObject().key("a").endObject();
            break;
        case 5:
            w.beginObject().endArray();
            break;
        case 6:
            w.beginArray().endArray().endArray();
            break;
        case 7:
            w.beginArray().value(1);
            break;
        case 8:
            w.value(1).value(2);
            break;
        case 9:
            w.beginObject().key("alg").value("HS256").key("alg").value("none").endObject();
            break;
        case 10:
            w.beginObject()
                .key("a\nb")
                .value(1)
                .key(bytes("a\x0a"
                           "b"))
                .value(2)
                .endObject();
            break;
        case 11:
            w.beginArray().value(std::numeric_limits<double>::quiet_NaN()).endArray();
            break;
        case 12:
            w.value(std::numeric_limits<double>::infinity());
            break;
        case 13:
            w.beginArray().value(bytes("\xFF")).endArray();
            break;
        case 14:
            w.beginObject().key(bytes("\xC3")).value(1).endObject();
            break;
        case 15:
            w.beginObject().key("typ").raw("\"JWT\",\"alg\":\"none\"").endObject();
            break;
        case 16:
            w.beginArray().raw("{'a':1}").endArray();
            break;
        case 17:
            w.beginArray().raw(" ").endArray();
            break;
        case 18:
            w.beginArray().raw("{\"a\":1,\"a\":2}").endArray();
            break;
        case 19:
            break;
        case 20:
            w.value(bytes("\xC0\xAF"));
            break;
        }
        QVERIFY(!w.isComplete());
        QVERIFY(w.take().isEmpty());
        // Usable again after take().
        w.beginArray().value(1).endArray();
        QVERIFY(w.isComplete());
        QCOMPARE(w.take(), QByteArray("[1]"));
    }

    void writerOverloadsDoNotConvertSilently()
    {
        // A string literal, a QByteArray and a QString are strings; integers of any width are numbers; bool is bool.
        JsonWriter w;
        w.beginArray()
            .value("lit")
            .value(QByteArray("ba"))
            .value(QByteArrayView("bv"))
            .value(QStringLiteral("qs"))
            .value(1)
            .value(2u)
            .value(3L)
            .value(size_t(4))
            .value(qsizetype(5))
            .value(true)
            .value(6.5f)
            .endArray();
        QCOMPARE(w.take(), QByteArray("[\"lit\",\"ba\",\"bv\",\"qs\",1,2,3,4,5,true,6.5]"));
        // Pointers other than const char * and plain chars do not compile (they would have become bool or int).
        static_assert(WritableValue<const char *>);
        static_assert(WritableValue<const char(&)[4]>);
        static_assert(WritableValue<QByteArray>);
        static_assert(WritableValue<unsigned long long>);
        static_assert(!WritableValue<const int *>);
        static_assert(!WritableValue<const void *>);
        static_assert(!WritableValue<const char16_t *>);
        static_assert(!WritableValue<const QByteArray *>);
        static_assert(!WritableValue<std::nullptr_t>);
        static_assert(!WritableValue<char>);
    }

    void writerOutputParsesInOrder()
    {
        JsonWriter w;
        w.beginObject();
        for (int i = 30; i > 0; --i)
            w.key(QByteArray("k" + QByteArray::number(i))).value(i);
        w.endObject();
        const auto parsed = JsonDocument::parse(w.take());
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->root().size(), 30);
        QCOMPARE(parsed->root().memberName(0), "k30");
        QCOMPARE(parsed->root().memberName(29), "k1");
        // A parsed value written back through raw().
        JsonWriter again;
        again.beginObject().key("claims").raw(parsed->root().rawText()).endObject();
        const auto wrapped = JsonDocument::parse(again.take());
        QVERIFY(wrapped.has_value());
        QCOMPARE(wrapped->root().member("claims")->toPrettyJson(0), parsed->root().toPrettyJson(0));
    }

    void robustnessRandomBytes()
    {
        std::mt19937 generator(20240601); // fixed seed: reproducible test input, not security randomness
        const QByteArray alphabet = bytes("{}[]\",:0123456789-+.eEtrufalsn \\/u\t\n\r\x01\xC3\xA9\xED\xF0");
        int parsedCount = 0;
        for (int i = 0; i < 20000; ++i) {
            const int length = int(generator() % 48);
            QByteArray input;
            input.reserve(length);
            for (int j = 0; j < length; ++j) {
                if (generator() % 4 == 0)
                    input += char(generator() % 256);
                else
                    input += alphabet[qsizetype(generator() % quint32(alphabet.size()))];
            }
            QString why;
            QVERIFY2(prettyRoundTrips(input, &why),
                     qPrintable(why + QStringLiteral(": ") + QString::fromLatin1(input.toHex())));
            if (JsonDocument::parse(input))
                ++parsedCount;
        }
        QVERIFY(parsedCount > 0);
    }

    void robustnessMutatedPayloads()
    {
        std::mt19937 generator(77); // fixed seed: reproducible test input, not security randomness
        const QList<QByteArray> tokens = {"{",
                                          "}",
                                          "[",
                                          "]",
                                          ",",
                                          ":",
                                          "\"",
                                          "\\u0000",
                                          "\\ud800",
                                          "\\udc00",
                                          "1e999",
                                          "-",
                                          "null",
                                          "\\",
                                          "\xC3",
                                          "\xED\xA0\x80",
                                          "0",
                                          "\"iss\":1,",
                                          "\"\\u0069ss\":2,"};
        int parsedCount = 0;
        for (int i = 0; i < 20000; ++i) {
            QByteArray input = JWT_PAYLOAD;
            const int mutations = 1 + int(generator() % 4);
            for (int m = 0; m < mutations; ++m) {
                const auto at = qsizetype(generator() % quint32(input.size() + 1));
                switch (generator() % 6) {
                case 0:
                    if (at < input.size())
                        input[at] = char(generator() % 256);
                    break;
                case 1:
                    input.insert(at, char(generator() % 256));
                    break;
                case 2:
                    input.remove(at, qsizetype(generator() % 8));
                    break;
                case 3:
                    input.insert(at, tokens[qsizetype(generator() % quint32(tokens.size()))]);
                    break;
                case 4: {
                    const auto length = qMin<qsizetype>(qsizetype(generator() % 40), input.size() - at);
                    input.insert(at, input.mid(at, length));
                    break;
                }
                default:
                    if (at + 1 < input.size())
                        std::swap(input[at], input[at + 1]);
                    break;
                }
            }
            QString why;
            QVERIFY2(prettyRoundTrips(input, &why),
                     qPrintable(why + QStringLiteral(": ") + QString::fromLatin1(input.toHex())));
            if (JsonDocument::parse(input))
                ++parsedCount;
        }
        QVERIFY(parsedCount > 100);
    }

    void parsesOnSeveralThreads()
    {
        // Scratch space is per thread: concurrent parses must not interfere.
        QByteArray large = "{";
        for (int i = 0; i < 200; ++i)
            large += "\"n" + QByteArray::number(i) + "\":[" + QByteArray::number(i) + "],";
        large.back() = '}';
        std::atomic<int> failures = 0;
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&failures, &large, t] {
                for (int i = 0; i < 500; ++i) {
                    const auto small = JsonDocument::parse(JWT_PAYLOAD);
                    const auto big = JsonDocument::parse(large);
                    const auto duplicate = JsonDocument::parse(bytes("{\"a\":1,\"\\u0061\":2}"));
                    if (!small || !small->root().member("exp") || !big || big->root().size() != 200
                        || big->root().member(QByteArray("n" + QByteArray::number((i + t) % 200)))->element(0).toInt64()
                            != (i + t) % 200
                        || duplicate || !duplicate.error().is(JsonError::DuplicateMember))
                        ++failures;
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(failures.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestJson)
#include "TestJson.moc"
