#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "Error.h"

namespace portcullis {

[[noreturn]] void resultAccessFailure(const Error &error);

// A value or an Error. The member names follow std::expected so code reads the same as with the standard
// type (which clang 14 cannot use with libstdc++). Accessing the value of an error aborts with the error's
// text: check has_value() first.
template<typename T>
class [[nodiscard]] Result
{
    static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>, "Result<Error> is meaningless");

public:
    using value_type = T;

    Result(const T &value)
        : m_state(std::in_place_index<0>, value)
    { }
    Result(T &&value)
        : m_state(std::in_place_index<0>, std::move(value))
    { }
    template<typename U>
    requires(
        std::is_constructible_v<
            T,
            U &&> && !std::is_same_v<std::remove_cvref_t<U>, T> && !std::is_same_v<std::remove_cvref_t<U>, Error> && !std::is_same_v<std::remove_cvref_t<U>, Result>)
        Result(U &&value)
        : m_state(std::in_place_index<0>, std::forward<U>(value))
    { }
    Result(Error error)
        : m_state(std::in_place_index<1>, std::move(error))
    { }

    [[nodiscard]] bool has_value() const { return m_state.index() == 0; }
    explicit operator bool() const { return has_value(); }

    [[nodiscard]] T &value() &
    {
        check();
        return std::get<0>(m_state);
    }
    [[nodiscard]] const T &value() const &
    {
        check();
        return std::get<0>(m_state);
    }
    [[nodiscard]] T &&value() &&
    {
        check();
        return std::get<0>(std::move(m_state));
    }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T &&operator*() && { return std::move(*this).value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    template<typename U>
    [[nodiscard]] T value_or(U &&fallback) const &
    {
        return has_value() ? std::get<0>(m_state) : static_cast<T>(std::forward<U>(fallback));
    }

    // The error; only meaningful when has_value() is false.
    [[nodiscard]] const Error &error() const
    {
        Q_ASSERT(!has_value());
        return std::get<1>(m_state);
    }

    // f(T) -> Result<U>; an error passes through unchanged.
    template<typename F>
    auto and_then(F &&f) const & -> std::invoke_result_t<F, const T &>
    {
        if (!has_value())
            return error();
        return std::forward<F>(f)(std::get<0>(m_state));
    }

    // f(T) -> U; wraps the new value, an error passes through unchanged.
    template<typename F>
    auto transform(F &&f) const & -> Result<std::invoke_result_t<F, const T &>>
    {
        if (!has_value())
            return error();
        return std::forward<F>(f)(std::get<0>(m_state));
    }

private:
    void check() const
    {
        if (!has_value())
            resultAccessFailure(std::get<1>(m_state));
    }

    std::variant<T, Error> m_state;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    using value_type = void;

    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    { }

    [[nodiscard]] bool has_value() const { return !m_error.has_value(); }
    explicit operator bool() const { return has_value(); }
    void value() const
    {
        if (m_error)
            resultAccessFailure(*m_error);
    }
    [[nodiscard]] const Error &error() const
    {
        Q_ASSERT(m_error.has_value());
        return *m_error;
    }

private:
    std::optional<Error> m_error;
};

} // namespace portcullis
