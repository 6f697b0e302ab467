#pragma once

#include <type_traits>
#include <utility>

#include <QString>

namespace portcullis {

// An error value: a code from one module's scoped enum plus a plain explanation for people.
//
// Each module declares its own `enum class FooError` and, in the same namespace, two functions found by
// argument-dependent lookup:
//     const char *errorDomain(FooError);     // "foo": the module, stable, for logs and JSON
//     const char *errorCodeName(FooError c); // "not_found": the code, stable, for logs and JSON
// The detail is the sentence shown to an operator: what was wrong and what to do. It never holds a secret.
class Error
{
public:
    template<typename E>
    requires std::is_enum_v<E> Error(E code, QString detail)
        : m_domainTag(&DomainTag<E>::id)
        , m_domain(errorDomain(code))
        , m_codeName(errorCodeName(code))
        , m_code(static_cast<int>(code))
        , m_detail(std::move(detail))
    { }

    template<typename E>
    requires std::is_enum_v<E>
    [[nodiscard]] bool is(E code) const { return m_domainTag == &DomainTag<E>::id && m_code == static_cast<int>(code); }

    template<typename E>
    requires std::is_enum_v<E>
    [[nodiscard]] bool inDomain() const { return m_domainTag == &DomainTag<E>::id; }

    [[nodiscard]] int code() const { return m_code; }
    [[nodiscard]] const char *domain() const { return m_domain; }
    [[nodiscard]] const char *codeName() const { return m_codeName; }
    [[nodiscard]] const QString &detail() const { return m_detail; }

    // "domain.code_name" — a stable identifier for scripts and logs.
    [[nodiscard]] QString id() const;
    // The detail followed by the identifier in brackets.
    [[nodiscard]] QString toString() const;
    // The same error with `context` put in front of the detail ("reading settings: …").
    [[nodiscard]] Error withContext(const QString &context) const;

private:
    template<typename E>
    struct DomainTag
    {
        static constexpr char id = 0;
    };

    const char *m_domainTag;
    const char *m_domain;
    const char *m_codeName;
    int m_code;
    QString m_detail;
};

// Errors that belong to no particular module.
enum class CommonError
{
    InvalidArgument,
    NotFound,
    IoError,
    Unsupported,
    Timeout,
    Cancelled,
    Internal,
};

const char *errorDomain(CommonError);
const char *errorCodeName(CommonError code);

} // namespace portcullis
