#include "shell/AboutDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStringBuilder>
#include <QSysInfo>
#include <QVBoxLayout>

#include "common/BuildInfo.h"
#include "style/Icons.h"

namespace portcullis::ui {

namespace {

struct VersionLine
{
    QString label;
    QString value;
};

QList<VersionLine> versionLines()
{
    return {
        {AboutDialog::tr("Portcullis"), buildinfo::version()},
        {AboutDialog::tr("Qt"),
         buildinfo::qtRuntimeVersion() % u" (" % AboutDialog::tr("built with %1").arg(QStringLiteral(QT_VERSION_STR))
             % u')'},
        {AboutDialog::tr("OpenSSL"), buildinfo::opensslRuntimeVersion()},
        {AboutDialog::tr("Platform"), QSysInfo::prettyProductName() % u", " % QGuiApplication::platformName()},
    };
}

} // namespace

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Portcullis"));

    auto *icon = new QLabel(this);
    icon->setPixmap(icons::application().pixmap(QSize(72, 72), devicePixelRatioF()));

    auto *name = new QLabel(tr("Portcullis"), this);
    QFont nameFont = name->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.6);
    nameFont.setWeight(QFont::DemiBold);
    name->setFont(nameFont);

    auto *tagline = new QLabel(tr("An API security console: API keys, OAuth clients, live PKCE flows, JWTs and "
                                  "authentication monitoring, on your own machine."),
                               this);
    tagline->setWordWrap(true);

    auto *versions = new QFormLayout;
    for (const VersionLine &line : versionLines()) {
        auto *value = new QLabel(line.value, this);
        value->setObjectName(QStringLiteral("version:") + line.label);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        versions->addRow(line.label + u':', value);
    }

    auto *heading = new QVBoxLayout;
    heading->addWidget(name);
    heading->addWidget(tagline);
    auto *top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addSpacing(12);
    top->addLayout(heading, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("Copy version information"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [] { QGuiApplication::clipboard()->setText(versionReport()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(12);
    layout->addLayout(versions);
    layout->addSpacing(12);
    layout->addWidget(buttons);
    setMinimumWidth(460);
}

QString AboutDialog::versionReport()
{
    QStringList lines;
    for (const VersionLine &line : versionLines())
        lines << line.label % u": " % line.value;
    return lines.join(u'\n');
}

} // namespace portcullis::ui
