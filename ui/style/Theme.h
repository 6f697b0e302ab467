#pragma once

#include <QObject>
#include <QPalette>

namespace portcullis::ui {

// Light and dark palettes on the Fusion style. In FollowSystem mode the choice tracks the desktop's colour
// scheme: the XDG desktop portal's org.freedesktop.appearance color-scheme (read asynchronously and watched
// for changes), falling back to GTK_THEME and the platform palette when no portal answers.
class Theme : public QObject
{
    Q_OBJECT

public:
    enum class Mode
    {
        FollowSystem,
        Light,
        Dark,
    };
    Q_ENUM(Mode)

    explicit Theme(Mode mode = Mode::FollowSystem, QObject *parent = nullptr);

    [[nodiscard]] Mode mode() const { return m_mode; }
    void setMode(Mode mode);
    [[nodiscard]] bool isDark() const;
    [[nodiscard]] bool systemPrefersDark() const { return m_systemDark; }

    // Applies the palette for the current mode to the application.
    void apply();

    [[nodiscard]] static QPalette lightPalette();
    [[nodiscard]] static QPalette darkPalette();
    [[nodiscard]] static QString modeKey(Mode mode);
    [[nodiscard]] static Mode modeFromKey(const QString &key);

Q_SIGNALS:
    void changed(bool dark);

private:
    void querySystemScheme();
    void applyPortalScheme(uint scheme);

    Mode m_mode = Mode::FollowSystem;
    bool m_systemDark = false;
};

} // namespace portcullis::ui
