#pragma once

#include "widgets/Page.h"

class QComboBox;
class QLabel;
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

    // Where the workspace keeps its secrets, once it is open; the notice instead when they last only this session.
    void showSecrets(const QString &where, bool persist, const QStringList &notices);
    void showWorkspaceFailure(const QString &reason);

private:
    void themeChosen(int index);

    Theme &m_theme;
    QSettings &m_settings;
    QComboBox *m_themeCombo;
    QLabel *m_secretsLabel;
};

} // namespace portcullis::ui
