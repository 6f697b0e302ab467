#pragma once

#include <QDialog>

namespace portcullis::ui {

// Names the product and the versions of what it runs on (Portcullis, Qt, OpenSSL), with a button that copies
// them for a bug report.
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);

    // The lines shown in the dialog, as plain text.
    [[nodiscard]] static QString versionReport();
};

} // namespace portcullis::ui
