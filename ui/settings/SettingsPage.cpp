#include "settings/SettingsPage.h"

#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

#include "style/Theme.h"

namespace portcullis::ui {

namespace {

QLabel *pathLabel(const QString &path, QWidget *parent)
{
    auto *label = new QLabel(QDir::toNativeSeparators(path), parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

SettingsPage::SettingsPage(const QString &title, const QString &subtitle, Theme &theme, QSettings &settings,
                           QWidget *parent)
    : Page(title, subtitle, parent)
    , m_theme(theme)
    , m_settings(settings)
    , m_themeCombo(new QComboBox(this))
    , m_secretsLabel(new QLabel(tr("Opening the workspace\u2026"), this))
{
    m_secretsLabel->setObjectName(QStringLiteral("secretsLabel"));
    m_secretsLabel->setWordWrap(true);
    m_secretsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_themeCombo->setObjectName(QStringLiteral("themeCombo"));
    m_themeCombo->addItem(tr("Follow the system"), QVariant::fromValue(Theme::Mode::FollowSystem));
    m_themeCombo->addItem(tr("Light"), QVariant::fromValue(Theme::Mode::Light));
    m_themeCombo->addItem(tr("Dark"), QVariant::fromValue(Theme::Mode::Dark));
    m_themeCombo->setCurrentIndex(m_themeCombo->findData(QVariant::fromValue(theme.mode())));
    connect(m_themeCombo, &QComboBox::currentIndexChanged, this, &SettingsPage::themeChosen);

    auto *appearance = new QGroupBox(tr("Appearance"), this);
    auto *appearanceForm = new QFormLayout(appearance);
    appearanceForm->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    appearanceForm->addRow(tr("&Theme:"), m_themeCombo);

    auto *files = new QGroupBox(tr("Files"), this);
    auto *filesForm = new QFormLayout(files);
    filesForm->addRow(tr("Data folder:"),
                      pathLabel(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation), files));
    filesForm->addRow(tr("Console settings:"), pathLabel(settings.fileName(), files));
    filesForm->addRow(tr("Secrets:"), m_secretsLabel);

    body()->addWidget(appearance);
    body()->addWidget(files);
    body()->addStretch(1);
}

void SettingsPage::showSecrets(const QString &where, bool persist, const QStringList &notices)
{
    QString text = where;
    if (!persist) {
        for (const QString &notice : notices) {
            if (notice.contains(QLatin1String("session")))
                text = notice;
        }
    }
    m_secretsLabel->setText(text);
}

void SettingsPage::showWorkspaceFailure(const QString &reason)
{
    m_secretsLabel->setText(tr("The workspace could not be opened: %1").arg(reason));
}

void SettingsPage::themeChosen(int index)
{
    const auto mode = m_themeCombo->itemData(index).value<Theme::Mode>();
    m_settings.setValue(QLatin1String(THEME_KEY), Theme::modeKey(mode));
    m_theme.setMode(mode);
}

} // namespace portcullis::ui
