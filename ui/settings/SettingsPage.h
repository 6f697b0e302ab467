#pragma once

#include "widgets/Page.h"

class QComboBox;
class QSettings;

namespace portcullis::ui {

class Theme;

// Appearance (theme) and where the console keeps its files.
class SettingsPage : public Page
{
    Q_OBJECT

public:
    SettingsPage(const QString &title, const QString &subtitle, Theme &theme, QSettings &settings,
                 QWidget *parent = nullptr);

    static constexpr const char *THEME_KEY = "appearance/theme";

private:
    void themeChosen(int index);

    Theme &m_theme;
    QSettings &m_settings;
    QComboBox *m_themeCombo;
};

} // namespace portcullis::ui
